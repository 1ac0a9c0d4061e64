/* signatures: the replay lookup (has this signed string been here, with
 * which meaning) and the count of a callback answered again.  See
 * signatures.h. */
#include "signatures.h"
#include "statements.h"
#include "pg.h"
#include "../buf.h"

#include <stdio.h>
#include <string.h>

const char *bytea_param(char *out, size_t outlen, const unsigned char *p, size_t n)
{
	struct buf b;

	buf_init(&b, out, outlen);
	buf_puts(&b, "\\x");
	buf_put_hex(&b, p, n);
	return b.overflow ? NULL : b.p;
}

/* $1 signed_hash, $2 route, $3 meaning_hash, with their storage. */
struct sig_params {
	char signed_hex[2 * SIGNATURE_HASH_BYTES + 3];
	char meaning_hex[2 * SIGNATURE_HASH_BYTES + 3];
	const char *params[3];
};

static const char *const *sig_params(struct sig_params *sp,
				     const struct signature *sig)
{
	sp->params[0] = bytea_param(sp->signed_hex, sizeof sp->signed_hex,
				    sig->signed_hash, SIGNATURE_HASH_BYTES);
	sp->params[1] = sig->route;
	sp->params[2] = bytea_param(sp->meaning_hex, sizeof sp->meaning_hex,
				    sig->meaning_hash, SIGNATURE_HASH_BYTES);
	return sp->params;
}

/* Accepted: acknowledged (200), or forwarded with the bank's RespCode
 * (a page return's "redirected"). */
const char sql_signature_lookup[] =
	"WITH post AS ("
	" SELECT route = $2 AND meaning_hash = $3 AS here, "
	"  meaning_hash <> $3 AS other, status, verdict, "
	"  status = 200 OR verdict = 'redirected' AS accepted "
	" FROM bank_callback_signatures WHERE signed_hash = $1) "
	"SELECT coalesce(bool_or(here AND accepted), false), "
	" coalesce(bool_or(other AND accepted), false), "
	" coalesce(string_agg(DISTINCT status || ' ' || verdict, E'\\n') "
	"  FILTER (WHERE here), '') "
	"FROM post";
const char sql_replay_count[] =
	"INSERT INTO bank_callback_replays AS r "
	" (signed_hash, route, meaning_hash) VALUES ($1, $2, $3) "
	"ON CONFLICT (signed_hash, route, meaning_hash) DO UPDATE "
	" SET seen = r.seen + 1, last_seen = clock_timestamp()";

int signature_begin(PGconn *c, const struct signature *sig,
		    struct sighting *out, char *err, size_t errlen)
{
	struct sig_params sp;
	const char *const *params = sig_params(&sp, sig);
	PGresult *r;

	r = pg_begin_exec(c, sql_signature_lookup, 3, params, err, errlen);
	if (!r)
		return -1;
	out->accepted = PQgetvalue(r, 0, 0)[0] == 't';
	out->other_meaning = PQgetvalue(r, 0, 1)[0] == 't';
	snprintf(out->answers, sizeof out->answers, "%s", PQgetvalue(r, 0, 2));
	PQclear(r);
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

int signature_replayed_commit(PGconn *c, const struct signature *sig,
			      char *err, size_t errlen)
{
	struct sig_params sp;
	const char *const *params = sig_params(&sp, sig);

	return pg_exec_commit(c, sql_replay_count, 3, params, err, errlen);
}
