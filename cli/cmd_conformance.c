/* sluice conformance DIR [--filter SUBSTR]: run the ASL cases recorded on
 * real AWS (../shared/conformance/README.md) through the engine, with the
 * test fixture functions on a real function host, and compare. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "common/buf.h"
#include "common/loop.h"
#include "common/xmalloc.h"
#include "orchestrator/engine.h"
#include "orchestrator/runner.h"
#include "runtime/host.h"

#define CONF_ARN_PREFIX "arn:aws:lambda:us-east-1:000000000000:function:"

struct tally {
	char *name;
	int pass, fail, skip;
};

struct tallies {
	struct tally *t;
	int n;
};

struct conf {
	struct sl_loop *loop;
	struct sl_host *host;
	struct sl_runner *runner;
	const char *fixtures;
	struct tallies cats, feats, skips;
	int pass, fail, skip, err_match;
};

static void
tally(struct tallies *ts, const char *name, int outcome)
{
	int i;

	for (i = 0; i < ts->n; i++)
		if (strcmp(ts->t[i].name, name) == 0)
			break;
	if (i == ts->n) {
		ts->t = xreallocarray(ts->t, (size_t)ts->n + 1, sizeof(*ts->t));
		memset(&ts->t[i], 0, sizeof(ts->t[i]));
		ts->t[i].name = xstrdup(name);
		ts->n++;
	}
	if (outcome > 0)
		ts->t[i].pass++;
	else if (outcome == 0)
		ts->t[i].fail++;
	else
		ts->t[i].skip++;
}

static int
tally_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tally *)a)->name,
	    ((const struct tally *)b)->name);
}

static void
tallies_print(const char *title, struct tallies *ts)
{
	int i;

	qsort(ts->t, (size_t)ts->n, sizeof(*ts->t), tally_cmp);
	printf("\n%-44s %6s %6s %6s\n", title, "pass", "fail", "skip");
	for (i = 0; i < ts->n; i++)
		printf("%-44s %6d %6d %6d\n", ts->t[i].name, ts->t[i].pass,
		    ts->t[i].fail, ts->t[i].skip);
}

static void
tallies_release(struct tallies *ts)
{
	int i;

	for (i = 0; i < ts->n; i++)
		free(ts->t[i].name);
	free(ts->t);
}

/* Replace ${lambda_arn:KEY} and ${lambda_name:KEY}. */
static char *
substitute(const char *text)
{
	struct sl_buf b = SL_BUF_INIT;
	const char *p = text;

	sl_buf_init(&b);
	while (*p) {
		const char *end;
		int arn = strncmp(p, "${lambda_arn:", 13) == 0;
		int name = strncmp(p, "${lambda_name:", 14) == 0;

		if ((arn || name) && (end = strchr(p, '}')) != NULL) {
			const char *key = p + (arn ? 13 : 14);

			if (arn)
				sl_buf_addstr(&b, CONF_ARN_PREFIX);
			sl_buf_add(&b, key, (size_t)(end - key));
			p = end + 1;
			continue;
		}
		sl_buf_addch(&b, *p++);
	}
	return sl_buf_detach(&b, NULL);
}

/* --- comparison, as the README says -------------------------------------- */

static int
is_placeholder_word(const char *s, size_t len, const cJSON *ph)
{
	const cJSON *w;

	cJSON_ArrayForEach(w, ph)
		if (cJSON_IsString(w) && strlen(w->valuestring) == len &&
		    strncmp(w->valuestring, s, len) == 0)
			return 1;
	return 0;
}

/* A whole expected string that is exactly one placeholder. */
static int
whole_placeholder(const char *s, const cJSON *ph)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '<' && s[n - 1] == '>' &&
	    strchr(s + 1, '<') == NULL)
		return 1;
	return is_placeholder_word(s, n, ph) || strcmp(s, "date") == 0 ||
	    strcmp(s, "timestamp") == 0;
}

/* Match s against pattern pat, where each <...> token and each listed
 * placeholder word matches any text (lazily), the rest literally. */
