/* fuzz_keyfile: keyfile_parse_pnr() over arbitrary bytes.
 *
 * ChinaPNR's key file, as the bank issues it (LF or CRLF):
 *
 *   [NetPayClient]
 *   PGID=999999
 *   pubkeyS=<576 hex digits>
 *   pubkeyE=<576 hex digits>
 *
 * or the 576 hex digits alone.  Properties:
 *
 *   - two calls give the same result, key, format and why;
 *   - a failure says why (a non-empty string), a success writes none;
 *   - a reference reader below, written from the format's rules and not
 *     from keyfile.c, accepts exactly the inputs the parser accepts, reads
 *     the same pubkeyS record from them, and names the same format (for
 *     any input without a NUL, accepted or not);
 *   - a key that parses is what keyfile.h promises (printable owner and
 *     version, a 1024-bit odd modulus, an odd exponent above 1 and below
 *     the modulus);
 *   - the key re-encoded in each spelling the formats allow (bare hex in
 *     either case, white space around; "pubkeyS=<hex>" alone; the whole
 *     file with PGID and pubkeyE, LF and CRLF; ...) parses to the same key
 *     in the right format, and the whole file with a second pubkeyS line,
 *     a second or misplaced section, the hex on the line after
 *     "pubkeyS=", or a NUL, is refused.
 *
 * The reference's rules: a NUL anywhere is refused.  If the input,
 * trimmed, has neither '=' nor '[', it is the bare format and must be
 * exactly 576 hex digits.  Otherwise lines split on LF, a trailing CR
 * dropped, each line trimmed, blank lines skipped; a line starting with
 * '[' must be exactly "[NetPayClient]" and the first non-blank line;
 * every other line is NAME=VALUE (split at the first '=') with a
 * non-empty trimmed name; the name pubkeyS (any case) appears exactly
 * once and its trimmed value is 576 hex digits.  Either way the digits
 * (either case) decode to owner[20] (printable ASCII, NUL-padded),
 * version[4] (the same), n[128], e[128], check[8].
 *
 * Every re-encoded text is handed over in a buffer of its exact size. */
#include "fuzz.h"
#include "bank/keyfile.h"

#include <string.h>

enum {
	HEX_DIGITS = 2 * PNR_KEY_BYTES,
	OWNER_AT = 0, OWNER_LEN = 20,
	VERSION_AT = 20, VERSION_LEN = 4,
	N_AT = 24,
	E_AT = N_AT + PNR_MODULUS_BYTES,
	CHECK_AT = E_AT + PNR_MODULUS_BYTES,
	CHECK_LEN = 8,
};

/* keyfile_parse_pnr never answers KEY_PEM: "not set". */
#define FORMAT_UNSET KEY_PEM

static int space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void trim(const char **p, size_t *len)
{
	while (*len && space((unsigned char)**p))
		(*p)++, (*len)--;
	while (*len && space((unsigned char)(*p)[*len - 1]))
		(*len)--;
}

static int has_byte(const char *p, size_t len, char c)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] == c)
			return 1;
	return 0;
}

static int same_nocase(const char *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (len != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)p[i], b = (unsigned char)s[i];

		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return 1;
}

