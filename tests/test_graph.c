/* Suite "graph": the state machine graph of cli/graph.c (sluice graph),
 * checked against the text web/graph-model.js gives for the same file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/graph.h"
#include "common/buf.h"

static char *
slurp(const char *path)
{
	struct sl_buf b = SL_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f;

	sl_buf_init(&b);
	f = fopen(path, "r");
	ck_assert_msg(
	    f != NULL, "cannot open %s (run from the repository)", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sl_buf_add(&b, chunk, n);
	fclose(f);
	return sl_buf_detach(&b, NULL);
}

static struct sl_graph *
graph_of(const char *json)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_graph *g;
	cJSON *def;

	def = cJSON_Parse(json);
	ck_assert_ptr_nonnull(def);
	g = sl_graph_new(def, &err);
	cJSON_Delete(def);
	ck_assert_msg(g != NULL, "%s", err.msg);
	return g;
}

static char *
printed(const struct sl_graph *g, enum sl_graph_format fmt)
{
	struct sl_buf out = SL_BUF_INIT;

	sl_buf_init(&out);
	sl_graph_print(g, fmt, &out);
	return sl_buf_detach(&out, NULL);
}

static char *
label_of(const char *rule_json)
{
	struct sl_buf out = SL_BUF_INIT;
	cJSON *rule;

	rule = cJSON_Parse(rule_json);
	ck_assert_ptr_nonnull(rule);
	sl_buf_init(&out);
	sl_graph_rule_label(rule, &out);
	cJSON_Delete(rule);
	return sl_buf_detach(&out, NULL);
}

#define ck_label(rule, want)                                                   \
	do {                                                                   \
		char *got_ = label_of(rule);                                   \
		ck_assert_str_eq(got_, want);                                  \
		free(got_);                                                    \
	} while (0)

START_TEST(test_graph_text_matches_the_console_model)
{
	char *def = slurp("tests/graph/small.asl.json");
	char *want = slurp("tests/graph/small.txt");
	struct sl_graph *g = graph_of(def);
	char *text = printed(g, SL_GRAPH_TEXT);

	ck_assert_str_eq(text, want);
	/* 11 states, 2 pseudo nodes, 3 groups, 15 edges, no problems */
	ck_assert_uint_eq(g->nnodes, 13);
	ck_assert_uint_eq(g->ngroups, 3);
	ck_assert_uint_eq(g->nedges, 15);
	ck_assert_uint_eq(g->nproblems, 0);
	ck_assert_str_eq(g->nodes[1].id, "Validate");
	ck_assert_str_eq(g->nodes[1].resource, "validate");
	ck_assert_int_eq(g->nodes[1].retry, 1);
	ck_assert_str_eq(g->nodes[8].resource, "lambda:invoke");
	free(text);
	sl_graph_free(g);
	free(want);
	free(def);
}
END_TEST

START_TEST(test_graph_mermaid_nests_and_marks_catches)
{
	char *def = slurp("tests/graph/small.asl.json");
	struct sl_graph *g = graph_of(def);
	char *m = printed(g, SL_GRAPH_MERMAID);

	ck_assert(strncmp(m, "flowchart TD\n", 13) == 0);
	ck_assert_ptr_nonnull(strstr(m, "  n0((\"Start\"))\n"));
	ck_assert_ptr_nonnull(strstr(m, "  subgraph n3 [\"Fan · Parallel\"]\n"
	                                "    subgraph g0 [\"Branch 1\"]\n"
	                                "      n4([\"Left · Pass\"])\n"
	                                "    end\n"
	                                "    subgraph g1 [\"Branch 2\"]\n"));
	ck_assert_ptr_nonnull(strstr(m, "  subgraph n7 [\"Each · Map\"]\n"
	                                "    subgraph g2 [\"Iterator\"]\n"));
	ck_assert_ptr_nonnull(strstr(m, "  n2{\"Route · Choice\"}\n"));
	ck_assert_ptr_nonnull(strstr(m, "  n2 -->|\"$.x == 3\"| n3\n"));
	ck_assert_ptr_nonnull(strstr(m,
	    "  n2 -->|\"$.a #gt; $.b #124;#124; ($.s matches #quot;log-*"
	    "#quot; #amp;#amp; $.ok == true)\"| n9\n"));
	ck_assert_ptr_nonnull(
	    strstr(m, "  n1 -.->|\"ValidationError\"| n10\n"));
	/* Catch edges are the 2nd, 3rd and 10th edge printed. */
	ck_assert_ptr_nonnull(strstr(m, "  linkStyle 1,2,9 stroke:"));
	ck_assert_ptr_nonnull(strstr(m, "  n11 --> n12\n"));
	ck_assert_ptr_nonnull(strstr(m, "  class n10 fail\n"));
	free(m);
	sl_graph_free(g);
	free(def);
}
END_TEST

