/* JSONPath for the States Language: compile a path once into steps, then
 * evaluate (copying or borrowing) and assign (ResultPath) without parsing. */
#include "orchestrator/jsonpath.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"

#define DEF_ERR "InvalidDefinition"
#define RUN_ERR "States.Runtime"
#define MAX_DEPTH 64

enum step_kind {
	ST_NAME,	/* .name or ['name'] */
	ST_INDEX,	/* [N], [-N] */
	ST_WILD,	/* .* or [*] */
	ST_UNION,	/* [a,b] */
	ST_SLICE,	/* [s:e:st] */
	ST_FILTER,	/* [?(...)] */
};

/* One member of a union: an index or a name. */
struct umember {
	char *name; /* NULL for an index */
	long index;
};

struct fexpr;

struct step {
	enum step_kind kind;
	int descent; /* preceded by ".." */
	char *name;
	long index;
	struct umember *members;
	size_t nmembers;
	long start, end, stride;
	int has_start, has_end;
	struct fexpr *filter;
};

struct sl_path {
	char *text;
	int context; /* starts at $$ */
	int multi;
	int relative; /* @-path inside a filter */
	struct step *steps;
	size_t nsteps;
};

/* Filter expressions. */
enum fx_kind { FX_OR, FX_AND, FX_NOT, FX_CMP, FX_EXISTS };
enum fx_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

struct operand {
	cJSON *lit;		/* a literal, or NULL */
	struct sl_path *path;	/* @... or $... */
};

struct fexpr {
	enum fx_kind kind;
	enum fx_op op;
	struct fexpr *a, *b;
	struct operand l, r;
};

/* A growable list of borrowed nodes. */
struct nodes {
	const cJSON **v;
	size_t n, cap;
};

static void
nodes_push(struct nodes *ns, const cJSON *n)
{
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 8;
		ns->v = xreallocarray(ns->v, ns->cap, sizeof(*ns->v));
	}
	ns->v[ns->n++] = n;
}

/* --- compiling --------------------------------------------------------- */

struct parser {
	const char *text; /* whole path, for messages */
	const char *p;
	int in_filter;
	int depth;
	struct sl_err *err;
};

static void fexpr_free(struct fexpr *e);
static struct sl_path *parse_path(struct parser *ps, unsigned flags,
    int relative);

static void
step_release(struct step *s)
{
	size_t i;

	free(s->name);
	for (i = 0; i < s->nmembers; i++)
		free(s->members[i].name);
	free(s->members);
	fexpr_free(s->filter);
}

void
sl_path_free(struct sl_path *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nsteps; i++)
		step_release(&p->steps[i]);
	free(p->steps);
	free(p->text);
	free(p);
}

static void
fexpr_free(struct fexpr *e)
{
	if (e == NULL)
		return;
	fexpr_free(e->a);
	fexpr_free(e->b);
	cJSON_Delete(e->l.lit);
	cJSON_Delete(e->r.lit);
	sl_path_free(e->l.path);
	sl_path_free(e->r.path);
	free(e);
}

static int
perr(struct parser *ps, const char *what)
{
	return sl_err_set(ps->err, DEF_ERR,
	    "invalid JSONPath '%s': %s at position %d", ps->text, what,
	    (int)(ps->p - ps->text) + 1);
}

static void
skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

