/* Pieces shared by the signup example functions (db_insert, send_email,
 * notify_admin): the e-mail address check, random tokens and ids, and
 * timestamps. Header-only, because each function is a standalone .so. */
#ifndef SIGNUP_H
#define SIGNUP_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define SIGNUP_EMAIL_MAX 254 /* RFC 5321 4.5.3.1.3, less the brackets */
#define SIGNUP_LOCAL_MAX 64  /* RFC 5321 4.5.3.1.1 */
#define SIGNUP_LABEL_MAX 63  /* RFC 1035 2.3.4 */
#define SIGNUP_UUID_LEN 36
#define SIGNUP_TIME_LEN 24 /* 2026-11-26T14:45:21.123Z */

/* An RFC 5322 atext character (the characters of a dot-atom). */
static inline int
signup_is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* Check an address against the subset of RFC 5321/5322 that mail systems
 * accept in practice: local@domain, the local part a dot-atom (no quoted
 * strings, no comments), the domain two or more LDH labels (no address
 * literals) whose top label is not all digits, within the RFC 5321 length
 * limits. Returns 0, or -1 with why pointing to a static description. */
static inline int
signup_check_email(const char *s, const char **why)
{
	const char *at, *p, *label, *last_label;
	size_t len, llen;
	int labels, alldigit;

	len = strlen(s);
	if (len == 0)
		return (*why = "is empty", -1);
	if (len > SIGNUP_EMAIL_MAX)
		return (*why = "is longer than 254 characters", -1);
	at = strchr(s, '@');
	if (at == NULL)
		return (*why = "has no '@'", -1);
	if (strchr(at + 1, '@') != NULL)
		return (*why = "has more than one '@'", -1);
	if (at == s)
		return (*why = "has an empty local part", -1);
	if ((size_t)(at - s) > SIGNUP_LOCAL_MAX)
		return (*why = "has a local part over 64 characters", -1);
	for (p = s; p < at; p++) {
		if (*p == '.') {
			if (p == s || p + 1 == at || p[1] == '.')
				return (*why = "has a misplaced '.' in its "
				    "local part", -1);
		} else if (!signup_is_atext((unsigned char)*p))
			return (*why = "has a character not allowed in its "
			    "local part", -1);
	}
	labels = 0;
	alldigit = 0;
	last_label = NULL;
	for (label = at + 1;; label = p + 1) {
		alldigit = 1;
		for (p = label; *p != '\0' && *p != '.'; p++) {
			unsigned char c = (unsigned char)*p;

			if (c >= '0' && c <= '9')
				continue;
			alldigit = 0;
			if (!((c >= 'a' && c <= 'z') ||
			    (c >= 'A' && c <= 'Z') || c == '-'))
				return (*why = "has a character not allowed "
				    "in its domain", -1);
		}
		llen = (size_t)(p - label);
		if (llen == 0)
			return (*why = "has an empty domain label", -1);
		if (llen > SIGNUP_LABEL_MAX)
			return (*why = "has a domain label over 63 "
			    "characters", -1);
		if (label[0] == '-' || p[-1] == '-')
			return (*why = "has a domain label that starts or "
			    "ends with '-'", -1);
		labels++;
		last_label = label;
		if (*p == '\0')
			break;
	}
	if (labels < 2)
		return (*why = "has a domain without a '.'", -1);
	if (alldigit || last_label == NULL)
		return (*why = "has a numeric top-level domain", -1);
	return 0;
}

/* Whether s is valid UTF-8 (no overlongs, no surrogates, at most U+10FFFF)
 * without control characters other than those allowed in allow. */
static inline int
signup_is_text(const char *s, const char *allow)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned cp, n, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			if ((*p < 0x20 || *p == 0x7f) &&
			    strchr(allow, (char)*p) == NULL)
				return 0;
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			n = 1;
			cp = *p & 0x1fu;
		} else if (*p >= 0xe0 && *p <= 0xef) {
			n = 2;
			cp = *p & 0x0fu;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			n = 3;
			cp = *p & 0x07u;
		} else
			return 0;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3fu);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp < 0xa0))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* Fill buf with n random bytes from getrandom(2). Returns 0 or -1. */