static int
pattern_match(const char *pat, const char *s, const cJSON *ph)
{
	const cJSON *w;

	if (*pat == '\0')
		return *s == '\0';
	if (*pat == '<') {
		const char *gt = strchr(pat, '>');

		if (gt != NULL) {
			const char *t;

			for (t = s;; t++) {
				if (pattern_match(gt + 1, t, ph))
					return 1;
				if (*t == '\0')
					return 0;
			}
		}
	}
	cJSON_ArrayForEach(w, ph) {
		size_t n;
		const char *t;

		if (!cJSON_IsString(w) || (n = strlen(w->valuestring)) == 0 ||
		    strncmp(pat, w->valuestring, n) != 0)
			continue;
		for (t = s;; t++) {
			if (pattern_match(pat + n, t, ph))
				return 1;
			if (*t == '\0')
				break;
		}
	}
	return *s == *pat && pattern_match(pat + 1, s + 1, ph);
}

/* A Lambda error payload as JSON text, where only errorType and
 * errorMessage are compared (the README's rule 5). */
static int
lambda_error_text_match(const char *exp, const char *act)
{
	static const char *keys[] = { "errorType", "errorMessage" };
	cJSON *a;
	int i, ok = 1;

	if (strstr(exp, "\"errorType\"") == NULL ||
	    strstr(exp, "\"stackTrace\"") == NULL ||
	    (a = cJSON_Parse(act)) == NULL)
		return 0;
	for (i = 0; i < 2 && ok; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, keys[i]);
		char *want, *want2;

		if (!cJSON_IsString(v)) {
			ok = 0;
			break;
		}
		want = xasprintf("\"%s\": \"%s\"", keys[i], v->valuestring);
		want2 = xasprintf("\"%s\":\"%s\"", keys[i], v->valuestring);
		ok = strstr(exp, want) != NULL || strstr(exp, want2) != NULL;
		free(want);
		free(want2);
	}
	cJSON_Delete(a);
	return ok;
}

static int
str_match(const char *exp, const char *act, const cJSON *ph)
{
	if (strcmp(exp, act) == 0)
		return 1;
	if (lambda_error_text_match(exp, act))
		return 1;
	if (strchr(exp, '<') == NULL && ph == NULL)
		return 0;
	return pattern_match(exp, act, ph);
}

static int json_match(const cJSON *exp, const cJSON *act, const cJSON *ph,
    int lambda, struct sl_buf *diff, const char *where);

static void
diff_note(struct sl_buf *diff, const char *where, const cJSON *exp,
    const cJSON *act)
{
	char *e, *a;

	if (diff->len > 0)
		return;
	e = exp ? cJSON_PrintUnformatted(exp) : xstrdup("(absent)");
	a = act ? cJSON_PrintUnformatted(act) : xstrdup("(absent)");
	sl_buf_addf(diff, "%s: expected %.200s, got %.200s", where[0] ? where :
	    "$", e, a);
	free(e);
	free(a);
}

static int
obj_match(const cJSON *exp, const cJSON *act, const cJSON *ph, int lambda,
    struct sl_buf *diff, const char *where)
{
	const cJSON *e, *a;
	int ne = 0, na = 0;
	char w[512];

	cJSON_ArrayForEach(e, exp) {
		if (lambda && (strcmp(e->string, "SdkHttpMetadata") == 0 ||
		    strcmp(e->string, "SdkResponseMetadata") == 0))
			continue;
		ne++;
		snprintf(w, sizeof(w), "%s.%s", where, e->string);
		a = cJSON_GetObjectItemCaseSensitive(act, e->string);
		if (a == NULL) {
			const cJSON *c;

			cJSON_ArrayForEach(c, act)
				if (str_match(e->string, c->string, ph)) {
					a = c;
					break;
				}
		}
		if (a == NULL) {
			diff_note(diff, w, e, NULL);
			return 0;
		}
		if (!json_match(e, a, ph, lambda, diff, w))
			return 0;
	}
	cJSON_ArrayForEach(a, act) {
		if (lambda && (strcmp(a->string, "SdkHttpMetadata") == 0 ||
		    strcmp(a->string, "SdkResponseMetadata") == 0))
			continue;
		na++;
	}
	if (na != ne) {
		diff_note(diff, where, exp, act);
		return 0;
	}
	return 1;
}

