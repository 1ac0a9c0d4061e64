/* jsoncheck: reads one JSON object from stdin with jsmn and prints each
 * member as key=value, strings unescaped to UTF-8.  Exits 1 when the
 * input is not a flat JSON object of strings.  The tests use it to prove
 * that bank_netsave.data parses back to exactly the fields we received. */
#define JSMN_STRICT
#include <jsmn.h>

#include "json_unescape.h"

#include <stdio.h>
#include <string.h>

static char in[1 << 20];
static jsmntok_t toks[4096];

/* Prints a string token's content unescaped.  Returns -1 when it is
 * not valid JSON string content. */
static int put_string(const char *p, const char *end)
{
	static char mem[1 << 20];
	struct buf out;

	buf_init(&out, mem, sizeof mem);
	if (json_unescape(p, end, &out) || out.overflow)
		return -1;
	fwrite(out.p, 1, out.len, stdout);
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
