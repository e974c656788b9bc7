/* Suite "fs": common/fs.c's sl_mkdirs and sl_abspath. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/xmalloc.h"
#include "tests/tree_util.h"

START_TEST(test_mkdirs)
{
	char top[] = "/tmp/sluice-fs-XXXXXX";
	char *deep, *file, *under;
	struct stat st;
	size_t bad = 0;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(top));
	deep = xasprintf("%s/a/b/c", top);
	ck_assert_int_eq(sl_mkdirs(deep, 0700, &bad), 0);
	ck_assert_int_eq(stat(deep, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0700 & ~umask(022));
	umask(022);
	/* Again: everything is there already. */
	ck_assert_int_eq(sl_mkdirs(deep, 0700, NULL), 0);
	/* A file in the way: the prefix that could not be made is named. */
	file = xasprintf("%s/a/f", top);
	ck_assert_ptr_nonnull(f = fopen(file, "w"));
	fclose(f);
	under = xasprintf("%s/g/h", file);
	ck_assert_int_eq(sl_mkdirs(under, 0755, &bad), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	ck_assert_uint_eq(bad, strlen(file) + 2);
	ck_assert_int_eq(sl_mkdirs("", 0755, &bad), -1);
	ck_assert_int_eq(errno, ENOENT);
	tu_rm_rf(top);
	free(deep);
	free(file);
	free(under);
}
END_TEST

/* Existing paths are resolved, missing relative ones joined to the
 * working directory, missing absolute ones kept. */
START_TEST(test_abspath)
{
	char top[] = "/tmp/sluice-fs-XXXXXX";
	char *sub, *p, *want;

	ck_assert_ptr_nonnull(mkdtemp(top));
	sub = xasprintf("%s/a", top);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	ck_assert_int_eq(chdir(top), 0);
	p = sl_abspath("a/../a");
	ck_assert_str_eq(p, sub);
	free(p);
	p = sl_abspath("missing/x");
	want = xasprintf("%s/missing/x", top);
	ck_assert_str_eq(p, want);
	free(p);
	free(want);
	p = sl_abspath("/no/such/dir");
	ck_assert_str_eq(p, "/no/such/dir");
	free(p);
	ck_assert_int_eq(chdir("/"), 0);
	tu_rm_rf(top);
	free(sub);
}
END_TEST

Suite *
fs_suite(void)
{
	Suite *s = suite_create("fs");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_mkdirs);
	tcase_add_test(tc, test_abspath);
	suite_add_tcase(s, tc);
	return s;
}
