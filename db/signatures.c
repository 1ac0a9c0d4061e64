/* signatures: bank_callback_signatures.  See signatures.h. */
#include "signatures.h"
#include "pg.h"
#include "../buf.h"

#include <stdio.h>
#include <stdlib.h>

/* bytea as text: "\x" and hex. */
static const char *bytea_hex(struct buf *b, const unsigned char *p)
{
	size_t start = b->len;

	buf_puts(b, "\\x");
	buf_put_hex(b, p, SIGNATURE_HASH_BYTES);
	buf_putc(b, '\0');
	return b->overflow ? NULL : b->p + start;
}

int signature_begin(PGconn *c, const struct signature *sig, int status,
		    struct sighting *out, char *err, size_t errlen)
{
	char mem[4 * SIGNATURE_HASH_BYTES + 16], code[8];
	struct buf b;
	const char *params[5];
	PGresult *r;

	buf_init(&b, mem, sizeof mem);
	params[0] = bytea_hex(&b, sig->signed_hash);
	params[1] = sig->route;
	params[2] = bytea_hex(&b, sig->meaning_hash);
	params[3] = sig->cmd_id;
	snprintf(code, sizeof code, "%d", status);
	params[4] = code;
	/* "Accepted" is 200 (stored) or 303 (redirected with the bank's
	 * RespCode).  xmax = 0 tells an inserted row from an updated one. */
	r = pg_begin_exec(c,
		    "WITH post AS ("
		    " INSERT INTO bank_callback_signatures AS s "
		    "  (signed_hash, route, meaning_hash, cmd_id, status) "
		    " VALUES ($1, $2, $3, $4, $5) "
		    " ON CONFLICT (signed_hash, route, meaning_hash) DO UPDATE "
		    "  SET seen = s.seen + 1, last_seen = clock_timestamp() "
		    " RETURNING s.xmax = 0 AS first, s.status) "
		    "SELECT post.first, post.status, EXISTS ("
		    " SELECT 1 FROM bank_callback_signatures o "
		    "  WHERE o.signed_hash = $1 AND o.meaning_hash <> $3 "
		    "  AND o.status IN (200, 303)) "
		    "FROM post",
		    5, params, err, errlen);
	if (!r)
		return -1;
	out->first = PQgetvalue(r, 0, 0)[0] == 't';
	out->status = (int)strtol(PQgetvalue(r, 0, 1), NULL, 10);
	out->other_meaning = PQgetvalue(r, 0, 2)[0] == 't';
	PQclear(r);
	return 0;
}

int signature_set_status(PGconn *c, const struct signature *sig, int status,
			 char *err, size_t errlen)
{
	char mem[4 * SIGNATURE_HASH_BYTES + 16], code[8];
	struct buf b;
	const char *params[4];
	PGresult *r;

	buf_init(&b, mem, sizeof mem);
	params[0] = bytea_hex(&b, sig->signed_hash);
	params[1] = sig->route;
	params[2] = bytea_hex(&b, sig->meaning_hash);
	snprintf(code, sizeof code, "%d", status);
	params[3] = code;
	r = pg_exec(c,
		    "UPDATE bank_callback_signatures SET status = $4 "
		    "WHERE signed_hash = $1 AND route = $2 AND meaning_hash = $3",
		    4, params, err, errlen);
	if (!r)
		return -1;
	PQclear(r);
	return 0;
}
