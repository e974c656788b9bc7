/* The store's front: group commit bookkeeping and callbacks, argument
 * checks, AWS name rules and paging tokens, on top of a backend's
 * operations (sqlite.c). */
#include "store/store.h"
#include "common/buf.h"
#include "common/xmalloc.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pending_cb {
	sl_store_cb *cb;
	void *arg;
};

struct cb_list {
	struct pending_cb *v;
	size_t n;
	size_t cap;
};

struct sl_store {
	const struct sl_store_ops *ops;
	struct sl_store_backend *be;
	struct sl_loop *loop;
	struct sl_timer timer;
	struct cb_list batch;  /* callbacks of the open batch */
	size_t batch_writes;   /* write calls in the open batch */
	/* Batches the backend lost before their flush: their callbacks get
	 * lost_err at the next flush. */
	struct cb_list lost;
	struct sl_err lost_err;
	struct sl_store_stats stats;
	int64_t (*clock_ms)(void *arg); /* NULL: sl_loop_wall_ms */
	void *clock_arg;
};

static const char *const sm_type_names[] = { "STANDARD", "EXPRESS" };
static const char *const sm_status_names[] = { "ACTIVE", "DELETING" };
static const char *const exec_status_names[] = { "RUNNING", "SUCCEEDED",
	"FAILED", "TIMED_OUT", "ABORTED" };

const char *
sl_store_sm_type_name(enum sl_store_sm_type t)
{
	return (unsigned)t < 2 ? sm_type_names[t] : "?";
}

const char *
sl_store_sm_status_name(enum sl_store_sm_status st)
{
	return (unsigned)st < 2 ? sm_status_names[st] : "?";
}

const char *
sl_store_exec_status_name(enum sl_store_exec_status st)
{
	return (unsigned)st < 5 ? exec_status_names[st] : "?";
}

int
sl_store_sm_type_parse(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < 2; i++)
		if (strcmp(s, sm_type_names[i]) == 0)
			return i;
	return -1;
}

int
sl_store_exec_status_parse(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < 5; i++)
		if (strcmp(s, exec_status_names[i]) == 0)
			return i;
	return -1;
}

/* --- names ----------------------------------------------------------- */

/* Decode one UTF-8 code point at s; returns its length, or 0 when the
 * sequence is not valid (overlong, surrogate, truncated, > U+10FFFF). */
static size_t
utf8_next(const unsigned char *s, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
	    (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static int
forbidden_cp(uint32_t c)
{
	if (c <= 0x20 || (c >= 0x7f && c <= 0xa0))
		return 1; /* controls, space, DEL, C1 controls, NBSP */
	if (c < 0x80)
		return strchr("<>{}[]?*\"#%\\^|~`$&,;:/", (int)c) != NULL;
	/* Unicode whitespace. */
	return c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
	    c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000 ||
	    c == 0xfeff;
}

int
sl_store_name_check(const char *name, const char *what, struct sl_err *err)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t count = 0;
	uint32_t c;

	if (name == NULL || *name == '\0')
		return sl_err_set(err, "InvalidName",
		    "Invalid Name: the %s name is empty", what);
	while (*p != '\0') {
		size_t len = utf8_next(p, &c);

		if (len == 0)
			return sl_err_set(err, "InvalidName",
			    "Invalid Name: '%s': the %s name is not valid "
			    "UTF-8", name, what);
		if (forbidden_cp(c)) {
			if (c >= 0x21 && c < 0x7f)
				return sl_err_set(err, "InvalidName",
				    "Invalid Name: '%s': the %s name must "
				    "not contain '%c'", name, what, (int)c);
			return sl_err_set(err, "InvalidName",
			    "Invalid Name: '%s': the %s name must not "
			    "contain whitespace or control character U+%04X",
			    name, what, (unsigned)c);
		}
		p += len;
		count++;
	}
	if (count > SL_STORE_NAME_MAX)
		return sl_err_set(err, "InvalidName",
		    "Invalid Name: '%s': the %s name is %zu characters "
		    "long, at most %d are allowed", name, what, count,
		    SL_STORE_NAME_MAX);
	return 0;
}

/* --- paging tokens ----------------------------------------------------- *
 * A token is "K.HEXKEY.ISSUED.HASH": K the kind of listing, HEXKEY the
 * position (hex of its bytes), ISSUED when it was made (ms since the
 * epoch, hex) and HASH a 64-bit FNV-1a of kind, key, issue time and the
 * other arguments of the listing, so that a token is refused with other
 * arguments or when altered, and once it is older than
 * SL_STORE_TOKEN_TTL_MS. */

static int64_t
store_now_ms(const struct sl_store *s)
{
	return s->clock_ms != NULL ? s->clock_ms(s->clock_arg) :
	    sl_loop_wall_ms();
}

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n-- > 0) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t
token_hash(char kind, const char *key, size_t keylen, uint64_t issued,
    const char *params)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned char t[8];
	int i;

	for (i = 0; i < 8; i++)
		t[i] = (unsigned char)(issued >> (8 * i));
	h = fnv(h, &kind, 1);
	h = fnv(h, key, keylen);
	h = fnv(h, "\x1f", 1);
	h = fnv(h, t, sizeof(t));
	return fnv(h, params, strlen(params));
}

