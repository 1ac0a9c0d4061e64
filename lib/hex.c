/* hex: hexadecimal digits, both ways.  See hex.h. */
#include "hex.h"

char hex_char(unsigned v, bool lower)
{
	/* The only digit table: buf_put_hex and buf_put_pct write upper
	 * case, json_put_string's \u00XX lower case. */
	static const char digits[] = "0123456789ABCDEF" "0123456789abcdef";

	return digits[(lower ? 16 : 0) + (v & 15)];
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