static struct step *
add_step(struct sl_path *path, enum step_kind kind, int descent)
{
	struct step *s;

	path->steps = xreallocarray(path->steps, path->nsteps + 1,
	    sizeof(*path->steps));
	s = &path->steps[path->nsteps++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->descent = descent;
	if (kind != ST_NAME && kind != ST_INDEX)
		path->multi = 1;
	if (descent)
		path->multi = 1;
	return s;
}

/* A dot name ends at '.', '[', ']' or the end; inside a filter also at spaces,
 * operators and ')'. */
static int
name_char(const struct parser *ps, char c)
{
	if (c == '\0' || c == '.' || c == '[' || c == ']')
		return 0;
	if (ps->in_filter && strchr(" \t)=!<>&|,", c) != NULL)
		return 0;
	return 1;
}

/* A quoted name: the backslash keeps the next character from closing the
 * quote and stays in the name, as AWS reads bracket names. */
static char *
parse_quoted(struct parser *ps)
{
	char q = *ps->p++;
	const char *start = ps->p;

	while (*ps->p != '\0' && *ps->p != q) {
		if (*ps->p == '\\' && ps->p[1] != '\0')
			ps->p++;
		ps->p++;
	}
	if (*ps->p != q) {
		perr(ps, "unterminated quoted name");
		return NULL;
	}
	ps->p++;
	return xstrndup(start, (size_t)(ps->p - 1 - start));
}

static int
parse_long(struct parser *ps, long *out)
{
	char *end;
	long v;

	if (!(isdigit((unsigned char)*ps->p) ||
	    (*ps->p == '-' && isdigit((unsigned char)ps->p[1]))))
		return perr(ps, "expected an integer");
	errno = 0;
	v = strtol(ps->p, &end, 10);
	if (errno != 0 || v > INT_MAX || v < -INT_MAX)
		return perr(ps, "integer out of range");
	ps->p = end;
	*out = v;
	return 0;
}

static struct fexpr *parse_or(struct parser *ps);

/* A literal or a path operand inside a filter. */
static int
parse_operand(struct parser *ps, struct operand *o)
{
	const char *s = ps->p;
	char *end;
	double d;

	skip_ws(ps);
	s = ps->p;
	if (*s == '@' || *s == '$') {
		o->path = parse_path(ps, SL_PATH_ALLOW_CONTEXT, *s == '@');
		return o->path ? 0 : -1;
	}
	if (*s == '\'' || *s == '"') {
		char *str = parse_quoted(ps);

		if (str == NULL)
			return -1;
		o->lit = cJSON_CreateString(str);
		free(str);
		return 0;
	}
	if (strncmp(s, "true", 4) == 0) {
		o->lit = cJSON_CreateTrue();
		ps->p += 4;
		return 0;
	}
	if (strncmp(s, "false", 5) == 0) {
		o->lit = cJSON_CreateFalse();
		ps->p += 5;
		return 0;
	}
	if (strncmp(s, "null", 4) == 0) {
		o->lit = cJSON_CreateNull();
		ps->p += 4;
		return 0;
	}
	if (*s == '-' || isdigit((unsigned char)*s)) {
		d = strtod(s, &end);
		if (end == s)
			return perr(ps, "bad number in filter");
		o->lit = cJSON_CreateNumber(d);
		ps->p = end;
		return 0;
	}
	return perr(ps, "expected a value or @-path in filter");
}

static struct fexpr *
parse_primary(struct parser *ps)
{
	struct fexpr *e = xcalloc(1, sizeof(*e));
	static const struct {
		const char *s;
		enum fx_op op;
	} ops[] = {
		{ "==", OP_EQ }, { "!=", OP_NE }, { "<=", OP_LE },
		{ ">=", OP_GE }, { "<", OP_LT }, { ">", OP_GT },
	};
	size_t i;

	if (++ps->depth > MAX_DEPTH) {
		perr(ps, "filter nested too deeply");
		goto fail;
	}
	skip_ws(ps);
	if (*ps->p == '!' && ps->p[1] != '=') {
		ps->p++;
		e->kind = FX_NOT;
		if ((e->a = parse_primary(ps)) == NULL)
			goto fail;
		ps->depth--;
		return e;
	}
	if (*ps->p == '(') {
		ps->p++;
		free(e);
		if ((e = parse_or(ps)) == NULL)
			return NULL;
		skip_ws(ps);
		if (*ps->p != ')') {
			perr(ps, "expected ')'");
			goto fail;
		}
		ps->p++;
		ps->depth--;
		return e;
	}
	if (parse_operand(ps, &e->l) < 0)
		goto fail;
	skip_ws(ps);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strncmp(ps->p, ops[i].s, strlen(ops[i].s)) == 0)
			break;
	if (i == sizeof(ops) / sizeof(ops[0])) {
		if (e->l.path == NULL) {
			perr(ps, "a literal alone is not a filter");
			goto fail;
		}
		e->kind = FX_EXISTS;
		ps->depth--;
		return e;
	}
	ps->p += strlen(ops[i].s);
	e->kind = FX_CMP;
	e->op = ops[i].op;
	if (parse_operand(ps, &e->r) < 0)
		goto fail;
	ps->depth--;
	return e;
fail:
	fexpr_free(e);
	return NULL;
}

