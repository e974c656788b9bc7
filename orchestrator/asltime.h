/* Timestamps as the States Language uses them (Wait Timestamp/TimestampPath,
 * Choice Timestamp* and IsTimestamp, context-object times): RFC 3339
 * date-times with a mandatory offset, and their canonical text. */
#ifndef SL_ASLTIME_H
#define SL_ASLTIME_H

#include <stddef.h>
#include <stdint.h>

/* An instant: seconds since the Unix epoch (UTC) plus nanoseconds. */
struct sl_time {
	int64_t sec;
	int32_t nsec; /* 0..999999999 */
};

/* Parse "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" as AWS accepts it
 * (T and Z in either case, 1-9 fraction digits, offsets up to 18:00, real
 * calendar dates). 0 and *t on success, -1 when s is not such a string. */
int sl_time_parse(const char *s, struct sl_time *t);
/* -1, 0 or 1 as a is before, equal to or after b. */
int sl_time_cmp(const struct sl_time *a, const struct sl_time *b);
/* Milliseconds since the epoch (truncated). */
int64_t sl_time_to_ms(const struct sl_time *t);
/* Write the UTC text with milliseconds, "2024-01-02T03:04:05.678Z", as
 * AWS prints context-object times; buf needs 32 bytes. Returns buf. */
char *sl_time_format_ms(int64_t ms, char *buf, size_t len);

#endif
