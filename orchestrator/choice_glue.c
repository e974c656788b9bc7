/* Choice rules and timestamps for the interpreter, over choice.h and
 * asltime.h. */
#include "orchestrator/asltime.h"
#include "orchestrator/choice.h"
#include "orchestrator/engine_int.h"

void *
asl_choice_compile(const cJSON *rule, const char *field, struct sl_err *err)
{
	return sl_choice_compile(rule, field, err);
}

int
asl_choice_eval(const void *rule, const cJSON *doc, const cJSON *ctx,
    struct sl_err *err)
{
	return sl_choice_eval(rule, doc, ctx, err);
}

void
asl_choice_free(void *rule)
{
	sl_choice_free(rule);
}

int
asl_parse_time(const char *s, int64_t *ms)
{
	struct sl_time t;

	if (sl_time_parse(s, &t) == -1)
		return -1;
	*ms = sl_time_to_ms(&t);
	return 0;
}
