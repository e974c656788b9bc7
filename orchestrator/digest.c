/* MD5 (RFC 1321), SHA-1 and the SHA-2 family (FIPS 180-4) over a buffer
 * held in memory, for States.Hash. One-shot only: inputs are small. */
#include "orchestrator/digest.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

#define ROL32(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

/* Pad data Merkle-Damgard style into a fresh buffer of whole blocks: 0x80,
 * zeros, then the bit length (big- or little-endian) in lenbytes bytes. */
static uint8_t *
pad(const void *data, size_t len, size_t block, size_t lenbytes, int big,
    size_t *outlen)
{
	size_t n = (len + 1 + lenbytes + block - 1) / block * block, i;
	uint8_t *m = xcalloc(n, 1);
	uint64_t bits = (uint64_t)len * 8;

	memcpy(m, data, len);
	m[len] = 0x80;
	for (i = 0; i < 8; i++) {
		if (big)
			m[n - 1 - i] = (uint8_t)(bits >> (8 * i));
		else
			m[n - lenbytes + i] = (uint8_t)(bits >> (8 * i));
	}
	*outlen = n;
	return m;
}

static void
md5(const void *data, size_t len, uint8_t out[16])
{
	static const uint32_t K[64] = {
	    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf,
	    0x4787c62a, 0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af,
	    0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e,
	    0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa,
	    0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6,
	    0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
	    0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
	    0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039,
	    0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244, 0x432aff97,
	    0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d,
	    0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	    0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391 };
	static const int R[64] = { 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17,
	    22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9,
	    14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
	    6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21 };
	uint32_t h[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
	uint32_t w[16], a, b, c, d, f, t;
	size_t n, off;
	uint8_t *m = pad(data, len, 64, 8, 0, &n);
	int i, g;

	for (off = 0; off < n; off += 64) {
		for (i = 0; i < 16; i++)
			w[i] = (uint32_t)m[off + 4 * i] |
			    (uint32_t)m[off + 4 * i + 1] << 8 |
			    (uint32_t)m[off + 4 * i + 2] << 16 |
			    (uint32_t)m[off + 4 * i + 3] << 24;
		a = h[0], b = h[1], c = h[2], d = h[3];
		for (i = 0; i < 64; i++) {
			if (i < 16) {
				f = (b & c) | (~b & d);
				g = i;
			} else if (i < 32) {
				f = (d & b) | (~d & c);
				g = (5 * i + 1) % 16;
			} else if (i < 48) {
				f = b ^ c ^ d;
				g = (3 * i + 5) % 16;
			} else {
				f = c ^ (b | ~d);
				g = (7 * i) % 16;
			}
			t = d;
			d = c;
			c = b;
			b = b + ROL32(a + f + K[i] + w[g], R[i]);
			a = t;
		}
		h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	}
	for (i = 0; i < 16; i++)
		out[i] = (uint8_t)(h[i / 4] >> (8 * (i % 4)));
	free(m);
}

static void
sha1(const void *data, size_t len, uint8_t out[20])
{
	uint32_t h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
	    0xc3d2e1f0 };
	uint32_t w[80], a, b, c, d, e, f, k, t;
	size_t n, off;
	uint8_t *m = pad(data, len, 64, 8, 1, &n);
	int i;

	for (off = 0; off < n; off += 64) {
		for (i = 0; i < 16; i++)
			w[i] = (uint32_t)m[off + 4 * i] << 24 |
			    (uint32_t)m[off + 4 * i + 1] << 16 |
			    (uint32_t)m[off + 4 * i + 2] << 8 |
			    (uint32_t)m[off + 4 * i + 3];
		for (i = 16; i < 80; i++)
			w[i] = ROL32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^
			    w[i - 16], 1);
		a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
		for (i = 0; i < 80; i++) {
			if (i < 20) {
				f = (b & c) | (~b & d);
				k = 0x5a827999;
			} else if (i < 40) {
				f = b ^ c ^ d;
				k = 0x6ed9eba1;
			} else if (i < 60) {
				f = (b & c) | (b & d) | (c & d);
				k = 0x8f1bbcdc;
			} else {
				f = b ^ c ^ d;
				k = 0xca62c1d6;
			}
			t = ROL32(a, 5) + f + e + k + w[i];
			e = d;
			d = c;
			c = ROL32(b, 30);
			b = a;
			a = t;
		}
		h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
	}
	for (i = 0; i < 20; i++)
		out[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
	free(m);
}

/* SHA-512's round constants and start values; SHA-256 uses the high 32 bits
 * of the first 64 constants and of the SHA-512 start values (FIPS 180-4,
 * 4.2.2 and 5.3.3). */
static const uint64_t K512[80] = {
	0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL,
	0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
	0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL,
	0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
	0xd807aa98a3030242ULL, 0x12835b0145706fbeULL,
	0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
	0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL,
	0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
	0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL,
	0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
	0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL,
	0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
	0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL,
	0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
	0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL,
	0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
	0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL,
	0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
	0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL,
	0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
	0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL,
	0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
	0xd192e819d6ef5218ULL, 0xd69906245565a910ULL,
	0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
	0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL,
	0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
	0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL,
	0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
	0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL,
	0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
	0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL,
	0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
	0xca273eceea26619cULL, 0xd186b8c721c0c207ULL,
	0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
	0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL,
	0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
	0x28db77f523047d84ULL, 0x32caab7b40c72493ULL,
	0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
	0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL,
	0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL };

