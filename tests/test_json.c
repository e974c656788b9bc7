/* Suite "json": common/json.c prints exactly what cJSON_PrintUnformatted
 * prints, on crafted edge cases, on random trees and on every JSON file of
 * the conformance cases (when ../shared is there) and of functions/. */
#include <check.h>
#include <dirent.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/json.h"
#include "common/xmalloc.h"

/* sl_json_write and sl_json_print against cJSON for v. */
static void
expect_same(const cJSON *v)
{
	char *want = cJSON_PrintUnformatted(v), *got;
	struct sl_buf b;

	ck_assert_ptr_nonnull(want);
	sl_buf_init(&b);
	ck_assert_int_eq(sl_json_write(&b, v), 0);
	ck_assert_str_eq(b.data, want);
	got = sl_json_print(v);
	ck_assert_str_eq(got, want);
	free(got);
	sl_buf_release(&b);
	cJSON_free(want);
}

START_TEST(test_numbers)
{
	static const double nums[] = { 0, 1, -1, 0.1, -0.1, 1.5, 1e15, 1e15 - 1,
		-1e15, 1e15 + 1, 999999999999999.0, 1234567890123456789.0,
		9007199254740992.0, -9007199254740993.0, 1e-7, 1e-300, -1e300,
		3.141592653589793, 0.30000000000000004, 2.5e-5, 123456789012.5,
		(double)INT_MAX, (double)INT_MAX + 1, (double)INT_MIN,
		(double)INT_MIN - 1, 1795713596862.0, 4294967296.0, DBL_MAX,
		-DBL_MAX, DBL_MIN, 5e-324, 100, 1e21, 1e22, 12345678.9 };
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(nums[i]));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(-0.0));
	expect_same(a);
	cJSON_Delete(a);
	/* NaN and infinities: cJSON prints null. */
	a = cJSON_CreateArray();
	cJSON_AddItemToArray(a, cJSON_CreateNumber(NAN));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(INFINITY));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(-INFINITY));
	expect_same(a);
	cJSON_Delete(a);
}
END_TEST

