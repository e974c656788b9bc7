/* The graph of a state machine definition, and its text, Mermaid and DOT
 * forms. It follows web/graph-model.js rule for rule, so that the console
 * and `sluice graph` agree (tests/graph/ holds the shared expected text). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/graph.h"
#include "common/xmalloc.h"

/* A name seen so far and how often, to make ids unique. */
struct name_count {
	const char *name;
	int count;
};

/* The state names of one States object and the ids they got. */
struct scope_entry {
	const char *name;
	char *id; /* borrowed from the node */
};

struct builder {
	struct sl_graph *g;
	struct name_count *used;
	size_t nused;
	size_t capnodes, capgroups, capedges, capproblems, capused;
};

static const char *const comparisons[][2] = {
    {"Equals", "=="},
    {"LessThanEquals", "<="},
    {"GreaterThanEquals", ">="},
    {"LessThan", "<"},
    {"GreaterThan", ">"},
};
static const char *const kinds[] = {
    "String", "Numeric", "Boolean", "Timestamp"};
static const char *const tests[][2] = {
    {"IsNull", "null"},
    {"IsPresent", "present"},
    {"IsNumeric", "numeric"},
    {"IsString", "string"},
    {"IsBoolean", "boolean"},
    {"IsTimestamp", "timestamp"},
};

/* A string as JSON.stringify writes it. */
static void
add_json_string(struct sl_buf *out, const char *s)
{
	const unsigned char *p;

	sl_buf_addch(out, '"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			sl_buf_addstr(out, "\\\"");
			break;
		case '\\':
			sl_buf_addstr(out, "\\\\");
			break;
		case '\b':
			sl_buf_addstr(out, "\\b");
			break;
		case '\f':
			sl_buf_addstr(out, "\\f");
			break;
		case '\n':
			sl_buf_addstr(out, "\\n");
			break;
		case '\r':
			sl_buf_addstr(out, "\\r");
			break;
		case '\t':
			sl_buf_addstr(out, "\\t");
			break;
		default:
			if (*p < 0x20)
				sl_buf_addf(out, "\\u%04x", *p);
			else
				sl_buf_addch(out, (char)*p);
		}
	}
	sl_buf_addch(out, '"');
}

/* A number as JavaScript prints it: the shortest digits that read back
 * the same, placed as Number.prototype.toString places them. */
static void
add_number(struct sl_buf *out, double v)
{
	char tmp[64], digits[32];
	int prec, exp10, k, n, i;
	char *e;

	if (v == 0) {
		sl_buf_addch(out, '0');
		return;
	}
	if (!isfinite(v)) {
		sl_buf_addstr(out, "null");
		return;
	}
	if (v < 0) {
		sl_buf_addch(out, '-');
		v = -v;
	}
	for (prec = 0; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	/* tmp is "d.ddde+XX": collect the digits and the exponent. */
	k = 0;
	for (i = 0; tmp[i] != 'e' && tmp[i] != '\0'; i++)
		if (tmp[i] != '.')
			digits[k++] = tmp[i];
	digits[k] = '\0';
	e = strchr(tmp, 'e');
	exp10 = e != NULL ? atoi(e + 1) : 0;
	while (k > 1 && digits[k - 1] == '0')
		digits[--k] = '\0';
	n = exp10 + 1; /* where the decimal point goes */
	if (k <= n && n <= 21) {
		sl_buf_addstr(out, digits);
		for (i = k; i < n; i++)
			sl_buf_addch(out, '0');
	} else if (0 < n && n <= 21) {
		sl_buf_add(out, digits, (size_t)n);
		sl_buf_addch(out, '.');
		sl_buf_addstr(out, digits + n);
	} else if (-6 < n && n <= 0) {
		sl_buf_addstr(out, "0.");
		for (i = n; i < 0; i++)
			sl_buf_addch(out, '0');
		sl_buf_addstr(out, digits);
	} else {
		sl_buf_addch(out, digits[0]);
		if (k > 1) {
			sl_buf_addch(out, '.');
			sl_buf_addstr(out, digits + 1);
		}
		sl_buf_addf(out, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
	}
}

/* A JSON value as JSON.stringify writes it (compact). */
static void
add_json_value(struct sl_buf *out, const cJSON *v)
{
	char *s;

	if (cJSON_IsString(v)) {
		add_json_string(out, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		add_number(out, v->valuedouble);
	} else {
		s = cJSON_PrintUnformatted(v);
		sl_buf_addstr(out, s != NULL ? s : "null");
		cJSON_free(s);
	}
}

static const char *
variable_of(const cJSON *rule)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rule, "Variable");

	return cJSON_IsString(v) ? v->valuestring : "undefined";
}

/* A comparison or a type test; 0 when the rule has none. */
static int
add_comparison(const cJSON *rule, struct sl_buf *out)
{
	char name[64];
	const cJSON *v;
	size_t i, j;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		for (j = 0; j < sizeof(comparisons) / sizeof(comparisons[0]);
		     j++) {
			snprintf(name, sizeof(name), "%s%s", kinds[i],
			    comparisons[j][0]);
			v = cJSON_GetObjectItemCaseSensitive(rule, name);
			if (v != NULL) {
				sl_buf_addf(out, "%s %s ", variable_of(rule),
				    comparisons[j][1]);
				add_json_value(out, v);
				return 1;
			}
			strcat(name, "Path");
			v = cJSON_GetObjectItemCaseSensitive(rule, name);
			if (v != NULL) {
				sl_buf_addf(out, "%s %s ", variable_of(rule),
				    comparisons[j][1]);
				/* A path is printed as written. */
				if (cJSON_IsString(v))
					sl_buf_addstr(out, v->valuestring);
				else
					add_json_value(out, v);
				return 1;
			}
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(rule, "StringMatches");
	if (v != NULL) {
		sl_buf_addf(out, "%s matches ", variable_of(rule));
		add_json_value(out, v);
		return 1;
	}
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		v = cJSON_GetObjectItemCaseSensitive(rule, tests[i][0]);
		if (v != NULL) {
			sl_buf_addf(out, "%s is %s%s", variable_of(rule),
			    cJSON_IsFalse(v) ? "not " : "", tests[i][1]);
			return 1;
		}
	}
	return 0;
}

static int
is_compound(const cJSON *rule)
{
	return cJSON_IsObject(rule) &&
	       (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(rule, "And")) ||
	           cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(rule, "Or")));
}

