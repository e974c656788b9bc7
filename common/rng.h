/* Ids that must be unique, not secret: request ids, execution names and
 * message ids. A splitmix64 sequence seeded once from the kernel, so that
 * an id costs no system call. */
#ifndef SL_RNG_H
#define SL_RNG_H

#include <stdint.h>

struct sl_rng {
	uint64_t state;
};

/* Seed from getrandom(2), or from the clock and pid if that fails. */
void sl_rng_seed(struct sl_rng *r);
uint64_t sl_rng_next(struct sl_rng *r);
/* A version 4 UUID, lowercase, NUL-terminated. */
void sl_rng_uuid(struct sl_rng *r, char out[37]);

#endif