static struct fexpr *
parse_and(struct parser *ps)
{
	struct fexpr *l, *e;

	if ((l = parse_primary(ps)) == NULL)
		return NULL;
	for (;;) {
		skip_ws(ps);
		if (strncmp(ps->p, "&&", 2) != 0)
			return l;
		ps->p += 2;
		e = xcalloc(1, sizeof(*e));
		e->kind = FX_AND;
		e->a = l;
		if ((e->b = parse_primary(ps)) == NULL) {
			fexpr_free(e);
			return NULL;
		}
		l = e;
	}
}

static struct fexpr *
parse_or(struct parser *ps)
{
	struct fexpr *l, *e;

	if ((l = parse_and(ps)) == NULL)
		return NULL;
	for (;;) {
		skip_ws(ps);
		if (strncmp(ps->p, "||", 2) != 0)
			return l;
		ps->p += 2;
		e = xcalloc(1, sizeof(*e));
		e->kind = FX_OR;
		e->a = l;
		if ((e->b = parse_and(ps)) == NULL) {
			fexpr_free(e);
			return NULL;
		}
		l = e;
	}
}

/* After '[': a bracket selector. */
static int
parse_bracket(struct parser *ps, struct sl_path *path, int descent)
{
	struct step *s;
	long a;
	int saved;

	skip_ws(ps);
	if (*ps->p == '*') {
		ps->p++;
		add_step(path, ST_WILD, descent);
		goto close;
	}
	if (*ps->p == '?') {
		ps->p++;
		skip_ws(ps);
		if (*ps->p != '(')
			return perr(ps, "expected '(' after '?'");
		ps->p++;
		s = add_step(path, ST_FILTER, descent);
		saved = ps->in_filter;
		ps->in_filter = 1;
		s->filter = parse_or(ps);
		ps->in_filter = saved;
		if (s->filter == NULL)
			return -1;
		skip_ws(ps);
		if (*ps->p != ')')
			return perr(ps, "expected ')' closing the filter");
		ps->p++;
		goto close;
	}
	if (*ps->p == '\'' || *ps->p == '"') {
		char *name = parse_quoted(ps);

		if (name == NULL)
			return -1;
		skip_ws(ps);
		if (*ps->p != ',') {
			s = add_step(path, ST_NAME, descent);
			s->name = name;
			goto close;
		}
		s = add_step(path, ST_UNION, descent);
		s->members = xcalloc(1, sizeof(*s->members));
		s->members[0].name = name;
		s->nmembers = 1;
		goto more;
	}
	if (*ps->p == ':') {
		s = add_step(path, ST_SLICE, descent);
		goto slice;
	}
	if (parse_long(ps, &a) < 0)
		return -1;
	skip_ws(ps);
	if (*ps->p == ':') {
		s = add_step(path, ST_SLICE, descent);
		s->start = a;
		s->has_start = 1;
		goto slice;
	}
	if (*ps->p != ',') {
		s = add_step(path, ST_INDEX, descent);
		s->index = a;
		goto close;
	}
	s = add_step(path, ST_UNION, descent);
	s->members = xcalloc(1, sizeof(*s->members));
	s->members[0].index = a;
	s->nmembers = 1;
more:
	while (*ps->p == ',') {
		struct umember m = { NULL, 0 };

		ps->p++;
		skip_ws(ps);
		if (*ps->p == '\'' || *ps->p == '"') {
			if ((m.name = parse_quoted(ps)) == NULL)
				return -1;
		} else if (parse_long(ps, &m.index) < 0)
			return -1;
		s->members = xreallocarray(s->members, s->nmembers + 1,
		    sizeof(*s->members));
		s->members[s->nmembers++] = m;
		skip_ws(ps);
	}
	goto close;
slice:
	ps->p++; /* ':' */
	skip_ws(ps);
	if (*ps->p != ']' && *ps->p != ':') {
		if (parse_long(ps, &s->end) < 0)
			return -1;
		s->has_end = 1;
		skip_ws(ps);
	}
	s->stride = 1;
	if (*ps->p == ':') {
		ps->p++;
		skip_ws(ps);
		if (*ps->p != ']') {
			if (parse_long(ps, &s->stride) < 0)
				return -1;
			if (s->stride == 0)
				return perr(ps, "slice step cannot be 0");
		}
	}
close:
	skip_ws(ps);
	if (*ps->p != ']')
		return perr(ps, "expected ']'");
	ps->p++;
	return 0;
}

