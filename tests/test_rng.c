/* Suite "rng": the id sequence and its UUIDs (common/rng.c). */
#include <check.h>
#include <ctype.h>
#include <string.h>

#include "common/rng.h"

/* splitmix64's published first outputs from state 0. */
START_TEST(test_rng_sequence)
{
	struct sl_rng r = { 0 };

	ck_assert(sl_rng_next(&r) == 0xe220a8397b1dcdafull);
	ck_assert(sl_rng_next(&r) == 0x6e789e6aa1b965f4ull);
	ck_assert(sl_rng_next(&r) == 0x06c45d188009454full);
}
END_TEST

/* Version 4, RFC 9562 variant, lowercase hex in 8-4-4-4-12 groups, and
 * the bytes of the sequence in order. */
START_TEST(test_rng_uuid_form)
{
	struct sl_rng r = { 0 };
	char u[37];
	int i;

	sl_rng_uuid(&r, u);
	/* 0xe220a8397b1dcdaf little-endian, then 0x6e789e6aa1b965f4. */
	ck_assert_str_eq(u, "afcd1d7b-39a8-40e2-b465-b9a16a9e786e");
	for (i = 0; i < 1000; i++) {
		int j;

		sl_rng_uuid(&r, u);
		ck_assert_uint_eq(strlen(u), 36);
		for (j = 0; j < 36; j++) {
			if (j == 8 || j == 13 || j == 18 || j == 23)
				ck_assert_int_eq(u[j], '-');
			else
				ck_assert(isxdigit((unsigned char)u[j]) &&
				    !isupper((unsigned char)u[j]));
		}
		ck_assert_int_eq(u[14], '4');
		ck_assert(strchr("89ab", u[19]) != NULL);
	}
}
END_TEST

/* Two seeded sequences differ, and one does not repeat its ids. */
START_TEST(test_rng_seeded)
{
	struct sl_rng a, b;
	char seen[64][37];
	int i, j;

	sl_rng_seed(&a);
	sl_rng_seed(&b);
	ck_assert(sl_rng_next(&a) != sl_rng_next(&b));
	for (i = 0; i < 64; i++) {
		sl_rng_uuid(&a, seen[i]);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(seen[i], seen[j]);
	}
}
END_TEST

Suite *
rng_suite(void)
{
	Suite *s = suite_create("rng");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_rng_sequence);
	tcase_add_test(tc, test_rng_uuid_form);
	tcase_add_test(tc, test_rng_seeded);
	suite_add_tcase(s, tc);
	return s;
}