void
sl_graph_rule_label(const cJSON *rule, struct sl_buf *out)
{
	static const char *const ops[][2] = {{"And", " && "}, {"Or", " || "}};
	const cJSON *v, *r;
	size_t i;
	int first;

	if (!cJSON_IsObject(rule)) {
		sl_buf_addch(out, '?');
		return;
	}
	v = cJSON_GetObjectItemCaseSensitive(rule, "Condition");
	if (cJSON_IsString(v)) {
		sl_buf_addstr(out, v->valuestring);
		return;
	}
	for (i = 0; i < 2; i++) {
		v = cJSON_GetObjectItemCaseSensitive(rule, ops[i][0]);
		if (!cJSON_IsArray(v))
			continue;
		first = 1;
		cJSON_ArrayForEach(r, v)
		{
			if (!first)
				sl_buf_addstr(out, ops[i][1]);
			first = 0;
			if (is_compound(r)) {
				sl_buf_addch(out, '(');
				sl_graph_rule_label(r, out);
				sl_buf_addch(out, ')');
			} else {
				sl_graph_rule_label(r, out);
			}
		}
		return;
	}
	v = cJSON_GetObjectItemCaseSensitive(rule, "Not");
	if (v != NULL) {
		sl_buf_addstr(out, "!(");
		sl_graph_rule_label(v, out);
		sl_buf_addch(out, ')');
		return;
	}
	if (!add_comparison(rule, out))
		sl_buf_addch(out, '?');
}

/* A Task's function name, or the service action of an integration. */
static char *
resource_label(const cJSON *res)
{
	const char *s, *p;
	int fields;

	if (!cJSON_IsString(res))
		return xstrdup("");
	s = res->valuestring;
	if (strncmp(s, "arn:", 4) == 0) {
		/* arn:PARTITION:SERVICE:REGION:ACCOUNT:REST */
		for (p = s, fields = 0; *p != '\0' && fields < 5; p++)
			if (*p == ':')
				fields++;
		if (fields == 5 && strstr(s, ":lambda:") != NULL &&
		    strncmp(p, "function:", 9) == 0 && p[9] != '\0' &&
		    p[9] != ':')
			return xstrndup(p + 9, strcspn(p + 9, ":"));
		p = strstr(s, ":states:::");
		if (p != NULL && p == strchr(s + 4, ':') && p[10] != '\0')
			return xstrdup(p + 10);
	}
	return xstrdup(s);
}