static char *
token_encode(const struct sl_store *s, char kind, const char *key,
    size_t keylen, const char *params)
{
	struct sl_buf b = SL_BUF_INIT;
	uint64_t issued = (uint64_t)store_now_ms(s);
	size_t i;

	sl_buf_init(&b);
	sl_buf_addch(&b, kind);
	sl_buf_addch(&b, '.');
	for (i = 0; i < keylen; i++)
		sl_buf_addf(&b, "%02x", (unsigned char)key[i]);
	sl_buf_addf(&b, ".%" PRIx64 ".%016" PRIx64, issued,
	    token_hash(kind, key, keylen, issued, params));
	return sl_buf_detach(&b, NULL);
}

/* Decode token into a fresh NUL-terminated key (*key, yours) or fail with
 * InvalidToken. */
static int
token_decode(const struct sl_store *s, const char *token, char kind,
    const char *params, char **key, struct sl_err *err)
{
	const char *hash, *stamp;
	size_t hexlen, i, len;
	char *k = NULL, *end;
	uint64_t h, issued;

	*key = NULL;
	len = strlen(token);
	if (len < 3 || token[0] != kind || token[1] != '.')
		goto bad;
	hash = strrchr(token, '.');
	if (hash == NULL || hash - token < 4 || strlen(hash + 1) != 16)
		goto bad;
	for (stamp = hash - 1; stamp > token + 1 && *stamp != '.'; stamp--)
		continue;
	if (stamp <= token + 1 || stamp + 1 == hash)
		goto bad;
	hexlen = (size_t)(stamp - (token + 2));
	if (hexlen % 2 != 0)
		goto bad;
	k = xmalloc(hexlen / 2 + 1);
	for (i = 0; i < hexlen / 2; i++) {
		unsigned v;

		if (sscanf(token + 2 + 2 * i, "%2x", &v) != 1)
			goto bad;
		k[i] = (char)v;
	}
	k[hexlen / 2] = '\0';
	issued = strtoull(stamp + 1, &end, 16);
	if (end != hash)
		goto bad;
	h = strtoull(hash + 1, &end, 16);
	if (*end != '\0' ||
	    h != token_hash(kind, k, hexlen / 2, issued, params))
		goto bad;
	if (store_now_ms(s) - (int64_t)issued > SL_STORE_TOKEN_TTL_MS) {
		free(k);
		return sl_err_set(err, "InvalidToken",
		    "Invalid Token: '%.64s' has expired (paging tokens last "
		    "24 hours)", token);
	}
	*key = k;
	return 0;
bad:
	free(k);
	return sl_err_set(err, "InvalidToken",
	    "Invalid Token: '%.64s' is not a token of this listing (paging "
	    "tokens must be passed back unchanged with the same arguments)",
	    token);
}

