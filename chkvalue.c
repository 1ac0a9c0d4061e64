/* chkvalue: verify the bank's ChkValue.  See chkvalue.h.
 *
 * We do the public-key operation raw and compare the whole recovered
 * block against the one we expect, in constant time, instead of parsing
 * the padding: there is then no parser to fool (Bleichenbacher-style
 * forgeries against e=3 keys lived in lax padding parsers).
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

int chkvalue_verify(const struct rsa_pubkey *key, struct slice msg,
		    struct slice hexsig)
{
	unsigned char sig[RSA_MAX_BYTES], got[RSA_MAX_BYTES];
	unsigned char want[RSA_MAX_BYTES];
	size_t klen = key->n_len;
	size_t tail = sizeof sha1_digest_info + SHA_DIGEST_LENGTH;

	if (klen > RSA_MAX_BYTES || klen < tail + 11 || hex_decode(hexsig, sig, klen))
		return -1;

	/* 00 01 FF..FF 00 DigestInfo SHA1(msg) */
	want[0] = 0x00;
	want[1] = 0x01;
	memset(want + 2, 0xFF, klen - tail - 3);
	want[klen - tail - 1] = 0x00;
	memcpy(want + klen - tail, sha1_digest_info, sizeof sha1_digest_info);
	if (sha1(msg, want + klen - SHA_DIGEST_LENGTH) ||
	    rsa_public(key, sig, klen, got))
		return -1;
	return sodium_memcmp(got, want, klen) == 0 ? 0 : -1;
}