static void add_problem(struct builder *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
add_problem(struct builder *b, const char *fmt, ...)
{
	struct sl_graph *g = b->g;
	va_list ap;
	struct sl_buf s = SL_BUF_INIT;

	sl_buf_init(&s);
	va_start(ap, fmt);
	sl_buf_vaddf(&s, fmt, ap);
	va_end(ap);
	if (g->nproblems == b->capproblems) {
		b->capproblems = b->capproblems ? b->capproblems * 2 : 4;
		g->problems = xreallocarray(
		    g->problems, b->capproblems, sizeof(*g->problems));
	}
	g->problems[g->nproblems++] = sl_buf_detach(&s, NULL);
}

/* JSON text of a name for problem messages ("null" when absent). */
static void
quote_json(struct sl_buf *out, const cJSON *v)
{
	if (v == NULL)
		sl_buf_addstr(out, "null");
	else
		add_json_value(out, v);
}

static char *
unique_id(struct builder *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->nused; i++) {
		if (strcmp(b->used[i].name, name) == 0) {
			b->used[i].count++;
			return xasprintf("%s#%d", name, b->used[i].count);
		}
	}
	if (b->nused == b->capused) {
		b->capused = b->capused ? b->capused * 2 : 16;
		b->used = xreallocarray(b->used, b->capused, sizeof(*b->used));
	}
	b->used[b->nused].name = name;
	b->used[b->nused].count = 1;
	b->nused++;
	return xstrdup(name);
}

static struct sl_graph_node *
add_node(struct builder *b, char *id, const char *name, const char *type,
    const char *parent)
{
	struct sl_graph *g = b->g;
	struct sl_graph_node *n;

	if (g->nnodes == b->capnodes) {
		b->capnodes = b->capnodes ? b->capnodes * 2 : 16;
		g->nodes =
		    xreallocarray(g->nodes, b->capnodes, sizeof(*g->nodes));
	}
	n = &g->nodes[g->nnodes++];
	memset(n, 0, sizeof(*n));
	n->id = id;
	n->name = xstrdup(name);
	n->type = xstrdup(type);
	n->parent = parent != NULL ? xstrdup(parent) : NULL;
	n->resource = xstrdup("");
	return n;
}

static void
add_group(struct builder *b, char *id, const char *kind, const char *owner,
    const char *parent)
{
	struct sl_graph *g = b->g;
	struct sl_graph_group *gr;

	if (g->ngroups == b->capgroups) {
		b->capgroups = b->capgroups ? b->capgroups * 2 : 8;
		g->groups =
		    xreallocarray(g->groups, b->capgroups, sizeof(*g->groups));
	}
	gr = &g->groups[g->ngroups++];
	gr->id = id;
	gr->kind = kind;
	gr->owner = xstrdup(owner);
	gr->parent = parent != NULL ? xstrdup(parent) : NULL;
}

static void
add_edge(struct builder *b, const char *source, const char *target,
    enum sl_graph_edge_kind kind, const char *label, const char *parent)
{
	struct sl_graph *g = b->g;
	struct sl_graph_edge *e;

	if (g->nedges == b->capedges) {
		b->capedges = b->capedges ? b->capedges * 2 : 16;
		g->edges =
		    xreallocarray(g->edges, b->capedges, sizeof(*g->edges));
	}
	e = &g->edges[g->nedges++];
	e->source = xstrdup(source);
	e->target = xstrdup(target);
	e->kind = kind;
	e->label = xstrdup(label != NULL ? label : "");
	e->parent = parent != NULL ? xstrdup(parent) : NULL;
}

static const char *
scope_find(const struct scope_entry *sc, size_t n, const cJSON *name)
{
	size_t i;

	if (!cJSON_IsString(name))
		return NULL;
	for (i = 0; i < n; i++)
		if (strcmp(sc[i].name, name->valuestring) == 0)
			return sc[i].id;
	return NULL;
}

/* The id a transition field names in this scope, or NULL after noting the
 * problem. */
static const char *
target_of(struct builder *b, const struct scope_entry *sc, size_t n,
    const char *from, const cJSON *name, const char *field)
{
	const char *id = scope_find(sc, n, name);
	struct sl_buf q = SL_BUF_INIT;

	if (id == NULL) {
		sl_buf_init(&q);
		quote_json(&q, name);
		add_problem(
		    b, "%s: %s names no state: %s", from, field, q.data);
		sl_buf_release(&q);
	}
	return id;
}

