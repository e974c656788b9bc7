/* Benchmark of the data layer one Pass state costs per transition:
 * Parameters (a payload template with paths and a static part) evaluated
 * against the input, then ResultPath assigning the result into it.
 * Prints JSON lines. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/loop.h"
#include "orchestrator/choice.h"
#include "orchestrator/jsonpath.h"
#include "orchestrator/payload.h"
#include "tests/bench/lib/report.h"

static double
now(void)
{
	return (double)sl_loop_now_us() / 1e6;
}

int
main(void)
{
	struct sl_err err = SL_ERR_INIT;
	cJSON *tmpl = cJSON_Parse("{\"id.$\": \"$.order.id\", \"qty.$\": "
	    "\"$.order.qty\", \"kind\": \"pass\", \"n.$\": \"$.step\"}");
	cJSON *doc = cJSON_Parse("{\"order\": {\"id\": \"A-17\", \"qty\": 3, "
	    "\"lines\": [1, 2, 3]}, \"step\": 0}");
	cJSON *rule = cJSON_Parse("{\"And\": [{\"Variable\": \"$.order.qty\", "
	    "\"NumericGreaterThan\": 1}, {\"Variable\": \"$.order.id\", "
	    "\"StringMatches\": \"A-*\"}]}");
	struct sl_payload *p = sl_payload_compile(tmpl, "Parameters", &err);
	struct sl_path *rp = sl_path_compile("$.result", SL_PATH_REFERENCE,
	    &err);
	struct sl_choice *c = sl_choice_compile(rule, "Choices/0", &err);
	const long n = 1000000;
	double t0, t1;
	cJSON *v;
	long i, hits = 0;

	bench_report_as("asldata", 0);
	if (p == NULL || rp == NULL || c == NULL) {
		fprintf(stderr, "asldata bench: %s\n", err.msg);
		return 1;
	}
	t0 = now();
	for (i = 0; i < n; i++) {
		v = sl_payload_eval(p, doc, NULL, &err);
		if (v == NULL || sl_path_assign(rp, &doc, v, &err) < 0) {
			fprintf(stderr, "asldata bench: %s\n", err.msg);
			return 1;
		}
	}
	t1 = now();
	bench_report("parameters_resultpath_per_sec", (double)n / (t1 - t0),
	    "ops/s", NULL);
	t0 = now();
	for (i = 0; i < n; i++)
		hits += sl_choice_eval(c, doc, NULL, &err) == 1;
	t1 = now();
	bench_report("choice_rule_per_sec", (double)n / (t1 - t0), "ops/s",
	    NULL);
	if (hits != n)
		return 1;
	sl_payload_free(p);
	sl_path_free(rp);
	sl_choice_free(c);
	cJSON_Delete(tmpl);
	cJSON_Delete(doc);
	cJSON_Delete(rule);
	return 0;
}
