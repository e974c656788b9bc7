/* Checkpoints: an execution's whole running state as compact JSON, and
 * sl_exec_restore to continue from one (in a fresh engine after a crash). */
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/xmalloc.h"
#include "orchestrator/engine_int.h"

static const char *phase_names[] = { "idle", "task", "wait", "retry", "kids",
	"done" };

/* The frame's JSON values are borrowed (cJSON references), not copied:
 * the tree lives only until it is printed. */
static cJSON *
frame_json(const struct frame *f)
{
	cJSON *o = cJSON_CreateObject();
	int i;

	if (f->parent != NULL) {
		cJSON_AddNumberToObject(o, "index", f->index);
		cJSON_AddNumberToObject(o, "chain", (double)f->chain);
	}
	cJSON_AddStringToObject(o, "state", f->st->name);
	/* A restored Task not yet invoked again is still in flight. */
	cJSON_AddStringToObject(o, "phase", f->resume_begin ? "task" :
	    phase_names[f->phase]);
	if (f->input != NULL)
		cJSON_AddItemReferenceToObject(o, "input", f->input);
	cJSON_AddNumberToObject(o, "entered", (double)f->entered_ms);
	cJSON_AddNumberToObject(o, "enteredId", (double)f->entered_id);
	cJSON_AddNumberToObject(o, "retryCount", f->retry_count);
	if (f->attempts != NULL)
		cJSON_AddItemToObject(o, "attempts",
		    cJSON_CreateIntArray(f->attempts, f->st->nretry));
	if (f->timer.slot != 0)
		cJSON_AddNumberToObject(o, "due", (double)f->timer.due_ms);
	if (f->phase == PH_KIDS) {
		cJSON *k = cJSON_AddObjectToObject(o, "kids"), *fr;

		cJSON_AddNumberToObject(k, "n", f->nkids);
		cJSON_AddNumberToObject(k, "started", f->nstarted);
		cJSON_AddNumberToObject(k, "running", f->nrunning);
		cJSON_AddNumberToObject(k, "done", f->ndone);
		cJSON_AddNumberToObject(k, "failed", f->nfailed);
		cJSON_AddNumberToObject(k, "maxConcurrency", f->max_conc);
		cJSON_AddNumberToObject(k, "toleratedCount",
		    (double)f->tol_count);
		cJSON_AddNumberToObject(k, "toleratedPercentage", f->tol_pct);
		/* The items are ItemsPath of the effective input: they are
		 * found again on restore rather than stored twice. */
		if (f->eff_input != NULL)
			cJSON_AddItemReferenceToObject(k, "effectiveInput",
			    f->eff_input);
		cJSON_AddItemReferenceToObject(k, "results", f->results);
		fr = cJSON_AddArrayToObject(k, "frames");
		for (i = 0; i < f->nkids; i++)
			if (f->kids[i] != NULL)
				cJSON_AddItemToArray(fr,
				    frame_json(f->kids[i]));
	}
	return o;
}

char *
ckpt_write(struct sl_exec *x)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddNumberToObject(o, "version", SL_EXEC_CHECKPOINT_VERSION);
	cJSON_AddStringToObject(o, "executionArn", x->arn);
	cJSON_AddStringToObject(o, "name", x->name);
	cJSON_AddStringToObject(o, "stateMachineArn", x->m->arn);
	cJSON_AddStringToObject(o, "input", x->input_text);
	cJSON_AddNumberToObject(o, "startTime", (double)x->start_ms);
	if (x->express)
		cJSON_AddBoolToObject(o, "express", 1);
	cJSON_AddNumberToObject(o, "lastEventId", (double)x->last_id);
	cJSON_AddNumberToObject(o, "chain", (double)x->chain);
	if (x->timeout.slot != 0)
		cJSON_AddNumberToObject(o, "timeoutDue",
		    (double)x->timeout.due_ms);
	if (x->top != NULL)
		cJSON_AddItemToObject(o, "frame", frame_json(x->top));
	s = sl_json_print(o);
	cJSON_Delete(o);
	return s;
}