/* Parse a path at ps->p: "$...", "$$..." or (relative) "@...". */
static struct sl_path *
parse_path(struct parser *ps, unsigned flags, int relative)
{
	struct sl_path *path = xcalloc(1, sizeof(*path));
	const char *start = ps->p;
	struct step *s;
	int descent;

	if (relative) {
		if (*ps->p != '@') {
			perr(ps, "expected '@'");
			goto fail;
		}
		path->relative = 1;
		ps->p++;
	} else {
		if (*ps->p != '$') {
			perr(ps, "must start with '$'");
			goto fail;
		}
		ps->p++;
		if (*ps->p == '$') {
			if (!(flags & SL_PATH_ALLOW_CONTEXT)) {
				perr(ps, "the context object ($$) is not "
				    "allowed here");
				goto fail;
			}
			path->context = 1;
			ps->p++;
		}
	}
	for (;;) {
		if (*ps->p == '.') {
			ps->p++;
			descent = 0;
			if (*ps->p == '.') {
				descent = 1;
				ps->p++;
				if (*ps->p == '[') {
					ps->p++;
					if (parse_bracket(ps, path, 1) < 0)
						goto fail;
					continue;
				}
			}
			if (*ps->p == '*') {
				ps->p++;
				add_step(path, ST_WILD, descent);
				continue;
			}
			if (!name_char(ps, *ps->p)) {
				perr(ps, "expected a name after '.'");
				goto fail;
			}
			start = ps->p;
			while (name_char(ps, *ps->p))
				ps->p++;
			s = add_step(path, ST_NAME, descent);
			s->name = xstrndup(start, (size_t)(ps->p - start));
		} else if (*ps->p == '[') {
			ps->p++;
			if (parse_bracket(ps, path, 0) < 0)
				goto fail;
		} else
			break;
	}
	return path;
fail:
	sl_path_free(path);
	return NULL;
}

struct sl_path *
sl_path_compile(const char *text, unsigned flags, struct sl_err *err)
{
	struct parser ps = { text, text, 0, 0, err };
	struct sl_path *path;

	if (text == NULL) {
		sl_err_set(err, DEF_ERR, "invalid JSONPath: missing");
		return NULL;
	}
	if ((path = parse_path(&ps, flags, 0)) == NULL)
		return NULL;
	if (*ps.p != '\0') {
		perr(&ps, "unexpected character");
		goto fail;
	}
	if ((flags & SL_PATH_REFERENCE) && path->multi) {
		sl_err_set(err, DEF_ERR, "invalid Reference Path '%s': only "
		    ".name, ['name'] and [N] are allowed (no *, .., [a,b], "
		    "slices or filters)", text);
		goto fail;
	}
	path->text = xstrdup(text);
	return path;
fail:
	sl_path_free(path);
	return NULL;
}