static void add_scope(struct builder *b, const cJSON *machine,
    const char *parent, const char *where);

/* The edges that leave one state. */
static void
add_transitions(struct builder *b, const cJSON *st, const char *id,
    const char *name, const char *type, const struct scope_entry *sc, size_t n,
    const char *parent)
{
	const cJSON *rules, *r, *v, *c;
	struct sl_buf label = SL_BUF_INIT, field = SL_BUF_INIT;
	const char *t;
	int i;

	sl_buf_init(&label);
	sl_buf_init(&field);
	if (strcmp(type, "Choice") == 0) {
		rules = cJSON_GetObjectItemCaseSensitive(st, "Choices");
		if (!cJSON_IsArray(rules))
			rules = NULL;
		i = 0;
		cJSON_ArrayForEach(r, rules)
		{
			sl_buf_reset(&field);
			sl_buf_addf(&field, "Choices[%d].Next", i++);
			t = target_of(b, sc, n, name,
			    cJSON_GetObjectItemCaseSensitive(r, "Next"),
			    field.data);
			if (t == NULL)
				continue;
			sl_buf_reset(&label);
			sl_graph_rule_label(r, &label);
			add_edge(
			    b, id, t, SL_GRAPH_EDGE_CHOICE, label.data, parent);
		}
		v = cJSON_GetObjectItemCaseSensitive(st, "Default");
		if (v != NULL) {
			t = target_of(b, sc, n, name, v, "Default");
			if (t != NULL)
				add_edge(b, id, t, SL_GRAPH_EDGE_DEFAULT,
				    "Default", parent);
		}
	} else {
		v = cJSON_GetObjectItemCaseSensitive(st, "Next");
		if (cJSON_IsString(v)) {
			t = target_of(b, sc, n, name, v, "Next");
			if (t != NULL)
				add_edge(
				    b, id, t, SL_GRAPH_EDGE_NEXT, "", parent);
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(st, "Catch");
	if (!cJSON_IsArray(v))
		v = NULL;
	i = 0;
	cJSON_ArrayForEach(c, v)
	{
		sl_buf_reset(&field);
		sl_buf_addf(&field, "Catch[%d].Next", i++);
		t = target_of(b, sc, n, name,
		    cJSON_GetObjectItemCaseSensitive(c, "Next"), field.data);
		sl_buf_reset(&label);
		r = cJSON_GetObjectItemCaseSensitive(c, "ErrorEquals");
		if (cJSON_IsArray(r)) {
			const cJSON *e;
			int first = 1;

			cJSON_ArrayForEach(e, r)
			{
				if (!first)
					sl_buf_addstr(&label, ", ");
				first = 0;
				/* JavaScript's join prints strings bare. */
				if (cJSON_IsString(e))
					sl_buf_addstr(&label, e->valuestring);
				else
					add_json_value(&label, e);
			}
		}
		if (t != NULL)
			add_edge(
			    b, id, t, SL_GRAPH_EDGE_CATCH, label.data, parent);
	}
	sl_buf_release(&label);
	sl_buf_release(&field);
}

/* One States object whose states are in group parent (NULL: top level). */
static void
add_scope(struct builder *b, const cJSON *machine, const char *parent,
    const char *where)
{
	const cJSON *states, *st, *v, *it;
	struct scope_entry *sc = NULL;
	struct sl_graph_node *node;
	struct sl_buf q = SL_BUF_INIT;
	const char *start_id, *type;
	size_t n = 0, i;
	char *id, *gid, *sub;
	int bi;

	states = cJSON_GetObjectItemCaseSensitive(machine, "States");
	if (!cJSON_IsObject(machine) || !cJSON_IsObject(states)) {
		add_problem(b, "%s: no States", where);
		return;
	}
	cJSON_ArrayForEach(st, states) n++;
	sc = xcalloc(n ? n : 1, sizeof(*sc));
	i = 0;
	cJSON_ArrayForEach(st, states)
	{
		sc[i].name = st->string;
		sc[i].id = unique_id(b, st->string);
		i++;
	}
	v = cJSON_GetObjectItemCaseSensitive(machine, "StartAt");
	start_id = scope_find(sc, n, v);
	if (start_id == NULL) {
		sl_buf_init(&q);
		quote_json(&q, v);
		add_problem(b, "%s: StartAt names no state: %s", where, q.data);
		sl_buf_release(&q);
	}
	i = 0;
	cJSON_ArrayForEach(st, states)
	{
		id = sc[i++].id;
		v = cJSON_GetObjectItemCaseSensitive(st, "Type");
		type = cJSON_IsString(v) ? v->valuestring : "?";
		/* The node takes id; sc keeps borrowing it. */
		node = add_node(b, id, st->string, type, parent);
		node->start = start_id != NULL && strcmp(id, start_id) == 0;
		node->end =
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "End")) ||
		    strcmp(type, "Succeed") == 0 || strcmp(type, "Fail") == 0;
		v = cJSON_GetObjectItemCaseSensitive(st, "Retry");
		node->retry = cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0;
		if (strcmp(type, "Task") == 0) {
			free(node->resource);
			node->resource = resource_label(
			    cJSON_GetObjectItemCaseSensitive(st, "Resource"));
		}
		/* node may move when nodes grow: use id and type from here. */
		v = cJSON_GetObjectItemCaseSensitive(st, "Branches");
		if (strcmp(type, "Parallel") == 0 && cJSON_IsArray(v)) {
			bi = 0;
			cJSON_ArrayForEach(it, v)
			{
				gid = xasprintf("%s#branch%d", id, bi + 1);
				add_group(b, gid, "branch", id, parent);
				sub = xasprintf(
				    "%s.Branches[%d]", st->string, bi);
				add_scope(b, it, gid, sub);
				free(sub);
				bi++;
			}
		} else if (strcmp(type, "Map") == 0) {
			it = cJSON_GetObjectItemCaseSensitive(
			    st, "ItemProcessor");
			if (!cJSON_IsObject(it))
				it = cJSON_GetObjectItemCaseSensitive(
				    st, "Iterator");
			gid = xasprintf("%s#iterator", id);
			add_group(b, gid, "iterator", id, parent);
			sub = xasprintf("%s.ItemProcessor", st->string);
			add_scope(b, it, gid, sub);
			free(sub);
		}
		add_transitions(b, st, id, st->string, type, sc, n, parent);
	}
	free(sc);
}