static int
json_match(const cJSON *exp, const cJSON *act, const cJSON *ph, int lambda,
    struct sl_buf *diff, const char *where)
{
	const cJSON *e, *a;
	int i = 0;
	char w[512];

	if (cJSON_IsString(exp) && whole_placeholder(exp->valuestring, ph))
		return 1;
	if (cJSON_IsNumber(exp) && cJSON_IsNumber(act)) {
		if (exp->valuedouble == act->valuedouble)
			return 1;
		diff_note(diff, where, exp, act);
		return 0;
	}
	if ((exp->type & 0xff) != (act->type & 0xff)) {
		diff_note(diff, where, exp, act);
		return 0;
	}
	if (cJSON_IsString(exp)) {
		if (str_match(exp->valuestring, act->valuestring, ph))
			return 1;
		diff_note(diff, where, exp, act);
		return 0;
	}
	if (cJSON_IsObject(exp))
		return obj_match(exp, act, ph, lambda, diff, where);
	if (cJSON_IsArray(exp)) {
		if (cJSON_GetArraySize(exp) != cJSON_GetArraySize(act)) {
			diff_note(diff, where, exp, act);
			return 0;
		}
		a = act->child;
		cJSON_ArrayForEach(e, exp) {
			snprintf(w, sizeof(w), "%s[%d]", where, i++);
			if (!json_match(e, a, ph, lambda, diff, w))
				return 0;
			a = a->next;
		}
	}
	return 1;
}

/* The cause: JSON when it was JSON; a Lambda error compares errorType and
 * errorMessage only. */
static int
cause_match(const cJSON *exp, const char *act, const cJSON *ph,
    struct sl_buf *diff)
{
	cJSON *a;
	int ok;

	if (exp == NULL || cJSON_IsNull(exp)) {
		if (act == NULL || act[0] == '\0')
			return 1;
		sl_buf_addf(diff, "cause: expected none, got %.200s", act);
		return 0;
	}
	if (act == NULL) {
		diff_note(diff, "cause", exp, NULL);
		return 0;
	}
	if (cJSON_IsString(exp)) {
		if (str_match(exp->valuestring, act, ph))
			return 1;
		sl_buf_addf(diff, "cause: expected %.300s, got %.300s",
		    exp->valuestring, act);
		return 0;
	}
	a = cJSON_Parse(act);
	if (a == NULL) {
		diff_note(diff, "cause", exp, NULL);
		return 0;
	}
	if (cJSON_GetObjectItemCaseSensitive(exp, "errorType") != NULL) {
		static const char *keys[] = { "errorType", "errorMessage" };
		int i;

		ok = 1;
		for (i = 0; i < 2 && ok; i++) {
			const cJSON *ev = cJSON_GetObjectItemCaseSensitive(exp,
			    keys[i]);
			const cJSON *av = cJSON_GetObjectItemCaseSensitive(a,
			    keys[i]);

			if (ev != NULL && (av == NULL || !json_match(ev, av, ph,
			    1, diff, keys[i])))
				ok = 0;
		}
	} else
		ok = json_match(exp, a, ph, 1, diff, "cause");
	cJSON_Delete(a);
	return ok;
}

/* --- one case ------------------------------------------------------------ */

static const char *
skip_reason(struct conf *c, const cJSON *cs, char *buf, size_t len)
{
	const cJSON *needs = cJSON_GetObjectItemCaseSensitive(cs, "needs");
	const cJSON *n;

	cJSON_ArrayForEach(n, needs) {
		if (!cJSON_IsString(n))
			continue;
		if (strncmp(n->valuestring, "service:", 8) == 0) {
			snprintf(buf, len, "%s", n->valuestring);
			return buf;
		}
		if (strncmp(n->valuestring, "lambda:", 7) == 0) {
			char *so;
			FILE *f;

			if (c->host == NULL) {
				snprintf(buf, len, "no function host");
				return buf;
			}
			so = xasprintf("%s/%s.so", c->fixtures,
			    n->valuestring + 7);
			f = fopen(so, "r");
			free(so);
			if (f == NULL) {
				snprintf(buf, len, "fixture %s missing",
				    n->valuestring + 7);
				return buf;
			}
			fclose(f);
		}
	}
	return NULL;
}

