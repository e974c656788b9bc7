/* Static validation of States Language definitions: one pass over the
 * definition that records every problem with its location, in the spirit of
 * AWS's ValidateStateMachineDefinition (same codes, same wording where it is
 * known). */
#include "orchestrator/validate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/xmalloc.h"
#include "orchestrator/asltime.h"
#include "orchestrator/intrinsic.h"
#include "orchestrator/jsonpath.h"

/* Deepest nesting of JSON accepted (cJSON itself stops at 1000). */
#define JSON_MAX_DEPTH 512

#define C_SCHEMA "SCHEMA_VALIDATION_FAILED"
#define C_TARGET "MISSING_TRANSITION_TARGET"
#define C_END "MISSING_END_STATE"
#define C_JSON "INVALID_JSON_DESCRIPTION"
#define C_EMPTY "MISSING_DESCRIPTION"
#define C_RESOURCE "INVALID_RESOURCE"
#define C_DUP "DUPLICATE_STATE_NAME"
#define C_NAME "INVALID_STATE_NAME"
#define C_UNSUPPORTED "UNSUPPORTED_FEATURE"

/* State types as bits, so that a field can name the types that allow it. */
enum {
	T_TASK = 1 << 0,
	T_PASS = 1 << 1,
	T_CHOICE = 1 << 2,
	T_WAIT = 1 << 3,
	T_SUCCEED = 1 << 4,
	T_FAIL = 1 << 5,
	T_PARALLEL = 1 << 6,
	T_MAP = 1 << 7,
	T_ALL = 0xff,
};

/* Query languages a field is allowed in. */
enum { M_PATH = 1, M_ATA = 2, M_BOTH = 3 };

struct field_rule {
	const char *name;
	unsigned types;
	unsigned modes;
};

#define T_FLOW (T_TASK | T_PASS | T_WAIT | T_PARALLEL | T_MAP)
#define T_ERRH (T_TASK | T_PARALLEL | T_MAP)

/* The fields each state type accepts (AWS rejects any other field). */
static const struct field_rule field_rules[] = {
	{ "Type", T_ALL, M_BOTH },
	{ "Comment", T_ALL, M_BOTH },
	{ "QueryLanguage", T_ALL, M_BOTH },
	{ "Next", T_FLOW, M_BOTH },
	{ "End", T_FLOW, M_BOTH },
	{ "InputPath", T_ALL & ~T_FAIL, M_PATH },
	{ "OutputPath", T_ALL & ~T_FAIL, M_PATH },
	{ "ResultPath", T_TASK | T_PASS | T_PARALLEL | T_MAP, M_PATH },
	{ "Parameters", T_TASK | T_PASS | T_PARALLEL | T_MAP, M_PATH },
	{ "ResultSelector", T_ERRH, M_PATH },
	{ "Result", T_PASS, M_PATH },
	{ "Assign", T_ALL & ~(T_SUCCEED | T_FAIL), M_BOTH },
	{ "Output", T_ALL & ~T_FAIL, M_ATA },
	{ "Arguments", T_TASK | T_PARALLEL, M_ATA },
	{ "Resource", T_TASK, M_BOTH },
	{ "Credentials", T_TASK, M_BOTH },
	{ "Retry", T_ERRH, M_BOTH },
	{ "Catch", T_ERRH, M_BOTH },
	{ "TimeoutSeconds", T_TASK, M_BOTH },
	{ "TimeoutSecondsPath", T_TASK, M_PATH },
	{ "HeartbeatSeconds", T_TASK, M_BOTH },
	{ "HeartbeatSecondsPath", T_TASK, M_PATH },
	{ "Choices", T_CHOICE, M_BOTH },
	{ "Default", T_CHOICE, M_BOTH },
	{ "Seconds", T_WAIT, M_BOTH },
	{ "Timestamp", T_WAIT, M_BOTH },
	{ "SecondsPath", T_WAIT, M_PATH },
	{ "TimestampPath", T_WAIT, M_PATH },
	{ "Error", T_FAIL, M_BOTH },
	{ "Cause", T_FAIL, M_BOTH },
	{ "ErrorPath", T_FAIL, M_PATH },
	{ "CausePath", T_FAIL, M_PATH },
	{ "Branches", T_PARALLEL, M_BOTH },
	{ "ItemProcessor", T_MAP, M_BOTH },
	{ "Iterator", T_MAP, M_PATH },
	{ "ItemsPath", T_MAP, M_PATH },
	{ "Items", T_MAP, M_ATA },
	{ "ItemSelector", T_MAP, M_BOTH },
	{ "ItemReader", T_MAP, M_BOTH },
	{ "ItemBatcher", T_MAP, M_BOTH },
	{ "ResultWriter", T_MAP, M_BOTH },
	{ "MaxConcurrency", T_MAP, M_BOTH },
	{ "MaxConcurrencyPath", T_MAP, M_PATH },
	{ "ToleratedFailurePercentage", T_MAP, M_BOTH },
	{ "ToleratedFailurePercentagePath", T_MAP, M_PATH },
	{ "ToleratedFailureCount", T_MAP, M_BOTH },
	{ "ToleratedFailureCountPath", T_MAP, M_PATH },
	{ "Label", T_MAP, M_BOTH },
};

static const struct {
	const char *name;
	unsigned bit;
} state_types[] = {
	{ "Task", T_TASK },
	{ "Pass", T_PASS },
	{ "Choice", T_CHOICE },
	{ "Wait", T_WAIT },
	{ "Succeed", T_SUCCEED },
	{ "Fail", T_FAIL },
	{ "Parallel", T_PARALLEL },
	{ "Map", T_MAP },
};

/* Choice comparison operators and the type of their operand. */
enum op_kind { K_STRING, K_NUMBER, K_BOOL, K_TIMESTAMP, K_MATCH, K_TEST };

static const struct {
	const char *name;
	enum op_kind kind;
	int has_path; /* also exists as NAME + "Path" */
} choice_ops[] = {
	{ "StringEquals", K_STRING, 1 },
	{ "StringLessThan", K_STRING, 1 },
	{ "StringGreaterThan", K_STRING, 1 },
	{ "StringLessThanEquals", K_STRING, 1 },
	{ "StringGreaterThanEquals", K_STRING, 1 },
	{ "StringMatches", K_MATCH, 0 },
	{ "NumericEquals", K_NUMBER, 1 },
	{ "NumericLessThan", K_NUMBER, 1 },
	{ "NumericGreaterThan", K_NUMBER, 1 },
	{ "NumericLessThanEquals", K_NUMBER, 1 },
	{ "NumericGreaterThanEquals", K_NUMBER, 1 },
	{ "BooleanEquals", K_BOOL, 1 },
	{ "TimestampEquals", K_TIMESTAMP, 1 },
	{ "TimestampLessThan", K_TIMESTAMP, 1 },
	{ "TimestampGreaterThan", K_TIMESTAMP, 1 },
	{ "TimestampLessThanEquals", K_TIMESTAMP, 1 },
	{ "TimestampGreaterThanEquals", K_TIMESTAMP, 1 },
	{ "IsNull", K_TEST, 0 },
	{ "IsPresent", K_TEST, 0 },
	{ "IsNumeric", K_TEST, 0 },
	{ "IsString", K_TEST, 0 },
	{ "IsBoolean", K_TEST, 0 },
	{ "IsTimestamp", K_TEST, 0 },
};

/* Every state name of the definition, for duplicate detection and to tell
 * "no such state" from "that state is in another scope". */
struct name_ent {
	const char *name;
	char *path;
	size_t seq;
};

/* One state machine scope: the top level, a Parallel branch or a Map
 * processor. Names are sorted for lookup; idx maps back to states[]. */
struct scope {
	size_t n;
	const cJSON **states;
	struct scope_ent {
		const char *name;
		size_t idx;
	} *sorted;
};

struct vctx {
	struct sl_asl_diags *out;
	struct sl_buf path;
	struct name_ent *names;
	size_t nnames;
	size_t capnames;
	int top_jsonata; /* the top-level QueryLanguage is JSONata */
};

/* --- the diagnostics list ------------------------------------------------ */

void
sl_asl_diags_init(struct sl_asl_diags *d)
{
	d->n = 0;
	d->cap = 0;
	d->items = NULL;
}

void
sl_asl_diags_release(struct sl_asl_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->items[i].path);
		free(d->items[i].message);
	}
	free(d->items);
	sl_asl_diags_init(d);
}

void
sl_asl_diags_add(struct sl_asl_diags *d, const char *code, const char *path,
    const char *message)
{
	struct sl_asl_diag *it;

	if (d->n > SL_ASL_DIAGS_MAX)
		return;
	if (d->n == SL_ASL_DIAGS_MAX) {
		code = C_SCHEMA;
		path = "";
		message = "too many problems; the rest are not listed";
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->items = xreallocarray(d->items, d->cap, sizeof(*d->items));
	}
	it = &d->items[d->n++];
	it->code = code;
	it->path = xstrdup(path);
	it->message = xstrdup(message);
}

char *
sl_asl_diags_join(const struct sl_asl_diags *d)
{
	struct sl_buf b;
	size_t i;

	sl_buf_init(&b);
	for (i = 0; i < d->n; i++) {
		if (i > 0)
			sl_buf_addstr(&b, "; ");
		if (d->items[i].path[0] != '\0')
			sl_buf_addf(&b, "%s: ", d->items[i].path);
		sl_buf_addstr(&b, d->items[i].message);
	}
	return sl_buf_detach(&b, NULL);
}

