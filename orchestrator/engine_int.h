/* Private to the interpreter (machine.c, engine.c, states.c, retry.c,
 * history.c, checkpoint.c): the compiled machine and the execution records. */
#ifndef SL_ENGINE_INT_H
#define SL_ENGINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/err.h"
#include "common/shash.h"
#include "orchestrator/engine.h"
#include "orchestrator/intrinsic.h"
#include "orchestrator/jsonpath.h"
#include "orchestrator/payload.h"

enum asl_type {
	ASL_PASS,
	ASL_TASK,
	ASL_CHOICE,
	ASL_WAIT,
	ASL_SUCCEED,
	ASL_FAIL,
	ASL_PARALLEL,
	ASL_MAP,
};

enum asl_resource {
	ASL_RES_LAMBDA_ARN,    /* arn:aws:lambda:...:function:NAME */
	ASL_RES_LAMBDA_INVOKE, /* arn:aws:states:::lambda:invoke */
	ASL_RES_OTHER,         /* not supported here: States.Runtime */
};

struct asl_state;
struct asl_branch;

struct asl_errors {
	char **names;
	int n;
};

struct asl_retrier {
	struct asl_errors on;
	double interval;      /* seconds */
	int max_attempts;
	double backoff;
	double max_delay;     /* seconds; 0 = none */
	int jitter_full;
};

struct asl_catcher {
	struct asl_errors on;
	struct asl_state *next;
	struct sl_path *result_path; /* NULL: "$" */
	unsigned char result_null;   /* "ResultPath": null */
};

/* A choice rule: the condition is an opaque compiled rule of choice.c. */
struct asl_choice {
	void *rule;
	struct asl_state *next;
};

struct asl_state {
	char *name;
	enum asl_type type;
	struct asl_branch *owner;
	struct asl_state *next;
	int end;

	struct sl_path *input_path;  /* NULL = "$" */
	struct sl_path *output_path;
	struct sl_path *result_path;
	unsigned char input_null, output_null, result_null;
	struct sl_payload *parameters;
	struct sl_payload *result_selector;
	cJSON *result; /* Pass */

	struct asl_retrier *retry;
	int nretry;
	struct asl_catcher *catch;
	int ncatch;

	/* Task */
	char *resource;
	enum asl_resource res_kind;
	char *function; /* the Lambda ARN of ASL_RES_LAMBDA_ARN */
	int64_t timeout_s; /* 0 = none (default 60 for activities only) */
	struct sl_path *timeout_path;
	int64_t heartbeat_s;
	struct sl_path *heartbeat_path;
	int wait_token; /* .waitForTaskToken */

	/* Choice */
	struct asl_choice *choices;
	int nchoices;
	struct asl_state *def;

	/* Wait */
	int has_seconds;
	int64_t seconds;
	int has_timestamp;
	int64_t timestamp_ms;
	struct sl_path *seconds_path;
	struct sl_path *timestamp_path;

	/* Fail */
	char *error;
	char *cause;
	struct sl_path *error_path;
	struct sl_path *cause_path;
	struct sl_intrinsic *error_fn; /* ErrorPath as an intrinsic call */
	struct sl_intrinsic *cause_fn;

	/* Parallel */
	struct asl_branch **branches;
	int nbranches;

	/* Map */
	struct sl_path *items_path;
	struct sl_payload *item_selector;
	struct asl_branch *processor;
	int64_t max_conc;
	struct sl_path *max_conc_path;
	int has_tol_pct;
	double tol_pct;
	struct sl_path *tol_pct_path;
	int has_tol_count;
	int64_t tol_count;
	struct sl_path *tol_count_path;
};

/* A list of states with a start: the top level, a Parallel branch or a Map
 * processor. Names are sorted for lookup. */
struct asl_branch {
	struct asl_state **states; /* sorted by name */
	int nstates;
	struct asl_state *start;
};

struct sl_asl_machine {
	int refs;
	char *arn;
	char *name;
	struct asl_branch *top;
	uint32_t timeout_s;
	int uses_ctx; /* the definition mentions "$$" */
};

struct asl_state *asl_branch_find(const struct asl_branch *b,
    const char *name);
const char *asl_type_name(enum asl_type t);

