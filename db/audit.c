/* audit: bank_callback_audit rows.  See audit.h. */
#include "audit.h"
#include "libs.h"
#include "statements.h"
#include "pg.h"
#include "signatures.h"

#include <stdio.h>

#define AUDIT_COLUMNS \
	"INSERT INTO bank_callback_audit (route, cmd_id, trx_id, ord_id, " \
	"usr_id, usr_cust_id, status, verdict, fields, body, " \
	"signed_hash, meaning_hash) "
const char sql_audit_insert[] = AUDIT_COLUMNS
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
/* Unless its signed string was so answered on its route: then the
 * registry's count (db/signatures.c) was all, sent just before. */
const char sql_audit_insert_answer[] = AUDIT_COLUMNS
	"SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 "
	"WHERE NOT EXISTS (SELECT FROM bank_callback_signatures "
	"WHERE signed_hash = $11 AND route = $1 AND status = $7 AND verdict = $8)";

void audit_insert(struct pg_txn *t, const struct audit_row *row, bool first)
{
	const struct slice ids[] = {
		row->cmd_id, row->trx_id, row->ord_id, row->usr_id, row->usr_cust_id,
	};
	const char *params[12];
	char code[8];

	params[0] = pg_txn_text(t, row->route);
	for (size_t i = 0; i < 5; i++)
		params[1 + i] = ids[i].len ? pg_txn_text(t, ids[i]) : NULL;
	snprintf(code, sizeof code, "%d", row->status);
	params[6] = pg_txn_text(t, slice_from(code));
	params[7] = pg_txn_text(t, slice_from(verdict_name(row->verdict)));
	params[8] = row->fields;   /* the request's: it outlives the COMMIT */
	/* A body that parsed as a form is printable ASCII: text keeps it
	 * byte for byte. */
	params[9] = pg_txn_text(t, row->body);
	params[10] = pg_txn_bytea(t, row->signed_hash, SIGNATURE_HASH_BYTES);
	params[11] = pg_txn_bytea(t, row->meaning_hash, SIGNATURE_HASH_BYTES);
	pg_txn_defer(t, first ? sql_audit_insert : sql_audit_insert_answer, 12, params);
}