char *
sl_asl_diags_aws_message(const struct sl_asl_diags *d)
{
	struct sl_buf b;
	size_t i;

	sl_buf_init(&b);
	sl_buf_addstr(&b, "Invalid State Machine Definition: '");
	for (i = 0; i < d->n; i++) {
		if (i > 0)
			sl_buf_addstr(&b, ", ");
		sl_buf_addf(&b, "%s: %s", d->items[i].code,
		    d->items[i].message);
		if (d->items[i].path[0] != '\0')
			sl_buf_addf(&b, " at %s", d->items[i].path);
	}
	sl_buf_addch(&b, '\'');
	return sl_buf_detach(&b, NULL);
}

/* --- locations and reporting --------------------------------------------- */

/* Append one JSON Pointer segment (~ and / escaped) and return the previous
 * length, which pop() restores. */
static size_t
push(struct vctx *v, const char *seg)
{
	size_t old = v->path.len;
	const char *p;

	sl_buf_addch(&v->path, '/');
	for (p = seg; *p != '\0'; p++) {
		if (*p == '~')
			sl_buf_addstr(&v->path, "~0");
		else if (*p == '/')
			sl_buf_addstr(&v->path, "~1");
		else
			sl_buf_addch(&v->path, *p);
	}
	return old;
}

static size_t
push_index(struct vctx *v, size_t i)
{
	size_t old = v->path.len;

	sl_buf_addf(&v->path, "/%zu", i);
	return old;
}

static void
pop(struct vctx *v, size_t old)
{
	v->path.len = old;
	v->path.data[old] = '\0';
}

/* Report a problem at the current location plus field (which may be NULL). */
static void report(struct vctx *v, const char *code, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
report(struct vctx *v, const char *code, const char *field, const char *fmt,
    ...)
{
	struct sl_buf msg;
	size_t old = v->path.len;
	va_list ap;

	sl_buf_init(&msg);
	va_start(ap, fmt);
	sl_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (field != NULL)
		push(v, field);
	sl_asl_diags_add(v->out, code, v->path.data, msg.data);
	pop(v, old);
	sl_buf_release(&msg);
}

/* --- value checks -------------------------------------------------------- */

static const char *
type_name(const cJSON *it)
{
	if (cJSON_IsString(it))
		return "a string";
	if (cJSON_IsNumber(it))
		return "a number";
	if (cJSON_IsBool(it))
		return "a boolean";
	if (cJSON_IsNull(it))
		return "null";
	if (cJSON_IsArray(it))
		return "an array";
	if (cJSON_IsObject(it))
		return "an object";
	return "invalid";
}

static int
is_integer(const cJSON *it)
{
	double d;

	if (!cJSON_IsNumber(it))
		return 0;
	d = it->valuedouble;
	return isfinite(d) && d == floor(d) && fabs(d) < 9.0e15;
}

static int
is_jsonata(const char *s)
{
	size_t n = strlen(s);

	return n >= 4 && strncmp(s, "{%", 2) == 0 &&
	    strcmp(s + n - 2, "%}") == 0;
}

/* A JSONata value (a string in {% %}) where a JSONata state allows one. */
static int
is_jsonata_item(const cJSON *it)
{
	return cJSON_IsString(it) && is_jsonata(it->valuestring);
}

/* Strings that open "{%" must close with "%}"; the expression itself is left
 * to the JSONata engine. */
static void
check_jsonata_value(struct vctx *v, const cJSON *it)
{
	const cJSON *c;
	size_t old;
	size_t i = 0;

	if (cJSON_IsString(it)) {
		if (strncmp(it->valuestring, "{%", 2) == 0 &&
		    !is_jsonata(it->valuestring))
			report(v, C_SCHEMA, NULL,
			    "a JSONata expression must be enclosed in "
			    "'{%%' and '%%}'");
		return;
	}
	cJSON_ArrayForEach(c, it) {
		if (cJSON_IsObject(it))
			old = push(v, c->string);
		else
			old = push_index(v, i);
		check_jsonata_value(v, c);
		pop(v, old);
		i++;
	}
}

/* $ followed by a name: the start of a variable reference. */
static int
is_variable_ref_start(const char *s)
{
	return s[0] == '$' && (s[1] == '_' || (s[1] >= 'a' && s[1] <= 'z') ||
	    (s[1] >= 'A' && s[1] <= 'Z'));
}

/* The JSONata values of a state's own fields (nested states, catchers
 * and choice rules are checked where they are validated). */
static void
check_jsonata_fields(struct vctx *v, const cJSON *st)
{
	static const char *skip[] = { "Branches", "ItemProcessor", "Iterator",
		"Catch", "Retry", "Choices", NULL };
	const cJSON *c;
	size_t k, old;

	cJSON_ArrayForEach(c, st) {
		for (k = 0; skip[k] != NULL; k++)
			if (strcmp(skip[k], c->string) == 0)
				break;
		if (skip[k] != NULL)
			continue;
		old = push(v, c->string);
		check_jsonata_value(v, c);
		pop(v, old);
	}
}

/* A variable reference in JSONPath mode: $name or $name.path. */
static int
is_variable_ref(const char *s)
{
	const char *p = s + 1;

	if (s[0] != '$' || !(*p == '_' || (*p >= 'a' && *p <= 'z') ||
	    (*p >= 'A' && *p <= 'Z')))
		return 0;
	while (*p == '_' || (*p >= 'a' && *p <= 'z') ||
	    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
		p++;
	return *p == '\0' || *p == '.' || *p == '[';
}

/* Does an intrinsic call pass a workflow variable ($name) outside its
 * quoted literals? */
static int
has_variable_arg(const char *s)
{
	int quoted = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		else if (*s == '\'')
			quoted = !quoted;
		else if (!quoted && is_variable_ref_start(s))
			return 1;
	}
	return 0;
}

/* Compile s as a path of the given kind (or as an intrinsic call when
 * calls_ok); report at field what is wrong. */
static void
check_path_text(struct vctx *v, const char *field, const char *s,
    unsigned flags, int calls_ok)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_intrinsic *f;
	struct sl_path *p;

	if (calls_ok && sl_intrinsic_is_call(s)) {
		f = sl_intrinsic_compile(s, &err);
		if (f == NULL && has_variable_arg(s))
			report(v, C_UNSUPPORTED, field, "variable references "
			    "as intrinsic function arguments are not "
			    "supported by this engine: %s", err.msg);
		else if (f == NULL)
			report(v, C_SCHEMA, field, "%s", err.msg[0] != '\0' ?
			    err.msg : "invalid intrinsic function call");
		sl_intrinsic_free(f);
		return;
	}
	p = sl_path_compile(s, flags, &err);
	if (p == NULL && is_variable_ref(s))
		report(v, C_UNSUPPORTED, field, "workflow variable references "
		    "('%s') are not supported by this engine", s);
	else if (p == NULL && err.msg[0] != '\0')
		report(v, C_SCHEMA, field, "%s%s", err.msg, calls_ok ?
		    " (the value must be a JSONPath or an intrinsic function "
		    "call)" : "");
	else if (p == NULL)
		report(v, C_SCHEMA, field, "the value '%s' is not a valid %s",
		    s, (flags & SL_PATH_REFERENCE) ? "Reference Path" :
		    "JSONPath");
	sl_path_free(p);
}

/* A path field: a string (or null when nullable). */
static void
check_path_field(struct vctx *v, const cJSON *st, const char *field,
    unsigned flags, int nullable, int calls_ok)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(st, field);

	if (it == NULL)
		return;
	if (cJSON_IsNull(it) && nullable)
		return;
	if (!cJSON_IsString(it)) {
		report(v, C_SCHEMA, field, "must be a string%s, not %s",
		    nullable ? " or null" : "", type_name(it));
		return;
	}
	check_path_text(v, field, it->valuestring, flags, calls_ok);
}

/* A payload template: every "key.$" value is a path or an intrinsic call;
 * the rest is copied as it is. Reports every bad entry. */
static void
check_template(struct vctx *v, const cJSON *t)
{
	const cJSON *c;
	size_t old, n, i = 0;

	cJSON_ArrayForEach(c, t) {
		if (cJSON_IsObject(t)) {
			old = push(v, c->string);
			n = strlen(c->string);
			if (n >= 2 && strcmp(c->string + n - 2, ".$") == 0) {
				if (!cJSON_IsString(c))
					report(v, C_SCHEMA, NULL,
					    "the value of a field ending in "
					    "'.$' must be a string holding a "
					    "JSONPath or an intrinsic function "
					    "call, not %s", type_name(c));
				else
					check_path_text(v, NULL,
					    c->valuestring,
					    SL_PATH_ALLOW_CONTEXT, 1);
			} else
				check_template(v, c);
		} else {
			old = push_index(v, i);
			check_template(v, c);
		}
		pop(v, old);
		i++;
	}
}

/* A template field: an object in JSONPath mode. */
static void
check_template_field(struct vctx *v, const cJSON *st, const char *field,
    int object_only)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(st, field);
	size_t old;

	if (it == NULL)
		return;
	if (object_only && !cJSON_IsObject(it)) {
		report(v, C_SCHEMA, field, "must be an object, not %s",
		    type_name(it));
		return;
	}
	old = push(v, field);
	check_template(v, it);
	pop(v, old);
}

/* obj's field, or NULL, reported as missing when it is required. */
static const cJSON *
get_field(struct vctx *v, const cJSON *obj, const char *field, int required)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, field);

	if (it == NULL && required)
		report(v, C_SCHEMA, field,
		    "the field '%s' is required but was missing", field);
	return it;
}