START_TEST(test_graph_dot_clusters_and_compound_edges)
{
	char *def = slurp("tests/graph/small.asl.json");
	struct sl_graph *g = graph_of(def);
	char *d = printed(g, SL_GRAPH_DOT);

	ck_assert(
	    strncmp(d, "digraph statemachine {\n  compound=true;\n", 40) == 0);
	ck_assert_ptr_nonnull(strstr(d, "subgraph cluster_n3 {\n"));
	ck_assert_ptr_nonnull(strstr(d, "subgraph cluster_g2 {\n"
	                                "      label=\"Iterator\";\n"
	                                "      n8 [label=\"Work\\nTask: "
	                                "lambda:invoke\", peripheries=2];\n"));
	ck_assert_ptr_nonnull(
	    strstr(d, "  n2 -> n3 [label=\"$.x == 3\", lhead=cluster_n3];\n"));
	ck_assert_ptr_nonnull(
	    strstr(d, "  n3 -> n11 [label=\"States.ALL\", style=dashed, "
	              "color=\"#c62828\", fontcolor=\"#c62828\", "
	              "ltail=cluster_n3];\n"));
	ck_assert_ptr_nonnull(
	    strstr(d, "  n2 -> n7 [label=\"$.kind == \\\"bulk\\\" && "
	              "!($.items is not present)\", lhead=cluster_n7];\n"));
	ck_assert_ptr_nonnull(strstr(d, "  n0 -> n1;\n"));
	ck_assert(d[strlen(d) - 2] == '}');
	free(d);
	sl_graph_free(g);
	free(def);
}
END_TEST

START_TEST(test_graph_rule_labels)
{
	ck_label("{\"Variable\":\"$.v\",\"StringEquals\":\"a\\\"b\\n\"}",
	    "$.v == \"a\\\"b\\n\"");
	ck_label("{\"Variable\":\"$.v\",\"StringLessThanEqualsPath\":\"$.w\"}",
	    "$.v <= $.w");
	ck_label("{\"Variable\":\"$.v\",\"NumericGreaterThanEquals\":2.5}",
	    "$.v >= 2.5");
	ck_label("{\"Variable\":\"$.v\",\"NumericLessThan\":-1}", "$.v < -1");
	ck_label("{\"Variable\":\"$.v\",\"NumericEquals\":0.1}", "$.v == 0.1");
	ck_label(
	    "{\"Variable\":\"$.v\",\"NumericEquals\":1e21}", "$.v == 1e+21");
	ck_label("{\"Variable\":\"$.v\",\"NumericEquals\":123456789012}",
	    "$.v == 123456789012");
	ck_label("{\"Variable\":\"$.v\",\"NumericEquals\":0.0000001}",
	    "$.v == 1e-7");
	ck_label("{\"Variable\":\"$.v\",\"NumericEquals\":0.000001}",
	    "$.v == 0.000001");
	ck_label("{\"Variable\":\"$.v\",\"NumericEquals\":-0.0}", "$.v == 0");
	ck_label("{\"Variable\":\"$.v\",\"BooleanEqualsPath\":\"$.b\"}",
	    "$.v == $.b");
	ck_label("{\"Variable\":\"$.t\",\"TimestampGreaterThan\":"
	         "\"2024-01-01T00:00:00Z\"}",
	    "$.t > \"2024-01-01T00:00:00Z\"");
	ck_label("{\"Variable\":\"$.v\",\"IsNull\":true}", "$.v is null");
	ck_label(
	    "{\"Variable\":\"$.v\",\"IsNumeric\":false}", "$.v is not numeric");
	ck_label("{\"Not\":{\"Variable\":\"$.v\",\"IsString\":true}}",
	    "!($.v is string)");
	ck_label("{\"Or\":[{\"Variable\":\"$.v\",\"IsBoolean\":true},"
	         "{\"Or\":[{\"Variable\":\"$.v\",\"IsNull\":true},"
	         "{\"Variable\":\"$.v\",\"IsPresent\":false}]}]}",
	    "$.v is boolean || ($.v is null || $.v is not present)");
	ck_label("{\"Condition\":\"{% $states.input.x > 1 %}\"}",
	    "{% $states.input.x > 1 %}");
	ck_label("{\"Variable\":\"$.v\"}", "?");
	ck_label("[1]", "?");
}
END_TEST

