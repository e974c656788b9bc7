/* One JSON line per benchmark result (see report.h). */
#include "tests/bench/lib/report.h"

#include <stdio.h>

static const char *bench_name = "bench";
static int bench_decimals = 1;

void
bench_report_as(const char *bench, int decimals)
{
	bench_name = bench;
	bench_decimals = decimals;
}

/* s as a JSON string's contents: the notes are plain text, but a quote or
 * a backslash in one must not break the line. */
static void
put_text(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
}

void
bench_report(const char *metric, double value, const char *unit,
    const char *note)
{
	printf("{\"bench\":\"%s\",\"metric\":\"%s\",\"value\":%.*f,"
	    "\"unit\":\"", bench_name, metric, bench_decimals, value);
	put_text(unit);
	putchar('"');
	if (note != NULL) {
		fputs(",\"note\":\"", stdout);
		put_text(note);
		putchar('"');
	}
	fputs("}\n", stdout);
	fflush(stdout);
}