static const char *
get_string(struct vctx *v, const cJSON *obj, const char *field, int required)
{
	const cJSON *it = get_field(v, obj, field, required);

	if (it == NULL)
		return NULL;
	if (!cJSON_IsString(it)) {
		report(v, C_SCHEMA, field, "must be a string, not %s",
		    type_name(it));
		return NULL;
	}
	return it->valuestring;
}

/* A non-empty array field (an array of what), or NULL after reporting why
 * it is not one; a missing field is reported only when required. */
static const cJSON *
get_array(struct vctx *v, const cJSON *obj, const char *field,
    const char *what, int required)
{
	const cJSON *it = get_field(v, obj, field, required);

	if (it == NULL)
		return NULL;
	if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) == 0) {
		report(v, C_SCHEMA, field, "must be a non-empty array of %s",
		    what);
		return NULL;
	}
	return it;
}

/* An integer field within [min, max]; JSONata strings pass when ata. */
static void
check_int_field(struct vctx *v, const cJSON *obj, const char *field,
    double min, double max, int ata)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, field);

	if (it == NULL)
		return;
	if (ata && cJSON_IsString(it)) {
		check_jsonata_value(v, it);
		if (!is_jsonata(it->valuestring))
			report(v, C_SCHEMA, field, "must be an integer or a "
			    "JSONata expression, not a string");
		return;
	}
	if (!is_integer(it)) {
		report(v, C_SCHEMA, field, "must be an integer, not %s",
		    cJSON_IsNumber(it) ? "a fraction" : type_name(it));
		return;
	}
	if (it->valuedouble < min)
		report(v, C_SCHEMA, field, "must be >= %.0f", min);
	else if (it->valuedouble > max)
		report(v, C_SCHEMA, field, "must be <= %.0f", max);
}

/* At most one of two fields. */
static void
check_exclusive(struct vctx *v, const cJSON *obj, const char *a,
    const char *b)
{
	if (cJSON_GetObjectItemCaseSensitive(obj, a) != NULL &&
	    cJSON_GetObjectItemCaseSensitive(obj, b) != NULL)
		report(v, C_SCHEMA, b, "'%s' and '%s' are mutually exclusive",
		    a, b);
}

/* Count the code points of UTF-8 text. */
static size_t
utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* RFC 3339 date-time as AWS takes it (the engine's own parser). */
static int
is_timestamp(const char *s)
{
	struct sl_time t;

	return sl_time_parse(s, &t) == 0;
}

/* --- names and scopes ---------------------------------------------------- */

static int
name_cmp(const void *a, const void *b)
{
	const struct name_ent *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
name_key_cmp(const void *key, const void *ent)
{
	return strcmp(key, ((const struct name_ent *)ent)->name);
}

static void collect_machine(struct vctx *v, const cJSON *m);

/* Record every state name under m (a machine object), recursively. */
static void
collect_machine(struct vctx *v, const cJSON *m)
{
	const cJSON *states = cJSON_GetObjectItemCaseSensitive(m, "States");
	const cJSON *st, *b, *proc;
	const char *pf;
	size_t o1, o2, o3, i;

	if (!cJSON_IsObject(states))
		return;
	o1 = push(v, "States");
	cJSON_ArrayForEach(st, states) {
		o2 = push(v, st->string);
		if (v->nnames == v->capnames) {
			v->capnames = v->capnames ? v->capnames * 2 : 32;
			v->names = xreallocarray(v->names, v->capnames,
			    sizeof(*v->names));
		}
		v->names[v->nnames].name = st->string;
		v->names[v->nnames].path = xstrdup(v->path.data);
		v->names[v->nnames].seq = v->nnames;
		v->nnames++;
		i = 0;
		cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(st,
		    "Branches")) {
			o3 = push(v, "Branches");
			push_index(v, i++);
			if (cJSON_IsObject(b))
				collect_machine(v, b);
			pop(v, o3);
		}
		pf = cJSON_GetObjectItemCaseSensitive(st, "ItemProcessor") ?
		    "ItemProcessor" : "Iterator";
		proc = cJSON_GetObjectItemCaseSensitive(st, pf);
		o3 = push(v, pf);
		if (cJSON_IsObject(proc))
			collect_machine(v, proc);
		pop(v, o3);
		pop(v, o2);
	}
	pop(v, o1);
}

static void
check_duplicate_names(struct vctx *v)
{
	size_t i;

	if (v->nnames == 0)
		return;
	qsort(v->names, v->nnames, sizeof(*v->names), name_cmp);
	for (i = 1; i < v->nnames; i++)
		if (strcmp(v->names[i].name, v->names[i - 1].name) == 0)
			sl_asl_diags_add(v->out, C_DUP, v->names[i].path,
			    "Duplicate State name");
}

static int
name_exists_anywhere(struct vctx *v, const char *name)
{
	return bsearch(name, v->names, v->nnames, sizeof(*v->names),
	    name_key_cmp) != NULL;
}

static int
scope_ent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct scope_ent *)a)->name,
	    ((const struct scope_ent *)b)->name);
}

static void
scope_init(struct scope *s, const cJSON *states)
{
	const cJSON *st;
	size_t i = 0;

	s->n = (size_t)cJSON_GetArraySize(states);
	s->states = xcalloc(s->n + 1, sizeof(*s->states));
	s->sorted = xcalloc(s->n + 1, sizeof(*s->sorted));
	cJSON_ArrayForEach(st, states) {
		s->states[i] = st;
		s->sorted[i].name = st->string;
		s->sorted[i].idx = i;
		i++;
	}
	qsort(s->sorted, s->n, sizeof(*s->sorted), scope_ent_cmp);
}

static void
scope_release(struct scope *s)
{
	free(s->states);
	free(s->sorted);
}

/* Index of the state called name in s, or -1. */
static long
scope_find(const struct scope *s, const char *name)
{
	struct scope_ent key = { name, 0 };
	const struct scope_ent *e;

	e = bsearch(&key, s->sorted, s->n, sizeof(*s->sorted),
	    scope_ent_cmp);
	return e ? (long)e->idx : -1;
}

/* A transition target: it must name a state of the same scope. */
static void
check_target(struct vctx *v, const struct scope *s, const cJSON *obj,
    const char *field, int required)
{
	const char *t = get_string(v, obj, field, required);

	if (t == NULL || scope_find(s, t) >= 0)
		return;
	/* AWS says 'Next' whatever the field (Default, StartAt too). */
	if (name_exists_anywhere(v, t))
		report(v, C_TARGET, field, "Missing 'Next' target: %s (a state "
		    "cannot transition out of its Parallel branch or Map "
		    "processor, or into one)", t);
	else
		report(v, C_TARGET, field, "Missing 'Next' target: %s", t);
}

/* --- fields -------------------------------------------------------------- */

static void validate_machine(struct vctx *v, const cJSON *m, int kind,
    int jsonata);

/* Machine kinds: the top level, a Parallel branch, a Map processor. */
enum { MK_TOP, MK_BRANCH, MK_PROCESSOR };

static unsigned
state_type_bit(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(state_types) / sizeof(state_types[0]); i++)
		if (strcmp(state_types[i].name, name) == 0)
			return state_types[i].bit;
	return 0;
}

static const char *
state_type_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < sizeof(state_types) / sizeof(state_types[0]); i++)
		if (state_types[i].bit == bit)
			return state_types[i].name;
	return "?";
}

/* Is member c of obj a repeat of an earlier member? Reports it once. */
static int
repeated_key(struct vctx *v, const cJSON *obj, const cJSON *c)
{
	const cJSON *d;

	for (d = obj->child; d != c; d = d->next)
		if (strcmp(d->string, c->string) == 0) {
			report(v, C_SCHEMA, c->string, "the field '%s' appears "
			    "more than once", c->string);
			return 1;
		}
	return 0;
}

/* Every field of obj must be in allowed (NULL-terminated) and appear once;
 * the message names where ("a retrier": "... not supported in a retrier",
 * "" for the top level). */
static void
check_known_fields(struct vctx *v, const cJSON *obj,
    const char **allowed, const char *where)
{
	const cJSON *c;
	size_t k;

	cJSON_ArrayForEach(c, obj) {
		if (repeated_key(v, obj, c))
			continue;
		for (k = 0; allowed[k] != NULL; k++)
			if (strcmp(allowed[k], c->string) == 0)
				break;
		if (allowed[k] == NULL)
			report(v, C_SCHEMA, c->string,
			    "Field '%s' is not supported%s%s", c->string,
			    where[0] != '\0' ? " in " : "", where);
	}
}

/* Every field of a state must be one its type accepts in its query
 * language; fields must not repeat. */
static void
check_state_fields(struct vctx *v, const cJSON *st, unsigned type,
    int jsonata)
{
	const struct field_rule *r;
	const cJSON *c;
	size_t i;

	cJSON_ArrayForEach(c, st) {
		if (repeated_key(v, st, c))
			continue;
		r = NULL;
		for (i = 0; i < sizeof(field_rules) / sizeof(field_rules[0]);
		    i++)
			if (strcmp(field_rules[i].name, c->string) == 0) {
				r = &field_rules[i];
				break;
			}
		if (r == NULL || !(r->types & type))
			report(v, C_SCHEMA, c->string,
			    "Field '%s' is not supported by %s states",
			    c->string, state_type_name(type));
		else if (!(r->modes & (jsonata ? M_ATA : M_PATH)))
			report(v, C_SCHEMA, c->string,
			    "Field '%s' is not supported when the query "
			    "language is %s", c->string,
			    jsonata ? "JSONata" : "JSONPath");
	}
}

/* Assign: an object whose keys are variable names (letters, digits and
 * '_', not starting with a digit), with ".$" in JSONPath mode for values
 * taken from a path or an intrinsic call. */
