/* keyfile: load the bank's public key.  See keyfile.h.
 *
 * ChinaPNR ships its key as PgPubk.key, a hex dump of a fixed 288-byte
 * record (owner id, version, modulus, exponent, check value); operators
 * who converted it have a PEM instead.  Both must give the same key. */
#include "keyfile.h"
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

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

int keyfile_parse_hex(const char *buf, size_t len, struct pnr_key *key,
		      const char **why)
{
	struct slice s = slice_trim((struct slice){ buf, len });
	unsigned char raw[PNR_KEY_BYTES];
	static const char prefix[] = "pubkeyS=";

	if (s.len >= sizeof prefix - 1 &&
	    slice_eq_nocase((struct slice){ s.p, sizeof prefix - 1 }, prefix)) {
		s.p += sizeof prefix - 1;
		s.len -= sizeof prefix - 1;
		s = slice_trim(s);
	}
	if (s.len != (size_t)2 * PNR_KEY_BYTES) {
		*why = "not 576 hexadecimal digits";
		return -1;
	}
	if (hex_decode(s, raw, PNR_KEY_BYTES)) {
		*why = "not hexadecimal";
		return -1;
	}
	if (ascii_field(raw, 20, key->owner) ||
	    ascii_field(raw + 20, 4, key->version)) {
		*why = "owner id or version is not ASCII";
		return -1;
	}
	memcpy(key->n, raw + 24, PNR_MODULUS_BYTES);
	memcpy(key->e, raw + 24 + PNR_MODULUS_BYTES, PNR_MODULUS_BYTES);
	/* A modulus must be odd and use its top byte; an exponent of
	 * 0 or 1 would make every signature "verify". */
	if (key->n[0] == 0 || !(key->n[PNR_MODULUS_BYTES - 1] & 1)) {
		*why = "modulus is not a 1024-bit odd number";
		return -1;
	}
	if (is_zero(key->e, PNR_MODULUS_BYTES - 1) &&
	    key->e[PNR_MODULUS_BYTES - 1] <= 1) {
		*why = "public exponent is 0 or 1";
		return -1;
	}
	*why = NULL;
	return 0;
}

static EVP_PKEY *pkey_from_pnr(const struct pnr_key *key)
{
	BIGNUM *n = BN_bin2bn(key->n, PNR_MODULUS_BYTES, NULL);
	BIGNUM *e = BN_bin2bn(key->e, PNR_MODULUS_BYTES, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pkey = NULL;

	if (n && e && bld && ctx &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) > 0 &&
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(n);
	BN_free(e);
	return pkey;
}

static ssize_t read_small_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t r = read(fd, buf + len, cap - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(fd);
			return r < 0 ? -1 : (ssize_t)len;
		}
		len += (size_t)r;
		if (len == cap) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
	}
}

EVP_PKEY *keyfile_load(const char *path, char *err, size_t errlen)
{
	static char buf[KEYFILE_MAX];
	ssize_t len = read_small_file(path, buf, sizeof buf);
	EVP_PKEY *pkey = NULL;

	if (len < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path,
			 strerror(errno));
		return NULL;
	}
	if (memmem(buf, (size_t)len, "-----BEGIN", 10)) {
		BIO *bio = BIO_new_mem_buf(buf, (int)len);

		pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
		BIO_free(bio);
		if (!pkey) {
			snprintf(err, errlen, "%s: not a PEM public key", path);
			return NULL;
		}
	} else {
		struct pnr_key key;
		const char *why;

		if (keyfile_parse_hex(buf, (size_t)len, &key, &why)) {
			snprintf(err, errlen, "%s: %s", path, why);
			return NULL;
		}
		pkey = pkey_from_pnr(&key);
		if (!pkey) {
			snprintf(err, errlen, "%s: OpenSSL refused the key", path);
			return NULL;
		}
	}
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA ||
	    EVP_PKEY_get_bits(pkey) < 1024 || EVP_PKEY_get_bits(pkey) > 4096) {
		snprintf(err, errlen, "%s: not an RSA key of 1024 to 4096 bits",
			 path);
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

int keyfile_describe(EVP_PKEY *pkey, char *out, size_t outlen)
{
	unsigned char *der = NULL;
	unsigned char md[SHA256_DIGEST_LENGTH];
	int len = i2d_PUBKEY(pkey, &der);
	struct buf b;

	if (len <= 0)
		return -1;
	SHA256(der, (size_t)len, md);
	OPENSSL_free(der);
	buf_init(&b, out, outlen);
	buf_puts(&b, "RSA-");
	buf_put_u64(&b, (unsigned)EVP_PKEY_get_bits(pkey));
	buf_puts(&b, " sha256:");
	buf_put_hex(&b, md, sizeof md);
	return b.overflow ? -1 : 0;
}