START_TEST(test_graph_problems_and_duplicate_names)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_graph *g;
	cJSON *arr;
	char *t;

	g = graph_of("{\"StartAt\":\"Nope\",\"States\":{"
	             "\"A\":{\"Type\":\"Pass\",\"Next\":\"Missing\"},"
	             "\"B\":{\"Type\":\"Choice\",\"Choices\":"
	             "[{\"Variable\":\"$.x\",\"IsNull\":true}]}}}");
	ck_assert_uint_eq(g->nedges, 0);
	ck_assert_uint_eq(g->nproblems, 3);
	ck_assert_str_eq(
	    g->problems[0], "definition: StartAt names no state: \"Nope\"");
	ck_assert_str_eq(g->problems[1], "A: Next names no state: \"Missing\"");
	ck_assert_str_eq(
	    g->problems[2], "B: Choices[0].Next names no state: null");
	sl_graph_free(g);

	g = graph_of("{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":"
	             "\"Parallel\",\"End\":true,\"Branches\":["
	             "{\"StartAt\":\"X\",\"States\":{\"X\":{\"Type\":\"Pass\","
	             "\"End\":true}}},"
	             "{\"StartAt\":\"X\",\"States\":{\"X\":{\"Type\":\"Pass\","
	             "\"End\":true}}}]}}}");
	t = printed(g, SL_GRAPH_TEXT);
	ck_assert_str_eq(t, "state \"P\" Parallel start end\n"
	                    "state \"X\" Pass start end in \"P#branch1\"\n"
	                    "state \"X#2\" Pass start end in \"P#branch2\"\n"
	                    "group \"P#branch1\" branch of \"P\"\n"
	                    "group \"P#branch2\" branch of \"P\"\n"
	                    "edge \"__start__\" -> \"P\" start\n"
	                    "edge \"P\" -> \"__end__\" end\n");
	free(t);
	sl_graph_free(g);

	g = graph_of("{}");
	ck_assert_uint_eq(g->nproblems, 1);
	ck_assert_str_eq(g->problems[0], "definition: no States");
	sl_graph_free(g);

	arr = cJSON_Parse("[]");
	ck_assert_ptr_null(sl_graph_new(arr, &err));
	ck_assert_str_eq(err.type, "States.InvalidDefinition");
	cJSON_Delete(arr);
}
END_TEST

START_TEST(test_graph_format_names)
{
	enum sl_graph_format f = SL_GRAPH_TEXT;

	ck_assert_int_eq(sl_graph_format_parse("mermaid", &f), 0);
	ck_assert_int_eq(f, SL_GRAPH_MERMAID);
	ck_assert_int_eq(sl_graph_format_parse("dot", &f), 0);
	ck_assert_int_eq(f, SL_GRAPH_DOT);
	ck_assert_int_eq(sl_graph_format_parse("svg", &f), -1);
	ck_assert_str_eq(sl_graph_edge_kind_name(SL_GRAPH_EDGE_CATCH), "catch");
}
END_TEST

Suite *
graph_suite(void)
{
	Suite *s = suite_create("graph");
	TCase *tc = tcase_create("graph");

	tcase_add_test(tc, test_graph_text_matches_the_console_model);
	tcase_add_test(tc, test_graph_mermaid_nests_and_marks_catches);
	tcase_add_test(tc, test_graph_dot_clusters_and_compound_edges);
	tcase_add_test(tc, test_graph_rule_labels);
	tcase_add_test(tc, test_graph_problems_and_duplicate_names);
	tcase_add_test(tc, test_graph_format_names);
	suite_add_tcase(s, tc);
	return s;
}