static void
check_assign(struct vctx *v, const cJSON *obj, int jsonata)
{
	const cJSON *as = cJSON_GetObjectItemCaseSensitive(obj, "Assign");
	const cJSON *c;
	const char *p;
	size_t n, old;

	if (as == NULL)
		return;
	if (!cJSON_IsObject(as)) {
		report(v, C_SCHEMA, "Assign", "must be an object, not %s",
		    type_name(as));
		return;
	}
	old = push(v, "Assign");
	cJSON_ArrayForEach(c, as) {
		n = strlen(c->string);
		if (!jsonata && n >= 2 && strcmp(c->string + n - 2, ".$") == 0)
			n -= 2;
		for (p = c->string; p < c->string + n; p++)
			if (!(*p == '_' || (*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z') ||
			    (p > c->string && *p >= '0' && *p <= '9')))
				break;
		if (n == 0 || p < c->string + n)
			report(v, C_SCHEMA, c->string, "'%.*s' is not a valid "
			    "variable name (letters, digits and '_', not "
			    "starting with a digit)", (int)n, c->string);
		else if (n == 6 && strncmp(c->string, "states", 6) == 0)
			report(v, C_SCHEMA, c->string, "'states' is a reserved "
			    "variable name");
	}
	/* JSONata values are checked with the rest of the state. */
	if (!jsonata)
		check_template(v, as);
	pop(v, old);
}

/* The error names the States Language defines (besides States.ALL). */
static int
is_predefined_error(const char *name)
{
	static const char *names[] = { "States.Timeout",
		"States.HeartbeatTimeout", "States.TaskFailed",
		"States.Permissions", "States.ResultPathMatchFailure",
		"States.ParameterPathFailure", "States.QueryEvaluationError",
		"States.BranchFailed", "States.NoChoiceMatched",
		"States.IntrinsicFailure",
		"States.ExceedToleratedFailureThreshold",
		"States.ItemReaderFailed", "States.ResultWriterFailed",
		"States.DataLimitExceeded", "States.Runtime",
		"States.Http.Socket", NULL };
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], name) == 0)
			return 1;
	return 0;
}

/* ErrorEquals: a non-empty array of non-empty strings; States.ALL only
 * alone. Returns 1 when the list is exactly [States.ALL]. */
static int
check_error_equals(struct vctx *v, const cJSON *obj)
{
	const cJSON *ee, *e;
	size_t old, o2, i = 0;
	int all = 0;

	ee = get_array(v, obj, "ErrorEquals", "error names", 1);
	if (ee == NULL)
		return 0;
	old = push(v, "ErrorEquals");
	cJSON_ArrayForEach(e, ee) {
		if (!cJSON_IsString(e) || e->valuestring[0] == '\0') {
			o2 = push_index(v, i);
			report(v, C_SCHEMA, NULL,
			    "must be a non-empty string (an error name)");
			pop(v, o2);
		} else if (strcmp(e->valuestring, "States.ALL") == 0)
			all = 1;
		else if (strncmp(e->valuestring, "States.", 7) == 0 &&
		    !is_predefined_error(e->valuestring)) {
			o2 = push_index(v, i);
			report(v, C_SCHEMA, NULL, "'%s' is not a predefined "
			    "error name (names starting with 'States.' are "
			    "reserved)", e->valuestring);
			pop(v, o2);
		}
		i++;
	}
	if (all && i > 1)
		report(v, C_SCHEMA, NULL, "'States.ALL' must appear alone in "
		    "'ErrorEquals'");
	pop(v, old);
	return all && i == 1;
}

/* One retrier: its own fields besides ErrorEquals. */
static void
check_retrier(struct vctx *v, const struct scope *s, const cJSON *r,
    int jsonata)
{
	const cJSON *it;
	const char *js;

	(void)s;
	(void)jsonata;
	check_int_field(v, r, "IntervalSeconds", 1, SL_ASL_MAX_SECONDS, 0);
	check_int_field(v, r, "MaxAttempts", 0, SL_ASL_MAX_SECONDS, 0);
	/* AWS caps the retry delay at 366 days. */
	check_int_field(v, r, "MaxDelaySeconds", 1, 31622400, 0);
	it = cJSON_GetObjectItemCaseSensitive(r, "BackoffRate");
	if (it != NULL && !cJSON_IsNumber(it))
		report(v, C_SCHEMA, "BackoffRate", "must be a number, not %s",
		    type_name(it));
	else if (it != NULL && !(it->valuedouble >= 1.0))
		report(v, C_SCHEMA, "BackoffRate", "must be >= 1.0");
	js = get_string(v, r, "JitterStrategy", 0);
	if (js != NULL && strcmp(js, "FULL") != 0 && strcmp(js, "NONE") != 0)
		report(v, C_SCHEMA, "JitterStrategy",
		    "must be 'FULL' or 'NONE', not '%s'", js);
	get_string(v, r, "Comment", 0);
}

/* One catcher: its own fields besides ErrorEquals. */
static void
check_catcher(struct vctx *v, const struct scope *s, const cJSON *r,
    int jsonata)
{
	check_target(v, s, r, "Next", 1);
	get_string(v, r, "Comment", 0);
	if (!jsonata)
		check_path_field(v, r, "ResultPath", SL_PATH_REFERENCE, 1, 0);
	else
		check_jsonata_value(v, r);
	check_assign(v, r, jsonata);
}

/* Retry or Catch (field): an array of objects (each a what) with only the
 * allowed fields and an ErrorEquals, States.ALL only in the last one;
 * check_one checks the rest of each. */
static void
check_handlers(struct vctx *v, const struct scope *s, const cJSON *st,
    const char *field, const char *what, const char **allowed,
    int jsonata, void (*check_one)(struct vctx *, const struct scope *,
    const cJSON *, int))
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(st, field);
	const cJSON *r;
	size_t old, o2, i = 0, n;
	char where[32];

	if (list == NULL)
		return;
	snprintf(where, sizeof(where), "a %s", what);
	if (!cJSON_IsArray(list)) {
		report(v, C_SCHEMA, field, "must be an array of %ss, not %s",
		    what, type_name(list));
		return;
	}
	n = (size_t)cJSON_GetArraySize(list);
	old = push(v, field);
	cJSON_ArrayForEach(r, list) {
		o2 = push_index(v, i);
		if (!cJSON_IsObject(r))
			report(v, C_SCHEMA, NULL, "must be an object (a %s), "
			    "not %s", what, type_name(r));
		else {
			check_known_fields(v, r, allowed, where);
			if (check_error_equals(v, r) && i + 1 != n)
				report(v, C_SCHEMA, "ErrorEquals", "a %s with "
				    "'States.ALL' must be the last one", what);
			check_one(v, s, r, jsonata);
		}
		pop(v, o2);
		i++;
	}
	pop(v, old);
}

static void
check_retry(struct vctx *v, const struct scope *s, const cJSON *st)
{
	static const char *allowed[] = { "ErrorEquals", "IntervalSeconds",
		"MaxAttempts", "BackoffRate", "MaxDelaySeconds",
		"JitterStrategy", "Comment", NULL };

	check_handlers(v, s, st, "Retry", "retrier", allowed, 0,
	    check_retrier);
}

static void
check_catch(struct vctx *v, const struct scope *s, const cJSON *st,
    int jsonata)
{
	const char *allowed[] = { "ErrorEquals", "Next", "Comment",
		"Assign", jsonata ? "Output" : "ResultPath", NULL };

	check_handlers(v, s, st, "Catch", "catcher", allowed, jsonata,
	    check_catcher);
}

/* Next / End for the types that transition. */
static void
check_transition(struct vctx *v, const struct scope *s, const cJSON *st)
{
	const cJSON *next = cJSON_GetObjectItemCaseSensitive(st, "Next");
	const cJSON *end = cJSON_GetObjectItemCaseSensitive(st, "End");

	if (end != NULL && !cJSON_IsBool(end)) {
		report(v, C_SCHEMA, "End", "must be a boolean, not %s",
		    type_name(end));
		end = NULL;
	}
	if (next != NULL && end != NULL && cJSON_IsTrue(end))
		report(v, C_SCHEMA, "End", "'Next' and 'End' are mutually "
		    "exclusive: a state either ends the execution or moves "
		    "on");
	else if (next == NULL && !cJSON_IsTrue(end))
		report(v, C_SCHEMA, NULL, "a non-terminal state must have "
		    "either 'Next' or \"End\": true");
	if (next != NULL)
		check_target(v, s, st, "Next", 0);
}

/* The input/output fields of JSONPath states, where the type has them (a
 * field it does not have is reported once, as not supported). */
static void
check_io_paths(struct vctx *v, const cJSON *st, unsigned type)
{
	if (type != T_FAIL) {
		check_path_field(v, st, "InputPath", SL_PATH_ALLOW_CONTEXT, 1,
		    0);
		check_path_field(v, st, "OutputPath", SL_PATH_ALLOW_CONTEXT, 1,
		    0);
	}
	if (type & (T_TASK | T_PASS | T_PARALLEL | T_MAP))
		check_path_field(v, st, "ResultPath", SL_PATH_REFERENCE, 1, 0);
}

