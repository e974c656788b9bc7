/* Where the daemon's loop runs: see placement.h. */
#include "runtime/placement.h"
#include "common/buf.h"
#include "common/xmalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Columns of the header: the CPU number of each into cpus (CPU_SETSIZE at
 * most, as many as CPUs can be named). The count, or -1 when the first
 * line is not a row of CPUn. */
static int
header_cpus(const char **p, int *cpus)
{
	const char *s = *p;
	int n = 0;

	for (;;) {
		char *end;
		long cpu;

		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\n' || *s == '\0')
			break;
		if (strncmp(s, "CPU", 3) != 0 || !isdigit((unsigned char)s[3]))
			return -1;
		cpu = strtol(s + 3, &end, 10);
		if (n == CPU_SETSIZE || cpu >= CPU_SETSIZE)
			return -1;
		cpus[n++] = (int)cpu;
		s = end;
	}
	*p = *s == '\n' ? s + 1 : s;
	return n > 0 ? n : -1;
}

int
sl_placement_quietest_cpu(const char *text, const cpu_set_t *allowed)
{
	int *cpus = xcalloc(CPU_SETSIZE, sizeof(*cpus));
	uint64_t *count = xcalloc(CPU_SETSIZE, sizeof(*count));
	const char *p = text;
	int ncol, i, best = -1;

	if ((ncol = header_cpus(&p, cpus)) < 0)
		goto out;
	while (*p != '\0') {
		const char *eol = strchr(p, '\n');
		const char *s = p;
		int numbered;

		if (eol == NULL)
			eol = p + strlen(p);
		while (*s == ' ')
			s++;
		numbered = isdigit((unsigned char)*s);
		while (isdigit((unsigned char)*s))
			s++;
		/* Only a device's line ("36:  0  44161196  PCI-MSIX ...")
		 * counts; NMI, LOC, RES and the other per-CPU rows do not. */
		if (numbered && *s == ':') {
			s++;
			for (i = 0; i < ncol && s < eol; i++) {
				char *end;
				unsigned long long v;

				while (*s == ' ')
					s++;
				if (!isdigit((unsigned char)*s))
					break;
				v = strtoull(s, &end, 10);
				count[i] += v;
				s = end;
			}
		}
		p = *eol == '\n' ? eol + 1 : eol;
	}
	for (i = 0; i < ncol; i++)
		if (CPU_ISSET(cpus[i], allowed) &&
		    (best < 0 || count[i] < count[best]))
			best = i;
	if (best >= 0)
		best = cpus[best];
out:
	free(cpus);
	free(count);
	return best;
}

int
sl_placement_quietest_cpu_here(void)
{
	cpu_set_t allowed;
	char *text;
	int cpu;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return -1;
	if ((text = sl_read_file("/proc/interrupts")) == NULL)
		return -1;
	cpu = sl_placement_quietest_cpu(text, &allowed);
	free(text);
	if (cpu < 0)
		errno = EINVAL;
	return cpu;
}
