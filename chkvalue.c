/* chkvalue: verify the bank's ChkValue.  See chkvalue.h.
 *
 * We do the public-key operation raw and compare the whole recovered
 * block against the one we expect, in constant time, instead of parsing
 * the padding: there is then no parser to fool (Bleichenbacher-style
 * forgeries against e=3 keys lived in lax padding parsers). */
#include "chkvalue.h"

#include <string.h>

#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <sodium/utils.h>

enum { MAX_KEY_BYTES = 512 };

/* DER prefix of DigestInfo { sha1, NULL, OCTET STRING(20) }. */
static const unsigned char sha1_digest_info[] = {
	0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e,
	0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
};

int chkvalue_verify(EVP_PKEY *pkey, struct slice msg, struct slice hexsig)
{
	unsigned char sig[MAX_KEY_BYTES], got[MAX_KEY_BYTES];
	unsigned char want[MAX_KEY_BYTES];
	size_t klen = (size_t)EVP_PKEY_get_size(pkey), glen = sizeof got;
	size_t tail = sizeof sha1_digest_info + SHA_DIGEST_LENGTH;
	EVP_PKEY_CTX *ctx;
	int ok;

	if (klen > MAX_KEY_BYTES || klen < tail + 11 || hex_decode(hexsig, sig, klen))
		return -1;

	/* 00 01 FF..FF 00 DigestInfo SHA1(msg) */
	want[0] = 0x00;
	want[1] = 0x01;
	memset(want + 2, 0xFF, klen - tail - 3);
	want[klen - tail - 1] = 0x00;
	memcpy(want + klen - tail, sha1_digest_info, sizeof sha1_digest_info);
	SHA1((const unsigned char *)msg.p, msg.len, want + klen - SHA_DIGEST_LENGTH);

	ctx = EVP_PKEY_CTX_new(pkey, NULL);
	ok = ctx && EVP_PKEY_verify_recover_init(ctx) > 0 &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) > 0 &&
	     EVP_PKEY_verify_recover(ctx, got, &glen, sig, klen) > 0 &&
	     glen == klen;
	EVP_PKEY_CTX_free(ctx);
	return ok && sodium_memcmp(got, want, klen) == 0 ? 0 : -1;
}