/* Resource forms this engine runs; everything else is reported. */
static void
check_resource(struct vctx *v, const cJSON *st, int jsonata)
{
	const char *r = get_string(v, st, "Resource", 1);
	const cJSON *params;
	const char *p, *q;
	int n;

	if (r == NULL)
		return;
	if (strncmp(r, "arn:aws:lambda:", 15) == 0) {
		/* REGION:ACCOUNT:function:NAME[:QUALIFIER] */
		p = r + 15;
		for (q = p; *q != ':' && *q != '\0'; q++)
			if (!((*q >= 'a' && *q <= 'z') ||
			    (*q >= '0' && *q <= '9') || *q == '-'))
				break;
		if (q == p || *q != ':')
			goto bad_lambda;
		p = q + 1;
		for (n = 0; p[n] >= '0' && p[n] <= '9'; n++)
			;
		if (n != 12 || strncmp(p + 12, ":function:", 10) != 0)
			goto bad_lambda;
		p += 22;
		for (q = p; *q != '\0' && *q != ':'; q++)
			if (!((*q >= 'a' && *q <= 'z') ||
			    (*q >= 'A' && *q <= 'Z') ||
			    (*q >= '0' && *q <= '9') || *q == '-' ||
			    *q == '_'))
				goto bad_lambda;
		if (q == p || q - p > 64)
			goto bad_lambda;
		if (*q == ':') {
			p = q + 1;
			if (strcmp(p, "$LATEST") == 0)
				return;
			for (q = p; *q != '\0'; q++)
				if (!((*q >= 'a' && *q <= 'z') ||
				    (*q >= 'A' && *q <= 'Z') ||
				    (*q >= '0' && *q <= '9') || *q == '-' ||
				    *q == '_'))
					goto bad_lambda;
			if (q == p || q - p > 128)
				goto bad_lambda;
		}
		return;
	}
	if (strcmp(r, "arn:aws:states:::lambda:invoke") == 0) {
		params = cJSON_GetObjectItemCaseSensitive(st,
		    jsonata ? "Arguments" : "Parameters");
		if (cJSON_IsObject(params) &&
		    !cJSON_GetObjectItemCaseSensitive(params,
		    "FunctionName") &&
		    !cJSON_GetObjectItemCaseSensitive(params,
		    "FunctionName.$"))
			report(v, C_SCHEMA, jsonata ? "Arguments" :
			    "Parameters", "the field 'FunctionName' is "
			    "required but was missing");
		else if (params == NULL)
			report(v, C_SCHEMA, NULL, "the field '%s' is "
			    "required by arn:aws:states:::lambda:invoke (it "
			    "names FunctionName)", jsonata ? "Arguments" :
			    "Parameters");
		return;
	}
	if (strcmp(r, "arn:aws:states:::lambda:invoke.waitForTaskToken") ==
	    0) {
		report(v, C_UNSUPPORTED, "Resource", "callback tasks "
		    "('.waitForTaskToken') are not supported by this engine");
		return;
	}
	if (strncmp(r, "arn:aws:states:::", 17) == 0) {
		report(v, C_UNSUPPORTED, "Resource", "the service integration "
		    "'%s' is not supported by this engine (only "
		    "arn:aws:states:::lambda:invoke and Lambda function "
		    "ARNs are)", r);
		return;
	}
	if (strncmp(r, "arn:aws:states:", 15) == 0 &&
	    strstr(r, ":activity:") != NULL) {
		report(v, C_UNSUPPORTED, "Resource", "activities ('%s') are "
		    "not supported by this engine", r);
		return;
	}
	report(v, C_RESOURCE, "Resource", "Resource '%s' is not a valid "
	    "ARN: expected arn:aws:lambda:REGION:ACCOUNT:function:NAME"
	    "[:QUALIFIER] or arn:aws:states:::lambda:invoke", r);
	return;
bad_lambda:
	report(v, C_RESOURCE, "Resource", "Resource '%s' is not a valid "
	    "Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:"
	    "NAME[:QUALIFIER])", r);
}

static void
check_task(struct vctx *v, const cJSON *st, int jsonata)
{
	const cJSON *to, *hb;

	check_resource(v, st, jsonata);
	check_exclusive(v, st, "TimeoutSeconds", "TimeoutSecondsPath");
	check_exclusive(v, st, "HeartbeatSeconds", "HeartbeatSecondsPath");
	check_int_field(v, st, "TimeoutSeconds", 1, SL_ASL_MAX_SECONDS,
	    jsonata);
	check_int_field(v, st, "HeartbeatSeconds", 1, SL_ASL_MAX_SECONDS,
	    jsonata);
	if (!jsonata) {
		check_path_field(v, st, "TimeoutSecondsPath",
		    SL_PATH_REFERENCE | SL_PATH_ALLOW_CONTEXT, 0, 0);
		check_path_field(v, st, "HeartbeatSecondsPath",
		    SL_PATH_REFERENCE | SL_PATH_ALLOW_CONTEXT, 0, 0);
	}
	to = cJSON_GetObjectItemCaseSensitive(st, "TimeoutSeconds");
	hb = cJSON_GetObjectItemCaseSensitive(st, "HeartbeatSeconds");
	if (is_integer(to) && is_integer(hb) &&
	    hb->valuedouble >= to->valuedouble)
		report(v, C_SCHEMA, "HeartbeatSeconds", "must be smaller "
		    "than 'TimeoutSeconds'");
	to = cJSON_GetObjectItemCaseSensitive(st, "Credentials");
	if (to != NULL && !cJSON_IsObject(to))
		report(v, C_SCHEMA, "Credentials", "must be an object, not %s",
		    type_name(to));
	else if (to != NULL)
		report(v, C_UNSUPPORTED, "Credentials", "cross-account "
		    "Credentials are not supported by this engine");
}

static void
check_pass(struct vctx *v, const cJSON *st, int jsonata)
{
	if (!jsonata)
		check_template_field(v, st, "Parameters", 0);
}

static void
check_wait(struct vctx *v, const cJSON *st, int jsonata)
{
	static const char *f[] = { "Seconds", "Timestamp", "SecondsPath",
		"TimestampPath" };
	const cJSON *ts;
	size_t i;
	int n = 0;

	for (i = 0; i < 4; i++)
		if (cJSON_GetObjectItemCaseSensitive(st, f[i]) != NULL)
			n++;
	if (n != 1)
		report(v, C_SCHEMA, NULL, "a Wait state must have exactly one "
		    "of 'Seconds', 'Timestamp', 'SecondsPath' or "
		    "'TimestampPath' (found %d)", n);
	check_int_field(v, st, "Seconds", 0, SL_ASL_MAX_SECONDS, jsonata);
	ts = cJSON_GetObjectItemCaseSensitive(st, "Timestamp");
	if (ts != NULL && !cJSON_IsString(ts))
		report(v, C_SCHEMA, "Timestamp", "must be a string, not %s",
		    type_name(ts));
	else if (ts != NULL && !(jsonata && is_jsonata(ts->valuestring)) &&
	    !is_timestamp(ts->valuestring))
		report(v, C_SCHEMA, "Timestamp", "'%s' is not an RFC 3339 "
		    "timestamp (e.g. 2016-03-14T01:59:00Z)", ts->valuestring);
	if (!jsonata) {
		check_path_field(v, st, "SecondsPath",
		    SL_PATH_REFERENCE | SL_PATH_ALLOW_CONTEXT, 0, 0);
		check_path_field(v, st, "TimestampPath",
		    SL_PATH_REFERENCE | SL_PATH_ALLOW_CONTEXT, 0, 0);
	}
}

static void
check_fail(struct vctx *v, const cJSON *st, int jsonata)
{
	check_exclusive(v, st, "Error", "ErrorPath");
	check_exclusive(v, st, "Cause", "CausePath");
	get_string(v, st, "Error", 0);
	get_string(v, st, "Cause", 0);
	if (!jsonata) {
		check_path_field(v, st, "ErrorPath", SL_PATH_REFERENCE |
		    SL_PATH_ALLOW_CONTEXT, 0, 1);
		check_path_field(v, st, "CausePath", SL_PATH_REFERENCE |
		    SL_PATH_ALLOW_CONTEXT, 0, 1);
	}
}

/* Does every '\' of a StringMatches pattern escape a character? */
static int
escapes_complete(const char *p)
{
	for (; *p != '\0'; p++)
		if (*p == '\\' && *++p == '\0')
			return 0;
	return 1;
}