const char *
sl_path_text(const struct sl_path *p)
{
	return p->text;
}

int
sl_path_is_context(const struct sl_path *p)
{
	return p->context;
}

int
sl_path_is_multi(const struct sl_path *p)
{
	return p->multi;
}

/* --- evaluating -------------------------------------------------------- */

int
sl_json_equal(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;
	int na = 0, nb = 0;

	if (a == NULL || b == NULL)
		return a == b;
	if ((a->type & 0xff) != (b->type & 0xff))
		return 0;
	switch (a->type & 0xff) {
	case cJSON_Number:
		return a->valuedouble == b->valuedouble;
	case cJSON_String:
		return strcmp(a->valuestring, b->valuestring) == 0;
	case cJSON_Array:
		for (x = a->child, y = b->child; x && y; x = x->next,
		    y = y->next)
			if (!sl_json_equal(x, y))
				return 0;
		return x == NULL && y == NULL;
	case cJSON_Object:
		for (x = a->child; x; x = x->next) {
			na++;
			y = cJSON_GetObjectItemCaseSensitive(b, x->string);
			if (y == NULL || !sl_json_equal(x, y))
				return 0;
		}
		for (y = b->child; y; y = y->next)
			nb++;
		return na == nb;
	default:
		return 1;
	}
}

static void walk(const struct sl_path *p, size_t i, const cJSON *node,
    const cJSON *root, struct nodes *out, int depth);

/* The single node a relative/root operand path selects (first match). */
static const cJSON *
operand_value(const struct operand *o, const cJSON *cur, const cJSON *root)
{
	struct nodes ns = { NULL, 0, 0 };
	const cJSON *v;

	if (o->lit)
		return o->lit;
	walk(o->path, 0, o->path->relative ? cur : root, root, &ns, 0);
	v = ns.n > 0 ? ns.v[0] : NULL;
	free(ns.v);
	return v;
}

static int
fexpr_eval(const struct fexpr *e, const cJSON *cur, const cJSON *root)
{
	const cJSON *l, *r;
	int c;

	switch (e->kind) {
	case FX_OR:
		return fexpr_eval(e->a, cur, root) ||
		    fexpr_eval(e->b, cur, root);
	case FX_AND:
		return fexpr_eval(e->a, cur, root) &&
		    fexpr_eval(e->b, cur, root);
	case FX_NOT:
		return !fexpr_eval(e->a, cur, root);
	case FX_EXISTS:
		return operand_value(&e->l, cur, root) != NULL;
	case FX_CMP:
		break;
	}
	l = operand_value(&e->l, cur, root);
	r = operand_value(&e->r, cur, root);
	if (l == NULL || r == NULL)
		return e->op == OP_NE && l != r; /* one side missing */
	if (e->op == OP_EQ)
		return sl_json_equal(l, r);
	if (e->op == OP_NE)
		return !sl_json_equal(l, r);
	if (cJSON_IsNumber(l) && cJSON_IsNumber(r))
		c = l->valuedouble < r->valuedouble ? -1 :
		    l->valuedouble > r->valuedouble ? 1 : 0;
	else if (cJSON_IsString(l) && cJSON_IsString(r))
		c = strcmp(l->valuestring, r->valuestring);
	else
		return 0;
	switch (e->op) {
	case OP_LT:
		return c < 0;
	case OP_LE:
		return c <= 0;
	case OP_GT:
		return c > 0;
	case OP_GE:
		return c >= 0;
	default:
		return 0;
	}
}

static int
array_size(const cJSON *a)
{
	return cJSON_GetArraySize(a);
}

