/* Structured logs for sluiced: one line per event on stderr,
 * `ts=... level=info event=NAME key=value ...`. For the loop's thread. */
#ifndef SL_SLOG_H
#define SL_SLOG_H

enum sl_slog_level {
	SL_SLOG_DEBUG,
	SL_SLOG_INFO,
	SL_SLOG_WARN,
	SL_SLOG_ERROR,
};

/* "debug", "info", "warn" or "error" -> level; -1 when unknown. */
int sl_slog_parse_level(const char *name);
/* Lines below level are not written (default: info). */
void sl_slog_set_level(int level);
int sl_slog_enabled(int level);

/* Write one line: the timestamp, level and event, then fmt (already
 * `key=value` pairs, may be NULL). Values with spaces should be quoted by
 * the caller with sl_slog_quote(). */
void sl_slog(int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Quote s for a log value ("..." with \" and \\ escaped, control characters
 * dropped), into buf of size n; returns buf. */
const char *sl_slog_quote(const char *s, char *buf, unsigned n);

#endif
