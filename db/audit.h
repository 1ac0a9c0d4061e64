/* audit: the append-only record of every request the bank signed. */
#ifndef DB_AUDIT_H
#define DB_AUDIT_H

#include "lib/buf.h"
#include "pg.h"
#include "verdict.h"

#include <stdbool.h>


/* One bank_callback_audit row, column by column. */
struct audit_row {
	struct slice route;
	/* the callback's ids; an empty one is stored as NULL */
	struct slice cmd_id, trx_id, ord_id, usr_id, usr_cust_id;
	int status;                        /* the HTTP status we answer */
	enum verdict verdict;              /* what we did */
	const char *fields;                /* every form field, a JSON object */
	struct slice body;                 /* the request body as received */
	const unsigned char *signed_hash;  /* SIGNATURE_HASH_BYTES (db/signatures.h) */
	const unsigned char *meaning_hash;
};

/* Queues row's INSERT in t, to be sent with its COMMIT: when first, for
 * sure (an acceptance); else only if its signed string has no row of
 * this answer on its route in the registry yet.  Its values are copied
 * into t's memory, but for fields, which must live until then (a row
 * too large for t's memory makes the COMMIT fail: nothing is
 * written). */
void audit_insert(struct pg_txn *t, const struct audit_row *row, bool first);

#endif