static int
needs_lambda(const cJSON *cs)
{
	const cJSON *n;

	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(cs, "needs"))
		if (cJSON_IsString(n) && strncmp(n->valuestring, "lambda:",
		    7) == 0)
			return 1;
	return 0;
}

/* 1 pass, 0 fail, -1 skip. */
static int
run_case(struct conf *c, const char *file, const cJSON *cs, int *err_ok,
    struct sl_buf *diff)
{
	const cJSON *def = cJSON_GetObjectItemCaseSensitive(cs, "definition");
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(cs, "expected");
	const cJSON *ph = cJSON_GetObjectItemCaseSensitive(cs, "placeholders");
	const cJSON *es = cJSON_GetObjectItemCaseSensitive(exp, "status");
	const cJSON *ee = cJSON_GetObjectItemCaseSensitive(exp, "error");
	const cJSON *wt;
	char *dtext, *dsub, *itext, *isub;
	struct sl_err err = SL_ERR_INIT;
	struct sl_asl_machine *m;
	struct sl_exec_result res;
	int lambda = needs_lambda(cs), ok = 0;

	(void)file;
	*err_ok = 0;
	dtext = cJSON_PrintUnformatted(def);
	itext = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(cs,
	    "input"));
	dsub = substitute(dtext);
	isub = substitute(itext ? itext : "{}");
	free(dtext);
	free(itext);
	m = sl_asl_machine_new(dsub, "arn:aws:states:us-east-1:000000000000:"
	    "stateMachine:conformance", "conformance", &err);
	free(dsub);
	if (m == NULL) {
		sl_buf_addf(diff, "definition refused: %s: %s", err.type,
		    err.msg);
		free(isub);
		return 0;
	}
	wt = cJSON_GetObjectItemCaseSensitive(cs, "workflow_type");
	if (sl_runner_run(c->runner, m, NULL, isub, cJSON_IsString(wt) &&
	    strcmp(wt->valuestring, "EXPRESS") == 0, 60000, &res, &err) ==
	    -1) {
		sl_buf_addf(diff, "start refused: %s: %s", err.type, err.msg);
		sl_asl_machine_unref(m);
		free(isub);
		return 0;
	}
	if (!cJSON_IsString(es) || strcmp(es->valuestring,
	    sl_exec_status_name(res.status)) != 0) {
		sl_buf_addf(diff, "status: expected %s, got %s (%s: %.300s)",
		    cJSON_IsString(es) ? es->valuestring : "?",
		    sl_exec_status_name(res.status),
		    res.error ? res.error : "-", res.cause ? res.cause :
		    res.output ? res.output : "-");
	} else if (res.status == SL_EXEC_SUCCEEDED) {
		cJSON *out = res.output ? cJSON_Parse(res.output) : NULL;
		const cJSON *eo = cJSON_GetObjectItemCaseSensitive(exp,
		    "output");

		if (out == NULL)
			sl_buf_addf(diff, "output is not JSON");
		else
			ok = json_match(eo, out, ph, lambda, diff, "");
		cJSON_Delete(out);
	} else {
		int eok = (ee == NULL || cJSON_IsNull(ee)) ? res.error == NULL :
		    res.error != NULL && cJSON_IsString(ee) &&
		    str_match(ee->valuestring, res.error, ph);

		if (!eok)
			sl_buf_addf(diff, "error: expected %s, got %s",
			    cJSON_IsString(ee) ? ee->valuestring : "none",
			    res.error ? res.error : "none");
		*err_ok = eok;
		ok = eok && cause_match(cJSON_GetObjectItemCaseSensitive(exp,
		    "cause"), res.cause, ph, diff);
	}
	sl_exec_result_release(&res);
	sl_asl_machine_unref(m);
	free(isub);
	return ok;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
