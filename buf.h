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

struct buf {
	char *p;         /* storage; always NUL-terminated within cap */
	size_t len;      /* bytes used, not counting the NUL */
	size_t cap;      /* size of storage, including room for the NUL */
	bool overflow;   /* an append did not fit */
};

/* A read-only view into someone else's bytes (not NUL-terminated). */
struct slice {
	const char *p;
	size_t len;
};

void buf_init(struct buf *b, char *storage, size_t cap);
void buf_reset(struct buf *b);
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

/* Appends s and a NUL; returns where the C string starts, or NULL when it
 * did not fit.  Turns slices into parameters for libpq. */
const char *buf_cstr(struct buf *b, struct slice s);

/* The value of hex digit c (either case), or -1. */
int hex_digit(unsigned char c);
/* Decodes exactly 2 * n hex digits of s into out.  0, or -1 when s has
 * another length or a character that is not a hex digit. */
int hex_decode(struct slice s, unsigned char *out, size_t n);

struct slice slice_from(const char *s);
struct slice slice_trim(struct slice s);
bool slice_eq(struct slice a, const char *s);
bool slice_eq_nocase(struct slice a, const char *s);
bool slice_has_only(struct slice s, const char *allowed_class);

#endif
