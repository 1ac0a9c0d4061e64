/* chkvalue: verify the bank's ChkValue.  See chkvalue.h.
 *
 * We do the public-key operation raw and compare the recovered block,
 * in constant time, with the one we expect: all of it but the digest in
 * chkvalue_open(), the digest in chkvalue_signs().  There is no padding
 * parser to fool (Bleichenbacher-style forgeries against e=3 keys lived
 * in lax ones).
 *
 * Nothing here goes through OpenSSL's providers (EVP, or the one-shot
 * SHA1(), which is EVP inside): setting them up costs each process about
 * 0.85 ms of CPU and 2 MiB, more than everything else a forged callback
 * costs us (bench/results/2026-11-25-startup.md).  BN_mod_exp is not
 * deprecated; the low-level SHA-1 functions are, since OpenSSL 3.0, but
 * they are the very implementation the default provider calls. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "chkvalue.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/sha.h>
#include <sodium/utils.h>

/* DER prefix of DigestInfo { sha1, NULL, OCTET STRING(20) }. */
static const unsigned char sha1_digest_info[] = {
	0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e,
	0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
};

static int sha1(struct slice msg, unsigned char out[SHA_DIGEST_LENGTH])
{
	SHA_CTX c;

	return SHA1_Init(&c) && SHA1_Update(&c, msg.p, msg.len) &&
	       SHA1_Final(out, &c) ? 0 : -1;
}

/* got = sig ^ e mod n, klen bytes big-endian; sig must be below n. */
static int rsa_public(const struct rsa_pubkey *key, const unsigned char *sig,
		      size_t klen, unsigned char *got)
{
	BN_CTX *bc = BN_CTX_new();
	BIGNUM *n = BN_bin2bn(key->n, (int)key->n_len, NULL);
	BIGNUM *e = BN_bin2bn(key->e, (int)key->e_len, NULL);
	BIGNUM *s = BN_bin2bn(sig, (int)klen, NULL);
	BIGNUM *m = BN_new();
	int ok = bc && n && e && s && m && BN_cmp(s, n) < 0 &&
		 BN_mod_exp(m, s, e, n, bc) &&
		 BN_bn2binpad(m, got, (int)klen) == (int)klen;

	BN_free(m);
	BN_free(s);
	BN_free(e);
	BN_free(n);
	BN_CTX_free(bc);
	return ok ? 0 : -1;
}

/* The signature as klen bytes.  Both SDKs accept a ChkValue whose
 * leading zero digits were dropped, so a shorter one is read as if they
 * were there; a longer one is not ours. */
static int signature_bytes(struct slice hexsig, unsigned char *sig, size_t klen)
{
	char hex[2 * RSA_MAX_BYTES];
	size_t pad;

	if (hexsig.len == 0 || hexsig.len > 2 * klen)
		return -1;
	pad = 2 * klen - hexsig.len;
	memset(hex, '0', pad);
	memcpy(hex + pad, hexsig.p, hexsig.len);
	return hex_decode((struct slice){ hex, 2 * klen }, sig, klen);
}

int chkvalue_open(const struct rsa_pubkey *key, struct slice hexsig,
		  struct chkvalue *out)
{
	unsigned char sig[RSA_MAX_BYTES], got[RSA_MAX_BYTES];
	unsigned char want[RSA_MAX_BYTES];
	size_t klen = key->n_len;
	size_t tail = sizeof sha1_digest_info + SHA_DIGEST_LENGTH;
	size_t head;

	if (klen > RSA_MAX_BYTES || klen < tail + 11 ||
	    signature_bytes(hexsig, sig, klen) || rsa_public(key, sig, klen, got))
		return -1;
	/* 00 01 FF..FF 00 DigestInfo, then the digest: everything but the
	 * digest is fixed, and compared whole, so there is no padding parser
	 * to fool (Bleichenbacher-style forgeries lived in lax ones). */
	head = klen - SHA_DIGEST_LENGTH;
	want[0] = 0x00;
	want[1] = 0x01;
	memset(want + 2, 0xFF, klen - tail - 3);
	want[klen - tail - 1] = 0x00;
	memcpy(want + klen - tail, sha1_digest_info, sizeof sha1_digest_info);
	if (sodium_memcmp(got, want, head) != 0)
		return -1;
	memcpy(out->digest, got + head, SHA_DIGEST_LENGTH);
	return 0;
}

bool chkvalue_signs(const struct chkvalue *cv, struct slice msg)
{
	unsigned char md[SHA_DIGEST_LENGTH];

	return sha1(msg, md) == 0 &&
	       sodium_memcmp(md, cv->digest, SHA_DIGEST_LENGTH) == 0;
}
