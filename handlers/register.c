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

/* How pnrid's live row is bound. */
enum binding { BINDING_FAILED = -1, NO_LIVE_ROW, BOUND_AS_SAID, BOUND_ELSEWHERE };

/* The live row of params' pnrid (params: pnrid, cust_id): bound to
 * cust_id (its pairs then in out), to another, or none; BINDING_FAILED
 * with a message in err. */
static enum binding live_binding(struct pg_txn *t, const char *const params[2],
				 struct stored *out, char *err, size_t errlen)
{
	struct pg_result *r = pg_txn_exec(t, sql_customer_bound, 2, params, err, errlen);
	enum binding b;

	if (!r)
		return BINDING_FAILED;
	b = pg_rows(r) != 1 ? NO_LIVE_ROW
	    : pg_value(r, 0, 0)[0] == 't' ? BOUND_AS_SAID : BOUND_ELSEWHERE;
	if (b == BOUND_AS_SAID)
		cache_row(out, r, 1, 2);
	pg_clear(r);
	return b;
}

/* UsrId and UsrCustId as the statements' parameters, in arena.  0, or
 * -1 with a message in err. */
static int customer_params(struct buf *arena, const struct callback *cb,
			   const char *params[2], char *err, size_t errlen)
{
	params[0] = buf_cstr(arena, form_get(&cb->text, "UsrId"));
	params[1] = buf_cstr(arena, form_get(&cb->text, "UsrCustId"));
	if (arena->overflow) {
		snprintf(err, errlen, "customer row too large");
		return -1;
	}
	return 0;
}

static int store(struct pg_txn *t, const struct background_callback *a,
		 const struct callback *cb, struct buf *arena, struct stored *out,
		 char *err, size_t errlen)
{
	const char *params[2];
	struct pg_result *r;

	(void)a;
	if (!cb->success) {
		/* The account was not opened: nothing to keep yet. */
		out->verdict = VERDICT_NOT_OPENED;
		return 0;
	}
	if (customer_params(arena, cb, params, err, errlen))
		return -1;
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
	switch (live_binding(t, params, out, err, errlen)) {
	case BOUND_AS_SAID:
		out->verdict = VERDICT_ALREADY_OPENED;
		return 0;
	case BOUND_ELSEWHERE:
		out->verdict = VERDICT_USR_ID_BOUND;
		return 409;
	case NO_LIVE_ROW:
		snprintf(err, errlen, "bank_customers row changed under us");
		return -1;
	case BINDING_FAILED:
	default:
		return -1;
	}
}

/* A retry's pairs: the live row's, when it is still bound as the
 * callback says. */
static int cached(struct pg_txn *t, const struct callback *cb, struct buf *arena,
		  struct stored *out, char *err, size_t errlen)
{
	const char *params[2];

	if (!cb->success)
		return 0;
	if (customer_params(arena, cb, params, err, errlen))
		return -1;
	return live_binding(t, params, out, err, errlen) == BINDING_FAILED ? -1 : 0;
}

const struct background_callback user_register_background = {
	{ &spec, NULL }, store, "TrxId", NULL, cached,
};
const struct page_return user_register_page = {
	&spec, "#/BankUserRegisterCallback",
};
