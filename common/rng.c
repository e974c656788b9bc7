/* Unique ids from a seeded sequence (see rng.h). */
#include "common/rng.h"

#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/loop.h"

void
sl_rng_seed(struct sl_rng *r)
{
	if (getrandom(&r->state, sizeof(r->state), 0) !=
	    (ssize_t)sizeof(r->state))
		r->state = sl_loop_now_us() ^ ((uint64_t)getpid() << 32);
}

uint64_t
sl_rng_next(struct sl_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void
sl_uuid4_of(const unsigned char b[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char u[16];
	int i, o = 0;

	memcpy(u, b, 16);
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
	}
	out[o] = '\0';
}

void
sl_rng_uuid(struct sl_rng *r, char out[37])
{
	unsigned char b[16];
	uint64_t a = sl_rng_next(r), c = sl_rng_next(r);

	memcpy(b, &a, 8);
	memcpy(b + 8, &c, 8);
	sl_uuid4_of(b, out);
}