/* Exactly 576 hex digits, decoded into raw. */
static int read_record(const char *p, size_t len, unsigned char *raw)
{
	if (len != HEX_DIGITS)
		return -1;
	for (size_t i = 0; i < PNR_KEY_BYTES; i++) {
		int hi = hexval((unsigned char)p[2 * i]);
		int lo = hexval((unsigned char)p[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		raw[i] = (unsigned char)(hi * 16 + lo);
	}
	return 0;
}

/* The line format: the record on the one pubkeyS line. */
static int read_lines(const char *p, size_t len, unsigned char *raw)
{
	const char *value = NULL;
	size_t value_len = 0, start = 0;
	int seen = 0;

	while (start <= len) {
		size_t end = start;
		const char *line = p + start;
		size_t line_len;

		while (end < len && p[end] != '\n')
			end++;
		line_len = end - start;
		start = end + 1;
		if (line_len && line[line_len - 1] == '\r')
			line_len--;
		trim(&line, &line_len);
		if (line_len == 0)
			continue;
		if (line[0] == '[') {
			if (seen || line_len != 14 ||
			    memcmp(line, "[NetPayClient]", 14) != 0)
				return -1;
		} else {
			const char *name = line;
			size_t eq = 0, name_len;

			while (eq < line_len && line[eq] != '=')
				eq++;
			if (eq == line_len)
				return -1;
			name_len = eq;
			trim(&name, &name_len);
			if (name_len == 0)
				return -1;
			if (same_nocase(name, name_len, "pubkeyS")) {
				if (value)
					return -1;
				value = line + eq + 1;
				value_len = line_len - eq - 1;
				trim(&value, &value_len);
			}
		}
		seen = 1;
	}
	return value ? read_record(value, value_len, raw) : -1;
}

struct reading {
	int nul;                  /* a NUL: refused, format still named */
	enum key_format format;
	int found;                /* the text holds a record: raw */
	unsigned char raw[PNR_KEY_BYTES];
};

static void reference(const char *p, size_t len, struct reading *r)
{
	const char *t = p;
	size_t t_len = len;

	memset(r, 0, sizeof *r);
	trim(&t, &t_len);
	r->format = !has_byte(t, t_len, '=') && !has_byte(t, t_len, '[')
		    ? KEY_PUBKEYS_HEX : KEY_PGPUBK;
	if (has_byte(p, len, '\0')) {
		r->nul = 1;
		return;
	}
	if (r->format == KEY_PUBKEYS_HEX)
		r->found = read_record(t, t_len, r->raw) == 0;
	else
		r->found = read_lines(p, len, r->raw) == 0;
}

/* Printable ASCII, then NULs to the end. */
static int ascii_padded(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] >= 0x20 && p[i] <= 0x7e)
		i++;
	while (i < n && p[i] == 0)
		i++;
	return i == n;
}

/* A usable key, by keyfile.h's definition: the modulus (128 bytes) has
 * 1024 bits and is odd; the exponent is odd, above 1 and below it. */
static int usable(const unsigned char *n, const unsigned char *e)
{
	int above_one = e[PNR_MODULUS_BYTES - 1] > 1;

	for (size_t i = 0; i < PNR_MODULUS_BYTES - 1; i++)
		above_one |= e[i] != 0;
	return (n[0] & 0x80) && (n[PNR_MODULUS_BYTES - 1] & 1) &&
	       (e[PNR_MODULUS_BYTES - 1] & 1) && above_one &&
	       memcmp(e, n, PNR_MODULUS_BYTES) < 0;
}

static int record_ok(const unsigned char *raw)
{
	return ascii_padded(raw + OWNER_AT, OWNER_LEN) &&
	       ascii_padded(raw + VERSION_AT, VERSION_LEN) &&
	       usable(raw + N_AT, raw + E_AT);
}

static void key_from_record(const unsigned char *raw, struct pnr_key *k)
{
	memset(k, 0, sizeof *k);
	memcpy(k->owner, raw + OWNER_AT, OWNER_LEN);
	memcpy(k->version, raw + VERSION_AT, VERSION_LEN);
	memcpy(k->n, raw + N_AT, PNR_MODULUS_BYTES);
	memcpy(k->e, raw + E_AT, PNR_MODULUS_BYTES);
}

static void record_from_key(const struct pnr_key *k,
			    const unsigned char check[CHECK_LEN],
			    unsigned char *raw)
{
	memset(raw, 0, PNR_KEY_BYTES);
	memcpy(raw + OWNER_AT, k->owner, strlen(k->owner));
	memcpy(raw + VERSION_AT, k->version, strlen(k->version));
	memcpy(raw + N_AT, k->n, PNR_MODULUS_BYTES);
	memcpy(raw + E_AT, k->e, PNR_MODULUS_BYTES);
	memcpy(raw + CHECK_AT, check, CHECK_LEN);
}