static double
num(const cJSON *o, const char *k, double def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/* Map f's worker slots, after its running iterations were loaded. A
 * slot's chain is only read when a new iteration starts in it, and by then
 * the iteration that ran there has joined its chain to it (and past any
 * event of this checkpoint), so the slots start at 0 and the running
 * iterations take the first ones. */
static void
map_workers_load(struct frame *f)
{
	int i;

	map_workers_init(f, 0);
	for (i = 0; i < f->nkids; i++)
		if (f->kids[i] != NULL)
			f->kids[i]->worker = map_worker_take(f);
}

static struct frame *
frame_load(struct sl_exec *x, struct frame *parent, struct asl_branch *br,
    const cJSON *o, struct sl_err *err)
{
	const cJSON *sn = cJSON_GetObjectItemCaseSensitive(o, "state");
	const cJSON *ph = cJSON_GetObjectItemCaseSensitive(o, "phase");
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(o, "input");
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(o, "attempts");
	struct asl_state *st;
	struct frame *f;
	int i, phase = -1;

	if (!cJSON_IsString(sn) || !cJSON_IsString(ph) ||
	    (st = asl_branch_find(br, sn->valuestring)) == NULL) {
		sl_err_set(err, "States.Runtime", "checkpoint: a frame names "
		    "no state of this state machine");
		return NULL;
	}
	for (i = 0; i < 6; i++)
		if (strcmp(ph->valuestring, phase_names[i]) == 0)
			phase = i;
	if (phase < 0 || phase == PH_DONE) {
		sl_err_set(err, "States.Runtime", "checkpoint: bad phase '%s'",
		    ph->valuestring);
		return NULL;
	}
	f = frame_new(x, parent, br, (int)num(o, "index", 0),
	    in ? cJSON_Duplicate(in, 1) : cJSON_CreateNull());
	f->st = st;
	f->phase = (enum frame_phase)phase;
	/* A checkpoint without chains goes on from the last event. */
	if (parent != NULL)
		f->chain = (int64_t)num(o, "chain", (double)x->last_id);
	f->entered_ms = (int64_t)num(o, "entered", 0);
	f->entered_id = (int64_t)num(o, "enteredId", 0);
	f->retry_count = (int)num(o, "retryCount", 0);
	if (st->nretry > 0) {
		f->attempts = xcalloc((size_t)st->nretry, sizeof(int));
		for (i = 0; i < st->nretry && i < cJSON_GetArraySize(at); i++)
			f->attempts[i] = (int)cJSON_GetArrayItem(at, i)->
			    valuedouble;
	}
	switch (f->phase) {
	case PH_IDLE:
		eng_queue(f);
		break;
	case PH_TASK:
		/* In flight when the checkpoint was taken: invoke again. */
		f->phase = PH_IDLE;
		f->resume_begin = 1;
		eng_queue(f);
		break;
	case PH_WAIT:
	case PH_RETRY:
		eng_timer_set(x->e, &f->timer, (int64_t)num(o, "due", 0));
		break;
	case PH_KIDS: {
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "kids");
		const cJSON *fr = cJSON_GetObjectItemCaseSensitive(k,
		    "frames"), *kf;
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(k,
		    "results");
		const cJSON *eff = cJSON_GetObjectItemCaseSensitive(k,
		    "effectiveInput");

		f->nkids = (int)num(k, "n", 0);
		if (!cJSON_IsArray(res) || f->nkids < 0 ||
		    cJSON_GetArraySize(res) != f->nkids) {
			sl_err_set(err, "States.Runtime",
			    "checkpoint: bad children of state '%s'", st->name);
			frame_free(f);
			return NULL;
		}
		f->nstarted = (int)num(k, "started", 0);
		f->nrunning = (int)num(k, "running", 0);
		f->ndone = (int)num(k, "done", 0);
		f->nfailed = (int)num(k, "failed", 0);
		f->max_conc = (int)num(k, "maxConcurrency", 0);
		f->tol_count = (int64_t)num(k, "toleratedCount", -1);
		f->tol_pct = num(k, "toleratedPercentage", -1);
		f->results = cJSON_Duplicate(res, 1);
		f->eff_input = eff ? cJSON_Duplicate(eff, 1) : NULL;
		if (st->type == ASL_MAP) {
			struct sl_err perr = SL_ERR_INIT;

			f->items = f->eff_input == NULL ? NULL :
			    st->items_path == NULL ?
			    cJSON_Duplicate(f->eff_input, 1) :
			    sl_path_eval(st->items_path, f->eff_input,
			    ctx_get(f, NULL, NULL), &perr);
			if (!cJSON_IsArray(f->items) ||
			    cJSON_GetArraySize(f->items) != f->nkids) {
				sl_err_set(err, "States.Runtime", "checkpoint: "
				    "the items of Map state '%s' are lost",
				    st->name);
				frame_free(f);
				return NULL;
			}
		}
		f->kids = xcalloc((size_t)f->nkids + 1, sizeof(*f->kids));
		cJSON_ArrayForEach(kf, fr) {
			int idx = (int)num(kf, "index", -1);
			struct asl_branch *kb;
			struct frame *kid;

			if (idx < 0 || idx >= f->nkids ||
			    f->kids[idx] != NULL || (st->type == ASL_PARALLEL &&
			    idx >= st->nbranches) || (st->type !=
			    ASL_PARALLEL && st->type != ASL_MAP)) {
				sl_err_set(err, "States.Runtime",
				    "checkpoint: bad child of state '%s'",
				    st->name);
				frame_free(f);
				return NULL;
			}
			kb = st->type == ASL_PARALLEL ? st->branches[idx] :
			    st->processor;
			kid = frame_load(x, f, kb, kf, err);
			if (kid == NULL) {
				frame_free(f);
				return NULL;
			}
			f->kids[idx] = kid;
		}
		if (st->type == ASL_MAP)
			map_workers_load(f);
		break;
	}
	default:
		break;
	}
	return f;
}