static int
page_size(int max_results, size_t *limit, struct sl_err *err)
{
	if (max_results < 0 || max_results > SL_STORE_PAGE_MAX)
		return sl_err_set(err, "ValidationException",
		    "1 validation error detected: Value '%d' at 'maxResults' "
		    "failed to satisfy constraint: Member must have value "
		    "between 0 and %d", max_results, SL_STORE_PAGE_MAX);
	*limit = max_results == 0 ? SL_STORE_PAGE_DEFAULT :
	    (size_t)max_results;
	return 0;
}

static int
token_int(const struct sl_store *s, const char *token, char kind,
    const char *params, int64_t *pos, struct sl_err *err)
{
	char *key = NULL, *end;

	*pos = 0;
	if (token == NULL)
		return 0;
	if (token_decode(s, token, kind, params, &key, err) < 0)
		return -1;
	*pos = strtoll(key, &end, 10);
	if (*end != '\0' || *pos <= 0) {
		free(key);
		return sl_err_set(err, "InvalidToken",
		    "Invalid Token: '%.64s' is damaged", token);
	}
	free(key);
	return 0;
}

static char *
token_int_encode(const struct sl_store *s, char kind, int64_t pos,
    const char *params)
{
	char key[32];

	snprintf(key, sizeof(key), "%" PRId64, pos);
	return token_encode(s, kind, key, strlen(key), params);
}

/* --- the store and its batches ----------------------------------------- */

static void
cb_list_add(struct cb_list *l, sl_store_cb *cb, void *arg)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n].cb = cb;
	l->v[l->n].arg = arg;
	l->n++;
}

/* Run and forget the callbacks of l (taken over first, so that callbacks
 * may add to a new batch). */
static void
cb_list_run(struct cb_list *l, const struct sl_err *err)
{
	struct cb_list run = *l;
	size_t i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < run.n; i++)
		if (run.v[i].cb != NULL)
			run.v[i].cb(run.v[i].arg, err);
	free(run.v);
}

static void
flush_timer_cb(struct sl_timer *t)
{
	struct sl_store *s = t->arg;

	(void)sl_store_flush(s, NULL);
}

struct sl_store *
sl_store_new(const struct sl_store_ops *ops, struct sl_store_backend *be,
    struct sl_loop *loop)
{
	struct sl_store *s = xcalloc(1, sizeof(*s));

	s->ops = ops;
	s->be = be;
	s->loop = loop;
	sl_timer_init(&s->timer, flush_timer_cb, s);
	return s;
}

/* SQLite is the one backend so far; a PostgreSQL one would be chosen here
 * from the configuration. */
struct sl_store *
sl_store_open(const struct sl_store_config *cfg, struct sl_err *err)
{
	struct sl_store_backend *be;
	struct sl_store *s;

	be = sl_store_sqlite_open(cfg, err);
	if (be == NULL)
		return NULL;
	s = sl_store_new(&sl_store_sqlite_ops, be, cfg->loop);
	s->clock_ms = cfg->clock_ms;
	s->clock_arg = cfg->clock_arg;
	return s;
}

void
sl_store_close(struct sl_store *s)
{
	int i;

	if (s == NULL)
		return;
	/* Callbacks may write again: commit until nothing is pending. */
	for (i = 0; i < 16 && (s->batch.n > 0 || s->batch_writes > 0 ||
	    s->lost.n > 0); i++)
		(void)sl_store_flush(s, NULL);
	if (s->loop != NULL)
		sl_loop_timer_stop(s->loop, &s->timer);
	s->ops->close(s->be);
	free(s->batch.v);
	free(s->lost.v);
	free(s);
}

const char *
sl_store_path(const struct sl_store *s)
{
	return s->ops->path(s->be);
}

void
sl_store_get_stats(const struct sl_store *s, struct sl_store_stats *st)
{
	*st = s->stats;
	st->pending = s->batch_writes;
	st->db_commits = s->ops->db_commits(s->be);
}

int
sl_store_pending(const struct sl_store *s)
{
	return s->batch_writes > 0 || s->batch.n > 0 || s->lost.n > 0;
}

static void
arm(struct sl_store *s)
{
	if (s->loop != NULL && !sl_timer_active(&s->timer))
		sl_loop_timer_start(s->loop, &s->timer, 0);
}

