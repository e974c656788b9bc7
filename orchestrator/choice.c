/* Choice rules: compiled once into a small tree (And/Or/Not over
 * comparisons and type tests), evaluated against the input per run. */
#include "orchestrator/choice.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "orchestrator/asltime.h"
#include "orchestrator/jsonpath.h"

#define DEF_ERR "InvalidDefinition"
#define MAX_DEPTH 64

enum ckind { C_AND, C_OR, C_NOT, C_CMP, C_TEST };
enum ctype { T_STRING, T_NUMERIC, T_BOOLEAN, T_TIMESTAMP, T_MATCHES };
enum cop { O_EQ, O_LT, O_GT, O_LE, O_GE };
enum ctest {
	IS_PRESENT, IS_NULL, IS_NUMERIC, IS_STRING, IS_BOOLEAN, IS_TIMESTAMP
};

struct sl_choice {
	enum ckind kind;
	struct sl_choice **kids;
	size_t nkids;
	struct sl_path *var;
	enum ctype type;
	enum cop op;
	enum ctest test;
	int want;		/* the boolean of an Is... test */
	cJSON *lit;		/* literal operand */
	struct sl_time ts;	/* a literal timestamp operand, parsed */
	struct sl_path *opath;	/* a ...Path operand */
};

static const struct opinfo {
	const char *name;
	enum ctype type;
	enum cop op;
	int is_path;
} ops[] = {
	{ "StringEquals", T_STRING, O_EQ, 0 },
	{ "StringLessThan", T_STRING, O_LT, 0 },
	{ "StringGreaterThan", T_STRING, O_GT, 0 },
	{ "StringLessThanEquals", T_STRING, O_LE, 0 },
	{ "StringGreaterThanEquals", T_STRING, O_GE, 0 },
	{ "StringMatches", T_MATCHES, O_EQ, 0 },
	{ "NumericEquals", T_NUMERIC, O_EQ, 0 },
	{ "NumericLessThan", T_NUMERIC, O_LT, 0 },
	{ "NumericGreaterThan", T_NUMERIC, O_GT, 0 },
	{ "NumericLessThanEquals", T_NUMERIC, O_LE, 0 },
	{ "NumericGreaterThanEquals", T_NUMERIC, O_GE, 0 },
	{ "BooleanEquals", T_BOOLEAN, O_EQ, 0 },
	{ "TimestampEquals", T_TIMESTAMP, O_EQ, 0 },
	{ "TimestampLessThan", T_TIMESTAMP, O_LT, 0 },
	{ "TimestampGreaterThan", T_TIMESTAMP, O_GT, 0 },
	{ "TimestampLessThanEquals", T_TIMESTAMP, O_LE, 0 },
	{ "TimestampGreaterThanEquals", T_TIMESTAMP, O_GE, 0 },
	{ "StringEqualsPath", T_STRING, O_EQ, 1 },
	{ "StringLessThanPath", T_STRING, O_LT, 1 },
	{ "StringGreaterThanPath", T_STRING, O_GT, 1 },
	{ "StringLessThanEqualsPath", T_STRING, O_LE, 1 },
	{ "StringGreaterThanEqualsPath", T_STRING, O_GE, 1 },
	{ "NumericEqualsPath", T_NUMERIC, O_EQ, 1 },
	{ "NumericLessThanPath", T_NUMERIC, O_LT, 1 },
	{ "NumericGreaterThanPath", T_NUMERIC, O_GT, 1 },
	{ "NumericLessThanEqualsPath", T_NUMERIC, O_LE, 1 },
	{ "NumericGreaterThanEqualsPath", T_NUMERIC, O_GE, 1 },
	{ "BooleanEqualsPath", T_BOOLEAN, O_EQ, 1 },
	{ "TimestampEqualsPath", T_TIMESTAMP, O_EQ, 1 },
	{ "TimestampLessThanPath", T_TIMESTAMP, O_LT, 1 },
	{ "TimestampGreaterThanPath", T_TIMESTAMP, O_GT, 1 },
	{ "TimestampLessThanEqualsPath", T_TIMESTAMP, O_LE, 1 },
	{ "TimestampGreaterThanEqualsPath", T_TIMESTAMP, O_GE, 1 },
};

static const struct testinfo {
	const char *name;
	enum ctest test;
} tests[] = {
	{ "IsPresent", IS_PRESENT }, { "IsNull", IS_NULL },
	{ "IsNumeric", IS_NUMERIC }, { "IsString", IS_STRING },
	{ "IsBoolean", IS_BOOLEAN }, { "IsTimestamp", IS_TIMESTAMP },
};

