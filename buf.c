/* buf: one bounded string buffer.  See buf.h. */
#include "buf.h"
#include "ascii.h"

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

static const char hexdigits[] = "0123456789ABCDEF";

void buf_put_hex(struct buf *b, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		buf_putc(b, hexdigits[s[i] >> 4]);
		buf_putc(b, hexdigits[s[i] & 15]);
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
			buf_putc(b, hexdigits[c >> 4]);
			buf_putc(b, hexdigits[c & 15]);
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

const char *buf_cstr(struct buf *b, struct slice s)
{
	size_t start = b->len;

	buf_put_slice(b, s);
	buf_putc(b, '\0');
	return b->overflow ? NULL : b->p + start;
}

int hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int hex_decode(struct slice s, unsigned char *out, size_t n)
{
	if (s.len != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit((unsigned char)s.p[2 * i]);
		int lo = hex_digit((unsigned char)s.p[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi * 16 + lo);
	}
	return 0;
}

struct slice slice_from(const char *s)
{
	struct slice r = { s, s ? strlen(s) : 0 };
	return r;
}

struct slice slice_trim(struct slice s)
{
	while (s.len && ascii_space((unsigned char)s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && ascii_space((unsigned char)s.p[s.len - 1]))
		s.len--;
	return s;
}

bool slice_eq(struct slice a, const char *s)
{
	size_t n = strlen(s);

	/* An absent field is {NULL, 0}: memcmp must not see the NULL. */
	return a.len == n && (n == 0 || memcmp(a.p, s, n) == 0);
}

bool slice_eq_nocase(struct slice a, const char *s)
{
	size_t n = strlen(s);

	if (a.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(a.p[i]) != ascii_lower(s[i]))
			return false;
	return true;
}

/* allowed_class: "d" digits, "a" alnum, or a literal set of extra bytes
 * after the first char, e.g. "a_-" = alnum plus '_' and '-'. */
bool slice_has_only(struct slice s, const char *allowed_class)
{
	bool digits_only = allowed_class[0] == 'd';
	const char *extra = allowed_class + 1;

	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		bool ok = digits_only ? ascii_digit(c) : ascii_alnum(c);

		if (!ok && (c == '\0' || strchr(extra, c) == NULL))
			return false;
	}
	return true;
}
