/* The States Language intrinsic functions: a call is parsed once into a
 * tree of arguments (literals, paths, nested calls) and evaluated per run
 * with AWS's argument checks and error texts. */
#include "orchestrator/intrinsic.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/buf.h"
#include "common/rng.h"
#include "common/xmalloc.h"
#include "orchestrator/digest.h"
#include "orchestrator/jsonpath.h"

#define DEF_ERR "InvalidDefinition"
#define FAIL_ERR "States.IntrinsicFailure"
#define MAX_DEPTH 32
#define MAX_STRING 10000	/* Base64/Hash input limit */
#define MAX_RANGE 1000		/* ArrayRange result limit */

enum fn {
	FN_FORMAT, FN_STRINGTOJSON, FN_JSONTOSTRING, FN_ARRAY,
	FN_ARRAYPARTITION, FN_ARRAYCONTAINS, FN_ARRAYRANGE, FN_ARRAYGETITEM,
	FN_ARRAYLENGTH, FN_ARRAYUNIQUE, FN_BASE64ENCODE, FN_BASE64DECODE,
	FN_HASH, FN_JSONMERGE, FN_MATHRANDOM, FN_MATHADD, FN_STRINGSPLIT,
	FN_UUID,
};

static const struct fninfo {
	const char *name;
	enum fn fn;
	int min, max; /* argument counts; max -1 = any */
} fns[] = {
	{ "States.Format", FN_FORMAT, 1, -1 },
	{ "States.StringToJson", FN_STRINGTOJSON, 1, 1 },
	{ "States.JsonToString", FN_JSONTOSTRING, 1, 1 },
	{ "States.Array", FN_ARRAY, 0, -1 },
	{ "States.ArrayPartition", FN_ARRAYPARTITION, 2, 2 },
	{ "States.ArrayContains", FN_ARRAYCONTAINS, 2, 2 },
	{ "States.ArrayRange", FN_ARRAYRANGE, 3, 3 },
	{ "States.ArrayGetItem", FN_ARRAYGETITEM, 2, 2 },
	{ "States.ArrayLength", FN_ARRAYLENGTH, 1, 1 },
	{ "States.ArrayUnique", FN_ARRAYUNIQUE, 1, 1 },
	{ "States.Base64Encode", FN_BASE64ENCODE, 1, 1 },
	{ "States.Base64Decode", FN_BASE64DECODE, 1, 1 },
	{ "States.Hash", FN_HASH, 2, 2 },
	{ "States.JsonMerge", FN_JSONMERGE, 3, 3 },
	{ "States.MathRandom", FN_MATHRANDOM, 2, 3 },
	{ "States.MathAdd", FN_MATHADD, 2, 2 },
	{ "States.StringSplit", FN_STRINGSPLIT, 2, 2 },
	{ "States.UUID", FN_UUID, 0, 0 },
};

enum arg_kind { ARG_LIT, ARG_PATH, ARG_CALL };

struct arg {
	enum arg_kind kind;
	cJSON *lit;
	struct sl_path *path;
	struct sl_intrinsic *call;
	/* A string literal split at its unescaped {} placeholders. */
	char **segs;
	size_t nsegs; /* placeholders + 1 */
};

struct sl_intrinsic {
	const struct fninfo *info;
	struct arg *args;
	size_t nargs;
};

/* An evaluated argument: borrowed from the input or owned. */
struct val {
	const cJSON *v;
	cJSON *owned;
};

static void
arg_release(struct arg *a)
{
	size_t i;

	cJSON_Delete(a->lit);
	sl_path_free(a->path);
	sl_intrinsic_free(a->call);
	for (i = 0; i < a->nsegs; i++)
		free(a->segs[i]);
	free(a->segs);
}

void
sl_intrinsic_free(struct sl_intrinsic *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nargs; i++)
		arg_release(&f->args[i]);
	free(f->args);
	free(f);
}

const char *
sl_intrinsic_name(const struct sl_intrinsic *f)
{
	return f->info->name;
}

int
sl_intrinsic_is_call(const char *text)
{
	const char *p;

	if (text == NULL || strncmp(text, "States.", 7) != 0)
		return 0;
	for (p = text + 7; isalnum((unsigned char)*p); p++)
		;
	return p > text + 7 && *p == '(';
}

