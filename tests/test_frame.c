/* Check suite "frame": the worker IPC framing, including partial reads and
 * writes, many frames in one read, and garbage. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/buf.h"
#include "runtime/frame.h"

START_TEST(roundtrip_byte_by_byte)
{
	struct sl_buf out = SL_BUF_INIT;
	struct sl_frame_dec d;
	struct sl_frame f;
	size_t i;
	int got = 0;

	sl_buf_init(&out);
	sl_frame_encode(&out, SL_FRAME_INVOKE, 42, 1234567, "{\"a\":1}", 7);
	sl_frame_encode(&out, SL_FRAME_RESULT, 43, -5, "", 0);
	sl_frame_dec_init(&d, 1024);
	for (i = 0; i < out.len; i++) {
		sl_frame_dec_feed(&d, out.data + i, 1);
		while (sl_frame_dec_next(&d, &f) == 1) {
			if (got == 0) {
				ck_assert_uint_eq(i, SL_FRAME_HDR + 7 - 1);
				ck_assert_uint_eq(f.type, SL_FRAME_INVOKE);
				ck_assert_uint_eq(f.id, 42);
				ck_assert_int_eq(f.deadline_ms, 1234567);
				ck_assert_uint_eq(f.len, 7);
				ck_assert_str_eq(f.payload, "{\"a\":1}");
			} else {
				ck_assert_uint_eq(f.type, SL_FRAME_RESULT);
				ck_assert_uint_eq(f.id, 43);
				ck_assert_int_eq(f.deadline_ms, -5);
				ck_assert_uint_eq(f.len, 0);
				ck_assert_str_eq(f.payload, "");
			}
			got++;
		}
	}
	ck_assert_int_eq(got, 2);
	ck_assert_uint_eq(sl_frame_dec_pending(&d), 0);
	sl_frame_dec_release(&d);
	sl_buf_release(&out);
}
END_TEST

START_TEST(many_frames_one_feed)
{
	struct sl_buf out = SL_BUF_INIT;
	struct sl_frame_dec d;
	struct sl_frame f;
	char p[32];
	int i, n = 0;

	sl_buf_init(&out);
	for (i = 0; i < 100; i++) {
		int l = snprintf(p, sizeof(p), "[%d]", i);

		sl_frame_encode(
		    &out, SL_FRAME_RESULT, (uint64_t)i, 0, p, (size_t)l);
	}
	sl_frame_dec_init(&d, 1024);
	sl_frame_dec_feed(&d, out.data, out.len - 3); /* last one partial */
	while (sl_frame_dec_next(&d, &f) == 1) {
		snprintf(p, sizeof(p), "[%d]", n);
		/* Each payload is NUL-terminated even mid-buffer. */
		ck_assert_str_eq(f.payload, p);
		ck_assert_uint_eq(f.id, (uint64_t)n);
		n++;
	}
	ck_assert_int_eq(n, 99);
	sl_frame_dec_feed(&d, out.data + out.len - 3, 3);
	ck_assert_int_eq(sl_frame_dec_next(&d, &f), 1);
	ck_assert_str_eq(f.payload, "[99]");
	ck_assert_int_eq(sl_frame_dec_next(&d, &f), 0);
	sl_frame_dec_release(&d);
	sl_buf_release(&out);
}
END_TEST

START_TEST(garbage_rejected)
{
	struct sl_frame_dec d;
	struct sl_frame f;
	unsigned char junk[64];
	struct sl_buf out = SL_BUF_INIT;

	memset(junk, 0xA5, sizeof(junk));
	sl_frame_dec_init(&d, 1024);
	sl_frame_dec_feed(&d, junk, sizeof(junk));
	ck_assert_int_eq(sl_frame_dec_next(&d, &f), -1);
	sl_frame_dec_release(&d);

	/* A valid type but a length over the maximum. */
	sl_buf_init(&out);
	sl_frame_encode_hdr(&out, SL_FRAME_RESULT, 1, 0, 4096);
	sl_frame_dec_init(&d, 1024);
	sl_frame_dec_feed(&d, out.data, out.len);
	ck_assert_uint_eq(sl_frame_dec_peek_len(&d), 4096);
	ck_assert_uint_eq(sl_frame_dec_peek_type(&d), SL_FRAME_RESULT);
	ck_assert_int_eq(sl_frame_dec_next(&d, &f), -1);
	sl_frame_dec_release(&d);

	/* An unknown type. */
	sl_buf_reset(&out);
	sl_frame_encode(&out, 99, 1, 0, "x", 1);
	sl_frame_dec_init(&d, 1024);
	sl_frame_dec_feed(&d, out.data, out.len);
	ck_assert_int_eq(sl_frame_dec_next(&d, &f), -1);
	sl_frame_dec_release(&d);
	sl_buf_release(&out);
}
END_TEST