#define NOPS (sizeof(ops) / sizeof(ops[0]))
#define NTESTS (sizeof(tests) / sizeof(tests[0]))

void
sl_choice_free(struct sl_choice *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nkids; i++)
		sl_choice_free(c->kids[i]);
	free(c->kids);
	sl_path_free(c->var);
	sl_path_free(c->opath);
	cJSON_Delete(c->lit);
	free(c);
}

static int
is_operator(const char *k)
{
	size_t i;

	if (strcmp(k, "And") == 0 || strcmp(k, "Or") == 0 ||
	    strcmp(k, "Not") == 0)
		return 1;
	for (i = 0; i < NOPS; i++)
		if (strcmp(ops[i].name, k) == 0)
			return 1;
	for (i = 0; i < NTESTS; i++)
		if (strcmp(tests[i].name, k) == 0)
			return 1;
	return 0;
}

static struct sl_choice *compile_rule(const cJSON *rule, const char *where,
    int depth, struct sl_err *err);

/* Compile the path in a string field, or fail naming where/key. */
static struct sl_path *
compile_path(const cJSON *v, const char *where, const char *key,
    struct sl_err *err)
{
	struct sl_err perr = SL_ERR_INIT;
	struct sl_path *p;

	if (!cJSON_IsString(v)) {
		sl_err_set(err, DEF_ERR, "%s/%s: must be a string (a path)",
		    where, key);
		return NULL;
	}
	if ((p = sl_path_compile(v->valuestring, SL_PATH_ALLOW_CONTEXT,
	    &perr)) == NULL)
		sl_err_set(err, DEF_ERR, "%s/%s: %s", where, key, perr.msg);
	return p;
}

static int
compile_boolean_op(struct sl_choice *c, const cJSON *rule, const char *where,
    const char *key, int depth, struct sl_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rule, key), *k;
	size_t i;
	char *sub;

	if (strcmp(key, "Not") == 0) {
		c->kind = C_NOT;
		c->kids = xcalloc(1, sizeof(*c->kids));
		sub = xasprintf("%s/Not", where);
		c->kids[0] = compile_rule(v, sub, depth + 1, err);
		free(sub);
		if (c->kids[0] == NULL)
			return -1;
		c->nkids = 1;
		return 0;
	}
	c->kind = strcmp(key, "And") == 0 ? C_AND : C_OR;
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
		return sl_err_set(err, DEF_ERR, "%s/%s: must be a non-empty "
		    "array of rules", where, key);
	c->kids = xcalloc((size_t)cJSON_GetArraySize(v), sizeof(*c->kids));
	for (k = v->child, i = 0; k; k = k->next, i++) {
		sub = xasprintf("%s/%s/%zu", where, key, i);
		c->kids[i] = compile_rule(k, sub, depth + 1, err);
		free(sub);
		if (c->kids[i] == NULL)
			return -1;
		c->nkids++;
	}
	return 0;
}

static struct sl_choice *
compile_rule(const cJSON *rule, const char *where, int depth,
    struct sl_err *err)
{
	struct sl_choice *c = xcalloc(1, sizeof(*c));
	const cJSON *k, *var;
	const char *opkey = NULL, *want = NULL;
	size_t i;

