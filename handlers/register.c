/* register: UserRegister, a user opened an account at the bank.
 *
 * Async (/bank/register): on RespCode 000, upsert bank_customers
 * (pnrid = UsrId, cust_id = UsrCustId), then cache both directions.
 * Page (/bank/RegisterCallback): back to #/BankUserRegisterCallback. */
#include "handlers.h"
#include "../db/cache.h"
#include "../db/pg.h"

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

static const struct field_rule rules[] = {
	{ "RespCode", REQUIRED, shape_resp_code },
	{ "UsrId", REQUIRED, shape_usr_id },
	{ "UsrCustId", REQUIRED_ON_SUCCESS, shape_cust_id },
	{ "BgRetUrl", REQUIRED, shape_url },
	{ "TrxId", REQUIRED, shape_trx_id },
	{ "RetUrl", OPTIONAL, shape_url },
	{ NULL, OPTIONAL, NULL },
};

static const struct callback_spec spec = {
	"UserRegister", signed_fields, rules,
};

static int store(PGconn *c, const struct callback *cb, struct ctx *x,
		 char *err, size_t errlen)
{
	char mem[128];
	struct buf arena;
	const char *params[2];
	PGresult *r;

	if (!cb->success) {
		/* The account was not opened: nothing to keep yet. */
		x->outcome = "not opened";
		return 0;
	}
	buf_init(&arena, mem, sizeof mem);
	params[0] = buf_cstr(&arena, form_get(&cb->text, "UsrId"));
	params[1] = buf_cstr(&arena, form_get(&cb->text, "UsrCustId"));
	/* A retry finds its row and, its cust_id being the same, leaves
	 * updated_at alone. */
	r = pg_exec(c,
		    "INSERT INTO bank_customers (pnrid, cust_id) VALUES ($1, $2) "
		    "ON CONFLICT (pnrid) WHERE NOT deleted DO UPDATE "
		    "SET cust_id = EXCLUDED.cust_id, updated_at = now() "
		    "WHERE bank_customers.cust_id IS DISTINCT FROM EXCLUDED.cust_id",
		    2, params, err, errlen);
	if (!r)
		return -1;
	PQclear(r);
	x->outcome = "opened";
	return 0;
}

static int cache(redisContext *r, const struct callback *cb, char *err,
		 size_t errlen)
{
	struct slice pnrid = form_get(&cb->text, "UsrId");
	struct slice custid = form_get(&cb->text, "UsrCustId");

	if (!cb->success)
		return 0;
	if (cache_hset(r, "bank-customers", pnrid, custid, err, errlen) ||
	    cache_hset(r, "customers-pnrid", custid, pnrid, err, errlen))
		return -1;
	return 0;
}

const struct async_callback user_register_async = { &spec, store, cache };
const struct page_return user_register_page = {
	&spec, "#/BankUserRegisterCallback",
};
