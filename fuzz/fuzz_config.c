/* fuzz_config: config_parse() over arbitrary bytes.
 *
 * Every assignment reported must be a KEY matching [A-Za-z_][A-Za-z0-9_]*
 * and a value without a newline, both NUL-terminated strings inside the
 * text; a refusal names a line that exists.  A file that parses, written
 * out again as KEY="value" lines, parses to the same assignments.
 *
 * config_parse writes text[len] (a NUL after a last line without a
 * newline), so, like config_load_file, the harness gives it len + 1
 * bytes. */
#include "fuzz.h"
#include "config.h"

#include <stdbool.h>
#include <string.h>

enum { MAX_SETS = 8192 };

struct set {
	const char *key, *value;
};

static struct set sets[MAX_SETS], sets2[MAX_SETS];
static struct set *cur;
static size_t ncur;
static const char *text_lo, *text_hi;   /* where key and value must lie */
static int last_line;                   /* lines come in order, one set each */

static void record(const char *key, const char *value, int line)
{
	size_t kl = strlen(key), vl = strlen(value);

	CHECK(line > last_line);
	last_line = line;
	CHECK(key >= text_lo && key + kl < text_hi);
	CHECK(value >= text_lo && value + vl < text_hi);
	CHECK(kl >= 1);
	CHECK((key[0] >= 'A' && key[0] <= 'Z') ||
	      (key[0] >= 'a' && key[0] <= 'z') || key[0] == '_');
	for (size_t i = 1; i < kl; i++)
		CHECK((key[i] >= 'A' && key[i] <= 'Z') ||
		      (key[i] >= 'a' && key[i] <= 'z') || key[i] == '_' ||
		      (key[i] >= '0' && key[i] <= '9'));
	CHECK(memchr(value, '\n', vl) == NULL);
	CHECK(ncur < MAX_SETS);
	cur[ncur].key = key;
	cur[ncur].value = value;
	ncur++;
}

static int parse(char *text, size_t len, struct set *into, size_t *n)
{
	int rc;

	cur = into;
	ncur = 0;
	last_line = 0;
	text_lo = text;
	text_hi = text + len + 1;
	rc = config_parse(text, len, record);
	*n = ncur;
	return rc;
}

static size_t count_lines(const char *p, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += p[i] == '\n';
	return n + (len && p[len - 1] != '\n');
}

/* Semantics: a file built from the input, one assignment per input line
 * in the style its first byte picks (bare, 'single', "double" with \"
 * and \\ escapes, or a comment), with CRLF or LF endings, must parse to
 * exactly the assignments written. */
static char want_mem[3 * 65536 + 64];