/* Book-keeping after a backend write returned rc. */
static int
wrote(struct sl_store *s, int rc, sl_store_cb *cb, void *arg,
    struct sl_err *err)
{
	if (rc == SL_STORE_BATCH_LOST) {
		/* The open transaction is gone with every earlier write of
		 * this batch: they fail at the flush, with this error. */
		size_t i;

		if (s->lost.n == 0 && err != NULL)
			s->lost_err = *err;
		else if (s->lost.n == 0)
			sl_err_set(&s->lost_err, "ServiceUnavailable",
			    "the store lost a batch of writes");
		for (i = 0; i < s->batch.n; i++)
			cb_list_add(&s->lost, s->batch.v[i].cb,
			    s->batch.v[i].arg);
		s->batch.n = 0;
		s->batch_writes = 0;
		arm(s);
		return -1;
	}
	if (rc < 0)
		return -1;
	cb_list_add(&s->batch, cb, arg);
	s->batch_writes++;
	s->stats.writes++;
	arm(s);
	return 0;
}

int
sl_store_flush(struct sl_store *s, struct sl_err *err)
{
	struct sl_err e = SL_ERR_INIT;
	size_t writes = s->batch_writes;
	int rc = 0;

	if (s->loop != NULL)
		sl_loop_timer_stop(s->loop, &s->timer);
	if (s->lost.n > 0) {
		struct sl_err lost = s->lost_err;

		s->stats.failed_commits++;
		cb_list_run(&s->lost, &lost);
	}
	if (s->batch.n == 0 && writes == 0)
		return 0;
	s->batch_writes = 0;
	if (s->ops->commit(s->be, &e) < 0) {
		s->stats.failed_commits++;
		if (err != NULL)
			*err = e;
		rc = -1;
		cb_list_run(&s->batch, &e);
	} else {
		if (writes > 0) {
			s->stats.commits++;
			s->stats.last_batch = writes;
		}
		cb_list_run(&s->batch, NULL);
	}
	return rc;
}

void
sl_store_sync(struct sl_store *s, sl_store_cb *cb, void *arg)
{
	cb_list_add(&s->batch, cb, arg);
	arm(s);
}

/* --- state machines ---------------------------------------------------- */

static void
sm_release_fields(struct sl_store_sm *sm)
{
	free(sm->arn);
	free(sm->name);
	free(sm->definition);
	free(sm->role_arn);
	free(sm->revision_id);
	free(sm->extra);
}

void
sl_store_sm_release(struct sl_store_sm *sm)
{
	if (sm == NULL)
		return;
	sm_release_fields(sm);
	memset(sm, 0, sizeof(*sm));
}

static int
need(const char *v, const char *what, struct sl_err *err)
{
	if (v == NULL || *v == '\0')
		return sl_err_set(err, "ValidationException",
		    "1 validation error detected: '%s' must not be empty",
		    what);
	return 0;
}

int
sl_store_sm_create(struct sl_store *s, const struct sl_store_sm_create *in,
    struct sl_store_sm *out, int *existed, sl_store_cb *cb, void *arg,
    struct sl_err *err)
{
	int ex = 0, rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (sl_store_name_check(in->name, "state machine", err) < 0 ||
	    need(in->arn, "stateMachineArn", err) < 0 ||
	    need(in->definition, "definition", err) < 0)
		return -1;
	if (in->type != SL_SM_STANDARD && in->type != SL_SM_EXPRESS)
		return sl_err_set(err, "ValidationException",
		    "1 validation error detected: 'type' must be STANDARD "
		    "or EXPRESS");
	rc = s->ops->sm_create(s->be, in, out, &ex, err);
	if (existed != NULL)
		*existed = ex;
	return wrote(s, rc, cb, arg, err);
}

int
sl_store_sm_update(struct sl_store *s, const char *arn,
    const char *definition, const char *role_arn, const char *extra,
    int64_t now, struct sl_store_sm *out, sl_store_cb *cb, void *arg,
    struct sl_err *err)
{
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (need(arn, "stateMachineArn", err) < 0)
		return -1;
	return wrote(s, s->ops->sm_update(s->be, arn, definition, role_arn,
	    extra, now, out, err), cb, arg, err);
}