	if (depth > MAX_DEPTH) {
		sl_err_set(err, DEF_ERR, "%s: rules nested too deeply", where);
		goto fail;
	}
	if (!cJSON_IsObject(rule)) {
		sl_err_set(err, DEF_ERR, "%s: a choice rule must be an object",
		    where);
		goto fail;
	}
	for (k = rule->child; k; k = k->next) {
		if (!is_operator(k->string))
			continue;
		if (opkey) {
			sl_err_set(err, DEF_ERR, "%s: a rule takes exactly "
			    "one comparison operator, found '%s' and '%s'",
			    where, opkey, k->string);
			goto fail;
		}
		opkey = k->string;
	}
	var = cJSON_GetObjectItemCaseSensitive(rule, "Variable");
	if (opkey == NULL) {
		sl_err_set(err, DEF_ERR, "%s: no comparison operator (e.g. "
		    "StringEquals, And, IsPresent)", where);
		goto fail;
	}
	if (strcmp(opkey, "And") == 0 || strcmp(opkey, "Or") == 0 ||
	    strcmp(opkey, "Not") == 0) {
		if (var) {
			sl_err_set(err, DEF_ERR, "%s/Variable: not allowed "
			    "with %s", where, opkey);
			goto fail;
		}
		if (compile_boolean_op(c, rule, where, opkey, depth, err) < 0)
			goto fail;
		return c;
	}
	if (var == NULL) {
		sl_err_set(err, DEF_ERR, "%s: missing Variable for %s", where,
		    opkey);
		goto fail;
	}
	if ((c->var = compile_path(var, where, "Variable", err)) == NULL)
		goto fail;
	k = cJSON_GetObjectItemCaseSensitive(rule, opkey);
	for (i = 0; i < NTESTS; i++) {
		if (strcmp(tests[i].name, opkey) != 0)
			continue;
		if (!cJSON_IsBool(k)) {
			sl_err_set(err, DEF_ERR, "%s/%s: must be a boolean",
			    where, opkey);
			goto fail;
		}
		c->kind = C_TEST;
		c->test = tests[i].test;
		c->want = cJSON_IsTrue(k);
		return c;
	}
	for (i = 0; i < NOPS; i++)
		if (strcmp(ops[i].name, opkey) == 0)
			break;
	c->kind = C_CMP;
	c->type = ops[i].type;
	c->op = ops[i].op;
	if (ops[i].is_path) {
		if ((c->opath = compile_path(k, where, opkey, err)) == NULL)
			goto fail;
		return c;
	}
	switch (c->type) {
	case T_STRING:
	case T_MATCHES:
		if (!cJSON_IsString(k))
			want = "a string";
		break;
	case T_NUMERIC:
		if (!cJSON_IsNumber(k))
			want = "a number";
		break;
	case T_BOOLEAN:
		if (!cJSON_IsBool(k))
			want = "a boolean";
		break;
	case T_TIMESTAMP:
		if (!cJSON_IsString(k) ||
		    sl_time_parse(k->valuestring, &c->ts) < 0)
			want = "an RFC 3339 timestamp string such as "
			    "2016-03-14T01:59:00Z";
		break;
	}
	if (want != NULL) {
		sl_err_set(err, DEF_ERR, "%s/%s: must be %s", where, opkey,
		    want);
		goto fail;
	}
	c->lit = cJSON_Duplicate(k, 1);
	return c;
fail:
	sl_choice_free(c);
	return NULL;
}

struct sl_choice *
sl_choice_compile(const cJSON *rule, const char *field, struct sl_err *err)
{
	return compile_rule(rule, field ? field : "", 0, err);
}

int
sl_choice_wildcard_match(const char *p, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;
	char pc;
	int adv;

	while (*s) {
		if (*p == '*') {
			star_p = ++p;
			star_s = s;
			continue;
		}
		pc = *p;
		adv = 1;
		if (pc == '\\' && (p[1] == '*' || p[1] == '\\')) {
			pc = p[1];
			adv = 2;
		}
		if (pc != '\0' && pc == *s) {
			p += adv;
			s++;
			continue;
		}
		if (star_p == NULL)
			return 0;
		p = star_p;
		s = ++star_s;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* Next code point of UTF-8 text (invalid bytes stand for themselves). */
static unsigned long
next_cp(const unsigned char **s)
{
	const unsigned char *p = *s;
	unsigned long cp;
	int n, i;

	if (p[0] < 0x80 || (p[0] & 0xe0) == 0x80) {
		*s = p + 1;
		return p[0];
	}
	n = p[0] >= 0xf0 ? 3 : p[0] >= 0xe0 ? 2 : 1;
	cp = p[0] & (0x3f >> n);
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*s = p + 1;
			return p[0];
		}
		cp = cp << 6 | (p[i] & 0x3f);
	}
	*s = p + n + 1;
	return cp;
}

/* Order strings by UTF-16 code units, as AWS (Java) compares them:
 * characters beyond U+FFFF sort as their surrogates, below U+E000. */
static int
utf16_cmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;
	unsigned long p, q, hp, hq;

	while (*x && *y) {
		p = next_cp(&x);
		q = next_cp(&y);
		if (p == q)
			continue;
		hp = p >= 0x10000 ? 0xd800 + ((p - 0x10000) >> 10) : p;
		hq = q >= 0x10000 ? 0xd800 + ((q - 0x10000) >> 10) : q;
		if (hp != hq)
			return hp < hq ? -1 : 1;
		return p < q ? -1 : 1;
	}
	return *x ? 1 : *y ? -1 : 0;
}

