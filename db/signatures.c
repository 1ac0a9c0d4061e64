/* signatures: the registry of signed strings (has this one been here,
 * with which meaning, answered how) and the count of a post not audited
 * again.  See signatures.h. */
#include "signatures.h"
#include "libs.h"
#include "statements.h"
#include "pg.h"
#include "verdict.h"
#include "lib/buf.h"

#include <stdio.h>
#include <string.h>

/* Posts of one signed string take turns, so that two at once cannot
 * both be its first (both audited in full, or two meanings stored).
 * The lock is keyed by the hash's first four bytes, in a class of our
 * own ("bcb1"); a rare collision only makes two posts take turns. */
const char sql_signature_lock[] =
	"SELECT pg_advisory_xact_lock(1650680369, "
	"('x' || encode(substring($1::bytea FROM 1 FOR 4), 'hex'))::bit(32)::int)";
/* Accepted: acknowledged (200), or forwarded with the bank's RespCode.
 * A signed string has at most one row per route and answer. */
const char sql_signature_lookup[] =
	"WITH post AS ("
	" SELECT route = $2 AS here, meaning_hash = $3 AS same, verdict, "
	"  status = 200 OR verdict = '" VERDICT_NAME_REDIRECTED "' AS accepted "
	" FROM bank_callback_signatures WHERE signed_hash = $1) "
	"SELECT coalesce(bool_or(here AND same AND accepted), false), "
	" coalesce(bool_or(NOT same AND accepted), false), "
	" coalesce(bool_or(verdict = '" VERDICT_NAME_AMBIGUOUS "'), false) "
	"FROM post";

int signature_look_up(struct pg_txn *t, const struct signature *sig,
		      struct sighting *out, char *err, size_t errlen)
{
	/* $1 signed_hash, $2 route, $3 meaning_hash; the lock takes $1 */
	const char *params[3] = {
		pg_txn_bytea(t, sig->signed_hash, SIGNATURE_HASH_BYTES),
		pg_txn_text(t, slice_from(sig->route)),
		pg_txn_bytea(t, sig->meaning_hash, SIGNATURE_HASH_BYTES),
	};
	struct pg_result *r;

	pg_txn_defer(t, sql_signature_lock, 1, params);   /* $1 only */
	r = pg_txn_exec(t, sql_signature_lookup, 3, params, err, errlen);
	if (!r)
		return -1;
	out->accepted = pg_value(r, 0, 0)[0] == 't';
	out->other_meaning = pg_value(r, 0, 1)[0] == 't';
	out->ambiguous = pg_value(r, 0, 2)[0] == 't';
	pg_clear(r);
	return 0;
}

/* A post answered as before (one row per answer, made by the audit's
 * trigger: db/audit.c inserts the audit row only when there is none). */
const char sql_signature_count_answer[] =
	"UPDATE bank_callback_signatures SET seen = seen + 1, last_seen = clock_timestamp() "
	"WHERE signed_hash = $1 AND route = $2 AND status = $3 AND verdict = $4";
/* A retry of an acceptance, whatever its verdict said. */
const char sql_signature_count_retry[] =
	"UPDATE bank_callback_signatures SET seen = seen + 1, last_seen = clock_timestamp() "
	"WHERE signed_hash = $1 AND route = $2 AND meaning_hash = $3 "
	"AND (status = 200 OR verdict = '" VERDICT_NAME_REDIRECTED "')";

void signature_count(struct pg_txn *t, const struct signature *sig,
		     int status, enum verdict verdict)
{
	char code[8];
	const char *params[4] = {
		pg_txn_bytea(t, sig->signed_hash, SIGNATURE_HASH_BYTES),
		pg_txn_text(t, slice_from(sig->route)),
	};

	snprintf(code, sizeof code, "%d", status);
	params[2] = pg_txn_text(t, slice_from(code));
	params[3] = pg_txn_text(t, slice_from(verdict_name(verdict)));
	pg_txn_defer(t, sql_signature_count_answer, 4, params);
}

void signature_count_retry(struct pg_txn *t, const struct signature *sig)
{
	const char *params[3] = {
		pg_txn_bytea(t, sig->signed_hash, SIGNATURE_HASH_BYTES),
		pg_txn_text(t, slice_from(sig->route)),
		pg_txn_bytea(t, sig->meaning_hash, SIGNATURE_HASH_BYTES),
	};

	pg_txn_defer(t, sql_signature_count_retry, 3, params);
}