/* Apply step i's selector to node (no descent) and continue with i+1. */
static void
select_at(const struct sl_path *p, size_t i, const cJSON *node,
    const cJSON *root, struct nodes *out, int depth)
{
	const struct step *s = &p->steps[i];
	const cJSON *c;
	long n, k, lo, hi;
	size_t m;

	switch (s->kind) {
	case ST_NAME:
		if (cJSON_IsObject(node) && (c =
		    cJSON_GetObjectItemCaseSensitive(node, s->name)) != NULL)
			walk(p, i + 1, c, root, out, depth);
		break;
	case ST_INDEX:
		if (!cJSON_IsArray(node))
			break;
		k = s->index < 0 ? array_size(node) + s->index : s->index;
		if (k >= 0 && (c = cJSON_GetArrayItem(node, (int)k)) != NULL)
			walk(p, i + 1, c, root, out, depth);
		break;
	case ST_WILD:
		if (cJSON_IsObject(node) || cJSON_IsArray(node))
			for (c = node->child; c; c = c->next)
				walk(p, i + 1, c, root, out, depth);
		break;
	case ST_UNION:
		for (m = 0; m < s->nmembers; m++) {
			c = NULL;
			if (s->members[m].name && cJSON_IsObject(node))
				c = cJSON_GetObjectItemCaseSensitive(node,
				    s->members[m].name);
			else if (!s->members[m].name && cJSON_IsArray(node)) {
				k = s->members[m].index;
				if (k < 0)
					k += array_size(node);
				if (k >= 0)
					c = cJSON_GetArrayItem(node, (int)k);
			}
			if (c)
				walk(p, i + 1, c, root, out, depth);
		}
		break;
	case ST_SLICE:
		if (!cJSON_IsArray(node))
			break;
		n = array_size(node);
		if (s->stride > 0) {
			lo = s->has_start ? s->start : 0;
			hi = s->has_end ? s->end : n;
			if (lo < 0)
				lo = lo + n < 0 ? 0 : lo + n;
			if (hi < 0)
				hi = hi + n < 0 ? 0 : hi + n;
			if (hi > n)
				hi = n;
			for (k = lo; k < hi; k += s->stride)
				walk(p, i + 1, cJSON_GetArrayItem(node,
				    (int)k), root, out, depth);
		} else {
			lo = s->has_start ? s->start : n - 1;
			hi = s->has_end ? s->end : -n - 1;
			if (lo < 0)
				lo += n;
			if (lo >= n)
				lo = n - 1;
			if (hi < 0)
				hi = hi + n < -1 ? -1 : hi + n;
			for (k = lo; k > hi && k >= 0; k += s->stride)
				walk(p, i + 1, cJSON_GetArrayItem(node,
				    (int)k), root, out, depth);
		}
		break;
	case ST_FILTER:
		if (cJSON_IsArray(node)) {
			for (c = node->child; c; c = c->next)
				if (fexpr_eval(s->filter, c, root))
					walk(p, i + 1, c, root, out, depth);
		} else if (cJSON_IsObject(node)) {
			if (fexpr_eval(s->filter, node, root))
				walk(p, i + 1, node, root, out, depth);
		}
		break;
	}
}

/* Recursive descent: the selector at node and at every node below it. */
static void
descend(const struct sl_path *p, size_t i, const cJSON *node,
    const cJSON *root, struct nodes *out, int depth)
{
	const cJSON *c;

	if (depth > 512)
		return;
	select_at(p, i, node, root, out, depth + 1);
	if (cJSON_IsObject(node) || cJSON_IsArray(node))
		for (c = node->child; c; c = c->next)
			if (cJSON_IsObject(c) || cJSON_IsArray(c))
				descend(p, i, c, root, out, depth + 1);
}

static void
walk(const struct sl_path *p, size_t i, const cJSON *node,
    const cJSON *root, struct nodes *out, int depth)
{
	if (node == NULL)
		return;
	if (i == p->nsteps) {
		nodes_push(out, node);
		return;
	}
	if (p->steps[i].descent)
		descend(p, i, node, root, out, depth);
	else
		select_at(p, i, node, root, out, depth);
}

