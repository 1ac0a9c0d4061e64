/* fuzz_pem: keyfile_parse_pem() over arbitrary bytes, against OpenSSL.
 *
 * Each input is tried twice: as it is (a PEM text), and as the DER inside
 * a PEM, base64 in lines of 64 as OpenSSL writes it, so that the DER
 * reader gets mutated DER rather than base64 that rarely decodes.  For
 * each text:
 *
 *   - two parses give the same result, why and key;
 *   - a failure says why; a key is what keyfile.h promises: n and e
 *     without leading zeros, n odd of RSA_MIN_BITS..RSA_MAX_BITS bits,
 *     e odd, above 1 and below n;
 *   - a key we accept, OpenSSL (PEM_read_bio_PUBKEY) accepts too, as an
 *     RSA key with the same n and e;
 *   - a text OpenSSL reads as an RSA key, written back by OpenSSL
 *     (PEM_write_bio_PUBKEY), we accept with the same n and e exactly
 *     when the key is within our limits (the ones above).
 *
 * Every text is handed over in a buffer of its exact size. */
#include "fuzz.h"
#include "bank/keyfile.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium/utils.h>

/* Past any key file; keeps every length an int for OpenSSL. */
enum { PEM_INPUT_MAX = 65536 };

/* n and e as OpenSSL has them, and as big-endian bytes. */
struct ossl_rsa {
	BIGNUM *n, *e;
	unsigned char *nb, *eb;
	size_t n_len, e_len;
};

static unsigned char *bn_bytes(const BIGNUM *bn, size_t *len)
{
	int n = BN_num_bytes(bn);
	unsigned char *b;

	CHECK(n >= 0);
	b = malloc(n ? (size_t)n : 1);
	CHECK(b != NULL);
	CHECK(BN_bn2bin(bn, b) == n);
	*len = (size_t)n;
	return b;
}

static void ossl_rsa_get(const EVP_PKEY *pk, struct ossl_rsa *r)
{
	memset(r, 0, sizeof *r);
	CHECK(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &r->n) == 1);
	CHECK(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &r->e) == 1);
	r->nb = bn_bytes(r->n, &r->n_len);
	r->eb = bn_bytes(r->e, &r->e_len);
}

static void ossl_rsa_free(struct ossl_rsa *r)
{
	BN_free(r->n);
	BN_free(r->e);
	free(r->nb);
	free(r->eb);
}

/* keyfile.h's limits, by OpenSSL's arithmetic. */
static int within_limits(const BIGNUM *n, const BIGNUM *e)
{
	int bits = BN_num_bits(n);

	return !BN_is_negative(n) && !BN_is_negative(e) &&
	       bits >= RSA_MIN_BITS && bits <= RSA_MAX_BITS && BN_is_odd(n) &&
	       BN_is_odd(e) && !BN_is_one(e) && BN_cmp(e, n) < 0;
}

/* What keyfile.h promises of every key it returns. */
static void check_key(const struct rsa_pubkey *k)
{
	BIGNUM *n, *e;

	CHECK(k->n_len >= 1 && k->n_len <= RSA_MAX_BYTES);
	CHECK(k->e_len >= 1 && k->e_len <= RSA_MAX_BYTES);
	CHECK(k->n[0] != 0 && k->e[0] != 0);
	CHECK((k->n[k->n_len - 1] & 1) && (k->e[k->e_len - 1] & 1));
	n = BN_bin2bn(k->n, (int)k->n_len, NULL);
	e = BN_bin2bn(k->e, (int)k->e_len, NULL);
	CHECK(n != NULL && e != NULL);
	CHECK(within_limits(n, e));
	BN_free(n);
	BN_free(e);
}

static void check_same(const struct rsa_pubkey *a, const struct rsa_pubkey *b)
{
	CHECK(a->n_len == b->n_len && a->e_len == b->e_len);
	CHECK(memcmp(a->n, b->n, a->n_len) == 0);
	CHECK(memcmp(a->e, b->e, a->e_len) == 0);
}

static void check_same_as_openssl(const struct rsa_pubkey *k,
				  const struct ossl_rsa *r)
{
	CHECK(!BN_is_negative(r->n) && !BN_is_negative(r->e));
	CHECK(k->n_len == r->n_len && memcmp(k->n, r->nb, r->n_len) == 0);
	CHECK(k->e_len == r->e_len && memcmp(k->e, r->eb, r->e_len) == 0);
}

/* keyfile_parse_pem twice on an exact-size copy of text: the same answer
 * both times, and what it promises. */
