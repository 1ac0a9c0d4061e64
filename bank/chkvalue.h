/* chkvalue: ChinaPNR's signature, RSA PKCS#1 v1.5 over SHA-1.
 *
 * Opened once, then compared with each reading of the signed string a
 * callback may have (see callback.c): one RSA operation per request. */
#ifndef CHKVALUE_H
#define CHKVALUE_H

#include "lib/buf.h"
#include "keyfile.h"

enum { CHKVALUE_DIGEST_BYTES = 20 };

/* What a valid ChkValue signs: the SHA-1 digest of the signed string. */
struct chkvalue {
	unsigned char digest[CHKVALUE_DIGEST_BYTES];
};

/* 0 when hexsig (hex in either case, leading zero digits maybe dropped,
 * below the modulus) is a PKCS#1 v1.5 SHA-1 signature block under key;
 * its digest goes to out.  Else -1. */
int chkvalue_open(const struct rsa_pubkey *key, struct slice hexsig,
		  struct chkvalue *out);

/* Whether msg is the string cv signs; constant time. */
bool chkvalue_signs(const struct chkvalue *cv, struct slice msg);

#endif