static void
add_pseudo(struct builder *b, const char *id, const char *name)
{
	struct sl_graph_node *n;

	n = add_node(b, xstrdup(id), name, name, NULL);
	n->pseudo = 1;
}

struct sl_graph *
sl_graph_new(const cJSON *definition, struct sl_err *err)
{
	struct builder b;
	struct sl_graph *g;
	const char *first = NULL;
	size_t i;

	if (!cJSON_IsObject(definition)) {
		sl_err_set(err, "States.InvalidDefinition",
		    "a definition is a JSON object");
		return NULL;
	}
	memset(&b, 0, sizeof(b));
	g = xcalloc(1, sizeof(*g));
	b.g = g;
	add_pseudo(&b, SL_GRAPH_START, "Start");
	add_scope(&b, definition, NULL, "definition");
	add_pseudo(&b, SL_GRAPH_END, "End");
	for (i = 0; i < g->nnodes; i++) {
		if (g->nodes[i].parent == NULL && g->nodes[i].start) {
			first = g->nodes[i].id;
			break;
		}
	}
	if (first != NULL)
		add_edge(
		    &b, SL_GRAPH_START, first, SL_GRAPH_EDGE_START, "", NULL);
	for (i = 0; i < g->nnodes; i++)
		if (g->nodes[i].parent == NULL && g->nodes[i].end &&
		    !g->nodes[i].pseudo)
			add_edge(&b, g->nodes[i].id, SL_GRAPH_END,
			    SL_GRAPH_EDGE_END, "", NULL);
	free(b.used);
	return g;
}

void
sl_graph_free(struct sl_graph *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->nnodes; i++) {
		free(g->nodes[i].id);
		free(g->nodes[i].name);
		free(g->nodes[i].type);
		free(g->nodes[i].parent);
		free(g->nodes[i].resource);
	}
	for (i = 0; i < g->ngroups; i++) {
		free(g->groups[i].id);
		free(g->groups[i].owner);
		free(g->groups[i].parent);
	}
	for (i = 0; i < g->nedges; i++) {
		free(g->edges[i].source);
		free(g->edges[i].target);
		free(g->edges[i].label);
		free(g->edges[i].parent);
	}
	for (i = 0; i < g->nproblems; i++)
		free(g->problems[i]);
	free(g->nodes);
	free(g->groups);
	free(g->edges);
	free(g->problems);
	free(g);
}

