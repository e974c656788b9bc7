/* Worker IPC framing: header encoding, an incremental decoder and a
 * nonblocking write queue (see frame.h for the wire format). */
#include "runtime/frame.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static int
type_valid(uint16_t t)
{
	return t == SL_FRAME_CONFIG || t == SL_FRAME_INVOKE ||
	       t == SL_FRAME_INVOKE_NEXT ||
	       (t >= SL_FRAME_READY && t <= SL_FRAME_RTERROR);
}

static void
hdr_pack(unsigned char *h, uint16_t type, uint64_t id, int64_t deadline_ms,
    uint32_t len)
{
	uint16_t flags = 0;

	memcpy(h, &len, 4);
	memcpy(h + 4, &type, 2);
	memcpy(h + 6, &flags, 2);
	memcpy(h + 8, &id, 8);
	memcpy(h + 16, &deadline_ms, 8);
}

void
sl_frame_encode_hdr(struct sl_buf *out, uint16_t type, uint64_t id,
    int64_t deadline_ms, size_t len)
{
	unsigned char h[SL_FRAME_HDR];

	hdr_pack(h, type, id, deadline_ms, (uint32_t)len);
	sl_buf_add(out, h, sizeof(h));
}

void
sl_frame_encode(struct sl_buf *out, uint16_t type, uint64_t id,
    int64_t deadline_ms, const void *payload, size_t len)
{
	sl_buf_grow(out, SL_FRAME_HDR + len);
	sl_frame_encode_hdr(out, type, id, deadline_ms, len);
	if (len > 0)
		sl_buf_add(out, payload, len);
}

void
sl_frame_patch_len(struct sl_buf *out, size_t at, size_t len)
{
	uint32_t l = (uint32_t)len;

	memcpy(out->data + at, &l, 4);
}

/* --- decoder ------------------------------------------------------------ */

void
sl_frame_dec_init(struct sl_frame_dec *d, uint32_t max)
{
	sl_buf_init(&d->buf);
	d->off = 0;
	d->max = max;
}

void
sl_frame_dec_release(struct sl_frame_dec *d)
{
	sl_buf_release(&d->buf);
	d->off = 0;
}

/* Drop consumed bytes before adding more, so the buffer does not creep. */
static void
dec_compact(struct sl_frame_dec *d)
{
	if (d->off == 0)
		return;
	sl_buf_consume(&d->buf, d->off);
	d->off = 0;
}

void
sl_frame_dec_feed(struct sl_frame_dec *d, const void *p, size_t n)
{
	dec_compact(d);
	sl_buf_add(&d->buf, p, n);
}

ssize_t
sl_frame_dec_read(struct sl_frame_dec *d, int fd, size_t want)
{
	ssize_t n;

	dec_compact(d);
	sl_buf_grow(&d->buf, want);
	do
		n = read(fd, d->buf.data + d->buf.len, want);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		d->buf.len += (size_t)n;
		d->buf.data[d->buf.len] = '\0';
	}
	return n;
}

size_t
sl_frame_dec_pending(const struct sl_frame_dec *d)
{
	return d->buf.len - d->off;
}

uint32_t
sl_frame_dec_peek_len(const struct sl_frame_dec *d)
{
	uint32_t len;

	if (sl_frame_dec_pending(d) < SL_FRAME_HDR)
		return 0;
	memcpy(&len, d->buf.data + d->off, 4);
	return len;
}

uint16_t
sl_frame_dec_peek_type(const struct sl_frame_dec *d)
{
	uint16_t t;

	if (sl_frame_dec_pending(d) < SL_FRAME_HDR)
		return 0;
	memcpy(&t, d->buf.data + d->off + 4, 2);
	return t;
}

