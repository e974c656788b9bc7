/* An intrusive hash table of items keyed by a string each item keeps:
 * embed a struct sl_shash_node in the item, point its key at the item's
 * string, and find the item again from the node (container_of style).
 * Chained, doubling its slots as it fills. The table owns its slots only,
 * never the items. */
#ifndef SL_SHASH_H
#define SL_SHASH_H

#include <stddef.h>

struct sl_shash_node {
	const char *key; /* the item's; must not change while in a table */
	struct sl_shash_node *next;
};

struct sl_shash {
	struct sl_shash_node **slots;
	size_t nslots; /* 0, or a power of two */
	size_t count;
};

#define SL_SHASH_INIT { NULL, 0, 0 }

/* The item of type that embeds node n (a variable, may be NULL) as
 * member; NULL for NULL. */
#define SL_SHASH_ITEM(n, type, member)                                       \
	((n) != NULL ? (type *)(void *)((char *)(n) - offsetof(type, member)) \
	             : (type *)NULL)

/* Free the slots (not the items); the table is empty and usable after. */
void sl_shash_release(struct sl_shash *h);
/* The node with this key, or NULL. */
struct sl_shash_node *sl_shash_find(const struct sl_shash *h,
    const char *key);
/* Add n (n->key set; no node with that key in h). */
void sl_shash_add(struct sl_shash *h, struct sl_shash_node *n);
/* Take n out of h; nothing when it is not there. */
void sl_shash_del(struct sl_shash *h, struct sl_shash_node *n);
/* Take every node out, handing each to fn (which may free its item). */
void sl_shash_drain(struct sl_shash *h,
    void (*fn)(struct sl_shash_node *n, void *arg), void *arg);

#endif