int
sl_graph_format_parse(const char *name, enum sl_graph_format *fmt)
{
	if (strcmp(name, "text") == 0)
		*fmt = SL_GRAPH_TEXT;
	else if (strcmp(name, "mermaid") == 0)
		*fmt = SL_GRAPH_MERMAID;
	else if (strcmp(name, "dot") == 0)
		*fmt = SL_GRAPH_DOT;
	else
		return -1;
	return 0;
}

const char *
sl_graph_edge_kind_name(enum sl_graph_edge_kind kind)
{
	switch (kind) {
	case SL_GRAPH_EDGE_START:
		return "start";
	case SL_GRAPH_EDGE_NEXT:
		return "next";
	case SL_GRAPH_EDGE_CHOICE:
		return "choice";
	case SL_GRAPH_EDGE_DEFAULT:
		return "default";
	case SL_GRAPH_EDGE_CATCH:
		return "catch";
	case SL_GRAPH_EDGE_END:
		return "end";
	}
	return "?";
}

static void
print_text(const struct sl_graph *g, struct sl_buf *out)
{
	const struct sl_graph_node *n;
	const struct sl_graph_edge *e;
	size_t i;

	for (i = 0; i < g->nnodes; i++) {
		n = &g->nodes[i];
		if (n->pseudo)
			continue;
		sl_buf_addstr(out, "state ");
		add_json_string(out, n->id);
		sl_buf_addf(out, " %s%s%s", n->type, n->start ? " start" : "",
		    n->end ? " end" : "");
		if (n->parent != NULL) {
			sl_buf_addstr(out, " in ");
			add_json_string(out, n->parent);
		}
		sl_buf_addch(out, '\n');
	}
	for (i = 0; i < g->ngroups; i++) {
		sl_buf_addstr(out, "group ");
		add_json_string(out, g->groups[i].id);
		sl_buf_addf(out, " %s of ", g->groups[i].kind);
		add_json_string(out, g->groups[i].owner);
		sl_buf_addch(out, '\n');
	}
	for (i = 0; i < g->nedges; i++) {
		e = &g->edges[i];
		sl_buf_addstr(out, "edge ");
		add_json_string(out, e->source);
		sl_buf_addstr(out, " -> ");
		add_json_string(out, e->target);
		sl_buf_addf(out, " %s", sl_graph_edge_kind_name(e->kind));
		if (e->label[0] != '\0') {
			sl_buf_addch(out, ' ');
			add_json_string(out, e->label);
		}
		sl_buf_addch(out, '\n');
	}
	for (i = 0; i < g->nproblems; i++) {
		sl_buf_addstr(out, "problem ");
		add_json_string(out, g->problems[i]);
		sl_buf_addch(out, '\n');
	}
}

/* Mermaid and DOT name nodes n0, n1... (their index) and groups g0, g1... */
static long
node_index(const struct sl_graph *g, const char *id)
{
	size_t i;

	for (i = 0; i < g->nnodes; i++)
		if (strcmp(g->nodes[i].id, id) == 0)
			return (long)i;
	return -1;
}

/* Text inside a quoted Mermaid label: entity codes for what Mermaid would
 * read as syntax or markup. */
static void
add_mermaid_text(struct sl_buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '"':
			sl_buf_addstr(out, "#quot;");
			break;
		case '#':
			sl_buf_addstr(out, "#35;");
			break;
		case '<':
			sl_buf_addstr(out, "#lt;");
			break;
		case '>':
			sl_buf_addstr(out, "#gt;");
			break;
		case '&':
			sl_buf_addstr(out, "#amp;");
			break;
		case '|':
			sl_buf_addstr(out, "#124;");
			break;
		case '\n':
		case '\r':
			sl_buf_addch(out, ' ');
			break;
		default:
			sl_buf_addch(out, *s);
		}
	}
}

static void
add_node_caption(struct sl_buf *out, const struct sl_graph_node *n,
    void (*esc)(struct sl_buf *, const char *), const char *sep)
{
	esc(out, n->name);
	if (n->pseudo)
		return;
	sl_buf_addstr(out, sep);
	esc(out, n->type);
	if (n->resource[0] != '\0') {
		sl_buf_addstr(out, ": ");
		esc(out, n->resource);
	}
}

