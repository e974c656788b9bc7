/* Worker IPC framing: length-prefixed frames over a stream socket, with an
 * incremental decoder and a nonblocking write queue.
 *
 * A frame is a fixed 24-byte header (little-endian on the wire, which is the
 * host's order: both ends are the same machine) followed by len bytes:
 *	u32 len, u16 type, u16 flags, u64 id, i64 deadline_ms. */
#ifndef SL_FRAME_H
#define SL_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/buf.h"

#define SL_FRAME_HDR 24u
/* No frame is bigger: a 6 MB response plus its envelope, with room. */
#define SL_FRAME_MAX (8u * 1024u * 1024u)

enum sl_frame_type {
	/* host -> worker */
	SL_FRAME_CONFIG = 1, /* JSON start config, '\0', seccomp BPF bytes */
	SL_FRAME_INVOKE = 2, /* {"requestId","key","event":...} */
	/* 3 is not used (it was a reply to PUBLISH). */
	/* An INVOKE sent while the worker still runs the one before it (see
	 * SL_FRAME_START_MARK): deadline_ms holds its timeout in ms, counted
	 * from when the worker starts it. */
	SL_FRAME_INVOKE_NEXT = 4,
	/* worker -> host */
	SL_FRAME_READY = 16,   /* init done; "" */
	SL_FRAME_RESULT = 17,  /* the result JSON */
	SL_FRAME_ERROR = 18,   /* {"errorType","errorMessage"}: sl_error */
	SL_FRAME_FATAL = 19,   /* {"errorType","errorMessage"}: start failed */
	SL_FRAME_PUBLISH = 20, /* {"topic","message"} */
	SL_FRAME_MEMFAIL = 21, /* an allocation failed (out of memory) */
	SL_FRAME_RTERROR = 22, /* {"errorType","errorMessage"}: the runtime
	                          failed this invocation (Unhandled) */
};

/* Written by the worker to its log (fd 2) as it starts an INVOKE_NEXT,
 * followed by the invocation's id in decimal and a newline, in one write:
 * the host reads the log apart from the socket, and this line tells it
 * where the output of the one invocation ends and the next one's begins. */
#define SL_FRAME_START_MARK "\036sluice-start "

struct sl_frame {
	uint32_t len;
	uint16_t type;
	uint16_t flags;
	uint64_t id;
	int64_t deadline_ms;
	const char *payload; /* borrowed from the decoder; NUL-terminated */
};

/* Incremental decoder. Feed it bytes (or let it read an fd), then take
 * complete frames with sl_frame_dec_next. */
struct sl_frame_dec {
	struct sl_buf buf;
	size_t off;   /* start of the next undecoded frame in buf */
	uint32_t max; /* largest accepted payload */
};

void sl_frame_dec_init(struct sl_frame_dec *d, uint32_t max);
void sl_frame_dec_release(struct sl_frame_dec *d);
void sl_frame_dec_feed(struct sl_frame_dec *d, const void *p, size_t n);
/* Read once from a nonblocking fd into the decoder, at most want bytes.
 * Returns bytes read (> 0), 0 at EOF, -1 with errno (EAGAIN: nothing now). */
ssize_t sl_frame_dec_read(struct sl_frame_dec *d, int fd, size_t want);
/* Take the next complete frame: 1 and *f filled (its payload valid until
 * the next call on d), 0 when more bytes are needed, -1 when the stream is
 * garbage (bad type or a length over max); the decoder is then unusable. */
int sl_frame_dec_next(struct sl_frame_dec *d, struct sl_frame *f);
/* Bytes buffered but not yet taken as frames. */
size_t sl_frame_dec_pending(const struct sl_frame_dec *d);
/* When a header is buffered: the length it announces, else 0 (lets a
 * reader refuse an oversized frame before it has arrived whole). */
uint32_t sl_frame_dec_peek_len(const struct sl_frame_dec *d);
/* Likewise the type it announces, else 0. */
uint16_t sl_frame_dec_peek_type(const struct sl_frame_dec *d);

/* Append one encoded frame to out. */
void sl_frame_encode(struct sl_buf *out, uint16_t type, uint64_t id,
    int64_t deadline_ms, const void *payload, size_t len);
/* Append the header of a frame whose len payload bytes the caller appends
 * itself (to build large payloads without a copy). */
void sl_frame_encode_hdr(struct sl_buf *out, uint16_t type, uint64_t id,
    int64_t deadline_ms, size_t len);
/* Patch the length of the frame whose header starts at out->data + at. */
void sl_frame_patch_len(struct sl_buf *out, size_t at, size_t len);

/* A nonblocking write queue: bytes not yet accepted by the socket. */
struct sl_frame_wq {
	struct sl_buf buf;
	size_t off;
};

void sl_frame_wq_init(struct sl_frame_wq *q);
void sl_frame_wq_release(struct sl_frame_wq *q);
/* Write as much as the fd accepts. Returns 1 when the queue is empty, 0 when
 * bytes remain (wait for writability), -1 on a write error (errno). */
int sl_frame_wq_flush(struct sl_frame_wq *q, int fd);
size_t sl_frame_wq_pending(const struct sl_frame_wq *q);

/* Blocking helpers for the worker side: write a whole frame (retrying on
 * EINTR) and read exactly one frame into buf. Both return 0 or -1 (errno;
 * EPROTO for garbage, 0 bytes at EOF gives -1 with errno 0). */
int sl_frame_write_all(int fd, uint16_t type, uint64_t id, int64_t deadline_ms,
    const void *payload, size_t len);
int sl_frame_read_one(
    int fd, struct sl_buf *buf, struct sl_frame *f, uint32_t max);

#endif
