/* keyfile: the bank's public key, from ChinaPNR's hex file or a PEM. */
#ifndef KEYFILE_H
#define KEYFILE_H

#include <openssl/evp.h>
#include <stddef.h>

enum {
	PNR_KEY_BYTES = 288,       /* decoded size of a pubkeyS file */
	PNR_MODULUS_BYTES = 128,
	KEYFILE_MAX = 16384,       /* larger files are not key files */
};

struct pnr_key {
	char owner[21];            /* key owner id, e.g. "999999" */
	char version[5];           /* e.g. "0001" */
	unsigned char n[PNR_MODULUS_BYTES];
	unsigned char e[PNR_MODULUS_BYTES];
};

/* Pure: parses the hex format (optionally "pubkeyS=" first, white space
 * around).  Returns 0, or -1 with *why set. */
int keyfile_parse_hex(const char *buf, size_t len, struct pnr_key *key,
		      const char **why);

/* Reads path (PEM if it holds "-----BEGIN", else hex) into an RSA key.
 * Returns NULL with a message in err on failure. */
EVP_PKEY *keyfile_load(const char *path, char *err, size_t errlen);

/* "RSA-1024 sha256:<hex of the DER SubjectPublicKeyInfo>" into out. */
int keyfile_describe(EVP_PKEY *pkey, char *out, size_t outlen);

#endif