START_TEST(test_strings_and_shapes)
{
	char all[256], key[8], long_all[20001];
	cJSON *o = cJSON_CreateObject(), *in, *ref;
	int i;

	/* Every byte but NUL, in a value and in keys. */
	for (i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	cJSON_AddStringToObject(o, "all", all);
	/* The same cycled, long: escapes all along use up the room the
	 * printer keeps beyond the unescaped rest, again and again. */
	for (i = 0; i < 20000; i++)
		long_all[i] = (char)(1 + i % 255);
	long_all[20000] = '\0';
	cJSON_AddStringToObject(o, "long", long_all);
	/* And long with only bytes printed six times as long (\u00XX). */
	for (i = 0; i < 20000; i++)
		long_all[i] = (char)(1 + i % 7);
	cJSON_AddStringToObject(o, "longControls", long_all);
	long_all[4000] = '\0'; /* and a shorter one of the same */
	cJSON_AddStringToObject(o, "controls", long_all);
	for (i = 1; i < 40; i++) {
		snprintf(key, sizeof(key), "%c%c", i, '"');
		cJSON_AddNumberToObject(o, key, i);
	}
	cJSON_AddStringToObject(o, "utf8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	cJSON_AddItemToObject(o, "emptyObject", cJSON_CreateObject());
	cJSON_AddItemToObject(o, "emptyArray", cJSON_CreateArray());
	cJSON_AddStringToObject(o, "", "empty key");
	cJSON_AddNullToObject(o, "null");
	cJSON_AddTrueToObject(o, "t");
	cJSON_AddFalseToObject(o, "f");
	cJSON_AddRawToObject(o, "raw", "[1, 2 ,3]");
	in = cJSON_Parse("{\"a\":[1,{\"b\":[[],{}]},\"x\\ny\"],\"c\":-2.5}");
	ck_assert_ptr_nonnull(in);
	ref = cJSON_CreateObjectReference(in->child);
	cJSON_AddItemToObject(o, "ref", ref);
	cJSON_AddItemToObject(o, "nested", in);
	expect_same(o);
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_cannot_print)
{
	struct sl_buf b;
	cJSON *raw = cJSON_CreateRaw("1");
	cJSON inv;

	memset(&inv, 0, sizeof(inv));
	sl_buf_init(&b);
	ck_assert_int_eq(sl_json_write(&b, &inv), -1);
	ck_assert_ptr_null(cJSON_PrintUnformatted(&inv));
	free(raw->valuestring);
	raw->valuestring = NULL;
	ck_assert_int_eq(sl_json_write(&b, raw), -1);
	ck_assert_ptr_null(cJSON_PrintUnformatted(raw));
	cJSON_Delete(raw);
	sl_buf_release(&b);
}
END_TEST

/* xorshift64*: a fixed sequence, so that a failure repeats. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static cJSON *
random_tree(uint64_t *s, int depth)
{
	uint64_t r = rnd(s);
	char str[24];
	double d;
	cJSON *v;
	int i, n;

	switch (depth > 3 ? r % 4 : r % 6) {
	case 0:
		/* Any bit pattern: NaNs, denormals, huge and tiny. */
		r = rnd(s);
		memcpy(&d, &r, sizeof(d));
		return cJSON_CreateNumber(d);
	case 1:
		return cJSON_CreateNumber((double)(int64_t)(rnd(s) >>
		    (rnd(s) % 64)) / (double)(1 + rnd(s) % 1000));
	case 2:
		n = (int)(rnd(s) % (sizeof(str) - 1));
		for (i = 0; i < n; i++)
			str[i] = (char)(1 + rnd(s) % 255);
		str[n] = '\0';
		return cJSON_CreateString(str);
	case 3:
		return cJSON_CreateBool(r & 16);
	case 4:
		v = cJSON_CreateArray();
		for (n = (int)(rnd(s) % 5); n > 0; n--)
			cJSON_AddItemToArray(v, random_tree(s, depth + 1));
		return v;
	default:
		v = cJSON_CreateObject();
		for (n = (int)(rnd(s) % 5); n > 0; n--) {
			snprintf(str, sizeof(str), "k%c%u", (char)(1 + rnd(s) %
			    126), (unsigned)(rnd(s) % 100));
			cJSON_AddItemToObject(v, str, random_tree(s, depth + 1));
		}
		return v;
	}
}

START_TEST(test_random_trees)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int i;

	for (i = 0; i < 3000; i++) {
		cJSON *v = random_tree(&seed, 0);

		expect_same(v);
		cJSON_Delete(v);
	}
}
END_TEST

/* Every *.json under dir (recursively) that cJSON parses; returns how
 * many were compared. */
static int
compare_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char *path;
		struct stat sb;
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			n += compare_dir(path);
		else if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
			char *text = sl_read_file(path);
			cJSON *v;

			if (text != NULL && (v = cJSON_Parse(text)) != NULL) {
				expect_same(v);
				cJSON_Delete(v);
				n++;
			}
			free(text);
		}
		free(path);
	}
	closedir(d);
	return n;
}

START_TEST(test_corpus)
{
	int n = compare_dir("functions");

	ck_assert_int_gt(n, 0);
	/* The recorded cases, when the shared folder is beside the tree. */
	n = compare_dir("../shared/conformance");
	if (n == 0)
		fprintf(stderr, "json: ../shared/conformance not found; "
		    "compared functions/ only\n");
}
END_TEST

Suite *
json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_strings_and_shapes);
	tcase_add_test(tc, test_cannot_print);
	tcase_add_test(tc, test_random_trees);
	tcase_add_test(tc, test_corpus);
	suite_add_tcase(s, tc);
	return s;
}