int
sl_store_sm_delete(struct sl_store *s, const char *arn, int *deleted,
    sl_store_cb *cb, void *arg, struct sl_err *err)
{
	int d = 0, rc;

	if (need(arn, "stateMachineArn", err) < 0)
		return -1;
	rc = s->ops->sm_delete(s->be, arn, &d, err);
	if (deleted != NULL)
		*deleted = d;
	return wrote(s, rc, cb, arg, err);
}

int
sl_store_sm_get(struct sl_store *s, const char *arn, struct sl_store_sm *out,
    struct sl_err *err)
{
	memset(out, 0, sizeof(*out));
	if (need(arn, "stateMachineArn", err) < 0)
		return -1;
	return s->ops->sm_get(s->be, arn, out, err);
}

int
sl_store_sm_revision(struct sl_store *s, const char *arn,
    const char *revision_id, char **definition, char **role_arn,
    struct sl_err *err)
{
	*definition = NULL;
	if (role_arn != NULL)
		*role_arn = NULL;
	if (need(arn, "stateMachineArn", err) < 0 ||
	    need(revision_id, "revisionId", err) < 0)
		return -1;
	return s->ops->sm_revision(s->be, arn, revision_id, definition,
	    role_arn, err);
}

int
sl_store_sm_list(struct sl_store *s, int max_results, const char *next_token,
    struct sl_store_sm_list *out, struct sl_err *err)
{
	char *after = NULL;
	size_t limit = 0;

	memset(out, 0, sizeof(*out));
	if (page_size(max_results, &limit, err) < 0)
		return -1;
	if (next_token != NULL &&
	    token_decode(s, next_token, 'M', "", &after, err) < 0)
		return -1;
	/* One more than asked tells whether a next page exists. */
	if (s->ops->sm_list(s->be, after, limit + 1, out, err) < 0) {
		free(after);
		return -1;
	}
	free(after);
	if (out->n > limit) {
		sm_release_fields(&out->items[limit]);
		out->n = limit;
		out->next_token = token_encode(s, 'M',
		    out->items[limit - 1].name,
		    strlen(out->items[limit - 1].name), "");
	}
	return 0;
}

void
sl_store_sm_list_release(struct sl_store_sm_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		sm_release_fields(&l->items[i]);
	free(l->items);
	free(l->next_token);
	memset(l, 0, sizeof(*l));
}

/* --- executions -------------------------------------------------------- */

static void
exec_release_fields(struct sl_store_exec *e)
{
	free(e->arn);
	free(e->name);
	free(e->sm_arn);
	free(e->revision_id);
	free(e->input);
	free(e->output);
	free(e->error);
	free(e->cause);
	free(e->checkpoint);
	free(e->definition);
}

void
sl_store_exec_release(struct sl_store_exec *e)
{
	if (e == NULL)
		return;
	exec_release_fields(e);
	memset(e, 0, sizeof(*e));
}

#define SM_PART ":stateMachine:"
#define EX_PART ":execution:"

char *
sl_store_exec_arn(const char *sm_arn, const char *name)
{
	const char *p = strstr(sm_arn, SM_PART), *tail;
	size_t pre, tl, nl;
	char *arn, *out;

	if (p == NULL || strstr(p + 1, SM_PART) != NULL ||
	    strstr(sm_arn, EX_PART) != NULL || strchr(name, ':') != NULL)
		return NULL;
	pre = (size_t)(p - sm_arn);
	tail = p + sizeof(SM_PART) - 1;
	tl = strlen(tail);
	nl = strlen(name);
	out = arn = xmalloc(pre + sizeof(EX_PART) - 1 + tl + 1 + nl + 1);
	memcpy(out, sm_arn, pre);
	out += pre;
	memcpy(out, EX_PART, sizeof(EX_PART) - 1);
	out += sizeof(EX_PART) - 1;
	memcpy(out, tail, tl);
	out += tl;
	*out++ = ':';
	memcpy(out, name, nl + 1);
	return arn;
}

/* Whether arn is the ARN of execution name of machine sm_arn. */
static int
exec_arn_is(const char *arn, const char *sm_arn, const char *name)
{
	char *want = sl_store_exec_arn(sm_arn, name);
	int ok = want != NULL && strcmp(want, arn) == 0;

	free(want);
	return ok;
}

