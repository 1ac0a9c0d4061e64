/* signatures: has this signed string been here before, and with which
 * meaning and answers?  Looked up in bank_callback_signatures, one row
 * per signed string, route and answer (sql/010-signed-strings.sql): its
 * first post so answered is audited in full, every later one counted. */
#ifndef DB_SIGNATURES_H
#define DB_SIGNATURES_H

#include "pg.h"
#include "verdict.h"

#include <stdbool.h>
#include <stddef.h>

enum { SIGNATURE_HASH_BYTES = 32 };

/* A signed callback as the registry knows it. */
struct signature {
	const char *route;
	const unsigned char *signed_hash;    /* SIGNATURE_HASH_BYTES */
	const unsigned char *meaning_hash;   /* SIGNATURE_HASH_BYTES */
};

/* What the registry knew before this post. */
struct sighting {
	bool accepted;         /* acknowledged or forwarded here with this meaning */
	bool other_meaning;    /* accepted before, anywhere, with another meaning */
	bool ambiguous;        /* refused before, anywhere, as cut more than one way */
};

/* Looks sig up in t's transaction, after taking the signed string's
 * lock (so posts of one signed string take turns): sent with what t
 * has queued (its BEGIN), one round trip.  0, or -1 with a message in
 * err. */
int signature_look_up(struct pg_txn *t, const struct signature *sig,
		      struct sighting *out, char *err, size_t errlen);

/* Counts a post answered as one before it on its route: queued in t,
 * sent with its COMMIT; a no-op when there was none (then its audit row
 * makes the registry's row). */
void signature_count(struct pg_txn *t, const struct signature *sig,
		     int status, enum verdict verdict);

/* Counts a retry of an accepted callback on its acceptance, likewise. */
void signature_count_retry(struct pg_txn *t, const struct signature *sig);

#endif
