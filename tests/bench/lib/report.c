/* One JSON line per benchmark result (see report.h). */
#include "tests/bench/lib/report.h"
#include "common/buf.h"
#include "common/json.h"

#include <stdio.h>

static const char *bench_name = "bench";
static int bench_decimals = 1;

void
bench_report_as(const char *bench, int decimals)
{
	bench_name = bench;
	bench_decimals = decimals;
}

void
bench_report(const char *metric, double value, const char *unit,
    const char *note)
{
	struct sl_buf b = SL_BUF_INIT;

	sl_buf_addstr(&b, "{\"bench\":");
	sl_json_write_string(&b, bench_name);
	sl_buf_addstr(&b, ",\"metric\":");
	sl_json_write_string(&b, metric);
	sl_buf_addf(&b, ",\"value\":%.*f,\"unit\":", bench_decimals, value);
	sl_json_write_string(&b, unit);
	if (note != NULL) {
		sl_buf_addstr(&b, ",\"note\":");
		sl_json_write_string(&b, note);
	}
	sl_buf_addstr(&b, "}\n");
	fputs(b.data, stdout);
	fflush(stdout);
	sl_buf_release(&b);
}