int
sl_store_exec_arn_split(const char *arn, char **sm_arn, const char **name)
{
	const char *p = strstr(arn, EX_PART), *n = strrchr(arn, ':');
	size_t pre, tl;
	char *sm;

	*sm_arn = NULL;
	*name = NULL;
	if (p == NULL || n < p + sizeof(EX_PART) - 1)
		return -1;
	pre = (size_t)(p - arn);
	tl = (size_t)(n - (p + sizeof(EX_PART) - 1));
	sm = xmalloc(pre + sizeof(SM_PART) - 1 + tl + 1);
	memcpy(sm, arn, pre);
	memcpy(sm + pre, SM_PART, sizeof(SM_PART) - 1);
	memcpy(sm + pre + sizeof(SM_PART) - 1, p + sizeof(EX_PART) - 1, tl);
	sm[pre + sizeof(SM_PART) - 1 + tl] = '\0';
	/* Only what sl_store_exec_arn makes: the same ARN back, so no other
	 * way to cut it. */
	if (!exec_arn_is(arn, sm, n + 1)) {
		free(sm);
		return -1;
	}
	*sm_arn = sm;
	*name = n + 1;
	return 0;
}

static int
exec_arn_check(const char *arn, const char *sm_arn, const char *name,
    struct sl_err *err)
{
	if (exec_arn_is(arn, sm_arn, name))
		return 0;
	return sl_err_set(err, "ValidationException",
	    "1 validation error detected: executionArn '%s' is not the ARN "
	    "of execution '%s' of state machine '%s'", arn, name, sm_arn);
}

int
sl_store_exec_start(struct sl_store *s, const struct sl_store_exec_start *in,
    struct sl_store_exec *out, int *existed, sl_store_cb *cb, void *arg,
    struct sl_err *err)
{
	int ex = 0, rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (existed != NULL)
		*existed = 0;
	if (sl_store_name_check(in->name, "execution", err) < 0 ||
	    need(in->arn, "executionArn", err) < 0 ||
	    need(in->sm_arn, "stateMachineArn", err) < 0 ||
	    exec_arn_check(in->arn, in->sm_arn, in->name, err) < 0)
		return -1;
	rc = s->ops->exec_start(s->be, in, out, &ex, err);
	if (rc == 0 && ex) {
		/* Nothing written, but the execution found may be of this
		 * very batch: acknowledge after its commit. */
		if (existed != NULL)
			*existed = 1;
		sl_store_sync(s, cb, arg);
		return 0;
	}
	return wrote(s, rc, cb, arg, err);
}

static int
check_events(const struct sl_store_event *events, size_t n,
    struct sl_err *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (events[i].type == NULL || events[i].json == NULL ||
		    events[i].id <= 0)
			return sl_err_set(err, "ValidationException",
			    "history event %zu of %zu has no id, type or JSON",
			    i + 1, n);
	return 0;
}

int
sl_store_exec_progress(struct sl_store *s, const char *arn,
    const struct sl_store_event *events, size_t n, const char *checkpoint,
    sl_store_cb *cb, void *arg, struct sl_err *err)
{
	if (need(arn, "executionArn", err) < 0 ||
	    check_events(events, n, err) < 0)
		return -1;
	return wrote(s, s->ops->exec_progress(s->be, arn, events, n,
	    checkpoint, err), cb, arg, err);
}

int
sl_store_exec_finish(struct sl_store *s, const char *arn,
    const struct sl_store_exec_end *end, sl_store_cb *cb, void *arg,
    struct sl_err *err)
{
	if (need(arn, "executionArn", err) < 0 ||
	    check_events(end->events, end->n, err) < 0)
		return -1;
	if (end->status == SL_STORE_EXEC_RUNNING || (unsigned)end->status > 4)
		return sl_err_set(err, "ValidationException",
		    "an execution cannot finish with status %s",
		    sl_store_exec_status_name(end->status));
	return wrote(s, s->ops->exec_finish(s->be, arn, end, err), cb, arg,
	    err);
}

