/* keyfile: the bank's public key, from ChinaPNR's hex file or a PEM.
 *
 * The key is plain bytes, not an OpenSSL EVP_PKEY: building one (or
 * decoding a PEM with OpenSSL) sets up OpenSSL's provider machinery,
 * which costs every process more than all the rest of checking a
 * signature (bench/results/2026-11-25-startup.md). */
#ifndef KEYFILE_H
#define KEYFILE_H

#include <stddef.h>

enum {
	PNR_KEY_BYTES = 288,       /* decoded size of a pubkeyS file */
	PNR_MODULUS_BYTES = 128,
	RSA_MIN_BITS = 1024,
	RSA_MAX_BITS = 4096,
	RSA_MAX_BYTES = RSA_MAX_BITS / 8,
	KEYFILE_MAX = 16384,       /* larger files are not key files */
};

/* An RSA public key, big-endian, without leading zero bytes.  Every key
 * a keyfile_ function returns has an odd modulus of RSA_MIN_BITS to
 * RSA_MAX_BITS bits and an exponent above 1 and below the modulus. */
struct rsa_pubkey {
	size_t n_len, e_len;
	unsigned char n[RSA_MAX_BYTES];
	unsigned char e[RSA_MAX_BYTES];
};

struct pnr_key {
	char owner[21];            /* key owner id, e.g. "999999" */
	char version[5];           /* e.g. "0001" */
	unsigned char n[PNR_MODULUS_BYTES];
	unsigned char e[PNR_MODULUS_BYTES];
};

/* How a key file was written. */
enum key_format {
	KEY_PEM,             /* -----BEGIN PUBLIC KEY----- */
	KEY_PUBKEYS_HEX,     /* the 576 hex digits alone */
	KEY_PGPUBK,          /* ChinaPNR's PgPubk.key: [NetPayClient], pubkeyS=, ... */
};

/* Pure: parses ChinaPNR's formats, the PgPubk.key file as the bank
 * issues it (its pubkeyS line; "pubkeyS=<hex>" alone also reads) or the
 * bare hex, white space around.  *format says which it read.  The key
 * passes the checks a PEM's does (see struct rsa_pubkey).  Returns 0, or
 * -1 with why in err. */
int keyfile_parse_pnr(const char *buf, size_t len, struct pnr_key *key,
		      enum key_format *format, char *err, size_t errlen);

/* Pure: parses a PEM "PUBLIC KEY" (an RSA SubjectPublicKeyInfo), white
 * space around it.  Strict DER: one encoding per key.  Returns 0, or -1
 * with why in err. */
int keyfile_parse_pem(const char *buf, size_t len, struct rsa_pubkey *key,
		      char *err, size_t errlen);

/* Reads path (PEM if it holds "-----BEGIN", else ChinaPNR's) into key;
 * *format says which format it was read as, even on failure.  Returns
 * 0, or -1 with a message in err that names the path, the problem and
 * the format. */
int keyfile_load(const char *path, struct rsa_pubkey *key,
		 enum key_format *format, char *err, size_t errlen);

/* "a PEM public key", ...: for --check and error messages. */
const char *keyfile_format_name(enum key_format format);

/* "RSA-1024 sha256:<hex of the DER SubjectPublicKeyInfo>" into out, as
 * OpenSSL encodes the key: --check shows OpenSSL accepts it too. */
int keyfile_describe(const struct rsa_pubkey *key, char *out, size_t outlen);

enum { BANK_KEYS_MAX = 2 };   /* the bank's key, and its next during a switch-over */

/* The keys a callback may be signed with: the bank's, or during a
 * switch-over either of two, tried in order. */
struct bank_keys {
	struct rsa_pubkey key[BANK_KEYS_MAX];
	int n;
};

/* BANK_CALLBACK_PUBKEY's key files (one, or two separated by a comma
 * while the bank switches keys) into paths.  Pure.  How many, or -1
 * with why in err (not set, or not one or two files). */
int bank_key_paths(const char *setting, char paths[BANK_KEYS_MAX][4096],
		   char *err, size_t errlen);

/* BANK_CALLBACK_PUBKEY's keys, loaded (setting as bank_key_paths
 * takes it): 0, or -1 with why in err when they are not configured or
 * do not load. */
int bank_keys_load(const char *setting, struct bank_keys *keys, char *err,
		   size_t errlen);

#endif
