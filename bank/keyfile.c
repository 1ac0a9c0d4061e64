/* keyfile: load the bank's public key.  See keyfile.h.
 *
 * ChinaPNR ships its key as PgPubk.key, a hex dump of a fixed 288-byte
 * record (owner id, version, modulus, exponent, check value); operators
 * who converted it have a PEM instead.  Both must give the same key.
 *
 * Both are parsed here, not by OpenSSL: see keyfile.h for why.  OpenSSL
 * sees the key only in keyfile_describe(), for --check. */
#include "keyfile.h"
#include "lib/buf.h"
#include "lib/readfile.h"

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <sodium/utils.h>

static bool is_zero(const unsigned char *p, size_t n)
{
	unsigned char acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* Copies a NUL-padded ASCII field; refuses anything unprintable. */
static int ascii_field(const unsigned char *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n && p[i]; i++) {
		if (p[i] < 0x20 || p[i] > 0x7e)
			return -1;
		out[i] = (char)p[i];
	}
	out[i] = '\0';
	return is_zero(p + i, n - i) ? 0 : -1;
}

/* What makes a key unusable, or NULL.  Both formats end here. */
static const char *key_problem(const struct rsa_pubkey *k)
{
	size_t bits;

	if (k->n_len == 0 || k->n[0] == 0 || k->e_len == 0 || k->e[0] == 0)
		return "modulus or exponent is zero";
	bits = 8 * k->n_len;
	for (unsigned char top = k->n[0]; !(top & 0x80); top <<= 1)
		bits--;
	if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
		return "not an RSA key of 1024 to 4096 bits";
	if (!(k->n[k->n_len - 1] & 1))
		return "modulus is even";
	/* An exponent of 1 would make every signature "verify". */
	if (!(k->e[k->e_len - 1] & 1) || (k->e_len == 1 && k->e[0] == 1))
		return "public exponent is not an odd number above 1";
	if (k->e_len > k->n_len ||
	    (k->e_len == k->n_len && memcmp(k->e, k->n, k->n_len) >= 0))
		return "public exponent is not below the modulus";
	return NULL;
}

/* Copies a big-endian number without its leading zeros. */
static size_t put_number(unsigned char *out, const unsigned char *p, size_t n)
{
	while (n && *p == 0)
		p++, n--;
	memcpy(out, p, n);
	return n;
}

static void key_from_pnr(const struct pnr_key *pk, struct rsa_pubkey *k)
{
	k->n_len = put_number(k->n, pk->n, PNR_MODULUS_BYTES);
	k->e_len = put_number(k->e, pk->e, PNR_MODULUS_BYTES);
}

/* The next line of *s, without its "\n" or "\r\n"; false at the end. */
static bool next_line(struct slice *s, struct slice *line)
{
	const char *nl;

	if (s->len == 0)
		return false;
	nl = memchr(s->p, '\n', s->len);
	line->p = s->p;
	line->len = nl ? (size_t)(nl - s->p) : s->len;
	s->p += line->len + (nl != NULL);
	s->len -= line->len + (nl != NULL);
	if (line->len && line->p[line->len - 1] == '\r')
		line->len--;
	return true;
}

static bool blank(struct slice line)
{
	return slice_trim(line).len == 0;
}

/* One "NAME=VALUE" line of a PgPubk.key, both sides trimmed; false when
 * the line has no '='. */
static bool split_setting(struct slice line, struct slice *name,
			  struct slice *value)
{
	const char *eq = memchr(line.p, '=', line.len);

	if (!eq)
		return false;
	*name = slice_trim((struct slice){ line.p, (size_t)(eq - line.p) });
	*value = slice_trim((struct slice){ eq + 1, line.len - (size_t)(eq - line.p) - 1 });
	return true;
}

/* A failure: -1, with why in err. */
static int fail(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s", why);
	return -1;
}