int
sl_store_exec_get(struct sl_store *s, const char *arn,
    struct sl_store_exec *out, struct sl_err *err)
{
	memset(out, 0, sizeof(*out));
	if (need(arn, "executionArn", err) < 0)
		return -1;
	return s->ops->exec_get(s->be, arn, out, err);
}

int
sl_store_exec_list(struct sl_store *s, const struct sl_store_exec_query *q,
    struct sl_store_exec_list *out, struct sl_err *err)
{
	char *params;
	int64_t before;
	size_t limit = 0;

	memset(out, 0, sizeof(*out));
	if (page_size(q->max_results, &limit, err) < 0)
		return -1;
	if (q->status_filter < -1 || q->status_filter > SL_STORE_EXEC_ABORTED)
		return sl_err_set(err, "ValidationException",
		    "1 validation error detected: 'statusFilter' must be one "
		    "of RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED");
	params = xasprintf("%s|%d", q->sm_arn ? q->sm_arn : "",
	    q->status_filter);
	if (token_int(s, q->next_token, 'E', params, &before, err) < 0)
		goto fail;
	if (s->ops->exec_list(s->be, q->sm_arn, q->status_filter, before,
	    limit + 1, out, err) < 0)
		goto fail;
	if (out->n > limit) {
		exec_release_fields(&out->items[limit]);
		out->n = limit;
		out->next_token = token_int_encode(s, 'E',
		    out->items[limit - 1].seq, params);
	}
	free(params);
	return 0;
fail:
	free(params);
	return -1;
}

void
sl_store_exec_list_release(struct sl_store_exec_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		exec_release_fields(&l->items[i]);
	free(l->items);
	free(l->next_token);
	memset(l, 0, sizeof(*l));
}

int
sl_store_exec_running(struct sl_store *s, struct sl_store_exec_list *out,
    struct sl_err *err)
{
	memset(out, 0, sizeof(*out));
	return s->ops->exec_running(s->be, NULL, out, err);
}

int
sl_store_exec_resume(struct sl_store *s, const char *arn,
    struct sl_store_exec *out, struct sl_err *err)
{
	struct sl_store_exec_list l = { 0 };

	memset(out, 0, sizeof(*out));
	if (need(arn, "executionArn", err) < 0 ||
	    s->ops->exec_running(s->be, arn, &l, err) < 0)
		return -1;
	if (l.n == 0) {
		sl_store_exec_list_release(&l);
		return sl_err_set(err, "ExecutionDoesNotExist",
		    "Execution Does Not Exist: '%s'", arn);
	}
	if (l.items[0].status != SL_STORE_EXEC_RUNNING) {
		sl_err_set(err, SL_STORE_NOT_RUNNING,
		    "Execution '%s' is not running: it is %s", arn,
		    sl_store_exec_status_name(l.items[0].status));
		sl_store_exec_list_release(&l);
		return -1;
	}
	*out = l.items[0];
	l.n = 0;
	sl_store_exec_list_release(&l);
	return 0;
}

/* --- history ----------------------------------------------------------- */

/* Drop "input" and "output" from each "*EventDetails" member of an event
 * (includeExecutionData = false). Returns a new string, or NULL when the
 * event has nothing to drop or is not JSON. */
static char *
strip_data(const char *json)
{
	cJSON *ev = cJSON_Parse(json);
	cJSON *m;
	char *out = NULL;
	int changed = 0;

	if (ev == NULL)
		return NULL;
	cJSON_ArrayForEach(m, ev) {
		size_t len = m->string ? strlen(m->string) : 0;

		if (len < 12 || !cJSON_IsObject(m) ||
		    strcmp(m->string + len - 12, "EventDetails") != 0)
			continue;
		if (cJSON_HasObjectItem(m, "input")) {
			cJSON_DeleteItemFromObjectCaseSensitive(m, "input");
			changed = 1;
		}
		if (cJSON_HasObjectItem(m, "output")) {
			cJSON_DeleteItemFromObjectCaseSensitive(m, "output");
			changed = 1;
		}
	}
	if (changed)
		out = cJSON_PrintUnformatted(ev);
	cJSON_Delete(ev);
	return out;
}

