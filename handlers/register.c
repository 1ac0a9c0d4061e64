/* register: UserRegister, a user opened an account at the bank.
 *
 * Async (/bank/register): on RespCode 000, insert bank_customers
 * (pnrid = UsrId, cust_id = UsrCustId), then cache both directions.  A
 * pnrid already bound to another cust_id is refused (409), never rebound.
 * Page (/bank/RegisterCallback): back to #/BankUserRegisterCallback. */
#include "handlers.h"
#include "db/statements.h"
#include "db/pg.h"

#include <stdio.h>

/* In signing order.  The URLs and MerPriv are the merchant's own text,
 * which it may have percent-encoded before sending it to the bank. */
static const struct signed_field signed_fields[] = {
	{ "CmdId", AS_RECEIVED, PINNED },
	{ "RespCode", AS_RECEIVED, PINNED },
	{ "MerCustId", AS_RECEIVED, PINNED },
	{ "UsrId", AS_RECEIVED, PINNED },
	{ "UsrCustId", AS_RECEIVED, PINNED },
	{ "BgRetUrl", MAY_BE_DECODED_AGAIN, ECHOED },
	{ "TrxId", AS_RECEIVED, PINNED },
	{ "RetUrl", MAY_BE_DECODED_AGAIN, ECHOED },
	{ "MerPriv", MAY_BE_DECODED_AGAIN, ECHOED },
	{ NULL, AS_RECEIVED, PINNED },
};

/* RetUrl is required: the platform always sends one, and its "http" is
 * what pins where the TrxId before it ends (BgRetUrl, free text, may end
 * in digits). */
static const struct field_rule rules[] = {
	{ "RespCode", REQUIRED, shape_resp_code, 3 },
	{ "UsrId", REQUIRED, shape_usr_id, 25 },
	{ "UsrCustId", REQUIRED_ON_SUCCESS, shape_cust_id, 16 },
	{ "BgRetUrl", REQUIRED, shape_url, URL_MAX },
	{ "TrxId", REQUIRED, shape_trx_id, 18 },
	{ "RetUrl", REQUIRED, shape_url, URL_MAX },
	{ NULL, OPTIONAL, NULL, 0 },
};

static const struct callback_spec spec = {
	"UserRegister", signed_fields, rules,
};

const char sql_customer_bound[] =
	"SELECT cust_id = $2, rtrim(pnrid), rtrim(cust_id) FROM bank_customers "
	"WHERE pnrid = $1 AND NOT deleted";
const char sql_customer_insert[] =
	"INSERT INTO bank_customers (pnrid, cust_id) VALUES ($1, $2) "
	"ON CONFLICT (pnrid) WHERE NOT deleted DO NOTHING "
	"RETURNING rtrim(pnrid), rtrim(cust_id)";

/* The row's pnrid and cust_id, both ways, as the cache holds them
 * (RefreshRedis reads them the same way). */
static void cache_row(struct stored *out, const struct pg_result *r, int pnrid, int cust)
{
	stored_pair(out, "bank-customers", pg_value(r, 0, pnrid), pg_value(r, 0, cust));
	stored_pair(out, "customers-pnrid", pg_value(r, 0, cust), pg_value(r, 0, pnrid));
}

/* Whether pnrid's live row is bound to cust_id: 1 yes (its pairs in
 * out), 0 to another, -1 no live row or an error (err says which). */
static int bound_to(struct pg_txn *t, const char *const params[2], struct stored *out,
		    char *err, size_t errlen)
{
	struct pg_result *r = pg_txn_exec(t, sql_customer_bound, 2, params, err, errlen);
	int same;

	if (!r)
		return -1;
	if (pg_rows(r) != 1) {
		snprintf(err, errlen, "bank_customers row changed under us");
		pg_clear(r);
		return -1;
	}
	same = pg_value(r, 0, 0)[0] == 't';
	if (same)
		cache_row(out, r, 1, 2);
	pg_clear(r);
	return same;
}

static int store(struct pg_txn *t, const struct background_callback *a,
		 const struct callback *cb, struct buf *arena, struct stored *out,
		 char *err, size_t errlen)
{
	const char *params[2];
	struct pg_result *r;
	int same;

	(void)a;
	if (!cb->success) {
		/* The account was not opened: nothing to keep yet. */
		out->verdict = VERDICT_NOT_OPENED;
		return 0;
	}
	params[0] = buf_cstr(arena, form_get(&cb->text, "UsrId"));
	params[1] = buf_cstr(arena, form_get(&cb->text, "UsrCustId"));
	if (arena->overflow) {
		snprintf(err, errlen, "customer row too large");
		return -1;
	}
	r = pg_txn_exec(t, sql_customer_insert, 2, params, err, errlen);
	if (!r)
		return -1;
	if (pg_rows(r) == 1) {
		cache_row(out, r, 0, 1);
		pg_clear(r);
		out->verdict = VERDICT_OPENED;
		return 0;
	}
	pg_clear(r);
	/* An account never silently rebinds: a pnrid that has a cust_id
	 * keeps it, and a callback naming another is refused. */
	same = bound_to(t, params, out, err, errlen);
	if (same < 0)
		return -1;
	if (!same) {
		out->verdict = VERDICT_USR_ID_BOUND;
		return 409;
	}
	out->verdict = VERDICT_ALREADY_OPENED;
	return 0;
}

const struct background_callback user_register_background = {
	{ &spec, NULL }, store, "TrxId", NULL,
};
const struct page_return user_register_page = {
	&spec, "#/BankUserRegisterCallback",
};
