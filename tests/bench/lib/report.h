/* The benchmarks' output: one JSON line per result on stdout,
 * {"bench", "metric", "value", "unit"} and "note" when there is one, so
 * that `make bench` prints one stream a script can read. */
#ifndef TESTS_BENCH_REPORT_H
#define TESTS_BENCH_REPORT_H

/* Name the benchmark and how many decimals its values get (once, before
 * the first result). */
void bench_report_as(const char *bench, int decimals);
/* One result; note may be NULL. */
void bench_report(const char *metric, double value, const char *unit,
    const char *note);

#endif