/* Finds the pubkeyS hex in a PgPubk.key as ChinaPNR issues it:
 *
 *   [NetPayClient]
 *   PGID=999999
 *   pubkeyS=<576 hex digits>
 *   pubkeyE=<576 hex digits>
 *
 * LF or CRLF.  pubkeyS verifies callbacks; pubkeyE is another of the
 * bank's keys, with no part in it, and PGID is not checked (both SDKs
 * ignore it too).  Anything that could make two readers see two keys is
 * refused: a second pubkeyS (in any case), a section other than
 * [NetPayClient] or a second one, a line that is not NAME=VALUE. */
static int find_pubkeyS(struct slice s, struct slice *hex, char *err, size_t errlen)
{
	struct slice line, name, value;
	bool first = true;

	hex->p = NULL;
	hex->len = 0;
	while (next_line(&s, &line)) {
		line = slice_trim(line);
		if (line.len == 0)
			continue;
		if (line.p[0] == '[') {
			if (!first || !slice_eq(line, "[NetPayClient]"))
				return fail(err, errlen, "a section other than one "
					    "[NetPayClient] at the top");
		} else if (!split_setting(line, &name, &value) || name.len == 0) {
			return fail(err, errlen, "a line that is not NAME=VALUE");
		} else if (slice_eq_nocase(name, "pubkeyS")) {
			if (hex->p)
				return fail(err, errlen, "two pubkeyS lines");
			*hex = value;
		}
		first = false;
	}
	if (!hex->p)
		return fail(err, errlen, "no pubkeyS= line");
	return 0;
}

int keyfile_parse_pnr(const char *buf, size_t len, struct pnr_key *key,
		      enum key_format *format, char *err, size_t errlen)
{
	struct slice s = slice_trim((struct slice){ buf, len });
	unsigned char raw[PNR_KEY_BYTES];
	struct rsa_pubkey k;
	const char *why;

	*format = memchr(s.p, '=', s.len) || memchr(s.p, '[', s.len)
		  ? KEY_PGPUBK : KEY_PUBKEYS_HEX;
	if (memchr(buf, '\0', len))
		return fail(err, errlen, "a NUL byte in the file");
	if (*format == KEY_PGPUBK && find_pubkeyS(s, &s, err, errlen))
		return -1;
	if (s.len != (size_t)2 * PNR_KEY_BYTES)
		return fail(err, errlen, *format == KEY_PGPUBK
				 ? "pubkeyS is not 576 hexadecimal digits"
				 : "not 576 hexadecimal digits");
	if (hex_decode(s, raw, PNR_KEY_BYTES))
		return fail(err, errlen, *format == KEY_PGPUBK ? "pubkeyS is not hexadecimal"
				 : "not hexadecimal");
	if (ascii_field(raw, 20, key->owner) ||
	    ascii_field(raw + 20, 4, key->version))
		return fail(err, errlen, "owner id or version is not ASCII");
	memcpy(key->n, raw + 24, PNR_MODULUS_BYTES);
	memcpy(key->e, raw + 24 + PNR_MODULUS_BYTES, PNR_MODULUS_BYTES);
	key_from_pnr(key, &k);
	why = key_problem(&k);
	return why ? fail(err, errlen, why) : 0;
}

/* DER, the subset a SubjectPublicKeyInfo needs. */
struct der {
	const unsigned char *p;
	size_t len;
};

/* Takes one element with this tag off the front of *in; its contents go
 * to *out.  Only definite lengths in their shortest form: one key, one
 * encoding. */
static int der_take(struct der *in, unsigned char tag, struct der *out)
{
	size_t len, head = 2;

	if (in->len < 2 || in->p[0] != tag)
		return -1;
	len = in->p[1];
	if (len & 0x80) {
		size_t nbytes = len & 0x7f;

		/* two length bytes reach 64 KiB, beyond any key file */
		if (nbytes == 0 || nbytes > 2 || in->len < 2 + nbytes)
			return -1;
		len = 0;
		for (size_t i = 0; i < nbytes; i++)
			len = len << 8 | in->p[2 + i];
		if (len < 0x80 || (nbytes == 2 && len < 0x100))
			return -1;
		head += nbytes;
	}
	if (in->len - head < len)
		return -1;
	out->p = in->p + head;
	out->len = len;
	in->p += head + len;
	in->len -= head + len;
	return 0;
}