/* choice_glue.c: Choice rules over the choice module. */
void *asl_choice_compile(const cJSON *rule, const char *field,
    struct sl_err *err);
/* 1 = matches, 0 = does not, -1 = error (err filled). */
int asl_choice_eval(const void *rule, const cJSON *doc, const cJSON *ctx,
    struct sl_err *err);
void asl_choice_free(void *rule);

/* time parsing (RFC 3339 as Wait accepts it): 0 and *ms, or -1. */
int asl_parse_time(const char *s, int64_t *ms);

/* --- runtime ------------------------------------------------------------- */

enum frame_phase {
	PH_IDLE,     /* queued to enter its current state */
	PH_TASK,     /* an invocation is in flight */
	PH_WAIT,     /* a Wait state's timer */
	PH_RETRY,    /* waiting to retry */
	PH_KIDS,     /* Map/Parallel children running */
	PH_DONE,     /* the frame's branch ended */
};

enum timer_kind {
	TM_FRAME,
	TM_EXEC_TIMEOUT,
};

struct eng_timer {
	int64_t due_ms;
	size_t slot; /* heap index + 1; 0 = not scheduled */
	enum timer_kind kind;
	void *owner;
};

struct frame {
	struct sl_exec *x;
	struct frame *parent; /* NULL for the execution's top frame */
	int index;            /* branch or item index in the parent */
	int64_t chain;        /* a branch's or an iteration's history
	                         chain (see frame_chain) */
	int worker;           /* Map iteration: its worker slot */
	struct asl_branch *br;
	struct asl_state *st;
	enum frame_phase phase;
	cJSON *input;         /* the current state's raw input; owned */
	int64_t entered_ms;
	int64_t entered_id;   /* id of the StateEntered event */
	int retry_count;
	int *attempts;        /* per retrier of st */
	struct eng_timer timer;
	int timer_is_heartbeat;
	uint64_t token;       /* invocation token while PH_TASK */
	uint64_t handle;      /* the invoker's handle */
	int reported;         /* its outcome came (deferred): no cancel */
	int queued;
	int resume_begin;     /* queued to begin, not enter (restore) */
	struct frame *next_q, *prev_q;

	/* PH_KIDS */
	struct frame **kids;  /* nkids slots; NULL = not started or ended */
	int nkids;
	int nstarted;
	int nrunning;
	int ndone;
	int nfailed;
	int max_conc;         /* 0 = unlimited */
	/* Map: worker slots, as AWS numbers history: the items are run by
	 * max_conc workers (one per item when unlimited), each taking the
	 * next item when done with one. wchain[w] is where worker w's next
	 * iteration goes on from; wfree lists the idle slots (room for
	 * nworkers + nkids, as many as a bad checkpoint could free). */
	int64_t *wchain;
	int *wfree;
	int nworkers;
	int nwfree;
	int64_t tol_count;    /* -1 = not set */
	double tol_pct;       /* -1 = not set */
	cJSON *items;         /* Map: the items; owned */
	cJSON *eff_input;     /* Map: effective input for ItemSelector */
	cJSON *results;       /* array, owned */
	char *kid_error;      /* first failure of a child */
	char *kid_cause;
};

struct sl_exec {
	struct sl_engine *e;
	struct sl_asl_machine *m;
	char *arn;
	char *name;
	char *input_text;
	cJSON *input;
	int64_t start_ms;
	int64_t stop_ms;
	enum sl_exec_status status;
	char *output;
	char *error;
	char *cause;
	void *user;
	struct frame *top;
	int64_t last_id;
	int64_t chain;        /* the top frame's history chain */
	cJSON *ctx;           /* the context object, built when needed */
	cJSON *history;       /* kept events (keep_history) */
	cJSON *batch;         /* events of the current batch */
	struct eng_timer timeout;
	int dirty;
	struct sl_exec *next_dirty;
	struct sl_shash_node hnode; /* in the engine's hash, by ARN */
	struct sl_exec *prev, *next; /* all executions */
	int emit;            /* build event objects */
	int express;
};

struct deferred;

struct inflight {
	uint64_t token;
	struct frame *f;
};

