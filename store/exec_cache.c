/* Running executions by ARN for the SQLite backend, on the shared
 * intrusive hash (common/shash.h); see exec_cache.h. */
#include "store/exec_cache.h"
#include "common/shash.h"
#include "common/xmalloc.h"

#include <stdlib.h>

struct entry {
	struct sl_shash_node node; /* key: arn */
	char *arn;
	struct sl_exec_cached v;
};

struct sl_exec_cache {
	struct sl_shash by_arn;
};

static void
entry_free(struct sl_shash_node *n, void *arg)
{
	struct entry *e = SL_SHASH_ITEM(n, struct entry, node);

	(void)arg;
	free(e->arn);
	free(e->v.sm_arn);
	free(e);
}

struct sl_exec_cache *
sl_exec_cache_new(void)
{
	return xcalloc(1, sizeof(struct sl_exec_cache));
}

void
sl_exec_cache_clear(struct sl_exec_cache *c)
{
	sl_shash_drain(&c->by_arn, entry_free, NULL);
}

void
sl_exec_cache_free(struct sl_exec_cache *c)
{
	if (c == NULL)
		return;
	sl_exec_cache_clear(c);
	sl_shash_release(&c->by_arn);
	free(c);
}

struct sl_exec_cached *
sl_exec_cache_get(struct sl_exec_cache *c, const char *arn)
{
	struct sl_shash_node *n = sl_shash_find(&c->by_arn, arn);
	struct entry *e = SL_SHASH_ITEM(n, struct entry, node);

	return e != NULL ? &e->v : NULL;
}

struct sl_exec_cached *
sl_exec_cache_put(struct sl_exec_cache *c, const char *arn,
    const struct sl_exec_cached *v)
{
	struct entry *e;

	if (c->by_arn.count >= SL_EXEC_CACHE_MAX)
		sl_exec_cache_clear(c);
	e = xmalloc(sizeof(*e));
	e->arn = xstrdup(arn);
	e->node.key = e->arn;
	e->v = *v;
	sl_shash_add(&c->by_arn, &e->node);
	return &e->v;
}

void
sl_exec_cache_drop(struct sl_exec_cache *c, const char *arn)
{
	struct sl_shash_node *n = sl_shash_find(&c->by_arn, arn);

	if (n != NULL) {
		sl_shash_del(&c->by_arn, n);
		entry_free(n, NULL);
	}
}

size_t
sl_exec_cache_count(const struct sl_exec_cache *c)
{
	return c->by_arn.count;
}