/* --- parsing ----------------------------------------------------------- */

struct parser {
	const char *text;
	const char *p;
	int depth;
	struct sl_err *err;
};

static int
perr(struct parser *ps, const char *fmt, const char *what)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, what);
	return sl_err_set(ps->err, DEF_ERR,
	    "invalid intrinsic function '%s': %s at position %d", ps->text,
	    msg, (int)(ps->p - ps->text) + 1);
}

static void
skip_ws(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

static struct sl_intrinsic *parse_call(struct parser *ps);

/* 'text' with \' \{ \} \\ escapes; also splits at unescaped {}. */
static int
parse_string(struct parser *ps, struct arg *a)
{
	struct sl_buf full = SL_BUF_INIT, seg = SL_BUF_INIT;
	char c;

	sl_buf_init(&full);
	sl_buf_init(&seg);
	ps->p++;
	for (;;) {
		c = *ps->p;
		if (c == '\0') {
			perr(ps, "%s", "unterminated string literal");
			goto fail;
		}
		if (c == '\'') {
			ps->p++;
			break;
		}
		if (c == '\\') {
			c = ps->p[1];
			if (c != '\'' && c != '{' && c != '}' && c != '\\') {
				ps->p++;
				perr(ps, "%s", "invalid escape in string "
				    "literal (only \\', \\{, \\} and \\\\)");
				goto fail;
			}
			sl_buf_addch(&full, c);
			sl_buf_addch(&seg, c);
			ps->p += 2;
			continue;
		}
		if (c == '{' && ps->p[1] == '}') {
			a->segs = xreallocarray(a->segs, a->nsegs + 1,
			    sizeof(*a->segs));
			a->segs[a->nsegs++] = sl_buf_detach(&seg, NULL);
			sl_buf_addstr(&full, "{}");
			ps->p += 2;
			continue;
		}
		sl_buf_addch(&full, c);
		sl_buf_addch(&seg, c);
		ps->p++;
	}
	a->segs = xreallocarray(a->segs, a->nsegs + 1, sizeof(*a->segs));
	a->segs[a->nsegs++] = sl_buf_detach(&seg, NULL);
	a->kind = ARG_LIT;
	a->lit = cJSON_CreateString(full.data);
	sl_buf_release(&full);
	sl_buf_release(&seg);
	return 0;
fail:
	sl_buf_release(&full);
	sl_buf_release(&seg);
	return -1;
}

/* A path argument ends at ',' or ')' outside brackets and quotes. */
static int
parse_path_arg(struct parser *ps, struct arg *a)
{
	const char *start = ps->p;
	int depth = 0;
	char q = 0, *text;

	for (; *ps->p != '\0'; ps->p++) {
		if (q) {
			if (*ps->p == '\\' && ps->p[1] != '\0')
				ps->p++;
			else if (*ps->p == q)
				q = 0;
			continue;
		}
		if (*ps->p == '\'' || *ps->p == '"')
			q = *ps->p;
		else if (*ps->p == '[' || *ps->p == '(')
			depth++;
		else if ((*ps->p == ']' || *ps->p == ')') && depth > 0)
			depth--;
		else if (depth == 0 && (*ps->p == ',' || *ps->p == ')' ||
		    isspace((unsigned char)*ps->p)))
			break;
	}
	text = xstrndup(start, (size_t)(ps->p - start));
	a->kind = ARG_PATH;
	a->path = sl_path_compile(text, SL_PATH_ALLOW_CONTEXT, ps->err);
	free(text);
	return a->path ? 0 : -1;
}

static int
parse_arg(struct parser *ps, struct arg *a)
{
	const char *s = ps->p;
	char *end;
	double d;

	if (*s == '\'')
		return parse_string(ps, a);
	if (*s == '$')
		return parse_path_arg(ps, a);
	if (strncmp(s, "States.", 7) == 0) {
		a->kind = ARG_CALL;
		a->call = parse_call(ps);
		return a->call ? 0 : -1;
	}
	a->kind = ARG_LIT;
	if (strncmp(s, "true", 4) == 0 && !isalnum((unsigned char)s[4])) {
		a->lit = cJSON_CreateTrue();
		ps->p += 4;
		return 0;
	}
	if (strncmp(s, "false", 5) == 0 && !isalnum((unsigned char)s[5])) {
		a->lit = cJSON_CreateFalse();
		ps->p += 5;
		return 0;
	}
	if (strncmp(s, "null", 4) == 0 && !isalnum((unsigned char)s[4])) {
		a->lit = cJSON_CreateNull();
		ps->p += 4;
		return 0;
	}
	if (*s == '-' || isdigit((unsigned char)*s)) {
		errno = 0;
		d = strtod(s, &end);
		if (end == s || errno != 0 || !isfinite(d))
			return perr(ps, "%s", "invalid number");
		a->lit = cJSON_CreateNumber(d);
		ps->p = end;
		return 0;
	}
	return perr(ps, "%s", "expected an argument ('string', number, "
	    "true, false, null, a path or a States. call)");
}

static struct sl_intrinsic *
parse_call(struct parser *ps)
{
	struct sl_intrinsic *f = xcalloc(1, sizeof(*f));
	const char *start = ps->p;
	char name[64];
	size_t i, n;

	if (++ps->depth > MAX_DEPTH) {
		perr(ps, "%s", "calls nested too deeply");
		goto fail;
	}
	while (isalnum((unsigned char)*ps->p) || *ps->p == '.')
		ps->p++;
	n = (size_t)(ps->p - start);
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, start, n);
	name[n] = '\0';
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (strcmp(fns[i].name, name) == 0)
			break;
	if (i == sizeof(fns) / sizeof(fns[0])) {
		ps->p = start;
		perr(ps, "unknown function '%s'", name);
		goto fail;
	}
	f->info = &fns[i];
	skip_ws(ps);
	if (*ps->p != '(') {
		perr(ps, "%s", "expected '('");
		goto fail;
	}
	ps->p++;
	skip_ws(ps);
	if (*ps->p != ')') {
		for (;;) {
			f->args = xreallocarray(f->args, f->nargs + 1,
			    sizeof(*f->args));
			memset(&f->args[f->nargs], 0, sizeof(*f->args));
			f->nargs++;
			skip_ws(ps);
			if (parse_arg(ps, &f->args[f->nargs - 1]) < 0)
				goto fail;
			skip_ws(ps);
			if (*ps->p == ',') {
				ps->p++;
				continue;
			}
			if (*ps->p == ')')
				break;
			perr(ps, "%s", "expected ',' or ')'");
			goto fail;
		}
	}
	ps->p++;
	if ((int)f->nargs < f->info->min ||
	    (f->info->max >= 0 && (int)f->nargs > f->info->max)) {
		if (f->info->min == f->info->max)
			sl_err_set(ps->err, DEF_ERR, "invalid intrinsic "
			    "function '%s': %s takes %d argument%s, got %zu",
			    ps->text, f->info->name, f->info->min,
			    f->info->min == 1 ? "" : "s", f->nargs);
		else if (f->info->max < 0)
			sl_err_set(ps->err, DEF_ERR, "invalid intrinsic "
			    "function '%s': %s takes at least %d argument%s, "
			    "got %zu", ps->text, f->info->name, f->info->min,
			    f->info->min == 1 ? "" : "s", f->nargs);
		else
			sl_err_set(ps->err, DEF_ERR, "invalid intrinsic "
			    "function '%s': %s takes %d to %d arguments, "
			    "got %zu", ps->text, f->info->name, f->info->min,
			    f->info->max, f->nargs);
		goto fail;
	}
	/* Checks that literals already allow. */
	if (f->info->fn == FN_FORMAT && f->args[0].kind == ARG_LIT) {
		if (!cJSON_IsString(f->args[0].lit)) {
			sl_err_set(ps->err, DEF_ERR, "invalid intrinsic "
			    "function '%s': the first argument of "
			    "States.Format must be a string", ps->text);
			goto fail;
		}
		if (f->args[0].nsegs - 1 != f->nargs - 1) {
			sl_err_set(ps->err, DEF_ERR, "invalid intrinsic "
			    "function '%s': States.Format has %zu {} "
			    "placeholder(s) but %zu argument(s) to put in "
			    "them", ps->text, f->args[0].nsegs - 1,
			    f->nargs - 1);
			goto fail;
		}
	}
	if (f->info->fn == FN_JSONMERGE && f->args[2].kind == ARG_LIT &&
	    !cJSON_IsFalse(f->args[2].lit)) {
		sl_err_set(ps->err, DEF_ERR, "invalid intrinsic function "
		    "'%s': States.JsonMerge supports only a shallow merge: "
		    "its third argument must be false", ps->text);
		goto fail;
	}
	ps->depth--;
	return f;
fail:
	sl_intrinsic_free(f);
	return NULL;
}