struct sl_engine {
	struct sl_engine_config cfg;
	char *region;
	char *account;
	char *role_arn;
	/* timer heap */
	struct eng_timer **heap;
	size_t nheap, capheap;
	int64_t armed_due; /* what the clock is set to; INT64_MAX = none */
	/* run queue */
	struct frame *q_head, *q_tail;
	int driving;
	struct sl_exec *dirty;
	/* executions */
	struct sl_exec *all;
	size_t count;
	struct sl_shash hash; /* by ARN */
	/* in-flight invocations: open addressing on token */
	struct inflight *fl;
	size_t nfl, capfl;
	uint64_t next_token;
	uint64_t rng;
	cJSON *empty_ctx;
	struct deferred *dq_head, *dq_tail;
};

/* engine.c */
int64_t eng_now(struct sl_engine *e);
void eng_timer_set(struct sl_engine *e, struct eng_timer *t, int64_t due);
void eng_timer_clear(struct sl_engine *e, struct eng_timer *t);
void eng_queue(struct frame *f);
void eng_dirty(struct sl_exec *x);
uint64_t eng_track(struct sl_engine *e, struct frame *f);
void eng_untrack(struct sl_engine *e, uint64_t token);
double eng_random(struct sl_engine *e);
struct frame *frame_new(struct sl_exec *x, struct frame *parent,
    struct asl_branch *br, int index, cJSON *input);
void frame_free(struct frame *f);
void frame_free_kids(struct frame *f);
/* Cancel a frame's pending work (timer, invocation, children). */
void frame_cancel(struct frame *f);
struct sl_exec *exec_new(struct sl_engine *e, struct sl_asl_machine *m,
    const char *arn, const char *name, const char *input_text, cJSON *input,
    int64_t start_ms, void *user);
/* Unlink and free, without callbacks. */
void exec_discard(struct sl_exec *x);
void exec_finish(struct sl_exec *x, enum sl_exec_status st,
    const char *output_or_null, const char *error, const char *cause);

/* states.c */
void state_enter(struct frame *f);
void state_resume_task(struct frame *f, const struct sl_task_result *res);
void state_timer(struct frame *f);
void state_kid_done(struct frame *f, struct frame *kid, cJSON *output,
    const char *error, const char *cause);
/* Start (or restart after a retry) the current state's work. */
void state_begin(struct frame *f);
cJSON *ctx_get(struct frame *f, const cJSON *map_index, const cJSON *map_val);
void frame_start_kids(struct frame *f);
/* Give Map f (its nkids and max_conc set) its worker slots, each going on
 * from chain start, all idle. */
void map_workers_init(struct frame *f, int64_t start);
/* An idle worker slot of Map f, taken (0 when none: only after a
 * checkpoint whose counts disagree, and any slot then serves). */
int map_worker_take(struct frame *f);

/* retry.c */
int asl_error_matches(const struct asl_errors *on, const char *error,
    int from_branch);
/* The retrier that handles error, or -1. */
int asl_retrier_find(const struct asl_state *st, const char *error,
    int from_branch);
int asl_catcher_find(const struct asl_state *st, const char *error,
    int from_branch);
/* Delay before retry number attempts+1 of retrier r, in ms. */
int64_t asl_retry_delay_ms(const struct asl_retrier *r, int attempts,
    double rnd);

/* The history chain f's events follow (see hist_event): the execution's
 * for the top frame, a branch's or an iteration's own otherwise. */
static inline int64_t *
frame_chain(struct frame *f)
{
	return f->parent != NULL ? &f->chain : &f->x->chain;
}

/* history.c */
/* hist_event's aside: the event does not advance its chain. */
#define HIST_ASIDE 1
int64_t hist_event(struct sl_exec *x, int64_t *chain, int aside,
    const char *type, const char *dkey, cJSON *details);
void hist_chain_join(int64_t *chain, int64_t id);
cJSON *hist_details(void);
void hist_add_json(cJSON *d, const char *key, const cJSON *v);
void hist_add_text(cJSON *d, const char *key, const char *text);
size_t json_size_upper(const cJSON *v, size_t cap);
void iso_time(int64_t ms, char *buf, size_t len);

/* checkpoint.c */
char *ckpt_write(struct sl_exec *x);
void eng_drive(struct sl_engine *e);

#endif
