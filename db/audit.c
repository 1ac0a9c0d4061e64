/* audit: bank_callback_audit rows.  See audit.h. */
#include "audit.h"
#include "statements.h"
#include "pg.h"
#include "signatures.h"
#include "../json.h"

#include <stdio.h>

const char sql_audit_insert[] =
	"INSERT INTO bank_callback_audit (route, cmd_id, trx_id, ord_id, "
	"usr_id, usr_cust_id, status, verdict, fields, body, "
	"signed_hash, meaning_hash) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

int audit_insert_commit(PGconn *c, struct slice route, const struct callback *cb,
			struct slice body, int status, const char *verdict,
			char *err, size_t errlen)
{
	static char fields_mem[6 * 65536 + 1024], arena_mem[70 * 1024];
	static const char *const ids[] = { "CmdId", "TrxId", "OrdId", "UsrId", "UsrCustId" };
	struct buf fields, arena;
	const char *params[12];
	char signed_hex[2 * CALLBACK_HASH_BYTES + 3], meaning_hex[2 * CALLBACK_HASH_BYTES + 3];
	char code[8];

	buf_init(&fields, fields_mem, sizeof fields_mem);
	json_form(&fields, &cb->text, NULL);

	buf_init(&arena, arena_mem, sizeof arena_mem);
	params[0] = buf_cstr(&arena, route);
	for (size_t i = 0; i < 5; i++) {
		struct slice v = form_get(&cb->text, ids[i]);

		params[1 + i] = v.len ? buf_cstr(&arena, v) : NULL;
	}
	snprintf(code, sizeof code, "%d", status);
	params[6] = code;
	params[7] = verdict;
	params[8] = fields.p;
	/* A body that parsed as a form is printable ASCII: text keeps it
	 * byte for byte. */
	params[9] = buf_cstr(&arena, body);
	params[10] = bytea_param(signed_hex, sizeof signed_hex, cb->signed_hash,
				 CALLBACK_HASH_BYTES);
	params[11] = bytea_param(meaning_hex, sizeof meaning_hex, cb->meaning_hash,
				 CALLBACK_HASH_BYTES);
	if (fields.overflow || arena.overflow) {
		snprintf(err, errlen, "audit row too large");
		return -1;
	}
	return pg_exec_commit(c, sql_audit_insert, 12, params, err, errlen);
}