static void
event_release_fields(struct sl_store_history_event *ev)
{
	free(ev->type);
	free(ev->json);
}

int
sl_store_history_get(struct sl_store *s,
    const struct sl_store_history_query *q, struct sl_store_history *out,
    struct sl_err *err)
{
	char *params;
	int64_t from;
	size_t limit = 0, i;

	memset(out, 0, sizeof(*out));
	if (need(q->exec_arn, "executionArn", err) < 0 ||
	    page_size(q->max_results, &limit, err) < 0)
		return -1;
	params = xasprintf("%s|%d|%d", q->exec_arn, q->reverse_order != 0,
	    q->exclude_execution_data != 0);
	if (token_int(s, q->next_token, 'H', params, &from, err) < 0)
		goto fail;
	if (s->ops->history(s->be, q->exec_arn, q->reverse_order != 0, from,
	    limit + 1, out, err) < 0)
		goto fail;
	if (out->n > limit) {
		event_release_fields(&out->events[limit]);
		out->n = limit;
		out->next_token = token_int_encode(s, 'H',
		    out->events[limit - 1].id, params);
	}
	if (q->exclude_execution_data)
		for (i = 0; i < out->n; i++) {
			char *j = strip_data(out->events[i].json);

			if (j != NULL) {
				free(out->events[i].json);
				out->events[i].json = xstrdup(j);
				cJSON_free(j);
			}
		}
	free(params);
	return 0;
fail:
	free(params);
	return -1;
}

void
sl_store_history_release(struct sl_store_history *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++)
		event_release_fields(&h->events[i]);
	free(h->events);
	free(h->next_token);
	memset(h, 0, sizeof(*h));
}

/* --- notifications ----------------------------------------------------- */

int
sl_store_notify_add(struct sl_store *s, const char *topic,
    const char *message, const char *publisher, int64_t now, int64_t *id,
    sl_store_cb *cb, void *arg, struct sl_err *err)
{
	int64_t nid = 0;
	int rc;

	if (need(topic, "topic", err) < 0 || need(message, "message", err) < 0)
		return -1;
	rc = s->ops->notify_add(s->be, topic, message, publisher, now, &nid,
	    err);
	if (id != NULL)
		*id = rc == 0 ? nid : 0;
	return wrote(s, rc, cb, arg, err);
}

static void
notification_release_fields(struct sl_store_notification *nt)
{
	free(nt->topic);
	free(nt->message);
	free(nt->publisher);
}

int
sl_store_notify_list(struct sl_store *s, const char *topic, int reverse,
    int max_results, const char *next_token, struct sl_store_notify_list *out,
    struct sl_err *err)
{
	char *params;
	int64_t from;
	size_t limit = 0;

	memset(out, 0, sizeof(*out));
	if (need(topic, "topic", err) < 0 ||
	    page_size(max_results, &limit, err) < 0)
		return -1;
	params = xasprintf("%s|%d", topic, reverse != 0);
	if (token_int(s, next_token, 'N', params, &from, err) < 0)
		goto fail;
	if (s->ops->notify_list(s->be, topic, reverse != 0, from, limit + 1,
	    out, err) < 0)
		goto fail;
	if (out->n > limit) {
		notification_release_fields(&out->items[limit]);
		out->n = limit;
		out->next_token = token_int_encode(s, 'N',
		    out->items[limit - 1].id, params);
	}
	free(params);
	return 0;
fail:
	free(params);
	return -1;
}

void
sl_store_notify_list_release(struct sl_store_notify_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		notification_release_fields(&l->items[i]);
	free(l->items);
	free(l->next_token);
	memset(l, 0, sizeof(*l));
}

/* --- retention --------------------------------------------------------- */

int
sl_store_prune(struct sl_store *s, int64_t before, size_t limit,
    size_t *deleted, sl_store_cb *cb, void *arg, struct sl_err *err)
{
	size_t d = 0;
	int rc;

	rc = s->ops->prune(s->be, before, limit, &d, err);
	if (deleted != NULL)
		*deleted = rc == 0 ? d : 0;
	return wrote(s, rc, cb, arg, err);
}
