/* Running executions by ARN for the SQLite backend: a chained hash table
 * that doubles as it fills (see exec_cache.h). */
#include "store/exec_cache.h"
#include "common/xmalloc.h"

#include <stdlib.h>
#include <string.h>

struct entry {
	char *arn;
	struct sl_exec_cached v;
	struct entry *next;
};

struct sl_exec_cache {
	struct entry **slots;
	size_t nslots; /* a power of two */
	size_t count;
};

#define FIRST_SLOTS 256u

/* FNV-1a. */
static size_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211u;
	}
	return (size_t)h;
}

static void
entry_free(struct entry *e)
{
	free(e->arn);
	free(e->v.sm_arn);
	free(e);
}

struct sl_exec_cache *
sl_exec_cache_new(void)
{
	struct sl_exec_cache *c = xcalloc(1, sizeof(*c));

	c->nslots = FIRST_SLOTS;
	c->slots = xcalloc(c->nslots, sizeof(*c->slots));
	return c;
}

void
sl_exec_cache_clear(struct sl_exec_cache *c)
{
	size_t i;

	for (i = 0; i < c->nslots; i++) {
		while (c->slots[i] != NULL) {
			struct entry *e = c->slots[i];

			c->slots[i] = e->next;
			entry_free(e);
		}
	}
	c->count = 0;
}

void
sl_exec_cache_free(struct sl_exec_cache *c)
{
	if (c == NULL)
		return;
	sl_exec_cache_clear(c);
	free(c->slots);
	free(c);
}

struct sl_exec_cached *
sl_exec_cache_get(struct sl_exec_cache *c, const char *arn)
{
	struct entry *e;

	for (e = c->slots[hash(arn) & (c->nslots - 1)]; e != NULL; e = e->next)
		if (strcmp(e->arn, arn) == 0)
			return &e->v;
	return NULL;
}

static void
grow(struct sl_exec_cache *c)
{
	size_t n = c->nslots * 2, i;
	struct entry **slots = xcalloc(n, sizeof(*slots));

	for (i = 0; i < c->nslots; i++) {
		while (c->slots[i] != NULL) {
			struct entry *e = c->slots[i];
			size_t j = hash(e->arn) & (n - 1);

			c->slots[i] = e->next;
			e->next = slots[j];
			slots[j] = e;
		}
	}
	free(c->slots);
	c->slots = slots;
	c->nslots = n;
}

struct sl_exec_cached *
sl_exec_cache_put(struct sl_exec_cache *c, const char *arn,
    const struct sl_exec_cached *v)
{
	struct entry *e;
	size_t i;

	if (c->count >= SL_EXEC_CACHE_MAX)
		sl_exec_cache_clear(c);
	else if (c->count >= c->nslots)
		grow(c);
	e = xmalloc(sizeof(*e));
	e->arn = xstrdup(arn);
	e->v = *v;
	i = hash(arn) & (c->nslots - 1);
	e->next = c->slots[i];
	c->slots[i] = e;
	c->count++;
	return &e->v;
}

void
sl_exec_cache_drop(struct sl_exec_cache *c, const char *arn)
{
	struct entry **p;

	for (p = &c->slots[hash(arn) & (c->nslots - 1)]; *p != NULL;
	     p = &(*p)->next) {
		if (strcmp((*p)->arn, arn) == 0) {
			struct entry *e = *p;

			*p = e->next;
			entry_free(e);
			c->count--;
			return;
		}
	}
}

size_t
sl_exec_cache_count(const struct sl_exec_cache *c)
{
	return c->count;
}
