/* Suite "shash": the intrusive string-keyed hash (common/shash.c) that
 * the engine's executions and the store's cache both sit in: finding
 * through growth, taking out, draining. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/shash.h"

struct item {
	char key[32];
	int value;
	struct sl_shash_node node;
};

static void
count_drained(struct sl_shash_node *n, void *arg)
{
	(void)n;
	(*(int *)arg)++;
}

START_TEST(test_shash_find_add_del_drain)
{
	enum { N = 2000 }; /* past several doublings */
	static struct item items[N];
	struct sl_shash h = SL_SHASH_INIT;
	struct sl_shash_node *n;
	int i, drained = 0;

	ck_assert_ptr_null(sl_shash_find(&h, "e0"));
	for (i = 0; i < N; i++) {
		snprintf(items[i].key, sizeof(items[i].key), "e%d", i);
		items[i].value = i;
		items[i].node.key = items[i].key;
		sl_shash_add(&h, &items[i].node);
	}
	ck_assert_uint_eq(h.count, N);
	for (i = 0; i < N; i++) {
		n = sl_shash_find(&h, items[i].key);
		ck_assert_ptr_eq(n, &items[i].node);
	}
	ck_assert_ptr_null(sl_shash_find(&h, "nope"));
	ck_assert_ptr_null(sl_shash_find(&h, NULL));
	for (i = 0; i < N; i += 2) {
		sl_shash_del(&h, &items[i].node);
		sl_shash_del(&h, &items[i].node); /* not there: nothing */
	}
	ck_assert_uint_eq(h.count, N / 2);
	for (i = 0; i < N; i++)
		ck_assert_ptr_eq(sl_shash_find(&h, items[i].key),
		    i % 2 == 0 ? NULL : &items[i].node);
	sl_shash_drain(&h, count_drained, &drained);
	ck_assert_int_eq(drained, N / 2);
	ck_assert_uint_eq(h.count, 0);
	ck_assert_ptr_null(sl_shash_find(&h, items[1].key));
	/* Usable after a drain and after a release. */
	sl_shash_add(&h, &items[1].node);
	ck_assert_ptr_eq(sl_shash_find(&h, items[1].key), &items[1].node);
	sl_shash_release(&h);
	ck_assert_ptr_null(sl_shash_find(&h, items[1].key));
	sl_shash_del(&h, &items[1].node);
	sl_shash_release(&h);
}
END_TEST

Suite *
shash_suite(void)
{
	Suite *s = suite_create("shash");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_shash_find_add_del_drain);
	suite_add_tcase(s, tc);
	return s;
}
