/* jsoncheck: reads one JSON object from stdin with jsmn and prints each
 * member as key=value, strings unescaped to UTF-8.  Exits 1 when the
 * input is not a flat JSON object of strings.  The tests use it to prove
 * that bank_netsave.data parses back to exactly the fields we received. */
#define JSMN_STRICT
#include <jsmn.h>

#include <stdio.h>
#include <string.h>

static char in[1 << 20];
static jsmntok_t toks[4096];

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void put_utf8(unsigned cp)
{
	if (cp < 0x80) {
		putchar((int)cp);
	} else if (cp < 0x800) {
		putchar((int)(0xC0 | cp >> 6));
		putchar((int)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		putchar((int)(0xE0 | cp >> 12));
		putchar((int)(0x80 | ((cp >> 6) & 0x3F)));
		putchar((int)(0x80 | (cp & 0x3F)));
	} else {
		putchar((int)(0xF0 | cp >> 18));
		putchar((int)(0x80 | ((cp >> 12) & 0x3F)));
		putchar((int)(0x80 | ((cp >> 6) & 0x3F)));
		putchar((int)(0x80 | (cp & 0x3F)));
	}
}

static int u4(const char *p, const char *end, unsigned *cp)
{
	*cp = 0;
	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);

		if (h < 0)
			return -1;
		*cp = *cp * 16 + (unsigned)h;
	}
	return 0;
}

/* Prints a string token's content unescaped.  jsmn checked its syntax. */
static int put_string(const char *p, const char *end)
{
	static const char esc_in[] = "\"\\/bfnrt", esc_out[] = "\"\\/\b\f\n\r\t";

	for (; p < end; p++) {
		unsigned cp, lo;
		const char *e;

		if (*p != '\\') {
			putchar((unsigned char)*p);
			continue;
		}
		p++;
		if (*p != 'u') {
			e = strchr(esc_in, *p);
			if (!e)
				return -1;
			putchar(esc_out[e - esc_in]);
			continue;
		}
		if (u4(p + 1, end, &cp))
			return -1;
		p += 4;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (end - p < 7 || p[1] != '\\' || p[2] != 'u' ||
			    u4(p + 3, end, &lo) || lo < 0xDC00 || lo > 0xDFFF)
				return -1;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			p += 6;
		}
		put_utf8(cp);
	}
	return 0;
}

int main(void)
{
	size_t len = fread(in, 1, sizeof in - 1, stdin);
	jsmn_parser parser;
	int n;

	jsmn_init(&parser);
	n = jsmn_parse(&parser, in, len, toks, sizeof toks / sizeof toks[0]);
	if (n < 1 || toks[0].type != JSMN_OBJECT || n != 1 + 2 * toks[0].size) {
		fprintf(stderr, "jsoncheck: not a flat JSON object\n");
		return 1;
	}
	for (int i = 1; i < n; i += 2) {
		if (toks[i].type != JSMN_STRING || toks[i + 1].type != JSMN_STRING) {
			fprintf(stderr, "jsoncheck: member %d is not string:string\n", i / 2);
			return 1;
		}
		if (put_string(in + toks[i].start, in + toks[i].end))
			return 1;
		putchar('=');
		if (put_string(in + toks[i + 1].start, in + toks[i + 1].end))
			return 1;
		putchar('\n');
	}
	return 0;
}