const cJSON *
sl_path_lookup(const struct sl_path *p, const cJSON *doc, const cJSON *ctx)
{
	const cJSON *node = p->context ? ctx : doc;
	const struct step *s;
	size_t i;
	long k;

	if (p->multi)
		return NULL;
	for (i = 0; i < p->nsteps && node != NULL; i++) {
		s = &p->steps[i];
		if (s->kind == ST_NAME) {
			node = cJSON_IsObject(node) ?
			    cJSON_GetObjectItemCaseSensitive(node, s->name) :
			    NULL;
		} else {
			if (!cJSON_IsArray(node))
				return NULL;
			k = s->index < 0 ? array_size(node) + s->index :
			    s->index;
			node = k >= 0 ? cJSON_GetArrayItem(node, (int)k) :
			    NULL;
		}
	}
	return node;
}

/* $['a'][0]... for the first n steps of a single path. */
static void
normalized(const struct sl_path *p, size_t n, struct sl_buf *b)
{
	size_t i;

	sl_buf_addch(b, '$');
	for (i = 0; i < n; i++) {
		if (p->steps[i].kind == ST_NAME)
			sl_buf_addf(b, "['%s']", p->steps[i].name);
		else
			sl_buf_addf(b, "[%ld]", p->steps[i].index);
	}
}

static const char *
java_class(const cJSON *v)
{
	if (v == NULL || cJSON_IsNull(v))
		return "null";
	if (cJSON_IsObject(v))
		return "java.util.LinkedHashMap";
	if (cJSON_IsArray(v))
		return "java.util.ArrayList";
	if (cJSON_IsString(v))
		return "java.lang.String";
	if (cJSON_IsBool(v))
		return "java.lang.Boolean";
	if (v->valuedouble == floor(v->valuedouble) &&
	    fabs(v->valuedouble) < 2147483648.0)
		return "java.lang.Integer";
	return "java.lang.Double";
}

/* Explain why a single path matched nothing, as AWS's JSONPath words it. */
static int
single_not_found(const struct sl_path *p, const cJSON *doc, const cJSON *ctx,
    struct sl_err *err)
{
	const cJSON *node = p->context ? ctx : doc, *next;
	struct sl_buf b = SL_BUF_INIT;
	const struct step *s;
	size_t i;
	char *json;
	long k;

	sl_buf_init(&b);
	sl_buf_addf(&b, "Invalid path '%s' : ", p->text);
	for (i = 0; i < p->nsteps; i++) {
		s = &p->steps[i];
		if (s->kind == ST_NAME) {
			if (!cJSON_IsObject(node)) {
				sl_buf_addf(&b, "Expected to find an object "
				    "with property ['%s'] in path ", s->name);
				normalized(p, i, &b);
				sl_buf_addf(&b, " but found '%s'. This is not "
				    "a json object according to the "
				    "JsonProvider: 'com.jayway.jsonpath.spi."
				    "json.JacksonJsonProvider'.",
				    java_class(node));
				goto done;
			}
			next = cJSON_GetObjectItemCaseSensitive(node,
			    s->name);
			if (next == NULL) {
				if (i + 1 < p->nsteps) {
					sl_buf_addstr(&b, "Missing property "
					    "in path ");
					normalized(p, i + 1, &b);
				} else {
					sl_buf_addstr(&b, "No results for "
					    "path: ");
					normalized(p, p->nsteps, &b);
				}
				goto done;
			}
		} else {
			if (node == NULL || cJSON_IsNull(node)) {
				sl_buf_addstr(&b, "The path ");
				normalized(p, i, &b);
				sl_buf_addstr(&b, " is null");
				goto done;
			}
			if (!cJSON_IsArray(node)) {
				json = cJSON_PrintUnformatted(node);
				sl_buf_addf(&b, "Filter: [%ld] can only be "
				    "applied to arrays. Current context is: "
				    "%s", s->index, json ? json : "");
				free(json);
				goto done;
			}
			k = s->index < 0 ? array_size(node) + s->index :
			    s->index;
			next = k >= 0 ? cJSON_GetArrayItem(node, (int)k) :
			    NULL;
			if (next == NULL) {
				sl_buf_addstr(&b, "No results for path: ");
				normalized(p, p->nsteps, &b);
				goto done;
			}
		}
		node = next;
	}
	sl_buf_addstr(&b, "No results for path: ");
	normalized(p, p->nsteps, &b);
done:
	sl_err_set(err, RUN_ERR, "%s", b.data);
	sl_buf_release(&b);
	return -1;
}