int
sl_frame_dec_next(struct sl_frame_dec *d, struct sl_frame *f)
{
	const unsigned char *h;
	size_t avail = sl_frame_dec_pending(d);

	if (avail < SL_FRAME_HDR)
		return 0;
	h = (const unsigned char *)d->buf.data + d->off;
	memcpy(&f->len, h, 4);
	memcpy(&f->type, h + 4, 2);
	memcpy(&f->flags, h + 6, 2);
	memcpy(&f->id, h + 8, 8);
	memcpy(&f->deadline_ms, h + 16, 8);
	if (!type_valid(f->type) || f->len > d->max || f->flags != 0)
		return -1;
	if (avail < SL_FRAME_HDR + (size_t)f->len)
		return 0;
	/* Terminate the payload in place: the byte after it belongs to the
	 * next header, saved and restored on the next call would be fragile,
	 * so frames are copied out only when the payload is not last. */
	if (avail > SL_FRAME_HDR + (size_t)f->len) {
		/* Move the rest one slot up is costly; instead give the caller
		 * a NUL-terminated copy living at the end of the buffer. */
		size_t at = d->buf.len + 1;

		sl_buf_grow(&d->buf, 1 + f->len + 1);
		h = (const unsigned char *)d->buf.data + d->off;
		memcpy(d->buf.data + at, h + SL_FRAME_HDR, f->len);
		d->buf.data[at + f->len] = '\0';
		f->payload = d->buf.data + at;
	} else {
		f->payload = d->buf.data + d->off + SL_FRAME_HDR;
	}
	d->off += SL_FRAME_HDR + f->len;
	return 1;
}

/* --- write queue -------------------------------------------------------- */

void
sl_frame_wq_init(struct sl_frame_wq *q)
{
	sl_buf_init(&q->buf);
	q->off = 0;
}

void
sl_frame_wq_release(struct sl_frame_wq *q)
{
	sl_buf_release(&q->buf);
	q->off = 0;
}

size_t
sl_frame_wq_pending(const struct sl_frame_wq *q)
{
	return q->buf.len - q->off;
}

int
sl_frame_wq_flush(struct sl_frame_wq *q, int fd)
{
	while (q->off < q->buf.len) {
		ssize_t n = send(fd, q->buf.data + q->off, q->buf.len - q->off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == ENOTSOCK)
			n = write(
			    fd, q->buf.data + q->off, q->buf.len - q->off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		q->off += (size_t)n;
	}
	sl_buf_reset(&q->buf);
	q->off = 0;
	return 1;
}

/* --- blocking helpers --------------------------------------------------- */

static int
write_full(int fd, const struct iovec *iov_in, int cnt)
{
	struct iovec iov[2];
	int i = 0;

	memcpy(iov, iov_in, sizeof(*iov) * (size_t)cnt);
	while (i < cnt) {
		struct msghdr m = {
		    .msg_iov = iov + i, .msg_iovlen = (size_t)(cnt - i)};
		ssize_t n = sendmsg(fd, &m, MSG_NOSIGNAL);

		if (n < 0 && errno == ENOTSOCK)
			n = writev(fd, iov + i, cnt - i);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (i < cnt && (size_t)n >= iov[i].iov_len) {
			n -= (ssize_t)iov[i].iov_len;
			i++;
		}
		if (i < cnt) {
			iov[i].iov_base = (char *)iov[i].iov_base + n;
			iov[i].iov_len -= (size_t)n;
		}
	}
	return 0;
}

int
sl_frame_write_all(int fd, uint16_t type, uint64_t id, int64_t deadline_ms,
    const void *payload, size_t len)
{
	unsigned char h[SL_FRAME_HDR];
	struct iovec iov[2];

	if (len > UINT32_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	hdr_pack(h, type, id, deadline_ms, (uint32_t)len);
	iov[0].iov_base = h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = (void *)(uintptr_t)payload;
	iov[1].iov_len = len;
	return write_full(fd, iov, len > 0 ? 2 : 1);
}

static int
read_full(int fd, void *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)p + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = 0;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

int
sl_frame_read_one(int fd, struct sl_buf *buf, struct sl_frame *f, uint32_t max)
{
	unsigned char h[SL_FRAME_HDR];

	if (read_full(fd, h, sizeof(h)) < 0)
		return -1;
	memcpy(&f->len, h, 4);
	memcpy(&f->type, h + 4, 2);
	memcpy(&f->flags, h + 6, 2);
	memcpy(&f->id, h + 8, 8);
	memcpy(&f->deadline_ms, h + 16, 8);
	if (!type_valid(f->type) || f->len > max || f->flags != 0) {
		errno = EPROTO;
		return -1;
	}
	sl_buf_reset(buf);
	sl_buf_grow(buf, f->len);
	if (f->len > 0 && read_full(fd, buf->data, f->len) < 0)
		return -1;
	buf->len = f->len;
	buf->data[f->len] = '\0';
	f->payload = buf->data;
	return 0;
}
