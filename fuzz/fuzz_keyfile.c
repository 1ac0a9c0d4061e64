/* fuzz_keyfile: keyfile_parse_hex() over arbitrary bytes.
 *
 * A key that parses must satisfy what the parser promises (printable
 * owner and version, an odd 1024-bit modulus, an exponent above 1), and
 * re-encoding it to hex, in each spelling the format allows (upper or
 * lower case, with or without "pubkeyS=", white space around), must parse
 * to the very same key, which is the one the format's definition reads
 * from the input.  A failure always says why. */
#include "fuzz.h"
#include "keyfile.h"

#include <string.h>
#include <strings.h>

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

static void check_key(const struct pnr_key *k)
{
	int e_big = 0;

	CHECK(printable(k->owner, sizeof k->owner - 1));
	CHECK(printable(k->version, sizeof k->version - 1));
	CHECK(k->n[0] != 0 && (k->n[PNR_MODULUS_BYTES - 1] & 1));
	for (size_t i = 0; i < PNR_MODULUS_BYTES - 1; i++)
		e_big |= k->e[i] != 0;
	CHECK(e_big || k->e[PNR_MODULUS_BYTES - 1] > 1);
}

/* The 288-byte record behind k (check value bytes: tail), as hex. */
static size_t encode(const struct pnr_key *k, const unsigned char tail[8],
		     int lower, const char *before, const char *after,
		     char *out)
{
	static const char up[] = "0123456789ABCDEF", lo[] = "0123456789abcdef";
	const char *hex = lower ? lo : up;
	unsigned char raw[PNR_KEY_BYTES] = { 0 };
	size_t n = 0;

	memcpy(raw, k->owner, strlen(k->owner));
	memcpy(raw + 20, k->version, strlen(k->version));
	memcpy(raw + 24, k->n, PNR_MODULUS_BYTES);
	memcpy(raw + 24 + PNR_MODULUS_BYTES, k->e, PNR_MODULUS_BYTES);
	memcpy(raw + 24 + 2 * PNR_MODULUS_BYTES, tail, 8);
	n += (size_t)sprintf(out, "%s", before);
	for (size_t i = 0; i < sizeof raw; i++) {
		out[n++] = hex[raw[i] >> 4];
		out[n++] = hex[raw[i] & 15];
	}
	n += (size_t)sprintf(out + n, "%s", after);
	return n;
}

static void check_reparse(const struct pnr_key *k, const unsigned char tail[8],
			  int lower, const char *before, const char *after)
{
	char text[2 * PNR_KEY_BYTES + 64];
	size_t n = encode(k, tail, lower, before, after, text);
	char *copy = fuzz_dup(text, n);   /* exact size: catch overreads */
	struct pnr_key k2;
	const char *why = "unset";

	memset(&k2, 0, sizeof k2);
	CHECK(keyfile_parse_hex(copy, n, &k2, &why) == 0);
	CHECK(why == NULL);
	CHECK(memcmp(k, &k2, sizeof k2) == 0);
	free(copy);
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

static int space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

/* The accepted input, read by the format's definition: white space,
 * optional "pubkeyS=" (any case), white space, 576 hex digits, white
 * space; the record is NUL-padded owner[20], version[4], n, e, check[8]. */
static void check_against_format(const char *p, size_t len,
				 const struct pnr_key *k)
{
	unsigned char raw[PNR_KEY_BYTES];
	size_t ol = strlen(k->owner), vl = strlen(k->version);

	while (len && space((unsigned char)*p))
		p++, len--;
	while (len && space((unsigned char)p[len - 1]))
		len--;
	if (len >= 8 && strncasecmp(p, "pubkeyS=", 8) == 0) {
		p += 8;
		len -= 8;
		while (len && space((unsigned char)*p))
			p++, len--;
	}
	CHECK(len == 2 * PNR_KEY_BYTES);
	for (size_t i = 0; i < PNR_KEY_BYTES; i++) {
		int hi = hexval((unsigned char)p[2 * i]);
		int lo = hexval((unsigned char)p[2 * i + 1]);

		CHECK(hi >= 0 && lo >= 0);
		raw[i] = (unsigned char)(hi * 16 + lo);
	}
	CHECK(ol <= 20 && memcmp(raw, k->owner, ol) == 0);
	for (size_t i = ol; i < 20; i++)
		CHECK(raw[i] == 0);
	CHECK(vl <= 4 && memcmp(raw + 20, k->version, vl) == 0);
	for (size_t i = 20 + vl; i < 24; i++)
		CHECK(raw[i] == 0);
	CHECK(memcmp(raw + 24, k->n, PNR_MODULUS_BYTES) == 0);
	CHECK(memcmp(raw + 24 + PNR_MODULUS_BYTES, k->e, PNR_MODULUS_BYTES) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pnr_key key, key2;
	const char *why = "unset", *why2 = "unset";
	int rc;

	memset(&key, 0, sizeof key);
	memset(&key2, 0, sizeof key2);
	rc = keyfile_parse_hex((const char *)data, size, &key, &why);
	CHECK(rc == 0 || rc == -1);
	/* Determinism. */
	CHECK(keyfile_parse_hex((const char *)data, size, &key2, &why2) == rc);
	if (rc) {
		CHECK(why != NULL && why == why2 && why[0] != '\0');
		return 0;
	}
	CHECK(why == NULL && why2 == NULL);
	CHECK(memcmp(&key, &key2, sizeof key) == 0);
	check_key(&key);
	check_against_format((const char *)data, size, &key);
	/* At least the 576 digits were there. */
	CHECK(size >= 2 * PNR_KEY_BYTES);
	{
		unsigned char tail[8] = { 0 };
		static const unsigned char ff[8] = { 255, 255, 255, 255,
						     255, 255, 255, 255 };

		check_reparse(&key, tail, 0, "", "");
		check_reparse(&key, ff, 1, "", "\n");
		check_reparse(&key, tail, 0, "pubkeyS=", "\r\n");
		check_reparse(&key, ff, 1, " \tPUBKEYS= \n", "  \f\v");
		check_reparse(&key, tail, 1, "\r\n", "\r\n\r\n");
	}
	return 0;
}
