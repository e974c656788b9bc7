/* A compact JSON printer over cJSON trees that writes into one growing
 * buffer, with cJSON's own output. cJSON_PrintUnformatted allocates and
 * reallocates per call, walks each string twice and prints every number
 * beyond int's range with "%1.15g" and then reads it back to check: the
 * daemon prints every history event, checkpoint and payload. */
#include "common/json.h"

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How cJSON escapes each byte: 0 for none, 'u' for \u00XX, else the
 * letter after the backslash. */
static const unsigned char escape_as[256] = {
	[0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',
	[0x05] = 'u', [0x06] = 'u', [0x07] = 'u', ['\b'] = 'b', ['\t'] = 't',
	['\n'] = 'n', [0x0b] = 'u', ['\f'] = 'f', ['\r'] = 'r', [0x0e] = 'u',
	[0x0f] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u', [0x13] = 'u',
	[0x14] = 'u', [0x15] = 'u', [0x16] = 'u', [0x17] = 'u', [0x18] = 'u',
	[0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u', [0x1d] = 'u',
	[0x1e] = 'u', [0x1f] = 'u', ['"'] = '"', ['\\'] = '\\',
};

void
sl_json_write_string(struct sl_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *run;
	size_t n = strlen(s), rest;
	ptrdiff_t slack;
	char *o;

	/* The bytes go straight into the buffer: JSON text inside a string
	 * (a state's input in a history event) has an escape every few
	 * bytes, and a buffer call per escape cost more than the copying.
	 * slack is the room beyond what the rest of s takes unescaped; an
	 * escape uses up what it adds, and only when slack runs short does
	 * the buffer grow, by as little as it must (a large realloc costs
	 * malloc a consolidation of its small free chunks). */
	sl_buf_grow(b, n + n / 8 + 8);
	o = b->data + b->len;
	*o++ = '"';
	slack = (ptrdiff_t)(b->cap - b->len) - 1 - (ptrdiff_t)n;
	for (;;) {
		for (run = p; escape_as[*p] == 0; p++)
			continue;
		memcpy(o, run, (size_t)(p - run));
		o += p - run;
		if (*p == '\0')
			break;
		/* This escape (6 bytes), the closing '"' and the NUL. */
		if (slack < 7) {
			rest = n - (size_t)(p - (const unsigned char *)s);
			b->len = (size_t)(o - b->data);
			sl_buf_grow(b, rest + rest / 8 + 8);
			o = b->data + b->len;
			slack = (ptrdiff_t)(b->cap - b->len) - (ptrdiff_t)rest;
		}
		*o++ = '\\';
		if (escape_as[*p] == 'u') {
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
			slack -= 5;
		} else {
			*o++ = (char)escape_as[*p];
			slack -= 1;
		}
		p++;
	}
	*o++ = '"';
	*o = '\0';
	b->len = (size_t)(o - b->data);
}

/* cJSON 1.7.15's print_number: "%1.15g", or "%1.17g" when that does not
 * read back as the same double; NaN and infinities as null. Whole numbers
 * below 10^15 take a fast path: "%1.15g" prints them as plain digits
 * ("-0" for negative zero). */
static void
write_number(struct sl_buf *b, const cJSON *v)
{
	double d = v->valuedouble, test = 0, big;
	char num[32];
	int n, ok;

	if (isnan(d) || isinf(d)) {
		sl_buf_add(b, "null", 4);
		return;
	}
	if (fabs(d) < 1e15 && d == (double)(long long)d) {
		long long i = (long long)d;
		unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i :
		    (unsigned long long)i;
		char *p = num + sizeof(num);

		do
			*--p = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		if (i < 0 || (d == 0 && signbit(d)))
			*--p = '-';
		sl_buf_add(b, p, (size_t)(num + sizeof(num) - p));
		return;
	}
	n = snprintf(num, sizeof(num), "%1.15g", d);
	ok = sscanf(num, "%lg", &test) == 1;
	big = fabs(test) > fabs(d) ? fabs(test) : fabs(d);
	if (!ok || fabs(test - d) > big * DBL_EPSILON)
		n = snprintf(num, sizeof(num), "%1.17g", d);
	sl_buf_add(b, num, (size_t)n);
}

int
sl_json_write(struct sl_buf *b, const cJSON *v)
{
	const cJSON *c;

	switch (v->type & 0xff) {
	case cJSON_NULL:
		sl_buf_add(b, "null", 4);
		return 0;
	case cJSON_False:
		sl_buf_add(b, "false", 5);
		return 0;
	case cJSON_True:
		sl_buf_add(b, "true", 4);
		return 0;
	case cJSON_Number:
		write_number(b, v);
		return 0;
	case cJSON_Raw:
		if (v->valuestring == NULL)
			return -1;
		sl_buf_addstr(b, v->valuestring);
		return 0;
	case cJSON_String:
		sl_json_write_string(b, v->valuestring ? v->valuestring : "");
		return 0;
	case cJSON_Array:
	case cJSON_Object: {
		int obj = (v->type & 0xff) == cJSON_Object;

		sl_buf_addch(b, obj ? '{' : '[');
		for (c = v->child; c != NULL; c = c->next) {
			if (c != v->child)
				sl_buf_addch(b, ',');
			if (obj) {
				sl_json_write_string(b,
				    c->string ? c->string : "");
				sl_buf_addch(b, ':');
			}
			if (sl_json_write(b, c) < 0)
				return -1;
		}
		sl_buf_addch(b, obj ? '}' : ']');
		return 0;
	}
	default:
		return -1;
	}
}

char *
sl_json_print(const cJSON *v)
{
	static const char msg[] = "sluice: cannot print a JSON value\n";
	struct sl_buf b;

	sl_buf_init(&b);
	sl_buf_grow(&b, 256);
	if (sl_json_write(&b, v) < 0) {
		(void)!write(2, msg, sizeof(msg) - 1);
		abort();
	}
	return sl_buf_detach(&b, NULL);
}
