/* Structured one-line logs for sluiced (see log.h). */
#include "server/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int slog_level = SL_SLOG_INFO;

static const char *const slog_names[] = { "debug", "info", "warn", "error" };

int
sl_slog_parse_level(const char *name)
{
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(name, slog_names[i]) == 0)
			return i;
	if (strcmp(name, "warning") == 0)
		return SL_SLOG_WARN;
	return -1;
}

void
sl_slog_set_level(int level)
{
	slog_level = level;
}

int
sl_slog_enabled(int level)
{
	return level >= slog_level;
}

void
sl_slog(int level, const char *event, const char *fmt, ...)
{
	char line[2048], ts[40];
	struct timespec now;
	struct tm tm;
	va_list ap;
	int n;

	if (level < slog_level || level < 0 || level > SL_SLOG_ERROR)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "ts=%s.%03ldZ level=%s event=%s", ts,
	    now.tv_nsec / 1000000, slog_names[level], event);
	if (fmt != NULL && n > 0 && (size_t)n < sizeof(line) - 2) {
		line[n++] = ' ';
		va_start(ap, fmt);
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	/* One write per line, so that lines from a crash stay whole. */
	fprintf(stderr, "%s\n", line);
	fflush(stderr);
}

const char *
sl_slog_quote(const char *s, char *buf, unsigned n)
{
	unsigned o = 0;

	if (n < 3) {
		if (n > 0)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	for (; s != NULL && *s != '\0' && o + 3 < n; s++) {
		if ((unsigned char)*s < 0x20)
			continue;
		if (*s == '"' || *s == '\\')
			buf[o++] = '\\';
		buf[o++] = *s;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}