/* One Choice Rule; top says whether it is directly in Choices. */
static void
check_rule(struct vctx *v, const struct scope *s, const cJSON *rule, int top,
    int jsonata)
{
	const cJSON *c, *sub;
	size_t i, k, n, nops = 0, nbool = 0, old, o2;
	const char *name;
	enum op_kind kind = K_STRING;
	int is_path = 0;
	const char *buf;

	if (!cJSON_IsObject(rule)) {
		report(v, C_SCHEMA, NULL, "must be an object (a Choice "
		    "Rule), not %s", type_name(rule));
		return;
	}
	if (jsonata) {
		cJSON_ArrayForEach(c, rule) {
			if (strcmp(c->string, "Condition") != 0 &&
			    strcmp(c->string, "Next") != 0 &&
			    strcmp(c->string, "Comment") != 0 &&
			    strcmp(c->string, "Assign") != 0 &&
			    strcmp(c->string, "Output") != 0)
				report(v, C_SCHEMA, c->string, "Field '%s' is "
				    "not supported in a JSONata Choice Rule",
				    c->string);
		}
		c = cJSON_GetObjectItemCaseSensitive(rule, "Condition");
		if (c == NULL)
			report(v, C_SCHEMA, "Condition", "the field "
			    "'Condition' is required but was missing");
		else if (!cJSON_IsBool(c) && !is_jsonata_item(c))
			report(v, C_SCHEMA, "Condition", "must be a boolean "
			    "or a JSONata expression");
		check_target(v, s, rule, "Next", 1);
		check_assign(v, rule, 1);
		check_jsonata_value(v, rule);
		return;
	}
	cJSON_ArrayForEach(c, rule) {
		name = c->string;
		if (repeated_key(v, rule, c))
			continue;
		if (strcmp(name, "And") == 0 || strcmp(name, "Or") == 0 ||
		    strcmp(name, "Not") == 0) {
			nbool++;
			continue;
		}
		if (strcmp(name, "Variable") == 0 ||
		    strcmp(name, "Comment") == 0)
			continue;
		if (strcmp(name, "Next") == 0 || strcmp(name, "Assign") == 0) {
			if (!top)
				report(v, C_SCHEMA, name, "'%s' is only "
				    "allowed in a top-level Choice Rule",
				    name);
			continue;
		}
		for (k = 0; k < sizeof(choice_ops) / sizeof(choice_ops[0]);
		    k++) {
			n = strlen(choice_ops[k].name);
			if (strcmp(name, choice_ops[k].name) == 0) {
				is_path = 0;
				break;
			}
			if (choice_ops[k].has_path &&
			    strncmp(name, choice_ops[k].name, n) == 0 &&
			    strcmp(name + n, "Path") == 0) {
				is_path = 1;
				break;
			}
		}
		if (k == sizeof(choice_ops) / sizeof(choice_ops[0])) {
			report(v, C_SCHEMA, name, "Field '%s' is not supported "
			    "in a Choice Rule", name);
			continue;
		}
		nops++;
		kind = choice_ops[k].kind;
		if (is_path) {
			if (!cJSON_IsString(c))
				report(v, C_SCHEMA, name, "must be a string "
				    "(a JSONPath), not %s", type_name(c));
			else
				check_path_text(v, name, c->valuestring,
				    SL_PATH_ALLOW_CONTEXT, 0);
			continue;
		}
		switch (kind) {
		case K_STRING:
		case K_MATCH:
			if (!cJSON_IsString(c))
				report(v, C_SCHEMA, name, "must be a string, "
				    "not %s", type_name(c));
			else if (kind == K_MATCH &&
			    !escapes_complete(c->valuestring))
				report(v, C_SCHEMA, name, "the pattern ends "
				    "with an unfinished escape '\\'");
			break;
		case K_NUMBER:
			if (!cJSON_IsNumber(c))
				report(v, C_SCHEMA, name, "must be a number, "
				    "not %s", type_name(c));
			break;
		case K_BOOL:
		case K_TEST:
			if (!cJSON_IsBool(c))
				report(v, C_SCHEMA, name, "must be a boolean, "
				    "not %s", type_name(c));
			break;
		case K_TIMESTAMP:
			if (!cJSON_IsString(c))
				report(v, C_SCHEMA, name, "must be a string "
				    "(a timestamp), not %s", type_name(c));
			else if (!is_timestamp(c->valuestring))
				report(v, C_SCHEMA, name, "'%s' is not an RFC "
				    "3339 timestamp", c->valuestring);
			break;
		}
	}
	if (nbool > 1 || (nbool == 1 && nops > 0))
		report(v, C_SCHEMA, NULL, "a Choice Rule must have exactly "
		    "one of 'And', 'Or', 'Not' or a comparison operator");
	else if (nbool == 0 && nops != 1)
		report(v, C_SCHEMA, NULL, "a Choice Rule must have exactly "
		    "one comparison operator (or 'And', 'Or', 'Not'); found "
		    "%zu", nops);
	c = cJSON_GetObjectItemCaseSensitive(rule, "Variable");
	if (nbool == 0) {
		if (c == NULL)
			report(v, C_SCHEMA, "Variable", "the field 'Variable' "
			    "is required but was missing");
		else if (!cJSON_IsString(c))
			report(v, C_SCHEMA, "Variable", "must be a string (a "
			    "JSONPath), not %s", type_name(c));
		else
			check_path_text(v, "Variable", c->valuestring,
			    SL_PATH_ALLOW_CONTEXT, 0);
	} else if (c != NULL)
		report(v, C_SCHEMA, "Variable", "'Variable' is not allowed "
		    "with 'And', 'Or' or 'Not'");
	get_string(v, rule, "Comment", 0);
	if (top)
		check_target(v, s, rule, "Next", 1);
	if (top)
		check_assign(v, rule, 0);
	/* Nested rules. */
	sub = cJSON_GetObjectItemCaseSensitive(rule, "Not");
	if (sub != NULL) {
		old = push(v, "Not");
		check_rule(v, s, sub, 0, 0);
		pop(v, old);
	}
	for (k = 0; k < 2; k++) {
		buf = k == 0 ? "And" : "Or";
		sub = get_array(v, rule, buf, "Choice Rules", 0);
		if (sub == NULL)
			continue;
		old = push(v, buf);
		i = 0;
		cJSON_ArrayForEach(c, sub) {
			o2 = push_index(v, i++);
			check_rule(v, s, c, 0, 0);
			pop(v, o2);
		}
		pop(v, old);
	}
}

static void
check_choice(struct vctx *v, const struct scope *s, const cJSON *st,
    int jsonata)
{
	const cJSON *choices, *r;
	size_t old, o2, i = 0;

	choices = get_array(v, st, "Choices", "Choice Rules", 1);
	if (choices != NULL) {
		old = push(v, "Choices");
		cJSON_ArrayForEach(r, choices) {
			o2 = push_index(v, i++);
			check_rule(v, s, r, 1, jsonata);
			pop(v, o2);
		}
		pop(v, old);
	}
	if (cJSON_GetObjectItemCaseSensitive(st, "Default") != NULL)
		check_target(v, s, st, "Default", 0);
}

static void
check_parallel(struct vctx *v, const cJSON *st, int jsonata)
{
	const cJSON *br, *b;
	size_t old, o2, i = 0;

	br = get_array(v, st, "Branches", "state machines", 1);
	if (br == NULL)
		return;
	old = push(v, "Branches");
	cJSON_ArrayForEach(b, br) {
		o2 = push_index(v, i++);
		validate_machine(v, b, MK_BRANCH, jsonata);
		pop(v, o2);
	}
	pop(v, old);
}

/* A number field within [min, max] (or its JSONata form). */
static void
check_number_field(struct vctx *v, const cJSON *obj, const char *field,
    double min, double max, int ata)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, field);

	if (it == NULL)
		return;
	if (ata && is_jsonata_item(it))
		return;
	if (!cJSON_IsNumber(it))
		report(v, C_SCHEMA, field, "must be a number, not %s",
		    type_name(it));
	else if (!(it->valuedouble >= min && it->valuedouble <= max))
		report(v, C_SCHEMA, field, "must be between %g and %g", min,
		    max);
}

static void
check_map(struct vctx *v, const cJSON *st, int jsonata)
{
	static const char *unsupported[] = { "ItemReader", "ItemBatcher",
		"ResultWriter", NULL };
	const cJSON *proc, *cfg, *c;
	const char *pf = "ItemProcessor", *mode, *label;
	size_t old, k;

	proc = cJSON_GetObjectItemCaseSensitive(st, "ItemProcessor");
	if (cJSON_GetObjectItemCaseSensitive(st, "Iterator") != NULL) {
		if (proc != NULL)
			report(v, C_SCHEMA, "Iterator", "'ItemProcessor' and "
			    "'Iterator' are mutually exclusive");
		else {
			proc = cJSON_GetObjectItemCaseSensitive(st,
			    "Iterator");
			pf = "Iterator";
		}
	}
	if (proc == NULL)
		report(v, C_SCHEMA, "ItemProcessor", "the field "
		    "'ItemProcessor' is required but was missing");
	else {
		old = push(v, pf);
		validate_machine(v, proc, MK_PROCESSOR, jsonata);
		cfg = cJSON_GetObjectItemCaseSensitive(proc,
		    "ProcessorConfig");
		if (cfg != NULL && !cJSON_IsObject(cfg))
			report(v, C_SCHEMA, "ProcessorConfig", "must be an "
			    "object, not %s", type_name(cfg));
		else if (cfg != NULL) {
			push(v, "ProcessorConfig");
			cJSON_ArrayForEach(c, cfg)
				if (strcmp(c->string, "Mode") != 0 &&
				    strcmp(c->string, "ExecutionType") != 0)
					report(v, C_SCHEMA, c->string, "Field "
					    "'%s' is not supported in "
					    "ProcessorConfig", c->string);
			mode = get_string(v, cfg, "Mode", 0);
			if (mode != NULL && strcmp(mode, "DISTRIBUTED") == 0)
				report(v, C_UNSUPPORTED, "Mode", "Map Mode "
				    "'DISTRIBUTED' is not supported by this "
				    "engine (use INLINE)");
			else if (mode != NULL && strcmp(mode, "INLINE") != 0)
				report(v, C_SCHEMA, "Mode", "must be 'INLINE' "
				    "or 'DISTRIBUTED', not '%s'", mode);
			mode = get_string(v, cfg, "ExecutionType", 0);
			if (mode != NULL && strcmp(mode, "STANDARD") != 0 &&
			    strcmp(mode, "EXPRESS") != 0)
				report(v, C_SCHEMA, "ExecutionType", "must be "
				    "'STANDARD' or 'EXPRESS', not '%s'", mode);
		}
		pop(v, old);
	}
	for (k = 0; unsupported[k] != NULL; k++)
		if (cJSON_GetObjectItemCaseSensitive(st, unsupported[k]))
			report(v, C_UNSUPPORTED, unsupported[k], "'%s' "
			    "(Distributed Map) is not supported by this "
			    "engine", unsupported[k]);
	check_exclusive(v, st, "ItemSelector", "Parameters");
	check_exclusive(v, st, "MaxConcurrency", "MaxConcurrencyPath");
	check_exclusive(v, st, "ToleratedFailurePercentage",
	    "ToleratedFailurePercentagePath");
	check_exclusive(v, st, "ToleratedFailureCount",
	    "ToleratedFailureCountPath");
	check_int_field(v, st, "MaxConcurrency", 0, 2147483647.0, jsonata);
	check_int_field(v, st, "ToleratedFailureCount", 0, 2147483647.0,
	    jsonata);
	check_number_field(v, st, "ToleratedFailurePercentage", 0, 100,
	    jsonata);
	label = get_string(v, st, "Label", 0);
	if (label != NULL && utf8_len(label) > 40)
		report(v, C_SCHEMA, "Label", "must be at most 40 characters");
	if (jsonata) {
		c = cJSON_GetObjectItemCaseSensitive(st, "Items");
		if (c != NULL && !cJSON_IsArray(c) && !is_jsonata_item(c))
			report(v, C_SCHEMA, "Items", "must be an array or a "
			    "JSONata expression, not %s", type_name(c));
		return;
	}
	check_path_field(v, st, "ItemsPath", SL_PATH_REFERENCE |
	    SL_PATH_ALLOW_CONTEXT, 0, 0);
	check_path_field(v, st, "MaxConcurrencyPath", SL_PATH_REFERENCE |
	    SL_PATH_ALLOW_CONTEXT, 0, 0);
	check_path_field(v, st, "ToleratedFailurePercentagePath",
	    SL_PATH_REFERENCE | SL_PATH_ALLOW_CONTEXT, 0, 0);
	check_path_field(v, st, "ToleratedFailureCountPath",
	    SL_PATH_REFERENCE | SL_PATH_ALLOW_CONTEXT, 0, 0);
	check_template_field(v, st, "ItemSelector", 1);
	check_template_field(v, st, "Parameters", 1);
}