run_file(struct conf *c, const char *dir, const char *file)
{
	char *path = xasprintf("%s/%s", dir, file), *text, reason[256];
	struct sl_buf diff = SL_BUF_INIT;
	const cJSON *cat, *f;
	const char *why;
	cJSON *cs;
	int outcome, err_ok = 0;

	text = sl_read_file(path);
	cs = text ? cJSON_Parse(text) : NULL;
	free(text);
	free(path);
	if (cs == NULL) {
		printf("FAIL %s: unreadable case\n", file);
		c->fail++;
		return;
	}
	sl_buf_init(&diff);
	cat = cJSON_GetObjectItemCaseSensitive(cs, "category");
	why = skip_reason(c, cs, reason, sizeof(reason));
	if (why != NULL) {
		outcome = -1;
		c->skip++;
		tally(&c->skips, why, -1);
	} else {
		outcome = run_case(c, file, cs, &err_ok, &diff);
		if (outcome) {
			c->pass++;
		} else {
			c->fail++;
			c->err_match += err_ok;
			printf("FAIL %s: %s\n", file, diff.data);
		}
	}
	tally(&c->cats, cJSON_IsString(cat) ? cat->valuestring : "?", outcome);
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(cs, "features"))
		if (cJSON_IsString(f))
			tally(&c->feats, f->valuestring, outcome);
	sl_buf_release(&diff);
	cJSON_Delete(cs);
}

int
cmd_conformance(int argc, char **argv)
{
	const char *dir = NULL, *filter = NULL, *build;
	const struct cli_arg opts[] = { { "--filter", &filter, NULL },
		{ NULL, NULL, NULL } };
	const char **pos[] = { &dir };
	struct conf c;
	struct sl_err err = SL_ERR_INIT;
	char **names = NULL, *worker = NULL, *fixtures = NULL;
	size_t n = 0, i;
	struct dirent *de;
	DIR *d;
	int scale = 100;

	memset(&c, 0, sizeof(c));
	if (cli_args_take(argc, argv, opts, pos, 1) != 0) {
		fprintf(stderr, "usage: sluice conformance DIR "
		    "[--filter SUBSTR]\n");
		return CLI_EXIT_USAGE;
	}
	if (dir == NULL || (d = opendir(dir)) == NULL) {
		fprintf(stderr, "sluice conformance: cannot open %s\n",
		    dir ? dir : "(none)");
		return CLI_EXIT_USAGE;
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		if (filter != NULL && strstr(de->d_name, filter) == NULL)
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	if (getenv("SLUICE_CONFORMANCE_SCALE") != NULL)
		scale = atoi(getenv("SLUICE_CONFORMANCE_SCALE"));
	build = getenv("SLUICE_BUILD");
	fixtures = xasprintf("%s/tests/fixtures", build ? build : "build");
	worker = xasprintf("%s/sluice-worker", build ? build : "build");
	c.fixtures = fixtures;
	c.loop = sl_loop_new();
	{
		struct sl_host_config hc = {
			.functions_dir = fixtures,
			.worker_path = worker,
		};

		c.host = sl_host_new(c.loop, &hc, &err);
		if (c.host == NULL)
			fprintf(stderr, "sluice conformance: no function host "
			    "(%s); Lambda cases are skipped\n", err.msg);
	}
	c.runner = sl_runner_new(c.loop, c.host, (uint32_t)scale, 0);
	for (i = 0; i < n; i++) {
		run_file(&c, dir, names[i]);
		free(names[i]);
	}
	free(names);
	tallies_print("category", &c.cats);
	tallies_print("feature", &c.feats);
	tallies_print("skipped because", &c.skips);
	printf("\nfailed cases whose error name matched: %d\n", c.err_match);
	printf("%d passed, %d failed, %d skipped\n", c.pass, c.fail, c.skip);
	sl_runner_free(c.runner);
	sl_host_free(c.host);
	sl_loop_free(c.loop);
	tallies_release(&c.cats);
	tallies_release(&c.feats);
	tallies_release(&c.skips);
	free(fixtures);
	free(worker);
	return c.fail ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}