static int
is_compound_node(const struct sl_graph *g, const struct sl_graph_node *n)
{
	size_t i;

	for (i = 0; i < g->ngroups; i++)
		if (strcmp(g->groups[i].owner, n->id) == 0)
			return 1;
	return 0;
}

static int
same_parent(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
indent(struct sl_buf *out, int depth)
{
	int i;

	for (i = 0; i < depth; i++)
		sl_buf_addstr(out, "  ");
}

static void
mermaid_leaf(struct sl_buf *out, size_t i, const struct sl_graph_node *n)
{
	const char *open = "[\"", *close = "\"]\n";

	if (n->pseudo)
		open = "((\"", close = "\"))\n";
	else if (strcmp(n->type, "Choice") == 0)
		open = "{\"", close = "\"}\n";
	else if (n->end)
		open = "([\"", close = "\"])\n";
	sl_buf_addf(out, "n%zu%s", i, open);
	add_node_caption(out, n, add_mermaid_text, " · ");
	sl_buf_addstr(out, close);
}

/* Text inside a quoted DOT string. */
static void
add_dot_text(struct sl_buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			sl_buf_addch(out, '\\');
		if (*s == '\n')
			sl_buf_addstr(out, "\\n");
		else
			sl_buf_addch(out, *s);
	}
}

static void
dot_leaf(struct sl_buf *out, size_t i, const struct sl_graph_node *n)
{
	sl_buf_addf(out, "n%zu [label=\"", i);
	add_node_caption(out, n, add_dot_text, "\\n");
	sl_buf_addch(out, '"');
	if (n->pseudo)
		sl_buf_addstr(out, ", shape=circle, style=filled, "
		                   "fillcolor=\"#37474f\", "
		                   "fontcolor=white");
	else if (strcmp(n->type, "Choice") == 0)
		sl_buf_addstr(out, ", shape=diamond");
	else if (strcmp(n->type, "Fail") == 0)
		sl_buf_addstr(out, ", style=\"rounded,filled\", "
		                   "fillcolor=\"#fdecea\", "
		                   "color=\"#c62828\"");
	if (n->end && !n->pseudo)
		sl_buf_addstr(out, ", peripheries=2");
	sl_buf_addstr(out, "];\n");
}

/* A group's caption: "Branch N" or "Iterator". */
static void
add_group_label(struct sl_buf *out, const struct sl_graph_group *gr)
{
	if (strcmp(gr->kind, "branch") == 0)
		sl_buf_addf(out, "Branch %s", strrchr(gr->id, 'h') + 1);
	else
		sl_buf_addstr(out, "Iterator");
}

/* The states whose group is parent, in Mermaid or (dot) DOT syntax: a state
 * holding branches or an iterator encloses them. */
static void
print_scope(const struct sl_graph *g, const char *parent, int depth, int dot,
    struct sl_buf *out)
{
	const char *close = dot ? "}\n" : "end\n";
	const struct sl_graph_node *n;
	const struct sl_graph_group *gr;
	size_t i, j;

	for (i = 0; i < g->nnodes; i++) {
		n = &g->nodes[i];
		if (!same_parent(n->parent, parent))
			continue;
		indent(out, depth);
		if (!is_compound_node(g, n)) {
			if (dot)
				dot_leaf(out, i, n);
			else
				mermaid_leaf(out, i, n);
			continue;
		}
		if (dot) {
			/* The state is a cluster; a plain header node inside
			 * it is where its edges attach. */
			sl_buf_addf(out, "subgraph cluster_n%zu {\n", i);
			indent(out, depth + 1);
			sl_buf_addstr(
			    out, "style=\"rounded,dashed\"; label=\"\";\n");
			indent(out, depth + 1);
			sl_buf_addf(out, "n%zu [shape=plaintext, label=\"", i);
			add_node_caption(out, n, add_dot_text, "\\n");
			sl_buf_addstr(out, "\"];\n");
		} else {
			sl_buf_addf(out, "subgraph n%zu [\"", i);
			add_node_caption(out, n, add_mermaid_text, " · ");
			sl_buf_addstr(out, "\"]\n");
		}
		for (j = 0; j < g->ngroups; j++) {
			gr = &g->groups[j];
			if (strcmp(gr->owner, n->id) != 0)
				continue;
			indent(out, depth + 1);
			if (dot) {
				sl_buf_addf(
				    out, "subgraph cluster_g%zu {\n", j);
				indent(out, depth + 2);
				sl_buf_addstr(out, "label=\"");
			} else
				sl_buf_addf(out, "subgraph g%zu [\"", j);
			add_group_label(out, gr);
			sl_buf_addstr(out, dot ? "\";\n" : "\"]\n");
			print_scope(g, gr->id, depth + 2, dot, out);
			indent(out, depth + 1);
			sl_buf_addstr(out, close);
		}
		indent(out, depth);
		sl_buf_addstr(out, close);
	}
}