/* A positive INTEGER in its shortest form, into out without a sign byte. */
static int der_number(struct der *in, unsigned char *out, size_t cap,
		      size_t *len)
{
	struct der v;

	if (der_take(in, 0x02, &v) || v.len == 0 || (v.p[0] & 0x80))
		return -1;
	if (v.p[0] == 0) {
		if (v.len == 1 || !(v.p[1] & 0x80))
			return -1;
		v.p++;
		v.len--;
	}
	if (v.len > cap)
		return -1;
	memcpy(out, v.p, v.len);
	*len = v.len;
	return 0;
}

/* SEQUENCE { SEQUENCE { rsaEncryption, NULL },
 *            BIT STRING { SEQUENCE { INTEGER n, INTEGER e } } } */
static int der_rsa_spki(struct der all, struct rsa_pubkey *k)
{
	static const unsigned char rsa_encryption[] = {
		0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
		0x05, 0x00,
	};
	struct der spki, alg, bits, rsa;

	if (der_take(&all, 0x30, &spki) || all.len ||
	    der_take(&spki, 0x30, &alg) || alg.len != sizeof rsa_encryption ||
	    memcmp(alg.p, rsa_encryption, alg.len) != 0 ||
	    der_take(&spki, 0x03, &bits) || spki.len ||
	    bits.len < 1 || bits.p[0] != 0)
		return -1;
	bits.p++;       /* no unused bits */
	bits.len--;
	return der_take(&bits, 0x30, &rsa) || bits.len ||
	       der_number(&rsa, k->n, sizeof k->n, &k->n_len) ||
	       der_number(&rsa, k->e, sizeof k->e, &k->e_len) || rsa.len
		? -1 : 0;
}

/* The strict PEM of RFC 7468: the BEGIN line, lines of base64 (64
 * characters as OpenSSL writes them, up to 76 as MIME tools do), the
 * END line; only blank lines around.  Anything looser once let NUL and
 * bytes above 0x7F through libsodium's decoder as if they were base64. */
