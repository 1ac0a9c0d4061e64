/* orders: the one store of every bank order CmdId (bids, loans,
 * repayments, freezes, withdrawals, card bindings, loan projects).
 *
 * Each CmdId is a table (its signed fields, rules, acknowledged field and
 * which field each column holds) in the file of its flow: tender.c,
 * loans.c, freeze.c, cash.c, transfer.c, bindcard.c, bidinfo.c.  They all
 * come here: one bank_orders row per order, holding its first notice,
 * and one bank_order_notices row per later notice (sql/011-orders.sql).  A retry never reaches this (the
 * registry of signed strings answers it), so every call is a notice the
 * bank signed that we have not stored: it is recorded, and moves its
 * order on only when it is of a later stage. */
#include "handlers.h"
#include "db/statements.h"
#include "db/pg.h"
#include "lib/json.h"

#include <stdio.h>
#include <string.h>

/* Kept apart from the bank's word, for every order CmdId. */
static const char *const common_unsigned[] = {
	"RespDesc", "SecRespCode", "SecRespDesc", "CharSet", NULL,
};

/* Most orders are told of once: their notice is one INSERT, as a
 * top-up's is. */
const char sql_order_insert[] =
	"INSERT INTO bank_orders (cmd_id, ord_id, ord_date, usr_cust_id, "
	"out_cust_id, in_cust_id, trans_amt, fee_amt, serv_fee, resp_code, "
	"resp_type, data, unsigned_data) "
	"VALUES ($1, $2, $3::date, $4, $5, $6, $7::numeric, $8::numeric, "
	"$9::numeric, $10, $11, $12, $13) "
	"ON CONFLICT (cmd_id, ord_id) WHERE NOT deleted DO NOTHING RETURNING id";
/* A later notice about a live order: kept, and the order moved on to it
 * when it is of a later stage (bank_order_later, sql/011-orders.sql);
 * both CASEs read the row as it was, so RespCode and RespType move
 * together.  The order's first notice stays its data.  $1 CmdId, $2 its
 * id, $3 RespCode, $4 RespType, $5 the signed fields, $6 the unsigned
 * ones, $7 TrxId. */
#define LATER "bank_order_later($4, $3, resp_type, resp_code)"
const char sql_order_notice[] =
	"WITH o AS ("
	" UPDATE bank_orders SET "
	"  resp_code = CASE WHEN " LATER " THEN $3 ELSE resp_code END, "
	"  resp_type = CASE WHEN " LATER " THEN $4 ELSE resp_type END, "
	"  notices = notices + 1, done = false, updated_at = now() "
	" WHERE cmd_id = $1 AND ord_id = $2 AND NOT deleted "
	" RETURNING id) "
	"INSERT INTO bank_order_notices (order_id, resp_type, resp_code, trx_id, "
	"data, unsigned_data) SELECT id, $4, $3, $7, $5, $6 FROM o RETURNING 1";

/* The value of a column's field, as a parameter: NULL when the CmdId
 * has no such field, or it is empty. */
static const char *column(struct buf *arena, const struct callback *cb,
			  const char *field)
{
	struct slice v = field ? callback_signed_text(cb, field) : (struct slice){ "", 0 };

	return v.len ? buf_cstr(arena, v) : NULL;
}

/* Every signed field as a JSON object, then a NUL, for libpq. */
static void json_signed(struct buf *out, const struct callback *cb)
{
	struct json j;

	json_begin(&j, out);
	for (const struct signed_field *f = cb->spec->signed_fields; f->name; f++)
		json_put_member(&j, form_get(&cb->members, f->name));
	json_end(&j);
	buf_putc(out, '\0');
}

/* The known unsigned fields, then a NUL. */
static void json_unsigned(struct buf *out, const struct callback *cb,
			  const char *const *extra)
{
	struct json j;

	json_begin(&j, out);
	for (const char *const *name = common_unsigned; *name; name++)
		json_put_member(&j, form_get(&cb->members, *name));
	for (const char *const *name = extra; name && *name; name++)
		json_put_member(&j, form_get(&cb->members, *name));
	json_end(&j);
	buf_putc(out, '\0');
}

int store_order(struct pg_txn *t, const struct background_callback *a,
		const struct callback *cb, struct buf *arena, struct stored *out,
		char *err, size_t errlen)
{
	const struct order_columns *col = a->order;
	const char *params[14], *notice[7];
	struct pg_result *r;

	if (!cb->json.p) {   /* a member missing would read as a field absent */
		snprintf(err, errlen, "order data too large");
		return -1;
	}
	params[0] = cb->spec->cmd_id;
	params[1] = column(arena, cb, cb->spec->order_field ? cb->spec->order_field : a->ack);
	params[2] = column(arena, cb, col->ord_date);
	params[3] = column(arena, cb, col->usr_cust_id);
	params[4] = column(arena, cb, col->out_cust_id);
	params[5] = column(arena, cb, col->in_cust_id);
	params[6] = column(arena, cb, col->trans_amt);
	params[7] = column(arena, cb, col->fee_amt);
	params[8] = column(arena, cb, col->serv_fee);
	params[9] = column(arena, cb, "RespCode");
	params[10] = column(arena, cb, "RespType");
	params[11] = arena->p + arena->len;
	json_signed(arena, cb);
	params[12] = arena->p + arena->len;
	json_unsigned(arena, cb, col->unsigned_fields);
	params[13] = column(arena, cb, "TrxId");
	if (arena->overflow || !params[9]) {
		snprintf(err, errlen, "order row too large");
		return -1;
	}
	if (!params[1]) {
		/* only a failure may lack its id (a failed card binding's
		 * TrxId): the audit keeps it, no row could name it */
		out->verdict = VERDICT_NO_ORDER_ID;
		return 0;
	}
	notice[0] = params[0];
	notice[1] = params[1];
	notice[2] = params[9];
	notice[3] = params[10];
	notice[4] = params[11];
	notice[5] = params[12];
	notice[6] = params[13];
	/* A new order, or a later notice about a live one; twice at most,
	 * should the order be soft-deleted between the two (a notice about a
	 * deleted order opens a live one, as a new top-up does). */
	for (int tries = 0; tries < 2; tries++) {
		bool done;

		r = pg_txn_exec(t, sql_order_insert, 13, params, err, errlen);
		if (!r)
			return -1;
		done = pg_rows(r) == 1;
		pg_clear(r);
		if (done) {
			out->verdict = VERDICT_ORDER_STORED;
			return 0;
		}
		r = pg_txn_exec(t, sql_order_notice, 7, notice, err, errlen);
		if (!r)
			return -1;
		done = pg_rows(r) == 1;
		pg_clear(r);
		if (done) {
			out->verdict = VERDICT_NOTICE_STORED;
			return 0;
		}
	}
	snprintf(err, errlen, "bank_orders row changed under us");
	return -1;
}
