/* RFC 3339 timestamps as AWS's States Language reads them (an ISO-8601
 * extended offset date-time) and the millisecond UTC text it prints. */
#include "orchestrator/asltime.h"

#include <inttypes.h>
#include <stdio.h>

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* n decimal digits at *s into *v; advances *s. */
static int
digits(const char **s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return -1;
		*v = *v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	return 0;
}

int
sl_time_parse(const char *s, struct sl_time *t)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, mo, d, h, mi, sec = 0, ns = 0, n, oh, om, os = 0, sign, dim;
	int64_t secs;

	if (s == NULL)
		return -1;
	if (digits(&s, 4, &y) < 0 || *s++ != '-' || digits(&s, 2, &mo) < 0 ||
	    *s++ != '-' || digits(&s, 2, &d) < 0)
		return -1;
	if (*s != 'T' && *s != 't')
		return -1;
	s++;
	if (digits(&s, 2, &h) < 0 || *s++ != ':' || digits(&s, 2, &mi) < 0)
		return -1;
	if (*s == ':') {
		s++;
		if (digits(&s, 2, &sec) < 0)
			return -1;
		if (*s == '.') {
			s++;
			for (n = 0; *s >= '0' && *s <= '9'; n++, s++) {
				if (n >= 9)
					return -1;
				ns = ns * 10 + (*s - '0');
			}
			if (n == 0)
				return -1;
			for (; n < 9; n++)
				ns *= 10;
		}
	}
	if (mo < 1 || mo > 12 || h > 23 || mi > 59 || sec > 59)
		return -1;
	dim = mdays[mo - 1] + (mo == 2 && leap(y));
	if (d < 1 || d > dim)
		return -1;
	if (*s == 'Z' || *s == 'z') {
		sign = 0;
		oh = om = 0;
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (digits(&s, 2, &oh) < 0 || *s++ != ':' ||
		    digits(&s, 2, &om) < 0)
			return -1;
		if (*s == ':') {
			s++;
			if (digits(&s, 2, &os) < 0)
				return -1;
		}
		if (om > 59 || os > 59 || oh > 18 ||
		    (oh == 18 && (om > 0 || os > 0)))
			return -1;
	} else
		return -1;
	if (*s != '\0')
		return -1;
	secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	if (sign)
		secs -= sign * (oh * 3600 + om * 60 + os);
	t->sec = secs;
	t->nsec = ns;
	return 0;
}

int
sl_time_cmp(const struct sl_time *a, const struct sl_time *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	if (a->nsec != b->nsec)
		return a->nsec < b->nsec ? -1 : 1;
	return 0;
}

int64_t
sl_time_to_ms(const struct sl_time *t)
{
	return t->sec * 1000 + t->nsec / 1000000;
}

char *
sl_time_format_ms(int64_t ms, char *buf, size_t len)
{
	int64_t days, rem, y;
	int m, d;

	days = ms / 86400000;
	rem = ms % 86400000;
	if (rem < 0) {
		rem += 86400000;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, len, "%04" PRId64 "-%02d-%02dT%02d:%02d:%02d.%03dZ", y,
	    m, d, (int)(rem / 3600000), (int)(rem / 60000 % 60),
	    (int)(rem / 1000 % 60), (int)(rem % 1000));
	return buf;
}