static int ours(const char *text, size_t len, struct rsa_pubkey *key)
{
	char *copy = fuzz_dup(text, len);
	struct rsa_pubkey key2;
	char why[256] = "", why2[256] = "";
	int rc, rc2;

	memset(key, 0, sizeof *key);
	memset(&key2, 0xa5, sizeof key2);
	rc = keyfile_parse_pem(copy, len, key, why, sizeof why);
	rc2 = keyfile_parse_pem(copy, len, &key2, why2, sizeof why2);
	free(copy);
	CHECK(rc == 0 || rc == -1);
	CHECK(rc2 == rc);
	if (rc) {
		CHECK(strcmp(why2, why) == 0 && why[0] != '\0');
		return rc;
	}
	CHECK(why[0] == '\0' && why2[0] == '\0');
	check_key(key);
	check_same(key, &key2);
	return 0;
}

/* Never asked: an encrypted PEM must not read a password from the tty. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* OpenSSL's reading of text (an exact-size copy), or NULL. */
static EVP_PKEY *openssl_read(const char *text, size_t len)
{
	char *copy = fuzz_dup(text, len);
	BIO *bio = BIO_new_mem_buf(copy, (int)len);
	EVP_PKEY *pk;

	CHECK(bio != NULL);
	pk = PEM_read_bio_PUBKEY(bio, NULL, no_password, NULL);
	BIO_free(bio);
	free(copy);
	ERR_clear_error();
	return pk;
}

/* The RSA key OpenSSL read, written back by OpenSSL: ours accepts it,
 * with the same n and e, exactly when it is within our limits. */
static void check_reencoded(const EVP_PKEY *pk)
{
	BIO *out = BIO_new(BIO_s_mem());
	struct ossl_rsa r;
	struct rsa_pubkey key;
	char *pem = NULL;
	long len;
	int rc;

	CHECK(out != NULL);
	CHECK(PEM_write_bio_PUBKEY(out, pk) == 1);
	len = BIO_get_mem_data(out, &pem);
	CHECK(len > 0 && pem != NULL);
	ossl_rsa_get(pk, &r);
	rc = ours(pem, (size_t)len, &key);
	if (within_limits(r.n, r.e)) {
		CHECK(rc == 0);
		check_same_as_openssl(&key, &r);
	} else {
		CHECK(rc == -1);
	}
	ossl_rsa_free(&r);
	BIO_free(out);
}

static void check_text(const char *text, size_t len)
{
	struct rsa_pubkey key;
	int rc = ours(text, len, &key);
	EVP_PKEY *pk = openssl_read(text, len);
	int is_rsa = pk != NULL && EVP_PKEY_is_a(pk, "RSA");

	if (rc == 0) {
		struct ossl_rsa r;

		CHECK(is_rsa);
		ossl_rsa_get(pk, &r);
		check_same_as_openssl(&key, &r);
		ossl_rsa_free(&r);
	}
	if (is_rsa)
		check_reencoded(pk);
	EVP_PKEY_free(pk);
}

/* data as the DER inside a PEM, as OpenSSL writes one. */
static char *pem_wrap(const uint8_t *data, size_t size, size_t *len)
{
	static const char begin[] = "-----BEGIN PUBLIC KEY-----\n";
	static const char end[] = "-----END PUBLIC KEY-----\n";
	size_t b64max = sodium_base64_ENCODED_LEN(size,
						  sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(b64max);
	char *out = malloc(sizeof begin + b64max + b64max / 64 + 1 + sizeof end);
	size_t b64len, n;

	CHECK(b64 != NULL && out != NULL);
	CHECK(sodium_bin2base64(b64, b64max, data, size,
				sodium_base64_VARIANT_ORIGINAL) == b64);
	b64len = strlen(b64);
	memcpy(out, begin, sizeof begin - 1);
	n = sizeof begin - 1;
	for (size_t i = 0; i < b64len; i += 64) {
		size_t chunk = b64len - i < 64 ? b64len - i : 64;

		memcpy(out + n, b64 + i, chunk);
		n += chunk;
		out[n++] = '\n';
	}
	memcpy(out + n, end, sizeof end - 1);
	n += sizeof end - 1;
	free(b64);
	*len = n;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *pem;
	size_t len;

	if (size > PEM_INPUT_MAX)
		return 0;
	check_text((const char *)data, size);
	pem = pem_wrap(data, size, &len);
	check_text(pem, len);
	free(pem);
	return 0;
}