/* Resolve a state's query language; reports a bad value. */
static int
state_jsonata(struct vctx *v, const cJSON *obj, int inherited)
{
	const char *ql = get_string(v, obj, "QueryLanguage", 0);

	if (ql == NULL)
		return inherited;
	if (strcmp(ql, "JSONata") == 0)
		return 1;
	if (strcmp(ql, "JSONPath") == 0) {
		if (v->top_jsonata)
			report(v, C_SCHEMA, "QueryLanguage", "a state cannot "
			    "use JSONPath when the state machine's "
			    "QueryLanguage is JSONata");
		return 0;
	}
	report(v, C_SCHEMA, "QueryLanguage", "must be 'JSONPath' or "
	    "'JSONata', not '%s'", ql);
	return inherited;
}

static void
validate_state(struct vctx *v, const struct scope *s, const cJSON *st,
    int jsonata)
{
	const char *tname;
	const cJSON *it;
	unsigned type;

	if (utf8_len(st->string) > SL_ASL_MAX_STATE_NAME)
		report(v, C_NAME, NULL, "State name is too long: %zu "
		    "characters (at most %d)", utf8_len(st->string),
		    SL_ASL_MAX_STATE_NAME);
	else if (st->string[0] == '\0')
		report(v, C_NAME, NULL, "State name must not be empty");
	if (!cJSON_IsObject(st)) {
		report(v, C_SCHEMA, NULL, "a state must be an object, not %s",
		    type_name(st));
		return;
	}
	tname = get_string(v, st, "Type", 1);
	if (tname == NULL)
		return;
	type = state_type_bit(tname);
	if (type == 0) {
		report(v, C_SCHEMA, "Type", "unknown state type '%s' (Task, "
		    "Pass, Choice, Wait, Succeed, Fail, Parallel, Map)",
		    tname);
		return;
	}
	jsonata = state_jsonata(v, st, jsonata);
	check_state_fields(v, st, type, jsonata);
	get_string(v, st, "Comment", 0);
	if (type & T_FLOW)
		check_transition(v, s, st);
	if (!jsonata) {
		check_io_paths(v, st, type);
		if (type & T_ERRH) {
			check_template_field(v, st, "ResultSelector", 1);
			if (type != T_MAP)
				check_template_field(v, st, "Parameters", 1);
		}
	} else {
		it = cJSON_GetObjectItemCaseSensitive(st, "Arguments");
		if (it != NULL && (type & (T_TASK | T_PARALLEL)) &&
		    !cJSON_IsObject(it) && !is_jsonata_item(it))
			report(v, C_SCHEMA, "Arguments", "must be an object "
			    "or a JSONata expression, not %s", type_name(it));
		check_jsonata_fields(v, st);
	}
	if (!(type & (T_SUCCEED | T_FAIL)))
		check_assign(v, st, jsonata);
	if (type & T_ERRH) {
		check_retry(v, s, st);
		check_catch(v, s, st, jsonata);
	}
	switch (type) {
	case T_TASK:
		check_task(v, st, jsonata);
		break;
	case T_PASS:
		check_pass(v, st, jsonata);
		break;
	case T_CHOICE:
		check_choice(v, s, st, jsonata);
		break;
	case T_WAIT:
		check_wait(v, st, jsonata);
		break;
	case T_FAIL:
		check_fail(v, st, jsonata);
		break;
	case T_PARALLEL:
		check_parallel(v, st, jsonata);
		break;
	case T_MAP:
		check_map(v, st, jsonata);
		break;
	default:
		break;
	}
}

/* Is state st terminal (it may end the machine)? */
static int
is_terminal(const cJSON *st)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(st, "Type");

	if (!cJSON_IsString(t))
		return 0;
	if (strcmp(t->valuestring, "Succeed") == 0 ||
	    strcmp(t->valuestring, "Fail") == 0)
		return 1;
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "End"));
}

static void
visit(const struct scope *s, const cJSON *target, unsigned char *seen,
    size_t *stack, size_t *top)
{
	long i;

	if (!cJSON_IsString(target))
		return;
	i = scope_find(s, target->valuestring);
	if (i >= 0 && !seen[i]) {
		seen[i] = 1;
		stack[(*top)++] = (size_t)i;
	}
}

static void
visit_rules(const struct scope *s, const cJSON *choices, unsigned char *seen,
    size_t *stack, size_t *top)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, choices)
		if (cJSON_IsObject(r))
			visit(s, cJSON_GetObjectItemCaseSensitive(r, "Next"),
			    seen, stack, top);
}

/* Report every state that no path from StartAt reaches. */
static void
check_reachable(struct vctx *v, const struct scope *s, const char *start)
{
	unsigned char *seen = xcalloc(s->n + 1, 1);
	size_t *stack = xcalloc(s->n + 1, sizeof(*stack));
	size_t top = 0, i, old;
	const cJSON *st;
	long k;

	k = scope_find(s, start);
	if (k < 0)
		goto done;
	seen[k] = 1;
	stack[top++] = (size_t)k;
	while (top > 0) {
		st = s->states[stack[--top]];
		if (!cJSON_IsObject(st))
			continue;
		visit(s, cJSON_GetObjectItemCaseSensitive(st, "Next"), seen,
		    stack, &top);
		visit(s, cJSON_GetObjectItemCaseSensitive(st, "Default"),
		    seen, stack, &top);
		visit_rules(s, cJSON_GetObjectItemCaseSensitive(st, "Choices"),
		    seen, stack, &top);
		visit_rules(s, cJSON_GetObjectItemCaseSensitive(st, "Catch"),
		    seen, stack, &top);
	}
	old = push(v, "States");
	for (i = 0; i < s->n; i++)
		if (!seen[i])
			report(v, C_TARGET, s->states[i]->string,
			    "State \"%s\" is not reachable.",
			    s->states[i]->string);
	pop(v, old);
done:
	free(stack);
	free(seen);
}

static void
validate_machine(struct vctx *v, const cJSON *m, int kind, int jsonata)
{
	static const char *top_fields[] = { "StartAt", "States", "Comment",
		"Version", "TimeoutSeconds", "QueryLanguage", NULL };
	static const char *branch_fields[] = { "StartAt", "States", "Comment",
		NULL };
	static const char *proc_fields[] = { "StartAt", "States", "Comment",
		"ProcessorConfig", NULL };
	const char **allowed = kind == MK_TOP ? top_fields :
	    kind == MK_BRANCH ? branch_fields : proc_fields;
	const cJSON *states, *st;
	const char *start, *ver;
	struct scope s;
	size_t old, o2;
	int terminal = 0;

	if (!cJSON_IsObject(m)) {
		report(v, C_SCHEMA, NULL, "must be an object (a state "
		    "machine), not %s", type_name(m));
		return;
	}
	check_known_fields(v, m, allowed, kind == MK_TOP ? "" :
	    kind == MK_BRANCH ? "a Parallel branch" : "a Map processor");
	if (kind == MK_TOP) {
		jsonata = state_jsonata(v, m, 0);
		v->top_jsonata = jsonata;
		ver = get_string(v, m, "Version", 0);
		if (ver != NULL && strcmp(ver, "1.0") != 0)
			report(v, C_SCHEMA, "Version", "must be '1.0', not "
			    "'%s'", ver);
		check_int_field(v, m, "TimeoutSeconds", 1, SL_ASL_MAX_SECONDS,
		    0);
	}
	get_string(v, m, "Comment", 0);
	start = get_string(v, m, "StartAt", 1);
	states = cJSON_GetObjectItemCaseSensitive(m, "States");
	if (states == NULL) {
		report(v, C_SCHEMA, "States", "the field 'States' is required "
		    "but was missing");
		return;
	}
	if (!cJSON_IsObject(states) || states->child == NULL) {
		report(v, C_SCHEMA, "States", "must be a non-empty object of "
		    "states");
		return;
	}
	scope_init(&s, states);
	old = push(v, "States");
	cJSON_ArrayForEach(st, states) {
		o2 = push(v, st->string);
		validate_state(v, &s, st, jsonata);
		pop(v, o2);
		if (cJSON_IsObject(st) && is_terminal(st))
			terminal = 1;
	}
	pop(v, old);
	if (start != NULL && scope_find(&s, start) < 0)
		report(v, C_TARGET, "StartAt", "Missing 'Next' target: %s",
		    start);
	if (!terminal)
		report(v, C_END, NULL, "Workflow has no terminal state");
	else if (start != NULL)
		check_reachable(v, &s, start);
	scope_release(&s);
}