struct sl_intrinsic *
sl_intrinsic_compile(const char *text, struct sl_err *err)
{
	struct parser ps = { text, text, 0, err };
	struct sl_intrinsic *f;

	if (!sl_intrinsic_is_call(text)) {
		sl_err_set(err, DEF_ERR, "invalid intrinsic function '%s': "
		    "expected States.Name(...)", text ? text : "");
		return NULL;
	}
	if ((f = parse_call(&ps)) == NULL)
		return NULL;
	skip_ws(&ps);
	if (*ps.p != '\0') {
		perr(&ps, "%s", "unexpected text after the call");
		sl_intrinsic_free(f);
		return NULL;
	}
	return f;
}

/* --- evaluating -------------------------------------------------------- */

static int
ifail(struct sl_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
ifail(struct sl_err *err, const char *fmt, ...)
{
	char msg[SL_ERR_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sl_err_set(err, FAIL_ERR, "%s", msg);
}

static const char *
type_name(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsNumber(v))
		return "number";
	if (cJSON_IsBool(v))
		return "boolean";
	if (cJSON_IsArray(v))
		return "array";
	if (cJSON_IsObject(v))
		return "object";
	return "null";
}

/* A number as AWS's States.Format prints it: JSON integers (Java longs)
 * without a fraction, other values as Java's Double.toString: the shortest
 * digits that read back as d, plain for 1e-3 <= |d| < 1e7, else as
 * d.dddE<n>. */
static void
add_number(struct sl_buf *b, double d)
{
	char tmp[64], digits[32], *e;
	int prec, exp, n, i;

	if (d == floor(d) && fabs(d) < 9.2e18) {
		sl_buf_addf(b, "%.0f", d == 0 ? 0.0 : d);
		return;
	}
	for (prec = 0; prec <= 16; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	/* tmp is [-]D.DDDDe[+-]XX: collect the digits and the exponent. */
	e = strchr(tmp, 'e');
	exp = atoi(e + 1);
	n = 0;
	for (i = tmp[0] == '-'; tmp + i < e; i++)
		if (tmp[i] != '.')
			digits[n++] = tmp[i];
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	if (d < 0)
		sl_buf_addch(b, '-');
	if (fabs(d) >= 1e-3 && fabs(d) < 1e7) {
		if (exp < 0) {
			sl_buf_addstr(b, "0.");
			for (i = -1; i > exp; i--)
				sl_buf_addch(b, '0');
			sl_buf_addstr(b, digits);
			return;
		}
		for (i = 0; i <= exp; i++)
			sl_buf_addch(b, i < n ? digits[i] : '0');
		sl_buf_addch(b, '.');
		sl_buf_addstr(b, n > exp + 1 ? digits + exp + 1 : "0");
		return;
	}
	sl_buf_addch(b, digits[0]);
	sl_buf_addch(b, '.');
	sl_buf_addstr(b, n > 1 ? digits + 1 : "0");
	sl_buf_addf(b, "E%d", exp);
}

/* A value as States.Format prints it (Java's toString of the value). */
static void
add_text(struct sl_buf *b, const cJSON *v)
{
	const cJSON *c;

	if (cJSON_IsString(v))
		sl_buf_addstr(b, v->valuestring);
	else if (cJSON_IsNumber(v))
		add_number(b, v->valuedouble);
	else if (cJSON_IsTrue(v))
		sl_buf_addstr(b, "true");
	else if (cJSON_IsFalse(v))
		sl_buf_addstr(b, "false");
	else if (cJSON_IsArray(v)) {
		sl_buf_addch(b, '[');
		for (c = v->child; c; c = c->next) {
			add_text(b, c);
			if (c->next)
				sl_buf_addstr(b, ", ");
		}
		sl_buf_addch(b, ']');
	} else if (cJSON_IsObject(v)) {
		sl_buf_addch(b, '{');
		for (c = v->child; c; c = c->next) {
			sl_buf_addf(b, "%s=", c->string);
			add_text(b, c);
			if (c->next)
				sl_buf_addstr(b, ", ");
		}
		sl_buf_addch(b, '}');
	} else
		sl_buf_addstr(b, "null");
}

static int
need(const struct sl_intrinsic *f, const struct val *a, int i, int type,
    const char *what, struct sl_err *err)
{
	if ((a[i].v->type & 0xff) == type)
		return 0;
	return ifail(err, "The %s argument of %s must be %s, but was %s",
	    i == 0 ? "first" : i == 1 ? "second" : "third", f->info->name,
	    what, type_name(a[i].v));
}

/* An argument that must be an integer (a number without fraction). */
static int
need_int(const struct sl_intrinsic *f, const struct val *a, int i,
    long long *out, struct sl_err *err)
{
	double d;

	if (need(f, a, i, cJSON_Number, "an integer", err) < 0)
		return -1;
	d = a[i].v->valuedouble;
	if (d != floor(d) || fabs(d) > 2147483647.0)
		return ifail(err, "The %s argument of %s must be an integer, "
		    "but was %g", i == 0 ? "first" : i == 1 ? "second" :
		    "third", f->info->name, d);
	*out = (long long)d;
	return 0;
}

/* Java's Math.round: half up. */
static long long
round_half_up(double d)
{
	return (long long)floor(d + 0.5);
}

static int
random_bytes(void *buf, size_t n, struct sl_err *err)
{
	uint8_t *p = buf;
	ssize_t r;

	while (n > 0) {
		r = getrandom(p, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return ifail(err, "no randomness available: %s",
			    strerror(errno));
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static cJSON *
base64_encode(const char *s, size_t n)
{
	struct sl_buf b = SL_BUF_INIT;
	const uint8_t *u = (const uint8_t *)s;
	uint32_t v;
	size_t i;
	cJSON *r;

	sl_buf_init(&b);
	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)u[i] << 16 | (uint32_t)u[i + 1] << 8 | u[i + 2];
		sl_buf_addch(&b, b64[v >> 18]);
		sl_buf_addch(&b, b64[(v >> 12) & 63]);
		sl_buf_addch(&b, b64[(v >> 6) & 63]);
		sl_buf_addch(&b, b64[v & 63]);
	}
	if (n - i == 1) {
		v = (uint32_t)u[i] << 16;
		sl_buf_addch(&b, b64[v >> 18]);
		sl_buf_addch(&b, b64[(v >> 12) & 63]);
		sl_buf_addstr(&b, "==");
	} else if (n - i == 2) {
		v = (uint32_t)u[i] << 16 | (uint32_t)u[i + 1] << 8;
		sl_buf_addch(&b, b64[v >> 18]);
		sl_buf_addch(&b, b64[(v >> 12) & 63]);
		sl_buf_addch(&b, b64[(v >> 6) & 63]);
		sl_buf_addch(&b, '=');
	}
	r = cJSON_CreateString(b.data);
	sl_buf_release(&b);
	return r;
}

static cJSON *
base64_decode(const char *s, struct sl_err *err)
{
	struct sl_buf b = SL_BUF_INIT;
	size_t n = strlen(s), i, pad = 0;
	uint32_t v = 0;
	const char *q;
	int k = 0;
	cJSON *r;

	sl_buf_init(&b);
	if (n % 4 != 0)
		goto bad;
	for (i = 0; i < n; i++) {
		if (s[i] == '=') {
			if (i < n - 2)
				goto bad;
			pad++;
			v <<= 6;
		} else {
			if (pad || (q = strchr(b64, s[i])) == NULL ||
			    s[i] == '\0')
				goto bad;
			v = v << 6 | (uint32_t)(q - b64);
		}
		if (++k == 4) {
			sl_buf_addch(&b, (char)(v >> 16));
			if (pad < 2)
				sl_buf_addch(&b, (char)(v >> 8));
			if (pad < 1)
				sl_buf_addch(&b, (char)v);
			v = 0;
			k = 0;
		}
	}
	if (memchr(b.data, '\0', b.len) != NULL)
		goto bad;
	r = cJSON_CreateString(b.data);
	sl_buf_release(&b);
	return r;
bad:
	sl_buf_release(&b);
	ifail(err, "Invalid input for States.Base64Decode: the value is not "
	    "valid base64 text of a string");
	return NULL;
}

/* AWS reads "-0" as 0: drop the sign of negative zeros. */
static void
unsign_zeros(cJSON *v)
{
	cJSON *c;

	if (cJSON_IsNumber(v) && v->valuedouble == 0)
		cJSON_SetNumberValue(v, 0.0);
	for (c = v->child; c; c = c->next)
		unsign_zeros(c);
}

static cJSON *eval_call(const struct sl_intrinsic *f, const cJSON *doc,
    const cJSON *ctx, const char *field, struct sl_err *err);

static cJSON *
apply(const struct sl_intrinsic *f, const struct val *a, size_t n,
    struct sl_err *err)
{
	struct sl_buf b = SL_BUF_INIT;
	const cJSON *c, *d;
	cJSON *r = NULL, *row = NULL;
	long long x, y, z, i;
	char hex[SL_DIGEST_HEX_MAX], id[37];
	const char *s, *t;
	uint8_t rnd[16];
	uint64_t seed;
	struct sl_rng rng;
	size_t k, len;

	switch (f->info->fn) {
	case FN_FORMAT:
		if (need(f, a, 0, cJSON_String, "a string", err) < 0)
			return NULL;
		sl_buf_init(&b);
		if (f->args[0].kind == ARG_LIT) {
			for (k = 0; k < f->args[0].nsegs; k++) {
				sl_buf_addstr(&b, f->args[0].segs[k]);
				if (k + 1 < f->args[0].nsegs)
					add_text(&b, a[k + 1].v);
			}
		} else {
			k = 1;
			for (s = a[0].v->valuestring; *s; s++) {
				if (s[0] == '{' && s[1] == '}') {
					if (k >= n)
						goto format_count;
					add_text(&b, a[k++].v);
					s++;
				} else
					sl_buf_addch(&b, *s);
			}
			if (k != n)
				goto format_count;
		}
		r = cJSON_CreateString(b.data);
		sl_buf_release(&b);
		return r;
format_count:
		sl_buf_release(&b);
		ifail(err, "Number of arguments in States.Format does not "
		    "match the number of {} placeholders in '%s'",
		    a[0].v->valuestring);
		return NULL;
	case FN_STRINGTOJSON:
		if (need(f, a, 0, cJSON_String, "a string", err) < 0)
			return NULL;
		for (s = a[0].v->valuestring; isspace((unsigned char)*s);
		    s++)
			;
		if (*s == '\0')
			return cJSON_CreateNull();
		r = cJSON_ParseWithOpts(s, &t, 1);
		if (r == NULL) {
			ifail(err, "The argument of States.StringToJson is not "
			    "valid JSON text: '%s'", a[0].v->valuestring);
			return NULL;
		}
		unsign_zeros(r);
		return r;
	case FN_JSONTOSTRING:
		s = cJSON_PrintUnformatted(a[0].v);
		r = cJSON_CreateString(s ? s : "null");
		free((char *)s);
		return r;
	case FN_ARRAY:
		r = cJSON_CreateArray();
		for (k = 0; k < n; k++)
			cJSON_AddItemToArray(r, cJSON_Duplicate(a[k].v, 1));
		return r;
	case FN_ARRAYPARTITION:
		if (need(f, a, 0, cJSON_Array, "an array", err) < 0 ||
		    need_int(f, a, 1, &x, err) < 0)
			return NULL;
		if (x <= 0) {
			ifail(err, "The chunk size of States.ArrayPartition "
			    "must be greater than 0, but was %lld", x);
			return NULL;
		}
		r = cJSON_CreateArray();
		i = 0;
		for (c = a[0].v->child; c; c = c->next) {
			if (i++ % x == 0) {
				row = cJSON_CreateArray();
				cJSON_AddItemToArray(r, row);
			}
			cJSON_AddItemToArray(row, cJSON_Duplicate(c, 1));
		}
		return r;
	case FN_ARRAYCONTAINS:
		if (need(f, a, 0, cJSON_Array, "an array", err) < 0)
			return NULL;
		for (c = a[0].v->child; c; c = c->next)
			if (sl_json_equal(c, a[1].v))
				return cJSON_CreateTrue();
		return cJSON_CreateFalse();
	case FN_ARRAYRANGE:
		if (need_int(f, a, 0, &x, err) < 0 ||
		    need_int(f, a, 1, &y, err) < 0 ||
		    need_int(f, a, 2, &z, err) < 0)
			return NULL;
		if (z == 0) {
			ifail(err, "The step of States.ArrayRange must not be "
			    "0");
			return NULL;
		}
		if ((z > 0 && y >= x && (y - x) / z + 1 > MAX_RANGE) ||
		    (z < 0 && x >= y && (x - y) / -z + 1 > MAX_RANGE)) {
			ifail(err, "States.ArrayRange would create more than "
			    "the maximum of %d items", MAX_RANGE);
			return NULL;
		}
		r = cJSON_CreateArray();
		for (i = x; z > 0 ? i <= y : i >= y; i += z)
			cJSON_AddItemToArray(r, cJSON_CreateNumber((double)i));
		return r;
	case FN_ARRAYGETITEM:
		if (need(f, a, 0, cJSON_Array, "an array", err) < 0 ||
		    need_int(f, a, 1, &x, err) < 0)
			return NULL;
		if (x < 0 || x >= cJSON_GetArraySize(a[0].v)) {
			ifail(err, "The index %lld of States.ArrayGetItem is "
			    "out of bounds for an array of %d items", x,
			    cJSON_GetArraySize(a[0].v));
			return NULL;
		}
		return cJSON_Duplicate(cJSON_GetArrayItem(a[0].v, (int)x), 1);
	case FN_ARRAYLENGTH:
		if (need(f, a, 0, cJSON_Array, "an array", err) < 0)
			return NULL;
		return cJSON_CreateNumber(cJSON_GetArraySize(a[0].v));
	case FN_ARRAYUNIQUE:
		if (need(f, a, 0, cJSON_Array, "an array", err) < 0)
			return NULL;
		r = cJSON_CreateArray();
		for (c = a[0].v->child; c; c = c->next) {
			for (d = r->child; d; d = d->next)
				if (sl_json_equal(c, d))
					break;
			if (d == NULL)
				cJSON_AddItemToArray(r, cJSON_Duplicate(c, 1));
		}
		return r;
	case FN_BASE64ENCODE:
	case FN_BASE64DECODE:
	case FN_HASH:
		if (need(f, a, 0, cJSON_String, "a string", err) < 0)
			return NULL;
		s = a[0].v->valuestring;
		len = strlen(s);
		if (len > MAX_STRING) {
			ifail(err, "The input of %s must not exceed %d "
			    "characters", f->info->name, MAX_STRING);
			return NULL;
		}
		if (f->info->fn == FN_BASE64ENCODE)
			return base64_encode(s, len);
		if (f->info->fn == FN_BASE64DECODE)
			return base64_decode(s, err);
		if (need(f, a, 1, cJSON_String, "a string", err) < 0)
			return NULL;
		if (sl_digest_hex(a[1].v->valuestring, s, len, hex) < 0) {
			ifail(err, "The hash algorithm '%s' of States.Hash is "
			    "not supported; use one of MD5, SHA-1, SHA-256, "
			    "SHA-384, SHA-512", a[1].v->valuestring);
			return NULL;
		}
		return cJSON_CreateString(hex);
	case FN_JSONMERGE:
		if (need(f, a, 0, cJSON_Object, "an object", err) < 0 ||
		    need(f, a, 1, cJSON_Object, "an object", err) < 0 ||
		    need(f, a, 2, cJSON_False, "false", err) < 0)
			return NULL;
		r = cJSON_Duplicate(a[0].v, 1);
		for (c = a[1].v->child; c; c = c->next) {
			cJSON_DeleteItemFromObjectCaseSensitive(r, c->string);
			cJSON_AddItemToObject(r, c->string,
			    cJSON_Duplicate(c, 1));
		}
		return r;
	case FN_MATHRANDOM:
		if (need(f, a, 0, cJSON_Number, "a number", err) < 0 ||
		    need(f, a, 1, cJSON_Number, "a number", err) < 0 ||
		    (n == 3 && need(f, a, 2, cJSON_Number, "a number",
		    err) < 0))
			return NULL;
		x = round_half_up(a[0].v->valuedouble);
		y = round_half_up(a[1].v->valuedouble);
		if (y <= x) {
			ifail(err, "The end of States.MathRandom (%lld) must "
			    "be greater than its start (%lld)", y, x);
			return NULL;
		}
		if (n == 3)
			seed = (uint64_t)round_half_up(a[2].v->valuedouble);
		else if (random_bytes(&seed, sizeof(seed), err) < 0)
			return NULL;
		rng.state = seed;
		z = (long long)(sl_rng_next(&rng) % (uint64_t)(y - x));
		return cJSON_CreateNumber((double)(x + z));
	case FN_MATHADD:
		if (need(f, a, 0, cJSON_Number, "a number", err) < 0 ||
		    need(f, a, 1, cJSON_Number, "a number", err) < 0)
			return NULL;
		if (fabs(a[0].v->valuedouble) > 2147483647.0 ||
		    fabs(a[1].v->valuedouble) > 2147483647.0) {
			ifail(err, "The arguments of States.MathAdd must be "
			    "within the integer range");
			return NULL;
		}
		return cJSON_CreateNumber((double)(
		    round_half_up(a[0].v->valuedouble) +
		    round_half_up(a[1].v->valuedouble)));
	case FN_STRINGSPLIT:
		if (need(f, a, 0, cJSON_String, "a string", err) < 0 ||
		    need(f, a, 1, cJSON_String, "a string", err) < 0)
			return NULL;
		r = cJSON_CreateArray();
		s = a[0].v->valuestring;
		t = a[1].v->valuestring;
		while (*s) {
			len = *t ? strcspn(s, t) : strlen(s);
			if (len > 0) {
				char *tok = xstrndup(s, len);

				cJSON_AddItemToArray(r,
				    cJSON_CreateString(tok));
				free(tok);
			}
			s += len;
			if (*s)
				s++;
		}
		return r;
	case FN_UUID:
		if (random_bytes(rnd, sizeof(rnd), err) < 0)
			return NULL;
		sl_uuid4_of(rnd, id);
		return cJSON_CreateString(id);
	}
	return NULL;
}

static cJSON *
eval_call(const struct sl_intrinsic *f, const cJSON *doc, const cJSON *ctx,
    const char *field, struct sl_err *err)
{
	struct val small[4], *a = small;
	cJSON *r = NULL;
	char *json;
	size_t i;

	if (f->nargs > 4)
		a = xcalloc(f->nargs, sizeof(*a));
	memset(a, 0, (f->nargs > 4 ? f->nargs : 4) * sizeof(*a));
	for (i = 0; i < f->nargs; i++) {
		const struct arg *g = &f->args[i];

		switch (g->kind) {
		case ARG_LIT:
			a[i].v = g->lit;
			break;
		case ARG_PATH:
			if (sl_path_is_multi(g->path)) {
				a[i].owned = sl_path_eval(g->path, doc, ctx,
				    err);
				a[i].v = a[i].owned;
				break;
			}
			a[i].v = sl_path_lookup(g->path, doc, ctx);
			if (a[i].v == NULL) {
				if (field) {
					sl_path_err_not_found(g->path, field,
					    doc, err);
					goto done;
				}
				json = cJSON_PrintUnformatted(doc);
				sl_err_set(err, "States.Runtime", "The "
				    "JSONPath '%s' could not be found in the "
				    "input '%s'", sl_path_text(g->path),
				    json ? json : "null");
				free(json);
				goto done;
			}
			break;
		case ARG_CALL:
			a[i].owned = eval_call(g->call, doc, ctx, field, err);
			if (a[i].owned == NULL)
				goto done;
			a[i].v = a[i].owned;
			break;
		}
	}
	r = apply(f, a, f->nargs, err);
done:
	for (i = 0; i < f->nargs; i++)
		cJSON_Delete(a[i].owned);
	if (a != small)
		free(a);
	return r;
}

cJSON *
sl_intrinsic_eval(const struct sl_intrinsic *f, const cJSON *doc,
    const cJSON *ctx, struct sl_err *err)
{
	return eval_call(f, doc, ctx, NULL, err);
}

cJSON *
sl_intrinsic_eval_field(const struct sl_intrinsic *f, const cJSON *doc,
    const cJSON *ctx, const char *field, struct sl_err *err)
{
	return eval_call(f, doc, ctx, field, err);
}
