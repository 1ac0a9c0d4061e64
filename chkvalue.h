/* chkvalue: ChinaPNR's signature, RSA PKCS#1 v1.5 over SHA-1. */
#ifndef CHKVALUE_H
#define CHKVALUE_H

#include "buf.h"
#include "keyfile.h"

/* 0 when hexsig (either case) is key's signature of msg, else -1. */
int chkvalue_verify(const struct rsa_pubkey *key, struct slice msg,
		    struct slice hexsig);

#endif
