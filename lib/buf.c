/* buf: the bounded string buffer and what appends to it.  See buf.h. */
#include "buf.h"
#include "ascii.h"
#include "hex.h"

#include <string.h>

void buf_init(struct buf *b, char *storage, size_t cap)
{
	b->p = storage;
	b->cap = cap;
	buf_reset(b);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->overflow = b->cap == 0;
	if (b->cap)
		b->p[0] = '\0';
}

void buf_truncate(struct buf *b, size_t len)
{
	if (b->cap == 0)
		return;         /* nothing fits: overflow stays */
	if (len < b->len)
		b->len = len;
	b->p[b->len] = '\0';
	b->overflow = false;
}

void buf_put(struct buf *b, const void *s, size_t n)
{
	if (b->overflow)
		return;
	if (n >= b->cap - b->len) {
		b->overflow = true;
		return;
	}
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_put(b, &c, 1);
}

void buf_put_slice(struct buf *b, struct slice s)
{
	buf_put(b, s.p, s.len);
}

void buf_put_u64(struct buf *b, unsigned long long v)
{
	char tmp[24];
	size_t i = sizeof tmp;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_put(b, tmp + i, sizeof tmp - i);
}

void buf_put_hex(struct buf *b, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		buf_putc(b, hex_char(s[i] >> 4, false));
		buf_putc(b, hex_char(s[i], false));
	}
}

void buf_put_pct(struct buf *b, struct slice s)
{
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (ascii_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			buf_putc(b, (char)c);
		} else {
			buf_putc(b, '%');
			buf_putc(b, hex_char(c >> 4, false));
			buf_putc(b, hex_char(c, false));
		}
	}
}

void buf_put_safe(struct buf *b, struct slice s, size_t max)
{
	size_t n = s.len < max ? s.len : max;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		bool ok = ascii_alnum(c) || strchr("._:/-", c) != NULL;

		if (ok && c)
			buf_putc(b, (char)c);
		else
			buf_putc(b, '?');
	}
	if (s.len > max)
		buf_puts(b, "...");
}

static void put_escape(struct buf *b, unsigned char c)
{
	buf_puts(b, "\\x");
	buf_putc(b, hex_char(c >> 4, false));
	buf_putc(b, hex_char(c, false));
}

void buf_put_visible(struct buf *b, struct slice s)
{
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c == 0xC2 && i + 1 < s.len && (unsigned char)s.p[i + 1] >= 0x80 &&
		    (unsigned char)s.p[i + 1] <= 0x9F) {
			/* U+0080..U+009F: CSI (U+009B) and its kind */
			put_escape(b, c);
			put_escape(b, (unsigned char)s.p[++i]);
		} else if (c < 0x20 || c == 0x7f || c == '\\') {
			put_escape(b, c);
		} else {
			buf_putc(b, (char)c);
		}
	}
}

const char *buf_cstr(struct buf *b, struct slice s)
{
	size_t start = b->len;

	buf_put_slice(b, s);
	buf_putc(b, '\0');
	return b->overflow ? NULL : b->p + start;
}