/* Trees built in memory (not parsed) might have object members without a
 * name, or be nested deeper than the recursion here should go. */
static const char *
tree_problem(const cJSON *n, int depth)
{
	const cJSON *c;
	const char *why;

	if (depth > JSON_MAX_DEPTH)
		return "the definition is nested too deeply";
	cJSON_ArrayForEach(c, n) {
		if (cJSON_IsObject(n) && c->string == NULL)
			return "an object member has no name";
		if (cJSON_IsString(c) && c->valuestring == NULL)
			return "a string has no value";
		if ((why = tree_problem(c, depth + 1)) != NULL)
			return why;
	}
	return NULL;
}

int
sl_asl_validate(const cJSON *def, struct sl_asl_diags *out)
{
	const char *why;
	struct vctx v;
	size_t before = out->n, i;

	memset(&v, 0, sizeof(v));
	v.out = out;
	sl_buf_init(&v.path);
	if (def == NULL || cJSON_IsNull(def)) {
		sl_asl_diags_add(out, C_EMPTY, "", "the definition is empty");
		goto done;
	}
	if (!cJSON_IsObject(def)) {
		report(&v, C_SCHEMA, NULL, "a state machine definition must "
		    "be a JSON object, not %s", type_name(def));
		goto done;
	}
	if ((why = tree_problem(def, 0)) != NULL) {
		report(&v, C_SCHEMA, NULL, "%s", why);
		goto done;
	}
	collect_machine(&v, def);
	check_duplicate_names(&v);
	validate_machine(&v, def, MK_TOP, 0);
done:
	for (i = 0; i < v.nnames; i++)
		free(v.names[i].path);
	free(v.names);
	sl_buf_release(&v.path);
	return out->n > before ? -1 : 0;
}

/* --- JSON syntax ----------------------------------------------------------
 * cJSON says only roughly where it gave up; this scanner finds the first
 * byte that breaks RFC 8259 and says what was expected there. */

struct jscan {
	const char *s;
	size_t len;
	size_t pos;
	const char *what; /* the problem, set once */
};

static int
js_fail(struct jscan *j, const char *what)
{
	if (j->what == NULL)
		j->what = what;
	return -1;
}

static void
js_ws(struct jscan *j)
{
	while (j->pos < j->len && (j->s[j->pos] == ' ' ||
	    j->s[j->pos] == '\t' || j->s[j->pos] == '\n' ||
	    j->s[j->pos] == '\r'))
		j->pos++;
}

static int
js_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static int
js_string(struct jscan *j)
{
	unsigned char c;
	int k;

	j->pos++; /* the opening quote */
	while (j->pos < j->len) {
		c = (unsigned char)j->s[j->pos];
		if (c == '"') {
			j->pos++;
			return 0;
		}
		if (c < 0x20)
			return js_fail(j, "control character in a string "
			    "(escape it)");
		if (c == '\\') {
			j->pos++;
			if (j->pos >= j->len)
				break;
			c = (unsigned char)j->s[j->pos];
			if (c == 'u') {
				for (k = 1; k <= 4; k++)
					if (j->pos + k >= j->len ||
					    !js_hex(j->s[j->pos + k])) {
						j->pos += k;
						return js_fail(j, "invalid "
						    "\\u escape");
					}
				j->pos += 4;
			} else if (strchr("\"\\/bfnrt", c) == NULL || c == 0)
				return js_fail(j, "invalid escape in a string");
		}
		j->pos++;
	}
	return js_fail(j, "unterminated string");
}

static int
js_digits(struct jscan *j)
{
	size_t start = j->pos;

	while (j->pos < j->len && j->s[j->pos] >= '0' && j->s[j->pos] <= '9')
		j->pos++;
	return j->pos > start ? 0 : js_fail(j, "invalid number");
}

static int
js_number(struct jscan *j)
{
	if (j->s[j->pos] == '-')
		j->pos++;
	if (j->pos < j->len && j->s[j->pos] == '0')
		j->pos++;
	else if (js_digits(j) < 0)
		return -1;
	if (j->pos < j->len && j->s[j->pos] == '.') {
		j->pos++;
		if (js_digits(j) < 0)
			return -1;
	}
	if (j->pos < j->len && (j->s[j->pos] == 'e' || j->s[j->pos] == 'E')) {
		j->pos++;
		if (j->pos < j->len && (j->s[j->pos] == '+' ||
		    j->s[j->pos] == '-'))
			j->pos++;
		if (js_digits(j) < 0)
			return -1;
	}
	return 0;
}

static int
js_value(struct jscan *j, int depth)
{
	static const char *words[] = { "true", "false", "null" };
	size_t k, n;
	char c, close;

	js_ws(j);
	if (j->pos >= j->len)
		return js_fail(j, "unexpected end of input (a value was "
		    "expected)");
	c = j->s[j->pos];
	if (c == '"')
		return js_string(j);
	if (c == '-' || (c >= '0' && c <= '9'))
		return js_number(j);
	for (k = 0; k < 3; k++) {
		n = strlen(words[k]);
		if (j->len - j->pos >= n && memcmp(j->s + j->pos, words[k],
		    n) == 0) {
			j->pos += n;
			return 0;
		}
	}
	if (c != '{' && c != '[')
		return js_fail(j, "a value was expected");
	if (depth >= JSON_MAX_DEPTH)
		return js_fail(j, "nesting is too deep");
	close = c == '{' ? '}' : ']';
	j->pos++;
	js_ws(j);
	if (j->pos < j->len && j->s[j->pos] == close) {
		j->pos++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			js_ws(j);
			if (j->pos >= j->len)
				return js_fail(j, "unexpected end of input "
				    "(a field name was expected)");
			if (j->s[j->pos] != '"')
				return js_fail(j, "a field name in double "
				    "quotes was expected");
			if (js_string(j) < 0)
				return -1;
			js_ws(j);
			if (j->pos >= j->len)
				return js_fail(j, "unexpected end of input "
				    "(':' was expected)");
			if (j->s[j->pos] != ':')
				return js_fail(j, "':' was expected");
			j->pos++;
		}
		if (js_value(j, depth + 1) < 0)
			return -1;
		js_ws(j);
		if (j->pos >= j->len)
			return js_fail(j, close == '}' ? "unexpected end of "
			    "input (',' or '}' was expected)" : "unexpected "
			    "end of input (',' or ']' was expected)");
		if (j->s[j->pos] == close) {
			j->pos++;
			return 0;
		}
		if (j->s[j->pos] != ',')
			return js_fail(j, close == '}' ? "',' or '}' was "
			    "expected" : "',' or ']' was expected");
		j->pos++;
	}
}

/* 0 when text is one JSON value; otherwise -1 with the problem and its
 * 1-based line and column in msg. */
static int
json_syntax(const char *text, size_t len, char *msg, size_t msglen)
{
	struct jscan j = { text, len, 0, NULL };
	size_t line = 1, col = 1, i;
	unsigned char c;

	if (js_value(&j, 0) == 0) {
		js_ws(&j);
		if (j.pos == len)
			return 0;
		js_fail(&j, "unexpected text after the end of the JSON "
		    "value");
	}
	for (i = 0; i < j.pos && i < len; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80)
			col++;
	}
	if (j.pos >= len)
		snprintf(msg, msglen, "Invalid JSON at line %zu, column %zu: "
		    "%s", line, col, j.what);
	else {
		c = (unsigned char)text[j.pos];
		snprintf(msg, msglen, "Invalid JSON at line %zu, column %zu "
		    "(near '%c'): %s", line, col, c >= 32 && c < 127 ? c :
		    '?', j.what);
	}
	return -1;
}

int
sl_asl_validate_text(const char *text, size_t len, struct sl_asl_diags *out)
{
	cJSON *def;
	size_t i;
	char msg[256];
	int rc;

	for (i = 0; i < len && (text[i] == ' ' || text[i] == '\t' ||
	    text[i] == '\n' || text[i] == '\r'); i++)
		;
	if (i == len) {
		sl_asl_diags_add(out, C_EMPTY, "", "the definition is empty");
		return -1;
	}
	if (len > SL_ASL_MAX_DEFINITION_BYTES) {
		snprintf(msg, sizeof(msg), "the definition is %zu bytes; at "
		    "most %d are allowed", len, SL_ASL_MAX_DEFINITION_BYTES);
		sl_asl_diags_add(out, C_SCHEMA, "", msg);
		return -1;
	}
	if (json_syntax(text, len, msg, sizeof(msg)) < 0) {
		sl_asl_diags_add(out, C_JSON, "", msg);
		return -1;
	}
	def = cJSON_ParseWithLength(text, len);
	if (def == NULL) {
		/* Valid JSON that cJSON cannot hold (depth, memory). */
		sl_asl_diags_add(out, C_JSON, "", "Invalid JSON: the "
		    "definition could not be parsed (nesting too deep?)");
		return -1;
	}
	rc = sl_asl_validate(def, out);
	cJSON_Delete(def);
	return rc;
}
