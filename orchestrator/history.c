/* Execution history: events shaped as AWS's HistoryEvent, numbered per
 * execution, collected into the current batch and optionally kept. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/json.h"
#include "common/xmalloc.h"
#include "orchestrator/engine_int.h"

void
iso_time(int64_t ms, char *buf, size_t len)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static size_t
str_upper(const char *p, size_t cap)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t n = 2;

	for (; *s && n <= cap; s++)
		n += *s < 0x20 ? 6 : (*s == '"' || *s == '\\') ? 2 : 1;
	return n;
}

/* An upper bound on the length of v printed compactly, counting no further
 * than just past cap: cheap (no printing) and exact enough for the payload
 * limit. */
size_t
json_size_upper(const cJSON *v, size_t cap)
{
	const cJSON *c;
	size_t n = 0;

	if (v->string != NULL)
		n += str_upper(v->string, cap) + 1;
	if (cJSON_IsString(v))
		n += str_upper(v->valuestring, cap);
	else if (cJSON_IsNumber(v))
		n += 26;
	else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		n += 2;
		for (c = v->child; c != NULL && n <= cap; c = c->next)
			n += json_size_upper(c, cap - n) + 1;
	} else
		n += 5;
	return n;
}

cJSON *
hist_details(void)
{
	return cJSON_CreateObject();
}

/* Add v as JSON text under key, with AWS's "<key>Details" beside it. */
void
hist_add_json(cJSON *d, const char *key, const cJSON *v)
{
	char *s = sl_json_print(v);

	hist_add_text(d, key, s);
	cJSON_free(s);
}

void
hist_add_text(cJSON *d, const char *key, const char *text)
{
	char dk[64];
	cJSON *det;

	cJSON_AddStringToObject(d, key, text);
	snprintf(dk, sizeof(dk), "%sDetails", key);
	det = cJSON_AddObjectToObject(d, dk);
	cJSON_AddBoolToObject(det, "truncated", 0);
}

/* Append one event. details (ownership taken, may be NULL) goes under dkey.
 * Without event building (no sink, no kept history) only the id counts.
 *
 * previousEventId is not simply the id before: AWS numbers events in
 * chains, one per thread of the run. The event names *chain, the last
 * event of its thread, and becomes that itself unless aside is set. A
 * Parallel branch's chain starts at ParallelStateStarted and a Map
 * iteration's where its worker slot left off (frame.wchain); the state
 * goes on from the furthest its branches or workers reached
 * (hist_chain_join). Aside are ExecutionStarted (the first state's event
 * names 0), Map/ParallelStateSucceeded and an iteration's end events.
 * Returns the event's id. */
int64_t
hist_event(struct sl_exec *x, int64_t *chain, int aside, const char *type,
    const char *dkey, cJSON *details)
{
	int64_t prev = *chain;
	cJSON *ev;

	x->last_id++;
	eng_dirty(x);
	if (!aside)
		*chain = x->last_id;
	if (!x->emit) {
		cJSON_Delete(details);
		return x->last_id;
	}
	ev = cJSON_CreateObject();
	cJSON_AddNumberToObject(ev, "id", (double)x->last_id);
	cJSON_AddNumberToObject(ev, "previousEventId", (double)prev);
	cJSON_AddNumberToObject(ev, "timestamp", (double)eng_now(x->e));
	cJSON_AddStringToObject(ev, "type", type);
	if (details != NULL)
		cJSON_AddItemToObject(ev, dkey, details);
	if (x->batch == NULL)
		x->batch = cJSON_CreateArray();
	cJSON_AddItemToArray(x->batch, ev);
	return x->last_id;
}

/* A thread that ended (a branch, a worker) joins *chain: the state's next
 * event goes on from the furthest of them. */
void
hist_chain_join(int64_t *chain, int64_t id)
{
	if (id > *chain)
		*chain = id;
}
