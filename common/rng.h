/* A splitmix64 sequence: ids that must be unique, not secret (request
 * ids, execution names, message ids), seeded once from the kernel so that
 * an id costs no system call; and States.MathRandom's seeded numbers. */
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
/* The 16 bytes at b as a version 4 UUID (version and variant bits set),
 * lowercase, NUL-terminated. */
void sl_uuid4_of(const unsigned char b[16], char out[37]);

#endif
