/* signatures: has this signed string been here before, and with which
 * meaning?  Looked up in bank_callback_signatures (kept from the audit
 * by a trigger, sql/008-audit-partitions.sql), retries counted in
 * bank_callback_replays (sql/004-replays.sql). */
#ifndef DB_SIGNATURES_H
#define DB_SIGNATURES_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

enum { SIGNATURE_HASH_BYTES = 32, SIGHTING_ANSWERS_MAX = 512 };

/* A signed callback as the audit knows it. */
struct signature {
	const char *route;
	const unsigned char *signed_hash;    /* SIGNATURE_HASH_BYTES */
	const unsigned char *meaning_hash;   /* SIGNATURE_HASH_BYTES */
};

/* What the audit knew before this post. */
struct sighting {
	bool accepted;         /* acknowledged or forwarded here with this meaning */
	bool other_meaning;    /* accepted before, anywhere, with another meaning */
	/* "<status> <verdict>" lines already audited here with this meaning */
	char answers[SIGHTING_ANSWERS_MAX];
};

/* Begins a transaction on c and looks sig up, in one round trip.  0, or
 * -1 with a message in err. */
int signature_begin(PGconn *c, const struct signature *sig,
		    struct sighting *out, char *err, size_t errlen);

/* Whether this answer was audited for sig already. */
bool sighting_audited(const struct sighting *s, int status, const char *verdict);

/* Counts a post that adds no audit row (seen, last_seen), then COMMIT,
 * in one round trip.  0, or -1 with a message in err. */
int signature_replayed_commit(PGconn *c, const struct signature *sig,
			      char *err, size_t errlen);

/* "\x<hex>": a hash as a bytea parameter, into out (2 * n + 3 bytes). */
const char *bytea_param(char *out, size_t outlen, const unsigned char *p, size_t n);

#endif