static const uint64_t H512[8] = {
	0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL,
	0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
	0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
	0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL };

static const uint64_t H384[8] = {
	0xcbbb9d5dc1059ed8ULL, 0x629a292a367cd507ULL,
	0x9159015a3070dd17ULL, 0x152fecd8f70e5939ULL,
	0x67332667ffc00b31ULL, 0x8eb44a8768581511ULL,
	0xdb0c2e0d64f98fa7ULL, 0x47b5481dbefa4fa4ULL };

/* What tells the SHA-2 functions apart: word size, rounds, start values,
 * digest length and the shift counts of the four sigma functions. */
struct sha2_kind {
	int bits;
	int rounds;
	const uint64_t *h0;
	int outlen;
	int sig0[3], sig1[3];	/* rotate, rotate, shift */
	int sum0[3], sum1[3];	/* rotate, rotate, rotate */
};

static const struct sha2_kind sha256 = { 32, 64, H512, 32, { 7, 18, 3 },
	{ 17, 19, 10 }, { 2, 13, 22 }, { 6, 11, 25 } };
static const struct sha2_kind sha384 = { 64, 80, H384, 48, { 1, 8, 7 },
	{ 19, 61, 6 }, { 28, 34, 39 }, { 14, 18, 41 } };
static const struct sha2_kind sha512 = { 64, 80, H512, 64, { 1, 8, 7 },
	{ 19, 61, 6 }, { 28, 34, 39 }, { 14, 18, 41 } };

/* Rotate right within a word of the given width (x fits in it). */
static uint64_t
ror(uint64_t x, int n, int bits)
{
	uint64_t mask = bits == 64 ? UINT64_MAX : UINT32_MAX;

	return ((x >> n) | (x << (bits - n))) & mask;
}

/* A SHA-2 digest; 32-bit words are held in 64 and cut back after each
 * addition. */
static void
sha2(const struct sha2_kind *a, const void *data, size_t len, uint8_t *out)
{
	uint64_t mask = a->bits == 64 ? UINT64_MAX : UINT32_MAX;
	size_t wb = (size_t)a->bits / 8, n, off, j;
	uint64_t h[8], w[80], v[8], s0, s1, t1, t2;
	uint8_t *m = pad(data, len, 16 * wb, 2 * wb, 1, &n);
	int i;

	for (i = 0; i < 8; i++)
		h[i] = a->h0[i] >> (64 - a->bits);
	for (off = 0; off < n; off += 16 * wb) {
		for (i = 0; i < 16; i++) {
			w[i] = 0;
			for (j = 0; j < wb; j++)
				w[i] = w[i] << 8 | m[off + wb * i + j];
		}
		for (i = 16; i < a->rounds; i++) {
			s0 = ror(w[i - 15], a->sig0[0], a->bits) ^
			    ror(w[i - 15], a->sig0[1], a->bits) ^
			    (w[i - 15] >> a->sig0[2]);
			s1 = ror(w[i - 2], a->sig1[0], a->bits) ^
			    ror(w[i - 2], a->sig1[1], a->bits) ^
			    (w[i - 2] >> a->sig1[2]);
			w[i] = (w[i - 16] + s0 + w[i - 7] + s1) & mask;
		}
		memcpy(v, h, sizeof(v));
		for (i = 0; i < a->rounds; i++) {
			s1 = ror(v[4], a->sum1[0], a->bits) ^
			    ror(v[4], a->sum1[1], a->bits) ^
			    ror(v[4], a->sum1[2], a->bits);
			t1 = v[7] + s1 + ((v[4] & v[5]) ^ (~v[4] & v[6])) +
			    (K512[i] >> (64 - a->bits)) + w[i];
			s0 = ror(v[0], a->sum0[0], a->bits) ^
			    ror(v[0], a->sum0[1], a->bits) ^
			    ror(v[0], a->sum0[2], a->bits);
			t2 = s0 + ((v[0] & v[1]) ^ (v[0] & v[2]) ^
			    (v[1] & v[2]));
			memmove(v + 1, v, 7 * sizeof(v[0]));
			v[4] = (v[4] + t1) & mask;
			v[0] = (t1 + t2) & mask;
		}
		for (i = 0; i < 8; i++)
			h[i] = (h[i] + v[i]) & mask;
	}
	for (i = 0; i < a->outlen; i++)
		out[i] = (uint8_t)(h[i / wb] >> (8 * (wb - 1 - i % wb)));
	free(m);
}

int
sl_digest_hex(const char *algorithm, const void *data, size_t len,
    char hex[SL_DIGEST_HEX_MAX])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t out[64];
	size_t n, i;

	if (strcmp(algorithm, "MD5") == 0) {
		md5(data, len, out);
		n = 16;
	} else if (strcmp(algorithm, "SHA-1") == 0) {
		sha1(data, len, out);
		n = 20;
	} else if (strcmp(algorithm, "SHA-256") == 0) {
		sha2(&sha256, data, len, out);
		n = 32;
	} else if (strcmp(algorithm, "SHA-384") == 0) {
		sha2(&sha384, data, len, out);
		n = 48;
	} else if (strcmp(algorithm, "SHA-512") == 0) {
		sha2(&sha512, data, len, out);
		n = 64;
	} else
		return -1;
	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[out[i] >> 4];
		hex[2 * i + 1] = digits[out[i] & 15];
	}
	hex[2 * n] = '\0';
	return 0;
}
