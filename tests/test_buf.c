/* Suite "buf": the growable buffer of common/buf.c. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"

START_TEST(test_buf_add_format_consume_detach)
{
	struct sl_buf b = SL_BUF_INIT;
	char *s;
	size_t len;
	int i;

	sl_buf_init(&b);
	ck_assert_str_eq(b.data, "");
	for (i = 0; i < 1000; i++)
		sl_buf_addf(&b, "%d,", i);
	ck_assert_uint_eq(b.len, strlen(b.data));
	ck_assert(strncmp(b.data, "0,1,2,", 6) == 0);
	ck_assert_str_eq(b.data + b.len - 4, "999,");
	sl_buf_consume(&b, 2);
	ck_assert(strncmp(b.data, "1,2,", 4) == 0);
	sl_buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	sl_buf_add(&b, "a\0b", 3);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_int_eq(b.data[3], '\0');
	s = sl_buf_detach(&b, &len);
	ck_assert_uint_eq(len, 3);
	ck_assert_mem_eq(s, "a\0b", 3);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.data, "");
	free(s);
	sl_buf_release(&b);
}
END_TEST

/* A buffer reused per message keeps small storage and lets big go. */
START_TEST(test_buf_reset_max)
{
	struct sl_buf b;
	char big[5000];
	char *small_data;

	memset(big, 'b', sizeof(big));
	sl_buf_init(&b);
	sl_buf_add(&b, "hello", 5);
	small_data = b.data;
	sl_buf_reset_max(&b, 4096);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_ptr_eq(b.data, small_data);
	ck_assert_str_eq(b.data, "");
	sl_buf_add(&b, big, sizeof(big));
	ck_assert_uint_gt(b.cap, 4096);
	sl_buf_reset_max(&b, 4096);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_le(b.cap, 4096);
	sl_buf_add(&b, "x", 1);
	ck_assert_str_eq(b.data, "x");
	sl_buf_release(&b);
}
END_TEST

START_TEST(test_buf_read_file)
{
	char path[] = "/tmp/sluice-buf-XXXXXX";
	struct sl_buf b = SL_BUF_INIT;
	int fd = mkstemp(path);
	char *s;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "{\"a\":1}\n", 8), 8);
	close(fd);
	sl_buf_init(&b);
	sl_buf_addstr(&b, "x");
	ck_assert_int_eq(sl_buf_add_file(&b, path), 0);
	ck_assert_str_eq(b.data, "x{\"a\":1}\n");
	s = sl_read_file(path);
	ck_assert_str_eq(s, "{\"a\":1}\n");
	free(s);
	unlink(path);
	errno = 0;
	ck_assert_ptr_null(sl_read_file(path));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(sl_buf_add_file(&b, path), -1);
	sl_buf_release(&b);
}
END_TEST

Suite *
buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_buf_add_format_consume_detach);
	tcase_add_test(tc, test_buf_read_file);
	tcase_add_test(tc, test_buf_reset_max);
	suite_add_tcase(s, tc);
	return s;
}
