/* Benchmark: validating a large definition (a chain of Pass states with
 * Parameters and ResultPath, just under AWS's 1 MB limit). Prints JSON
 * lines. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/buf.h"
#include "orchestrator/validate.h"
#include "tests/bench/lib/report.h"

#define STATES 9000
#define ROUNDS 20

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(void)
{
	struct sl_asl_diags d = SL_ASL_DIAGS_INIT;
	struct sl_buf b;
	double t0, secs;
	char note[64];
	int i;

	sl_buf_init(&b);
	sl_buf_addstr(&b, "{\"StartAt\": \"s0\", \"States\": {");
	for (i = 0; i < STATES - 1; i++)
		sl_buf_addf(&b, "\"s%d\": {\"Type\": \"Pass\", \"Parameters\": "
		    "{\"a.$\": \"$.x\", \"b\": [1, 2]}, \"ResultPath\": "
		    "\"$.r\", \"Next\": \"s%d\"}, ", i, i + 1);
	sl_buf_addf(&b, "\"s%d\": {\"Type\": \"Succeed\"}}}", STATES - 1);
	t0 = now();
	for (i = 0; i < ROUNDS; i++) {
		if (sl_asl_validate_text(b.data, b.len, &d) != 0) {
			fprintf(stderr, "bench validate: definition invalid\n");
			return 1;
		}
		sl_asl_diags_release(&d);
	}
	secs = now() - t0;
	snprintf(note, sizeof(note), "a definition of %zu bytes", b.len);
	bench_report_as("validate", 0);
	bench_report("states_per_second", (double)STATES * ROUNDS / secs,
	    "states/s", NULL);
	bench_report_as("validate", 1);
	bench_report("throughput", (double)b.len * ROUNDS / secs / 1e6, "MB/s",
	    note);
	sl_buf_release(&b);
	return 0;
}