static inline int
signup_random(void *buf, size_t n)
{
	unsigned char *p = buf;
	ssize_t got;

	while (n > 0) {
		got = getrandom(p, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

/* The n bytes at b as 2n lowercase hex digits into out (2n + 1 bytes). */
static inline void
signup_hex(char *out, const unsigned char *b, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* n random bytes as 2n lowercase hex digits into out (2n + 1 bytes). */
static inline int
signup_random_hex(char *out, size_t n)
{
	unsigned char b[64];

	if (n > sizeof(b) || signup_random(b, n) == -1)
		return -1;
	signup_hex(out, b, n);
	return 0;
}

/* The 16 bytes at v (changed) as a UUID of the given version into out
 * (SIGNUP_UUID_LEN + 1 bytes): version and RFC 9562 variant bits set,
 * then 8-4-4-4-12 hex digits. */
static inline void
signup_uuid_fmt(char *out, unsigned char *v, unsigned version)
{
	v[6] = (unsigned char)((v[6] & 0x0f) | (version << 4));
	v[8] = (unsigned char)((v[8] & 0x3f) | 0x80);
	signup_hex(out, v, 4);
	out[8] = '-';
	signup_hex(out + 9, v + 4, 2);
	out[13] = '-';
	signup_hex(out + 14, v + 6, 2);
	out[18] = '-';
	signup_hex(out + 19, v + 8, 2);
	out[23] = '-';
	signup_hex(out + 24, v + 10, 6);
}

/* The 16 random bytes at b as a version 4 UUID into out
 * (SIGNUP_UUID_LEN + 1 bytes). */
static inline void
signup_uuid_of(char *out, const unsigned char *b)
{
	unsigned char v[16];

	memcpy(v, b, sizeof(v));
	signup_uuid_fmt(out, v, 4);
}

/* A version 7 UUID (RFC 9562) into out (SIGNUP_UUID_LEN + 1 bytes): the
 * Unix time ms in its first 48 bits, then 74 of the random bits at b
 * (16 bytes). Ids made later sort after earlier ones, so a table keyed by
 * them grows at its end instead of touching a random page per insert. */
static inline void
signup_uuid7_of(char *out, int64_t ms, const unsigned char *b)
{
	unsigned char v[16];
	int i;

	memcpy(v, b, sizeof(v));
	for (i = 0; i < 6; i++)
		v[i] = (unsigned char)((uint64_t)ms >> (40 - 8 * i));
	signup_uuid_fmt(out, v, 7);
}

/* A random (version 4) UUID into out (SIGNUP_UUID_LEN + 1 bytes). */
static inline int
signup_uuid(char *out)
{
	unsigned char b[16];

	if (signup_random(b, sizeof(b)) == -1)
		return -1;
	signup_uuid_of(out, b);
	return 0;
}

/* The time ms (since the epoch) in RFC 3339 (UTC, milliseconds) into out
 * (SIGNUP_TIME_LEN + 1 bytes). */
static inline void
signup_rfc3339_of(char *out, int64_t ms)
{
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&sec, &tm);
	if (strftime(out, SIGNUP_TIME_LEN + 1, "%Y-%m-%dT%H:%M:%S",
	    &tm) != 19) {
		out[0] = '\0';
		return;
	}
	snprintf(out + 19, SIGNUP_TIME_LEN + 1 - 19, ".%03uZ",
	    (unsigned)(ms % 1000));
}

/* The wall clock in ms since the epoch. */
static inline int64_t
signup_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The current time in RFC 3339 (UTC, milliseconds) into out
 * (SIGNUP_TIME_LEN + 1 bytes). */
static inline void
signup_now_rfc3339(char *out)
{
	signup_rfc3339_of(out, signup_wall_ms());
}

#endif