int
sl_exec_restore(struct sl_engine *e, struct sl_asl_machine *m,
    const char *checkpoint, void *user, struct sl_err *err)
{
	cJSON *o = cJSON_Parse(checkpoint ? checkpoint : "");
	const cJSON *arn, *name, *input, *fr;
	cJSON *in = NULL;
	struct sl_exec *x;

	if (o == NULL) {
		sl_err_set(err, "States.Runtime", "checkpoint: not JSON");
		goto fail;
	}
	if (num(o, "version", 0) != SL_EXEC_CHECKPOINT_VERSION) {
		sl_err_set(err, "States.Runtime", "checkpoint: version %g is "
		    "not %d", num(o, "version", 0), SL_EXEC_CHECKPOINT_VERSION);
		goto fail;
	}
	arn = cJSON_GetObjectItemCaseSensitive(o, "executionArn");
	name = cJSON_GetObjectItemCaseSensitive(o, "name");
	input = cJSON_GetObjectItemCaseSensitive(o, "input");
	fr = cJSON_GetObjectItemCaseSensitive(o, "frame");
	if (!cJSON_IsString(arn) || !cJSON_IsString(name) ||
	    !cJSON_IsString(input) || !cJSON_IsObject(fr) ||
	    (in = cJSON_Parse(input->valuestring)) == NULL) {
		sl_err_set(err, "States.Runtime", "checkpoint: fields missing");
		goto fail;
	}
	if (sl_engine_find(e, arn->valuestring) != NULL) {
		sl_err_set(err, "ExecutionAlreadyExists",
		    "execution %s is already running", arn->valuestring);
		goto fail;
	}
	x = exec_new(e, m, arn->valuestring, name->valuestring,
	    input->valuestring, in, (int64_t)num(o, "startTime", 0), user);
	in = NULL;
	x->last_id = (int64_t)num(o, "lastEventId", 0);
	x->chain = (int64_t)num(o, "chain", (double)x->last_id);
	x->express = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o,
	    "express"));
	e->driving++;
	x->top = frame_load(x, NULL, m->top, fr, err);
	e->driving--;
	if (x->top == NULL) {
		/* Nothing ran: drop the record without callbacks. */
		x->status = SL_EXEC_ABORTED;
		exec_discard(x);
		goto fail;
	}
	if (cJSON_GetObjectItemCaseSensitive(o, "timeoutDue") != NULL)
		eng_timer_set(e, &x->timeout, (int64_t)num(o, "timeoutDue", 0));
	cJSON_Delete(o);
	eng_drive(e);
	return 0;
fail:
	cJSON_Delete(in);
	cJSON_Delete(o);
	return -1;
}