/* A multi-MB frame through a nonblocking socketpair: the write queue
 * takes partial writes, the decoder partial reads, neither blocks. */
START_TEST(big_frame_nonblocking)
{
	int sv[2];
	struct sl_frame_wq q;
	struct sl_frame_dec d;
	struct sl_frame f;
	size_t big = 5u * 1024u * 1024u, i;
	char *payload = malloc(big);
	int rc = 0, partial_writes = 0, frames = 0;

	ck_assert(payload != NULL);
	for (i = 0; i < big; i++)
		payload[i] = (char)('a' + i % 26);
	ck_assert_int_eq(
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	sl_frame_wq_init(&q);
	sl_frame_dec_init(&d, SL_FRAME_MAX);
	sl_frame_encode(&q.buf, SL_FRAME_RESULT, 7, 0, payload, big);
	while ((rc = sl_frame_wq_flush(&q, sv[0])) != 1) {
		ssize_t n;

		ck_assert_int_eq(rc, 0);
		partial_writes++;
		ck_assert_uint_gt(sl_frame_wq_pending(&q), 0);
		while ((n = sl_frame_dec_read(&d, sv[1], 65536)) > 0)
			;
		ck_assert(n < 0 && errno == EAGAIN);
		ck_assert_int_eq(sl_frame_dec_next(&d, &f), 0);
	}
	while (sl_frame_dec_read(&d, sv[1], 65536) > 0)
		;
	while (sl_frame_dec_next(&d, &f) == 1) {
		ck_assert_uint_eq(f.len, big);
		ck_assert(memcmp(f.payload, payload, big) == 0);
		frames++;
	}
	ck_assert_int_eq(frames, 1);
	ck_assert_int_gt(partial_writes, 0);
	ck_assert_uint_eq(sl_frame_wq_pending(&q), 0);
	/* EOF is reported as 0. */
	close(sv[0]);
	ck_assert_int_eq(sl_frame_dec_read(&d, sv[1], 16), 0);
	close(sv[1]);
	sl_frame_wq_release(&q);
	sl_frame_dec_release(&d);
	free(payload);
}
END_TEST

START_TEST(blocking_helpers)
{
	int sv[2];
	struct sl_buf b = SL_BUF_INIT;
	struct sl_frame f;
	char junk[SL_FRAME_HDR];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	sl_buf_init(&b);
	ck_assert_int_eq(
	    sl_frame_write_all(sv[0], SL_FRAME_PUBLISH, 9, 11, "{\"t\":1}", 7),
	    0);
	ck_assert_int_eq(sl_frame_read_one(sv[1], &b, &f, 1024), 0);
	ck_assert_uint_eq(f.type, SL_FRAME_PUBLISH);
	ck_assert_uint_eq(f.id, 9);
	ck_assert_int_eq(f.deadline_ms, 11);
	ck_assert_str_eq(f.payload, "{\"t\":1}");
	memset(junk, 0x7f, sizeof(junk));
	ck_assert_int_eq(write(sv[0], junk, sizeof(junk)), sizeof(junk));
	ck_assert_int_eq(sl_frame_read_one(sv[1], &b, &f, 1024), -1);
	ck_assert_int_eq(errno, EPROTO);
	close(sv[0]);
	ck_assert_int_eq(sl_frame_read_one(sv[1], &b, &f, 1024), -1);
	ck_assert_int_eq(errno, 0);
	close(sv[1]);
	sl_buf_release(&b);
}
END_TEST

Suite *
frame_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, roundtrip_byte_by_byte);
	tcase_add_test(tc, many_frames_one_feed);
	tcase_add_test(tc, garbage_rejected);
	tcase_add_test(tc, big_frame_nonblocking);
	tcase_add_test(tc, blocking_helpers);
	suite_add_tcase(s, tc);
	return s;
}