static void check_synthetic(const uint8_t *data, size_t size)
{
	static struct set want[MAX_SETS];
	size_t cap = 4 * size + 64, o = 0, nw = 0, w = 0, i = 0, n;
	char *text = malloc(cap + 1);

	CHECK(text != NULL);
	while (i < size && nw < MAX_SETS) {
		unsigned style = data[i++] % 4;   /* 3 is a comment */
		size_t k0 = o;

		if (style == 3) {
			text[o++] = (i & 1) ? '#' : ';';
			while (i < size && data[i] != '\n')
				text[o++] = data[i] ? (char)data[i] : ' ', i++;
		} else {
			/* KEY: bytes up to '=' mapped to [A-Za-z0-9_]. */
			while (i < size && data[i] != '=' && data[i] != '\n' &&
			       o - k0 < 32) {
				unsigned char c = data[i++];
				bool ok = (c >= 'A' && c <= 'Z') ||
					  (c >= 'a' && c <= 'z') || c == '_' ||
					  (o > k0 && c >= '0' && c <= '9');

				text[o++] = ok ? (char)c : (char)('A' + c % 26);
			}
			if (o == k0)
				text[o++] = 'K';
			want[nw].key = want_mem + w;
			memcpy(want_mem + w, text + k0, o - k0);
			w += o - k0;
			want_mem[w++] = '\0';
			while (i < size && data[i] != '=' && data[i] != '\n')
				i++;
			i += i < size && data[i] == '=';
			text[o++] = '=';
			if (style == 1)
				text[o++] = '\'';
			if (style == 2)
				text[o++] = '"';
			want[nw].value = want_mem + w;
			while (i < size && data[i] != '\n') {
				char c = (char)data[i++];

				if (c == '\0' || c == '\r')
					c = '.';
				if (style == 1 && c == '\'')
					c = '"';
				if (style == 2 && (c == '"' || c == '\\'))
					text[o++] = '\\';
				text[o++] = c;
				want_mem[w++] = c;
			}
			if (style == 0) {
				/* Bare: read without the blanks around it; a
				 * leading quote would make it a quoted one. */
				size_t vl = w - (size_t)(want[nw].value - want_mem);
				char *tv = text + o - vl;   /* as written */
				size_t lead = 0, end;

				while (lead < vl && (tv[lead] == ' ' || tv[lead] == '\t'))
					lead++;
				if (lead < vl && (tv[lead] == '"' || tv[lead] == '\''))
					tv[lead] = '.';
				end = vl;
				while (end > lead && (tv[end - 1] == ' ' || tv[end - 1] == '\t'))
					end--;
				w = (size_t)(want[nw].value - want_mem);
				memcpy(want_mem + w, tv + lead, end - lead);
				w += end - lead;
			}
			want_mem[w++] = '\0';
			if (style == 1)
				text[o++] = '\'';
			if (style == 2)
				text[o++] = '"';
			nw++;
		}
		i += i < size;                           /* the '\n' */
		if (i < size || (size & 1)) {
			if (size & 2)
				text[o++] = '\r';
			text[o++] = '\n';
		}
		CHECK(o <= cap);
	}
	text[o] = 'X';
	cur = sets2;
	ncur = 0;
	last_line = 0;
	text_lo = text;
	text_hi = text + o + 1;
	CHECK(config_parse(text, o, record) == 0);
	n = ncur;
	CHECK(n == nw);
	for (size_t k = 0; k < n; k++) {
		CHECK(strcmp(sets2[k].key, want[k].key) == 0);
		CHECK(strcmp(sets2[k].value, want[k].value) == 0);
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *copy = malloc(size + 1);
	size_t n, n2, lines = count_lines((const char *)data, size);
	int rc, rc2;

	CHECK(text && copy);
	if (size)
		memcpy(text, data, size);
	text[size] = 'X';   /* config_parse must not rely on a NUL here */
	rc = parse(text, size, sets, &n);
	CHECK(rc >= 0 && (size_t)rc <= lines);
	if (rc)   /* at most one assignment per line before the bad one */
		CHECK(n < (size_t)rc);

	/* Determinism (on a fresh copy: the text was modified). */
	if (size)
		memcpy(copy, data, size);
	copy[size] = 'X';
	rc2 = parse(copy, size, sets2, &n2);
	CHECK(rc2 == rc && n2 == n);
	for (size_t i = 0; i < n; i++) {
		CHECK(sets2[i].key - copy == sets[i].key - text);
		CHECK(strcmp(sets2[i].key, sets[i].key) == 0);
		CHECK(strcmp(sets2[i].value, sets[i].value) == 0);
	}

	/* Written out again, quoted, it reads the same. */
	if (rc == 0) {
		size_t cap = 2 * size + 4 * n + 1, o = 0;
		char *out = malloc(cap + 1);

		CHECK(out != NULL);
		for (size_t i = 0; i < n; i++) {
			size_t kl = strlen(sets[i].key);

			memcpy(out + o, sets[i].key, kl);
			o += kl;
			out[o++] = '=';
			out[o++] = '"';
			for (const char *v = sets[i].value; *v; v++) {
				if (*v == '"' || *v == '\\')
					out[o++] = '\\';
				out[o++] = *v;
			}
			out[o++] = '"';
			out[o++] = '\n';
			CHECK(o <= cap);
		}
		rc2 = parse(out, o, sets2, &n2);
		CHECK(rc2 == 0 && n2 == n);
		for (size_t i = 0; i < n; i++) {
			CHECK(strcmp(sets2[i].key, sets[i].key) == 0);
			CHECK(strcmp(sets2[i].value, sets[i].value) == 0);
		}
		free(out);
	}
	free(text);
	free(copy);
	check_synthetic(data, size);
	return 0;
}