int keyfile_parse_pem(const char *buf, size_t len, struct rsa_pubkey *key,
		      char *err, size_t errlen)
{
	static const char begin[] = "-----BEGIN PUBLIC KEY-----";
	static const char end[] = "-----END PUBLIC KEY-----";
	struct slice s = { buf, len }, line = { NULL, 0 };
	char body[KEYFILE_MAX];
	size_t body_len = 0, der_len;
	unsigned char der[2 * RSA_MAX_BYTES + 64];
	bool ended = false;
	const char *why;

	while (next_line(&s, &line) && blank(line))
		;
	if (!slice_eq(line, begin))
		return fail(err, errlen, "not a PEM public key "
			    "(-----BEGIN PUBLIC KEY-----)");
	while (next_line(&s, &line)) {
		if (slice_eq(line, end)) {
			ended = true;
			break;
		}
		if (line.len == 0 || line.len > 76 || !slice_all(line, ascii_alnum, "+/=") ||
		    body_len + line.len > sizeof body)
			return fail(err, errlen, "PEM body is not lines of base64");
		memcpy(body + body_len, line.p, line.len);
		body_len += line.len;
	}
	while (ended && next_line(&s, &line))
		ended = blank(line);
	if (!ended || body_len == 0)
		return fail(err, errlen, "PEM has no -----END PUBLIC KEY----- after its "
			    "body, or more after it");
	if (sodium_base642bin(der, sizeof der, body, body_len, NULL, &der_len,
			      NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return fail(err, errlen, "PEM body is not base64 of a key");
	if (der_rsa_spki((struct der){ der, der_len }, key))
		return fail(err, errlen, "PEM does not hold an RSA public key");
	why = key_problem(key);
	return why ? fail(err, errlen, why) : 0;
}

int keyfile_load(const char *path, struct rsa_pubkey *key,
		 enum key_format *format, char *err, size_t errlen)
{
	char buf[KEYFILE_MAX], why[256];
	size_t len;
	int rc;

	*format = KEY_PUBKEYS_HEX;
	if (read_file(path, buf, sizeof buf, &len, why, sizeof why)) {
		snprintf(err, errlen, "cannot read %s", why);
		return -1;
	}
	if (memmem(buf, len, "-----BEGIN", 10)) {
		*format = KEY_PEM;
		rc = keyfile_parse_pem(buf, len, key, why, sizeof why);
	} else {
		struct pnr_key pk;

		rc = keyfile_parse_pnr(buf, len, &pk, format, why, sizeof why);
		if (rc == 0)
			key_from_pnr(&pk, key);
	}
	if (rc) {
		snprintf(err, errlen, "%s: %s (read as %s)", path, why,
			 keyfile_format_name(*format));
		return -1;
	}
	return 0;
}

const char *keyfile_format_name(enum key_format format)
{
	switch (format) {
	case KEY_PEM:
		return "a PEM public key";
	case KEY_PUBKEYS_HEX:
		return "a bare pubkeyS hex line";
	case KEY_PGPUBK:
		return "a ChinaPNR PgPubk.key (its pubkeyS= line)";
	}
	return "?";
}

int keyfile_describe(const struct rsa_pubkey *key, char *out, size_t outlen)
{
	BIGNUM *n = BN_bin2bn(key->n, (int)key->n_len, NULL);
	BIGNUM *e = BN_bin2bn(key->e, (int)key->e_len, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pkey = NULL;
	unsigned char *der = NULL;
	unsigned char md[SHA256_DIGEST_LENGTH];
	int len = 0, bits = 0;
	struct buf b;

	if (n && e && bld && ctx &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) > 0 &&
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) > 0) {
		len = i2d_PUBKEY(pkey, &der);
		bits = EVP_PKEY_get_bits(pkey);
	}
	if (len > 0)
		SHA256(der, (size_t)len, md);
	OPENSSL_free(der);
	EVP_PKEY_free(pkey);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(n);
	BN_free(e);
	if (len <= 0 || bits <= 0)
		return -1;
	buf_init(&b, out, outlen);
	buf_puts(&b, "RSA-");
	buf_put_u64(&b, (unsigned)bits);
	buf_puts(&b, " sha256:");
	buf_put_hex(&b, md, sizeof md);
	return b.overflow ? -1 : 0;
}

int bank_key_paths(const char *setting, char paths[BANK_KEYS_MAX][4096],
		   char *err, size_t errlen)
{
	static const char not_one_or_two[] =
		"BANK_CALLBACK_PUBKEY: one key file, or two separated by a comma";
	struct slice rest = slice_from(setting), one;
	int n = 0;

	if (!setting)
		return fail(err, errlen, "BANK_CALLBACK_PUBKEY is not set");
	while (slice_next_item(&rest, ',', &one)) {
		if (n == BANK_KEYS_MAX || one.len == 0 || one.len >= sizeof paths[0])
			return fail(err, errlen, not_one_or_two);
		memcpy(paths[n], one.p, one.len);
		paths[n++][one.len] = '\0';
	}
	return n > 0 ? n : fail(err, errlen, not_one_or_two);
}

int bank_keys_load(const char *setting, struct bank_keys *keys, char *err,
		   size_t errlen)
{
	char paths[BANK_KEYS_MAX][4096];
	enum key_format format;

	keys->n = bank_key_paths(setting, paths, err, errlen);
	if (keys->n < 0)
		return -1;
	for (int i = 0; i < keys->n; i++)
		if (keyfile_load(paths[i], &keys->key[i], &format, err, errlen))
			return -1;
	return 0;
}
