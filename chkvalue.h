/* chkvalue: ChinaPNR's signature, RSA PKCS#1 v1.5 over SHA-1. */
#ifndef CHKVALUE_H
#define CHKVALUE_H

#include "buf.h"

#include <openssl/evp.h>

/* 0 when hexsig (either case) is pkey's signature of msg, else -1. */
int chkvalue_verify(EVP_PKEY *pkey, struct slice msg, struct slice hexsig);

#endif
