/* Payload templates: a template is compiled into a tree whose dynamic
 * leaves hold compiled paths or intrinsic calls; static subtrees are kept
 * whole and copied at evaluation. */
#include "orchestrator/payload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "orchestrator/intrinsic.h"
#include "orchestrator/jsonpath.h"

#define DEF_ERR "InvalidDefinition"

enum pkind { PN_LIT, PN_PATH, PN_CALL, PN_OBJ, PN_ARR };

struct pnode {
	enum pkind kind;
	char *key;	/* output key (".$" stripped); NULL in arrays */
	char *field;	/* the key as written, for messages */
	cJSON *lit;
	struct sl_path *path;
	struct sl_intrinsic *call;
	struct pnode *kids;
	size_t nkids;
	int dups; /* two kids share an output key */
};

struct sl_payload {
	struct pnode root;
};

static void
pnode_release(struct pnode *n)
{
	size_t i;

	free(n->key);
	free(n->field);
	cJSON_Delete(n->lit);
	sl_path_free(n->path);
	sl_intrinsic_free(n->call);
	for (i = 0; i < n->nkids; i++)
		pnode_release(&n->kids[i]);
	free(n->kids);
}

void
sl_payload_free(struct sl_payload *p)
{
	if (p == NULL)
		return;
	pnode_release(&p->root);
	free(p);
}

/* True when v (or something under it) has a "key.$". */
static int
dynamic(const cJSON *v)
{
	const cJSON *c;
	size_t n;

	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return 0;
	for (c = v->child; c; c = c->next) {
		if (c->string && (n = strlen(c->string)) >= 2 &&
		    strcmp(c->string + n - 2, ".$") == 0)
			return 1;
		if (dynamic(c))
			return 1;
	}
	return 0;
}

static int
compile_node(struct pnode *n, const cJSON *v, const char *where,
    struct sl_err *err)
{
	const cJSON *c;
	struct pnode *k;
	size_t len, i;
	char *sub;
	int rc;

	if (!dynamic(v)) {
		n->kind = PN_LIT;
		n->lit = cJSON_Duplicate(v, 1);
		return 0;
	}
	n->kind = cJSON_IsObject(v) ? PN_OBJ : PN_ARR;
	n->nkids = (size_t)cJSON_GetArraySize(v);
	n->kids = xcalloc(n->nkids ? n->nkids : 1, sizeof(*n->kids));
	for (c = v->child, i = 0; c; c = c->next, i++) {
		k = &n->kids[i];
		if (n->kind == PN_ARR)
			sub = xasprintf("%s/%zu", where, i);
		else
			sub = xasprintf("%s/%s", where, c->string);
		if (n->kind == PN_OBJ) {
			len = strlen(c->string);
			k->field = xstrdup(c->string);
			if (len >= 2 &&
			    strcmp(c->string + len - 2, ".$") == 0) {
				k->key = xstrndup(c->string, len - 2);
				if (!cJSON_IsString(c)) {
					sl_err_set(err, DEF_ERR, "%s: the "
					    "value of a field ending in '.$' "
					    "must be a string (a path or an "
					    "intrinsic function)", sub);
					free(sub);
					return -1;
				}
				if (c->valuestring[0] == '$') {
					k->kind = PN_PATH;
					k->path = sl_path_compile(
					    c->valuestring,
					    SL_PATH_ALLOW_CONTEXT, err);
					rc = k->path ? 0 : -1;
				} else if (sl_intrinsic_is_call(
				    c->valuestring)) {
					k->kind = PN_CALL;
					k->call = sl_intrinsic_compile(
					    c->valuestring, err);
					rc = k->call ? 0 : -1;
				} else {
					sl_err_set(err, DEF_ERR, "%s: '%s' is "
					    "neither a path ($ or $$) nor an "
					    "intrinsic function call", sub,
					    c->valuestring);
					free(sub);
					return -1;
				}
				if (rc < 0 && err) {
					char msg[SL_ERR_MSG_LEN];

					snprintf(msg, sizeof(msg), "%s",
					    err->msg);
					sl_err_set(err, DEF_ERR, "%s: %s", sub,
					    msg);
				}
				free(sub);
				if (rc < 0)
					return -1;
				continue;
			}
			k->key = xstrdup(c->string);
		}
		rc = compile_node(k, c, sub, err);
		free(sub);
		if (rc < 0)
			return -1;
	}
	for (i = 0; n->kind == PN_OBJ && i < n->nkids; i++)
		for (len = i + 1; len < n->nkids; len++)
			if (strcmp(n->kids[i].key, n->kids[len].key) == 0)
				n->dups = 1;
	return 0;
}

struct sl_payload *
sl_payload_compile(const cJSON *tmpl, const char *field, struct sl_err *err)
{
	struct sl_payload *p = xcalloc(1, sizeof(*p));

	if (compile_node(&p->root, tmpl, field ? field : "", err) < 0) {
		sl_payload_free(p);
		return NULL;
	}
	return p;
}

static cJSON *
eval_node(const struct pnode *n, const cJSON *doc, const cJSON *ctx,
    struct sl_err *err)
{
	const cJSON *found;
	cJSON *out, *v;
	size_t i;

	switch (n->kind) {
	case PN_LIT:
		return cJSON_Duplicate(n->lit, 1);
	case PN_PATH:
		if (sl_path_is_multi(n->path))
			return sl_path_eval(n->path, doc, ctx, err);
		if ((found = sl_path_lookup(n->path, doc, ctx)) == NULL) {
			sl_path_err_not_found(n->path, n->field, doc, err);
			return NULL;
		}
		return cJSON_Duplicate(found, 1);
	case PN_CALL:
		return sl_intrinsic_eval_field(n->call, doc, ctx, n->field,
		    err);
	case PN_OBJ:
	case PN_ARR:
		break;
	}
	out = n->kind == PN_OBJ ? cJSON_CreateObject() : cJSON_CreateArray();
	for (i = 0; i < n->nkids; i++) {
		if ((v = eval_node(&n->kids[i], doc, ctx, err)) == NULL) {
			cJSON_Delete(out);
			return NULL;
		}
		if (n->kind == PN_OBJ) {
			/* A later key of the same name wins. */
			if (n->dups)
				cJSON_DeleteItemFromObjectCaseSensitive(out,
				    n->kids[i].key);
			cJSON_AddItemToObject(out, n->kids[i].key, v);
		} else
			cJSON_AddItemToArray(out, v);
	}
	return out;
}

cJSON *
sl_payload_eval(const struct sl_payload *p, const cJSON *doc,
    const cJSON *ctx, struct sl_err *err)
{
	return eval_node(&p->root, doc, ctx, err);
}
