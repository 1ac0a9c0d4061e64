/* json_unescape: reads a JSON string's content back, for the test tools
 * that check what json.c wrote (tests/jsoncheck, fuzz/fuzz_json).  It is
 * written apart from json.c on purpose: an independent reader. */
#ifndef JSON_UNESCAPE_H
#define JSON_UNESCAPE_H

#include "lib/buf.h"

#include <string.h>

static int json_unescape_u4(const char *p, const char *end, unsigned *cp)
{
	*cp = 0;
	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hex_digit((unsigned char)p[i]);

		if (h < 0)
			return -1;
		*cp = *cp * 16 + (unsigned)h;
	}
	return 0;
}

static void json_unescape_put_utf8(struct buf *b, unsigned cp)
{
	if (cp < 0x80) {
		buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		buf_putc(b, (char)(0xC0 | cp >> 6));
		buf_putc(b, (char)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		buf_putc(b, (char)(0xE0 | cp >> 12));
		buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		buf_putc(b, (char)(0x80 | (cp & 0x3F)));
	} else {
		buf_putc(b, (char)(0xF0 | cp >> 18));
		buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
		buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		buf_putc(b, (char)(0x80 | (cp & 0x3F)));
	}
}

/* Unescapes a JSON string's content (RFC 8259 section 7) into out:
 * 0, or -1 when it is not valid JSON string content. */
static int json_unescape(const char *p, const char *end, struct buf *out)
{
	static const char esc_in[] = "\"\\/bfnrt", esc_out[] = "\"\\/\b\f\n\r\t";

	for (; p < end; p++) {
		unsigned cp, lo;
		const char *e;

		if ((unsigned char)*p < 0x20)
			return -1;            /* raw control: not JSON */
		if (*p != '\\') {
			buf_putc(out, *p);
			continue;
		}
		if (++p == end)
			return -1;
		if (*p != 'u') {
			e = *p ? strchr(esc_in, *p) : NULL;
			if (!e)
				return -1;
			buf_putc(out, esc_out[e - esc_in]);
			continue;
		}
		if (json_unescape_u4(p + 1, end, &cp))
			return -1;
		p += 4;
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			return -1;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (end - p < 7 || p[1] != '\\' || p[2] != 'u' ||
			    json_unescape_u4(p + 3, end, &lo) || lo < 0xDC00 || lo > 0xDFFF)
				return -1;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			p += 6;
		}
		json_unescape_put_utf8(out, cp);
	}
	return 0;
}

#endif
