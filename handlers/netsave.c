/* netsave: NetSave, a user topped up by online banking.
 *
 * Async (/bank/netsave): every verified NetSave is kept, whatever its
 * RespCode: cust_id, ord_id, the other signed fields as a JSON object in
 * data (the bank's word), the known unsigned ones apart in unsigned_data,
 * for the back office, which sets done.  A retry of the
 * same OrdId adds nothing and never touches done.  Money stays a string.
 * Page (/bank/NetSaveCallback): back to #/NetSaveCallback. */
#include "handlers.h"
#include "db/statements.h"
#include "db/pg.h"
#include "lib/json.h"

#include <stdio.h>
#include <string.h>

/* In signing order.  The URLs and MerPriv are the merchant's own text,
 * which it may have percent-encoded before sending it to the bank. */
static const struct signed_field signed_fields[] = {
	{ "CmdId", AS_RECEIVED, PINNED },
	{ "RespCode", AS_RECEIVED, PINNED },
	{ "MerCustId", AS_RECEIVED, PINNED },
	{ "UsrCustId", AS_RECEIVED, PINNED },
	{ "OrdId", AS_RECEIVED, PINNED },
	{ "OrdDate", AS_RECEIVED, PINNED },
	{ "TransAmt", AS_RECEIVED, PINNED },
	{ "TrxId", AS_RECEIVED, PINNED },
	{ "RetUrl", MAY_BE_DECODED_AGAIN, ECHOED },
	{ "BgRetUrl", MAY_BE_DECODED_AGAIN, ECHOED },
	{ "MerPriv", MAY_BE_DECODED_AGAIN, ECHOED },
	{ NULL, AS_RECEIVED, PINNED },
};

/* A failed top-up (RespCode 210, "user does not exist under the
 * merchant", say) comes signed with an empty TrxId and empty GateBusiId,
 * GateBankId and Fee* fields: it is stored and acknowledged like any
 * other, so whatever only a success carries is REQUIRED_ON_SUCCESS or
 * OPTIONAL here.  The unsigned fields (GateBusiId, GateBankId, FeeCustId,
 * FeeAcctId, SecRespCode, SecRespDesc, CardId, and any the bank adds)
 * have no rule: they go to unsigned_data (the known ones) or only to
 * the audit (the rest), and never fail a callback. */
static const struct field_rule rules[] = {
	{ "RespCode", REQUIRED, shape_resp_code, 3 },
	{ "UsrCustId", REQUIRED, shape_cust_id, 16 },
	{ "OrdId", REQUIRED, shape_ord_id, 30 },
	{ "OrdDate", REQUIRED, shape_date, 8, arrival_in_order_window },
	{ "TransAmt", REQUIRED, shape_money, 16 },
	{ "TrxId", REQUIRED_ON_SUCCESS, shape_trx_id, 18 },
	{ "RetUrl", OPTIONAL, shape_url, URL_MAX },
	{ "BgRetUrl", REQUIRED, shape_url, URL_MAX },
	{ "FeeAmt", OPTIONAL, shape_money, 16 },
	{ NULL, OPTIONAL, NULL, 0 },
};

static const struct callback_spec spec = {
	"NetSave", signed_fields, rules, "OrdId", NULL,
};

/* Fields the bank sends but does not sign: kept apart from its word, in
 * unsigned_data, as received.  Any other name is kept only by the audit. */
static const char *const unsigned_fields[] = {
	"RespDesc", "SecRespCode", "SecRespDesc", "GateBusiId", "GateBankId",
	"FeeAmt", "FeeCustId", "FeeAcctId", "CardId", "CharSet", NULL,
};

/* data: the bank's word, every signed field but the two that have
 * columns of their own.  Then a NUL, for libpq. */
static void json_signed(struct buf *out, const struct form *members)
{
	struct json j;

	json_begin(&j, out);
	for (const struct signed_field *f = signed_fields; f->name; f++)
		if (strcmp(f->name, "UsrCustId") != 0 && strcmp(f->name, "OrdId") != 0)
			json_put_member(&j, form_get(members, f->name));
	json_end(&j);
	buf_putc(out, '\0');
}

/* unsigned_data: the known unsigned fields.  Then a NUL. */
static void json_unsigned(struct buf *out, const struct form *members)
{
	struct json j;

	json_begin(&j, out);
	for (const char *const *name = unsigned_fields; *name; name++)
		json_put_member(&j, form_get(members, *name));
	json_end(&j);
	buf_putc(out, '\0');
}

static int store(struct pg_txn *t, const struct background_callback *a,
		 const struct callback *cb, struct buf *arena, struct stored *out,
		 char *err, size_t errlen)
{
	const char *params[4];
	struct pg_result *r;

	(void)a;
	if (!cb->json.p) {   /* a member missing would read as a field absent */
		snprintf(err, errlen, "netsave data too large");
		return -1;
	}
	/* the fields' members, escaped once by callback_check(), picked */
	params[0] = buf_cstr(arena, form_get(&cb->text, "UsrCustId"));
	params[1] = buf_cstr(arena, form_get(&cb->text, "OrdId"));
	params[2] = arena->p + arena->len;
	json_signed(arena, &cb->members);
	params[3] = arena->p + arena->len;
	json_unsigned(arena, &cb->members);
	if (arena->overflow) {
		snprintf(err, errlen, "netsave data too large");
		return -1;
	}
	r = pg_txn_exec(t, sql_netsave_insert, 4, params, err, errlen);
	if (!r)
		return -1;
	out->verdict = pg_affected(r) == 1 ? VERDICT_STORED : VERDICT_DUPLICATE_KEPT_FIRST;
	pg_clear(r);
	return 0;
}

const char sql_netsave_insert[] =
	"INSERT INTO bank_netsave (cust_id, ord_id, data, unsigned_data) "
	"VALUES ($1, $2, $3, $4) "
	"ON CONFLICT (ord_id) WHERE NOT deleted DO NOTHING";

const struct background_callback netsave_background = { { &spec, NULL }, store, "TrxId", NULL };
const struct page_return netsave_page = { &spec, "#/NetSaveCallback" };
