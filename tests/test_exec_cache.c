/* Suite "exec_cache": the SQLite backend's table of running executions
 * (store/exec_cache.c): entries found by ARN through growth, dropped one
 * by one, emptied, and the bound. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/xmalloc.h"
#include "store/exec_cache.h"

static void
arn_of(char *out, size_t n, unsigned i)
{
	snprintf(out, n, "arn:aws:states:us-east-1:000000000000:execution:"
	    "m:e%u", i);
}

static struct sl_exec_cached
value_of(unsigned i)
{
	struct sl_exec_cached v = { .seq = i, .last_id = 2 * (int64_t)i,
		.sm_id = 7, .sm_status = 0, .sm_arn = xasprintf("sm%u", i) };

	return v;
}

START_TEST(test_exec_cache_put_get_drop)
{
	struct sl_exec_cache *c = sl_exec_cache_new();
	struct sl_exec_cached v, *e;
	char arn[128];
	unsigned i, n = 3000; /* past several doublings */

	for (i = 0; i < n; i++) {
		arn_of(arn, sizeof(arn), i);
		ck_assert_ptr_null(sl_exec_cache_get(c, arn));
		v = value_of(i);
		e = sl_exec_cache_put(c, arn, &v);
		ck_assert_int_eq(e->seq, i);
	}
	ck_assert_uint_eq(sl_exec_cache_count(c), n);
	for (i = 0; i < n; i++) {
		char want[32];

		arn_of(arn, sizeof(arn), i);
		e = sl_exec_cache_get(c, arn);
		ck_assert_ptr_nonnull(e);
		ck_assert_int_eq(e->last_id, 2 * (int64_t)i);
		snprintf(want, sizeof(want), "sm%u", i);
		ck_assert_str_eq(e->sm_arn, want);
	}
	/* Entries are changed in place. */
	arn_of(arn, sizeof(arn), 5);
	sl_exec_cache_get(c, arn)->last_id = 99;
	ck_assert_int_eq(sl_exec_cache_get(c, arn)->last_id, 99);
	for (i = 0; i < n; i += 2) {
		arn_of(arn, sizeof(arn), i);
		sl_exec_cache_drop(c, arn);
		sl_exec_cache_drop(c, arn); /* gone already: nothing */
	}
	ck_assert_uint_eq(sl_exec_cache_count(c), n / 2);
	for (i = 0; i < n; i++) {
		arn_of(arn, sizeof(arn), i);
		if (i % 2 == 0)
			ck_assert_ptr_null(sl_exec_cache_get(c, arn));
		else
			ck_assert_ptr_nonnull(sl_exec_cache_get(c, arn));
	}
	sl_exec_cache_clear(c);
	ck_assert_uint_eq(sl_exec_cache_count(c), 0);
	arn_of(arn, sizeof(arn), 1);
	ck_assert_ptr_null(sl_exec_cache_get(c, arn));
	sl_exec_cache_free(c);
}
END_TEST

START_TEST(test_exec_cache_bound)
{
	struct sl_exec_cache *c = sl_exec_cache_new();
	struct sl_exec_cached v;
	char arn[128];
	unsigned i;

	for (i = 0; i < SL_EXEC_CACHE_MAX; i++) {
		arn_of(arn, sizeof(arn), i);
		v = value_of(i);
		(void)sl_exec_cache_put(c, arn, &v);
	}
	ck_assert_uint_eq(sl_exec_cache_count(c), SL_EXEC_CACHE_MAX);
	/* One more: it starts over with that one alone. */
	arn_of(arn, sizeof(arn), SL_EXEC_CACHE_MAX);
	v = value_of(SL_EXEC_CACHE_MAX);
	(void)sl_exec_cache_put(c, arn, &v);
	ck_assert_uint_eq(sl_exec_cache_count(c), 1);
	ck_assert_ptr_nonnull(sl_exec_cache_get(c, arn));
	arn_of(arn, sizeof(arn), 0);
	ck_assert_ptr_null(sl_exec_cache_get(c, arn));
	sl_exec_cache_free(c);
}
END_TEST

Suite *
exec_cache_suite(void)
{
	Suite *s = suite_create("exec_cache");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_exec_cache_put_get_drop);
	tcase_add_test(tc, test_exec_cache_bound);
	suite_add_tcase(s, tc);
	return s;
}
