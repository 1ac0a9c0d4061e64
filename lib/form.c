/* form: strict urlencoded decoder.  See form.h. */
#include "form.h"
#include "ascii.h"

#include <string.h>

/* Decodes one %XX at s[i]; returns the byte, or -1 (bad, or NUL). */
static int escape_at(const char *s, size_t len, size_t i)
{
	int hi, lo;

	if (i + 2 >= len)
		return -1;
	hi = hex_digit((unsigned char)s[i + 1]);
	lo = hex_digit((unsigned char)s[i + 2]);
	if (hi < 0 || lo < 0 || (hi | lo) == 0)
		return -1;
	return hi * 16 + lo;
}

static bool is_name_char(unsigned char c)
{
	return ascii_alnum(c) || c == '_';
}

/* Raw bytes a form value may carry unescaped: visible ASCII but the
 * delimiters. */
static bool is_value_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '&' && c != '=';
}

static int decode_value(const char *s, size_t len, char *out, size_t *outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			int b = escape_at(s, len, i);

			if (b < 0)
				return -1;
			out[o++] = (char)b;
			i += 2;
		} else if (c == '+') {
			out[o++] = ' ';
		} else if (is_value_char(c)) {
			out[o++] = (char)c;
		} else {
			return -1;
		}
	}
	*outlen = o;
	return 0;
}

int form_parse(const char *body, size_t len, char *scratch, struct form *f)
{
	size_t i = 0, o = 0;

	f->n = 0;
	if (len == 0)
		return 0;
	for (;;) {
		const char *pair = body + i;
		const char *amp = memchr(pair, '&', len - i);
		size_t plen = amp ? (size_t)(amp - pair) : len - i;
		const char *eq = memchr(pair, '=', plen);
		size_t nlen, vlen;
		struct form_field *fld;

		if (!eq || eq == pair || f->n == FORM_MAX_FIELDS)
			return -1;
		nlen = (size_t)(eq - pair);
		for (size_t k = 0; k < nlen; k++)
			if (!is_name_char((unsigned char)pair[k]))
				return -1;
		fld = &f->fields[f->n];
		fld->name = (struct slice){ pair, nlen };
		for (size_t k = 0; k < f->n; k++)
			if (f->fields[k].name.len == nlen &&
			    memcmp(f->fields[k].name.p, pair, nlen) == 0)
				return -1;
		if (decode_value(eq + 1, plen - nlen - 1, scratch + o, &vlen))
			return -1;
		fld->value = (struct slice){ scratch + o, vlen };
		o += vlen;
		f->n++;
		if (!amp)
			return 0;
		i += plen + 1;
		if (i == len)
			return -1;       /* trailing '&' */
	}
}

struct slice form_get(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (slice_eq(f->fields[i].name, name))
			return f->fields[i].value;
	return (struct slice){ NULL, 0 };
}

int pct_decode(struct slice s, struct buf *out)
{
	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] == '%') {
			int b = escape_at(s.p, s.len, i);

			if (b < 0)
				return -1;
			buf_putc(out, (char)b);
			i += 2;
		} else {
			buf_putc(out, s.p[i]);
		}
	}
	return 0;
}
