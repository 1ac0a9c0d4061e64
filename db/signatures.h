/* signatures: bank_callback_signatures, one row per signed string, route
 * and meaning (sql/004-signatures.sql). */
#ifndef DB_SIGNATURES_H
#define DB_SIGNATURES_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

enum { SIGNATURE_HASH_BYTES = 32 };

/* A signed callback as the table knows it. */
struct signature {
	const char *route;
	const char *cmd_id;
	const unsigned char *signed_hash;    /* SIGNATURE_HASH_BYTES */
	const unsigned char *meaning_hash;   /* SIGNATURE_HASH_BYTES */
};

/* What the table knew before this post. */
struct sighting {
	bool first;            /* no post of this string, route and meaning before */
	int status;            /* else: what we answered it */
	bool other_meaning;    /* the string was accepted before with another meaning */
};

/* Begins a transaction on c and records one post of sig in it, answered
 * with status if it is the first; a later one is counted (seen,
 * last_seen).  One round trip.  0, or -1 with a message in err. */
int signature_begin(PGconn *c, const struct signature *sig, int status,
		    struct sighting *out, char *err, size_t errlen);

/* Sets the answer recorded for sig (a post refused before, accepted
 * now).  0, or -1 with a message in err. */
int signature_set_status(PGconn *c, const struct signature *sig, int status,
			 char *err, size_t errlen);

#endif