cJSON *
sl_path_eval(const struct sl_path *p, const cJSON *doc, const cJSON *ctx,
    struct sl_err *err)
{
	const cJSON *root = p->context ? ctx : doc;
	struct nodes ns = { NULL, 0, 0 };
	const cJSON *n;
	cJSON *arr;
	size_t i;

	if (!p->multi) {
		if ((n = sl_path_lookup(p, doc, ctx)) == NULL) {
			single_not_found(p, doc, ctx, err);
			return NULL;
		}
		return cJSON_Duplicate(n, 1);
	}
	walk(p, 0, root, root, &ns, 0);
	arr = cJSON_CreateArray();
	for (i = 0; i < ns.n; i++)
		cJSON_AddItemToArray(arr, cJSON_Duplicate(ns.v[i], 1));
	free(ns.v);
	return arr;
}

int
sl_path_err_not_found(const struct sl_path *p, const char *field,
    const cJSON *input, struct sl_err *err)
{
	char *json = input ? cJSON_PrintUnformatted(input) : NULL;

	sl_err_set(err, RUN_ERR, "The JSONPath '%s' specified for the field "
	    "'%s' could not be found in the input '%s'", p->text, field,
	    json ? json : "null");
	free(json);
	return -1;
}

/* --- ResultPath -------------------------------------------------------- */

static int
assign_fail(const struct step *s, const cJSON *node, struct sl_err *err)
{
	char *json = cJSON_PrintUnformatted(node);

	if (s->kind == ST_NAME)
		sl_err_set(err, "States.ResultPathMatchFailure",
		    "Unable to apply step \"%s\" to input %s", s->name,
		    json ? json : "null");
	else
		sl_err_set(err, "States.ResultPathMatchFailure",
		    "Unable to apply step \"[%ld]\" to input %s", s->index,
		    json ? json : "null");
	free(json);
	return -1;
}

int
sl_path_assign(const struct sl_path *p, cJSON **doc, cJSON *value,
    struct sl_err *err)
{
	cJSON *node, *next;
	const struct step *s;
	size_t i;
	long k;

	if (p->multi || p->context) {
		cJSON_Delete(value);
		return sl_err_set(err, "States.ResultPathMatchFailure",
		    "ResultPath '%s' is not a Reference Path into the input",
		    p->text);
	}
	if (p->nsteps == 0) {
		cJSON_Delete(*doc);
		*doc = value;
		return 0;
	}
	node = *doc;
	for (i = 0; i < p->nsteps; i++) {
		s = &p->steps[i];
		if (s->kind == ST_NAME) {
			if (!cJSON_IsObject(node))
				goto fail;
			next = cJSON_GetObjectItemCaseSensitive(node, s->name);
			if (i + 1 == p->nsteps) {
				if (next)
					cJSON_ReplaceItemInObjectCaseSensitive(
					    node, s->name, value);
				else
					cJSON_AddItemToObject(node, s->name,
					    value);
				return 0;
			}
			if (next == NULL) {
				next = cJSON_CreateObject();
				cJSON_AddItemToObject(node, s->name, next);
			}
		} else {
			if (!cJSON_IsArray(node))
				goto fail;
			k = s->index < 0 ? array_size(node) + s->index :
			    s->index;
			next = k >= 0 ? cJSON_GetArrayItem(node, (int)k) :
			    NULL;
			if (next == NULL)
				goto fail;
			if (i + 1 == p->nsteps) {
				cJSON_ReplaceItemViaPointer(node, next, value);
				return 0;
			}
		}
		node = next;
	}
	return 0;
fail:
	assign_fail(s, node, err);
	cJSON_Delete(value);
	return -1;
}
