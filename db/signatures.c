/* signatures: the registry of signed strings (has this one been here,
 * with which meaning, answered how) and the count of a post not audited
 * again.  See signatures.h. */
#include "signatures.h"
#include "libs.h"
#include "statements.h"
#include "pg.h"
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
	" SELECT route = $2 AS here, meaning_hash = $3 AS same, status, verdict, "
	"  status = 200 OR verdict = '" VERDICT_REDIRECTED "' AS accepted "
	" FROM bank_callback_signatures WHERE signed_hash = $1) "
	"SELECT coalesce(bool_or(here AND same AND accepted), false), "
	" coalesce(bool_or(NOT same AND accepted), false), "
	" coalesce(bool_or(verdict = '" VERDICT_AMBIGUOUS "'), false), "
	" coalesce(string_agg(status || ' ' || verdict, E'\\n') FILTER (WHERE here), '') "
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
	snprintf(out->answers, sizeof out->answers, "%s", pg_value(r, 0, 3));
	pg_clear(r);
	return 0;
}

bool sighting_audited(const struct sighting *s, int status, const char *verdict)
{
	char line[256];
	size_t n = (size_t)snprintf(line, sizeof line, "%d %s", status, verdict);
	const char *p = s->answers;

	if (n >= sizeof line)
		return false;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == n && memcmp(p, line, n) == 0)
			return true;
		if (!nl)
			return false;
		p = nl + 1;
	}
}

const char sql_signature_count_answer[] =
	"UPDATE bank_callback_signatures SET seen = seen + 1, last_seen = clock_timestamp() "
	"WHERE signed_hash = $1 AND route = $2 AND status = $3 AND verdict = $4";
const char sql_signature_count_retry[] =
	"UPDATE bank_callback_signatures SET seen = seen + 1, last_seen = clock_timestamp() "
	"WHERE signed_hash = $1 AND route = $2 AND meaning_hash = $3 "
	"AND (status = 200 OR verdict = '" VERDICT_REDIRECTED "')";

void signature_count(struct pg_txn *t, const struct signature *sig,
		     int status, const char *verdict)
{
	char code[8];
	const char *params[4] = {
		pg_txn_bytea(t, sig->signed_hash, SIGNATURE_HASH_BYTES),
		pg_txn_text(t, slice_from(sig->route)),
	};

	if (!verdict) {
		params[2] = pg_txn_bytea(t, sig->meaning_hash, SIGNATURE_HASH_BYTES);
		pg_txn_defer(t, sql_signature_count_retry, 3, params);
		return;
	}
	snprintf(code, sizeof code, "%d", status);
	params[2] = pg_txn_text(t, slice_from(code));
	params[3] = pg_txn_text(t, slice_from(verdict));
	pg_txn_defer(t, sql_signature_count_answer, 4, params);
}
