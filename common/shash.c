/* Intrusive string-keyed hash table (see shash.h). */
#include "common/shash.h"
#include "common/xmalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

void
sl_shash_release(struct sl_shash *h)
{
	free(h->slots);
	h->slots = NULL;
	h->nslots = 0;
	h->count = 0;
}

struct sl_shash_node *
sl_shash_find(const struct sl_shash *h, const char *key)
{
	struct sl_shash_node *n;

	if (h->nslots == 0 || key == NULL)
		return NULL;
	for (n = h->slots[hash(key) & (h->nslots - 1)]; n != NULL; n = n->next)
		if (strcmp(n->key, key) == 0)
			return n;
	return NULL;
}

static void
grow(struct sl_shash *h)
{
	size_t nslots = h->nslots ? h->nslots * 2 : FIRST_SLOTS, i;
	struct sl_shash_node **slots = xcalloc(nslots, sizeof(*slots));

	for (i = 0; i < h->nslots; i++) {
		while (h->slots[i] != NULL) {
			struct sl_shash_node *n = h->slots[i];
			size_t j = hash(n->key) & (nslots - 1);

			h->slots[i] = n->next;
			n->next = slots[j];
			slots[j] = n;
		}
	}
	free(h->slots);
	h->slots = slots;
	h->nslots = nslots;
}

void
sl_shash_add(struct sl_shash *h, struct sl_shash_node *n)
{
	size_t i;

	if (h->count >= h->nslots)
		grow(h);
	i = hash(n->key) & (h->nslots - 1);
	n->next = h->slots[i];
	h->slots[i] = n;
	h->count++;
}

void
sl_shash_del(struct sl_shash *h, struct sl_shash_node *n)
{
	struct sl_shash_node **p;

	if (h->nslots == 0)
		return;
	for (p = &h->slots[hash(n->key) & (h->nslots - 1)]; *p != NULL;
	     p = &(*p)->next) {
		if (*p == n) {
			*p = n->next;
			n->next = NULL;
			h->count--;
			return;
		}
	}
}

void
sl_shash_drain(struct sl_shash *h,
    void (*fn)(struct sl_shash_node *n, void *arg), void *arg)
{
	size_t i;

	for (i = 0; i < h->nslots; i++) {
		while (h->slots[i] != NULL) {
			struct sl_shash_node *n = h->slots[i];

			h->slots[i] = n->next;
			n->next = NULL;
			fn(n, arg);
		}
	}
	h->count = 0;
}
