/* buf: one bounded string buffer over caller-owned storage.
 *
 * Every text this program builds (the response, the signed string, the JSON
 * column, the Location header, the log line) goes through this type instead
 * of pointer arithmetic.  A buffer never grows: an append that does not fit
 * sets `overflow`, writes nothing more, and every later append is a no-op, so
 * a caller checks once at the end instead of after every call. */
#ifndef BUF_H
#define BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "hex.h"     /* not needed here: for files that include only buf.h */
#include "slice.h"

struct buf {
	char *p;         /* storage; always NUL-terminated within cap */
	size_t len;      /* bytes used, not counting the NUL */
	size_t cap;      /* size of storage, including room for the NUL */
	bool overflow;   /* an append did not fit */
};

void buf_init(struct buf *b, char *storage, size_t cap);
void buf_reset(struct buf *b);
/* Cuts b back to its first len bytes (a shorter b keeps its length),
 * NUL-terminated, and clears overflow: whatever did not fit after them
 * is forgotten.  The one way to shorten a buffer: code outside buf.c
 * never sets len or overflow itself. */
void buf_truncate(struct buf *b, size_t len);
void buf_put(struct buf *b, const void *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_put_slice(struct buf *b, struct slice s);
void buf_put_u64(struct buf *b, unsigned long long v);
/* Hex of bytes, upper case. */
void buf_put_hex(struct buf *b, const unsigned char *s, size_t n);
/* Percent-encode everything but RFC 3986 unreserved characters. */
void buf_put_pct(struct buf *b, struct slice s);
/* For logs: keep [A-Za-z0-9._:/-], replace the rest with '?', at most max bytes. */
void buf_put_safe(struct buf *b, struct slice s, size_t max);
/* For a terminal: every byte but a control one (C0, DEL, and the C1
 * controls as UTF-8 encodes them) and the backslash as it is; those as
 * \xNN, so that no stored value can move the cursor or forge a line. */
void buf_put_visible(struct buf *b, struct slice s);

/* Appends s and a NUL; returns where the C string starts, or NULL when it
 * did not fit.  Turns slices into parameters for libpq. */
const char *buf_cstr(struct buf *b, struct slice s);

#endif