static void
print_mermaid(const struct sl_graph *g, struct sl_buf *out)
{
	const struct sl_graph_edge *e;
	size_t i;
	int first;

	sl_buf_addstr(out, "flowchart TD\n");
	print_scope(g, NULL, 1, 0, out);
	for (i = 0; i < g->nedges; i++) {
		e = &g->edges[i];
		sl_buf_addf(out, "  n%ld %s", node_index(g, e->source),
		    e->kind == SL_GRAPH_EDGE_CATCH ? "-.->" : "-->");
		if (e->label[0] != '\0') {
			sl_buf_addstr(out, "|\"");
			add_mermaid_text(out, e->label);
			sl_buf_addstr(out, "\"|");
		}
		sl_buf_addf(out, " n%ld\n", node_index(g, e->target));
	}
	/* Catch edges red, Fail states red, pseudo nodes dark. */
	first = 1;
	for (i = 0; i < g->nedges; i++) {
		if (g->edges[i].kind != SL_GRAPH_EDGE_CATCH)
			continue;
		sl_buf_addstr(out, first ? "  linkStyle " : ",");
		sl_buf_addf(out, "%zu", i);
		first = 0;
	}
	if (!first)
		sl_buf_addstr(out, " stroke:#c62828,color:#c62828\n");
	sl_buf_addstr(out, "  classDef fail fill:#fdecea,stroke:#c62828\n");
	sl_buf_addstr(out, "  classDef marker fill:#37474f,color:#fff\n");
	for (i = 0; i < g->nnodes; i++) {
		if (strcmp(g->nodes[i].type, "Fail") == 0)
			sl_buf_addf(out, "  class n%zu fail\n", i);
		else if (g->nodes[i].pseudo)
			sl_buf_addf(out, "  class n%zu marker\n", i);
	}
}

static void
print_dot(const struct sl_graph *g, struct sl_buf *out)
{
	const struct sl_graph_edge *e;
	long s, t;
	size_t i;
	const char *sep;

	sl_buf_addstr(out, "digraph statemachine {\n"
	                   "  compound=true;\n"
	                   "  graph [fontname=\"sans-serif\", fontsize=11];\n"
	                   "  node [shape=box, style=rounded, "
	                   "fontname=\"sans-serif\"];\n"
	                   "  edge [fontname=\"sans-serif\", fontsize=10];\n");
	print_scope(g, NULL, 1, 1, out);
	for (i = 0; i < g->nedges; i++) {
		e = &g->edges[i];
		s = node_index(g, e->source);
		t = node_index(g, e->target);
		sl_buf_addf(out, "  n%ld -> n%ld", s, t);
		sep = " [";
		if (e->label[0] != '\0') {
			sl_buf_addf(out, "%slabel=\"", sep);
			add_dot_text(out, e->label);
			sl_buf_addch(out, '"');
			sep = ", ";
		}
		if (e->kind == SL_GRAPH_EDGE_CATCH) {
			sl_buf_addf(out,
			    "%sstyle=dashed, color=\"#c62828\", "
			    "fontcolor=\"#c62828\"",
			    sep);
			sep = ", ";
		}
		if (is_compound_node(g, &g->nodes[s])) {
			sl_buf_addf(out, "%sltail=cluster_n%ld", sep, s);
			sep = ", ";
		}
		if (is_compound_node(g, &g->nodes[t])) {
			sl_buf_addf(out, "%slhead=cluster_n%ld", sep, t);
			sep = ", ";
		}
		sl_buf_addstr(out, sep[0] == ',' ? "];\n" : ";\n");
	}
	sl_buf_addstr(out, "}\n");
}

void
sl_graph_print(
    const struct sl_graph *g, enum sl_graph_format fmt, struct sl_buf *out)
{
	switch (fmt) {
	case SL_GRAPH_TEXT:
		print_text(g, out);
		break;
	case SL_GRAPH_MERMAID:
		print_mermaid(g, out);
		break;
	case SL_GRAPH_DOT:
		print_dot(g, out);
		break;
	}
}