static int
invalid_path(const struct sl_path *p, struct sl_err *err)
{
	return sl_err_set(err, "States.Runtime", "Invalid path '%s': The "
	    "choice state's condition path references an invalid value.",
	    sl_path_text(p));
}

/* The node a path selects (borrowed, or *owned for a multi path). */
static const cJSON *
resolve(const struct sl_path *p, const cJSON *doc, const cJSON *ctx,
    cJSON **owned)
{
	*owned = NULL;
	if (sl_path_is_multi(p)) {
		*owned = sl_path_eval(p, doc, ctx, NULL);
		return *owned;
	}
	return sl_path_lookup(p, doc, ctx);
}

static int
ordered(enum cop op, int c)
{
	switch (op) {
	case O_EQ:
		return c == 0;
	case O_LT:
		return c < 0;
	case O_GT:
		return c > 0;
	case O_LE:
		return c <= 0;
	case O_GE:
		return c >= 0;
	}
	return 0;
}

static int
compare(const struct sl_choice *c, const cJSON *v, const cJSON *o)
{
	struct sl_time a, b;
	double x, y;

	switch (c->type) {
	case T_STRING:
		if (!cJSON_IsString(v) || !cJSON_IsString(o))
			return 0;
		return ordered(c->op, utf16_cmp(v->valuestring,
		    o->valuestring));
	case T_MATCHES:
		if (!cJSON_IsString(v))
			return 0;
		return sl_choice_wildcard_match(o->valuestring,
		    v->valuestring);
	case T_NUMERIC:
		if (!cJSON_IsNumber(v) || !cJSON_IsNumber(o))
			return 0;
		x = v->valuedouble;
		y = o->valuedouble;
		return ordered(c->op, x < y ? -1 : x > y ? 1 : 0);
	case T_BOOLEAN:
		if (!cJSON_IsBool(v) || !cJSON_IsBool(o))
			return 0;
		return cJSON_IsTrue(v) == cJSON_IsTrue(o);
	case T_TIMESTAMP:
		if (!cJSON_IsString(v) || sl_time_parse(v->valuestring,
		    &a) < 0)
			return 0;
		if (c->opath) {
			if (!cJSON_IsString(o) ||
			    sl_time_parse(o->valuestring, &b) < 0)
				return 0;
		} else
			b = c->ts;
		return ordered(c->op, sl_time_cmp(&a, &b));
	}
	return 0;
}

static int
test(const struct sl_choice *c, const cJSON *v)
{
	struct sl_time t;

	switch (c->test) {
	case IS_PRESENT:
		return 1;
	case IS_NULL:
		return cJSON_IsNull(v);
	case IS_NUMERIC:
		return cJSON_IsNumber(v);
	case IS_STRING:
		return cJSON_IsString(v);
	case IS_BOOLEAN:
		return cJSON_IsBool(v);
	case IS_TIMESTAMP:
		return cJSON_IsString(v) &&
		    sl_time_parse(v->valuestring, &t) == 0;
	}
	return 0;
}

int
sl_choice_eval(const struct sl_choice *c, const cJSON *doc, const cJSON *ctx,
    struct sl_err *err)
{
	cJSON *vown = NULL, *oown = NULL;
	const cJSON *v, *o;
	size_t i;
	int r;

	switch (c->kind) {
	case C_AND:
	case C_OR:
		for (i = 0; i < c->nkids; i++) {
			r = sl_choice_eval(c->kids[i], doc, ctx, err);
			if (r < 0)
				return -1;
			if (c->kind == C_AND && !r)
				return 0;
			if (c->kind == C_OR && r)
				return 1;
		}
		return c->kind == C_AND;
	case C_NOT:
		r = sl_choice_eval(c->kids[0], doc, ctx, err);
		return r < 0 ? -1 : !r;
	case C_TEST:
	case C_CMP:
		break;
	}
	v = resolve(c->var, doc, ctx, &vown);
	if (v == NULL) {
		if (c->kind == C_TEST && c->test == IS_PRESENT)
			return !c->want;
		return invalid_path(c->var, err);
	}
	if (c->kind == C_TEST) {
		r = test(c, v) == c->want;
		cJSON_Delete(vown);
		return r;
	}
	o = c->lit;
	if (c->opath) {
		o = resolve(c->opath, doc, ctx, &oown);
		if (o == NULL) {
			cJSON_Delete(vown);
			return invalid_path(c->opath, err);
		}
	}
	r = compare(c, v, o);
	cJSON_Delete(vown);
	cJSON_Delete(oown);
	return r;
}
