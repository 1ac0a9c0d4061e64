/* audit: the append-only record of every request the bank signed. */
#ifndef DB_AUDIT_H
#define DB_AUDIT_H

#include "lib/buf.h"
#include "pg.h"


/* One bank_callback_audit row, column by column. */
struct audit_row {
	struct slice route;
	/* the callback's ids; an empty one is stored as NULL */
	struct slice cmd_id, trx_id, ord_id, usr_id, usr_cust_id;
	int status;                        /* the HTTP status we answer */
	const char *verdict;               /* what we did */
	const char *fields;                /* every form field, a JSON object */
	struct slice body;                 /* the request body as received */
	const unsigned char *signed_hash;  /* SIGNATURE_HASH_BYTES (db/signatures.h) */
	const unsigned char *meaning_hash;
};

/* Inserts row, then COMMITs c's open transaction, in one round trip;
 * the parameters are made C strings in arena (the body's length and
 * some).  0 only when the server said it committed, else -1 with a
 * message in err. */
int audit_insert_commit(struct pg_conn *c, const struct audit_row *row,
			struct buf *arena, char *err, size_t errlen);

#endif
