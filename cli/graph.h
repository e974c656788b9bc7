/* The graph of a state machine definition (what `sluice graph` prints and
 * the web console draws, web/graph-model.js): states are nodes, Next,
 * Default, Choice rules and Catch are edges, Parallel branches and Map
 * iterators are nested groups, two pseudo nodes mark start and end. */
#ifndef SL_GRAPH_H
#define SL_GRAPH_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "common/err.h"

#define SL_GRAPH_START "__start__"
#define SL_GRAPH_END "__end__"

enum sl_graph_edge_kind {
	SL_GRAPH_EDGE_START,
	SL_GRAPH_EDGE_NEXT,
	SL_GRAPH_EDGE_CHOICE,
	SL_GRAPH_EDGE_DEFAULT,
	SL_GRAPH_EDGE_CATCH,
	SL_GRAPH_EDGE_END,
};

enum sl_graph_format {
	SL_GRAPH_TEXT,    /* one line per state, group and edge */
	SL_GRAPH_MERMAID, /* a Mermaid flowchart */
	SL_GRAPH_DOT,     /* a Graphviz digraph */
};

/* A state (or a pseudo node). The id is the state's name; a name met again
 * in another scope gets "#2", "#3"... parent is the id of the group the
 * state is in, NULL at the top level. */
struct sl_graph_node {
	char *id;
	char *name;
	char *type; /* "Task"... "Start"/"End" for the pseudo nodes */
	char *parent;
	char *resource; /* a Task's function name or integration, else "" */
	int start;      /* StartAt of its scope */
	int end;        /* End: true, Succeed or Fail */
	int retry;      /* has a non-empty Retry */
	int pseudo;     /* the start or end marker */
};

/* A Parallel branch ("P#branch1", kind "branch") or a Map iterator
 * ("M#iterator", kind "iterator") owned by the state owner. */
struct sl_graph_group {
	char *id;
	const char *kind;
	char *owner;
	char *parent; /* the owner's own group, NULL at the top level */
};

struct sl_graph_edge {
	char *source;
	char *target;
	enum sl_graph_edge_kind kind;
	char *label;  /* the Choice rule, "Default", Catch's errors, or "" */
	char *parent; /* the group both ends are in, NULL at the top level */
};

/* Read-only for callers; every string is owned by the graph. */
struct sl_graph {
	struct sl_graph_node *nodes;
	size_t nnodes;
	struct sl_graph_group *groups;
	size_t ngroups;
	struct sl_graph_edge *edges;
	size_t nedges;
	char **problems; /* what could not be drawn, e.g. a Next to nowhere */
	size_t nproblems;
};

/* Build the graph of a definition (borrowed). A definition that is not a
 * JSON object is an error (States.InvalidDefinition, NULL returned); broken
 * references are not: they are left out and listed in problems. The caller
 * frees the graph with sl_graph_free. */
struct sl_graph *sl_graph_new(const cJSON *definition, struct sl_err *err);
void sl_graph_free(struct sl_graph *g);

/* The text of a Choice rule: `$.x == 3`, `$.a > $.b && !($.s is null)`. */
void sl_graph_rule_label(const cJSON *rule, struct sl_buf *out);

/* "text", "mermaid" or "dot"; -1 for any other name. */
int sl_graph_format_parse(const char *name, enum sl_graph_format *fmt);
const char *sl_graph_edge_kind_name(enum sl_graph_edge_kind kind);

/* Append the graph in a format to out. */
void sl_graph_print(
    const struct sl_graph *g, enum sl_graph_format fmt, struct sl_buf *out);

#endif