static int printable(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* What keyfile.h promises of a key that parses. */
static void check_key(const struct pnr_key *k)
{
	CHECK(printable(k->owner, sizeof k->owner - 1));
	CHECK(printable(k->version, sizeof k->version - 1));
	CHECK(usable(k->n, k->e));
}

static int key_eq(const struct pnr_key *a, const struct pnr_key *b)
{
	return strcmp(a->owner, b->owner) == 0 &&
	       strcmp(a->version, b->version) == 0 &&
	       memcmp(a->n, b->n, PNR_MODULUS_BYTES) == 0 &&
	       memcmp(a->e, b->e, PNR_MODULUS_BYTES) == 0;
}

/* A text being built; the longest is a whole file with three records. */
struct text {
	char p[4 * HEX_DIGITS + 256];
	size_t len;
};

static void put(struct text *t, const char *s)
{
	size_t n = strlen(s);

	CHECK(n <= sizeof t->p - t->len);
	memcpy(t->p + t->len, s, n);
	t->len += n;
}

static void put_hex(struct text *t, const unsigned char *raw, int lower)
{
	const char *digits = lower ? "0123456789abcdef" : "0123456789ABCDEF";

	CHECK(HEX_DIGITS <= sizeof t->p - t->len);
	for (size_t i = 0; i < PNR_KEY_BYTES; i++) {
		t->p[t->len++] = digits[raw[i] >> 4];
		t->p[t->len++] = digits[raw[i] & 15];
	}
}

enum { WHY_MAX = 256 };   /* a refusal's reason */

/* keyfile_parse_pnr on an exact-size copy of t. */
static int parse(const struct text *t, struct pnr_key *k,
		 enum key_format *format, char why[WHY_MAX])
{
	char *copy = fuzz_dup(t->p, t->len);
	int rc;

	memset(k, 0, sizeof *k);
	*format = FORMAT_UNSET;
	why[0] = '\0';
	rc = keyfile_parse_pnr(copy, t->len, k, format, why, WHY_MAX);
	free(copy);
	CHECK(rc == 0 || rc == -1);
	return rc;
}

static void check_parses(const struct text *t, const struct pnr_key *want,
			 enum key_format want_format)
{
	struct pnr_key k;
	enum key_format format;
	char why[WHY_MAX];

	CHECK(parse(t, &k, &format, why) == 0);
	CHECK(why[0] == '\0');
	CHECK(format == want_format);
	CHECK(key_eq(&k, want));
}

static void check_refused(const struct text *t)
{
	struct pnr_key k;
	enum key_format format;
	char why[WHY_MAX];

	CHECK(parse(t, &k, &format, why) == -1);
	CHECK(why[0] != '\0');
}

/* The whole file as the bank issues it, pubkeyS's record s, pubkeyE's
 * record e; then extra (a line or more) before the end. */
static void whole_file(struct text *t, const char *eol,
		       const unsigned char *s, const unsigned char *e,
		       const char *extra)
{
	t->len = 0;
	put(t, "[NetPayClient]");
	put(t, eol);
	put(t, "PGID=999999");
	put(t, eol);
	put(t, "pubkeyS=");
	put_hex(t, s, 0);
	put(t, eol);
	put(t, "pubkeyE=");
	put_hex(t, e, 0);
	put(t, eol);
	put(t, extra);
}

/* k re-encoded in each spelling the formats allow parses back to k; the
 * spellings they do not allow are refused. */
static void check_reencoded(const struct pnr_key *k)
{
	static const unsigned char zeros[CHECK_LEN] = { 0 };
	static const unsigned char ones[CHECK_LEN] = {
		255, 255, 255, 255, 255, 255, 255, 255,
	};
	unsigned char s[PNR_KEY_BYTES], s2[PNR_KEY_BYTES], e[PNR_KEY_BYTES];
	struct text *t = malloc(sizeof *t);

	CHECK(t != NULL);
	record_from_key(k, zeros, s);
	record_from_key(k, ones, s2);     /* the same key, another check value */
	for (size_t i = 0; i < PNR_KEY_BYTES; i++)
		e[i] = (unsigned char)(s[i] ^ 0x5a);   /* pubkeyE: not read */

	/* The bare hex, either case, white space around. */
	t->len = 0;
	put_hex(t, s, 0);
	check_parses(t, k, KEY_PUBKEYS_HEX);
	t->len = 0;
	put(t, " \t\r\n");
	put_hex(t, s2, 1);
	put(t, "\n\v\f ");
	check_parses(t, k, KEY_PUBKEYS_HEX);
	t->len = 0;
	put_hex(t, s, 1);
	put(t, "\r\n");
	check_parses(t, k, KEY_PUBKEYS_HEX);

	/* "pubkeyS=<hex>" alone, any case, white space around either side. */
	t->len = 0;
	put(t, "pubkeyS=");
	put_hex(t, s, 0);
	check_parses(t, k, KEY_PGPUBK);
	t->len = 0;
	put(t, "\r\n \tPUBKEYS \t= ");
	put_hex(t, s2, 1);
	put(t, " \r\n\r\n");
	check_parses(t, k, KEY_PGPUBK);

	/* The whole file, LF and CRLF, with and without a last line end. */
	whole_file(t, "\n", s, e, "");
	check_parses(t, k, KEY_PGPUBK);
	whole_file(t, "\r\n", s2, e, "");
	check_parses(t, k, KEY_PGPUBK);
	whole_file(t, "\r\n", s, e, "");
	t->len -= 2;
	check_parses(t, k, KEY_PGPUBK);

	/* Its lines in another order, indented, blank lines between, other
	 * settings (empty, or holding '=' and '['), lower-case name. */
	t->len = 0;
	put(t, "\r\n\n  [NetPayClient]  \r\n\r\n pubkeyE = ");
	put_hex(t, e, 1);
	put(t, "\r\nPGID=\nx = a=b[c]\r\n\t pubkeys\t=\t");
	put_hex(t, s2, 0);
	put(t, " \t\r\n  \n");
	check_parses(t, k, KEY_PGPUBK);

	/* Refused: a second pubkeyS line, in another case, other hex (the
	 * same key with another check value) or the same. */
	whole_file(t, "\n", s, e, "PUBKEYS=");
	put_hex(t, s2, 0);
	put(t, "\n");
	check_refused(t);
	whole_file(t, "\r\n", s, e, "pubkeyS=");
	put_hex(t, s, 0);
	check_refused(t);

	/* Refused: a second [NetPayClient], or one after a setting. */
	whole_file(t, "\n", s, e, "[NetPayClient]\n");
	check_refused(t);
	t->len = 0;
	put(t, "PGID=999999\n[NetPayClient]\npubkeyS=");
	put_hex(t, s, 0);
	check_refused(t);

	/* Refused: the hex on the line after "pubkeyS=" (the old reader took
	 * it; that line is not NAME=VALUE). */
	t->len = 0;
	put(t, "pubkeyS=\n");
	put_hex(t, s, 0);
	check_refused(t);
	t->len = 0;
	put(t, "[NetPayClient]\r\npubkeyS=\r\n");
	put_hex(t, s, 0);
	put(t, "\r\n");
	check_refused(t);

	/* Refused: a NUL, even in a value that is not read. */
	whole_file(t, "\n", s, e, "");
	t->p[strlen("[NetPayClient]\nPGID=99")] = '\0';
	check_refused(t);

	free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct pnr_key key, key2, want;
	enum key_format format = FORMAT_UNSET, format2 = FORMAT_UNSET;
	char why[WHY_MAX] = "", why2[WHY_MAX] = "";
	struct reading ref;
	int rc;

	memset(&key, 0, sizeof key);
	memset(&key2, 0, sizeof key2);
	rc = keyfile_parse_pnr(text, size, &key, &format, why, sizeof why);
	CHECK(rc == 0 || rc == -1);

	/* Determinism. */
	CHECK(keyfile_parse_pnr(text, size, &key2, &format2, why2, sizeof why2) == rc);
	CHECK(strcmp(why2, why) == 0 && format2 == format);
	CHECK(memcmp(&key, &key2, sizeof key) == 0);

	/* The reference accepts the same inputs, in the same format, which
	 * is named even on failure. */
	reference(text, size, &ref);
	CHECK((rc == 0) == (ref.found && record_ok(ref.raw)));
	CHECK(format == ref.format);

	if (rc) {
		CHECK(why[0] != '\0');
		return 0;
	}
	CHECK(why[0] == '\0');
	CHECK(format == KEY_PUBKEYS_HEX || format == KEY_PGPUBK);
	check_key(&key);
	key_from_record(ref.raw, &want);
	CHECK(key_eq(&key, &want));
	/* At least the 576 digits were there. */
	CHECK(size >= HEX_DIGITS);
	check_reencoded(&key);
	return 0;
}
