/* Internal to the SQLite backend (store/sqlite.c): what it remembers of
 * running executions, by ARN, so that a progress write does not look its
 * execution up in the database each time. The backend adds an execution
 * at its first progress write, keeps its last event id current, drops it
 * at its end, and forgets everything whenever writes are undone or a
 * machine changes status, so an entry never says more than the database
 * does. Bounded: at SL_EXEC_CACHE_MAX entries it starts over empty. */
#ifndef SL_EXEC_CACHE_H
#define SL_EXEC_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define SL_EXEC_CACHE_MAX 65536u

struct sl_exec_cached {
	int64_t seq;     /* the execution's row */
	int64_t last_id; /* its last history event */
	int64_t sm_id;   /* its machine's row */
	int sm_status;   /* its machine's status */
	char *sm_arn;    /* its machine's ARN (owned by the cache) */
};

struct sl_exec_cache;

struct sl_exec_cache *sl_exec_cache_new(void);
void sl_exec_cache_free(struct sl_exec_cache *c);
/* The entry of arn, or NULL. Valid until the next put, drop or clear. */
struct sl_exec_cached *sl_exec_cache_get(struct sl_exec_cache *c,
    const char *arn);
/* Remember arn (not there yet) as *v, whose sm_arn the cache takes over;
 * returns its entry. */
struct sl_exec_cached *sl_exec_cache_put(struct sl_exec_cache *c,
    const char *arn, const struct sl_exec_cached *v);
void sl_exec_cache_drop(struct sl_exec_cache *c, const char *arn);
void sl_exec_cache_clear(struct sl_exec_cache *c);
size_t sl_exec_cache_count(const struct sl_exec_cache *c);

#endif
