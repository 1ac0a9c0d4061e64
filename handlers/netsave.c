/* netsave: NetSave, a user topped up by online banking.
 *
 * Async (/bank/netsave): every verified NetSave is kept, whatever its
 * RespCode: cust_id, ord_id, and every other field but ChkValue as a JSON
 * object in data, for the back office, which sets done.  A retry of the
 * same OrdId adds nothing and never touches done.  Money stays a string.
 * Page (/bank/NetSaveCallback): back to #/NetSaveCallback. */
#include "handlers.h"
#include "../db/pg.h"
#include "../json.h"

#include <stdio.h>

/* In signing order.  The URLs and MerPriv are the merchant's own text,
 * which it may have percent-encoded before sending it to the bank. */
static const struct signed_field signed_fields[] = {
	{ "CmdId", AS_RECEIVED },
	{ "RespCode", AS_RECEIVED },
	{ "MerCustId", AS_RECEIVED },
	{ "UsrCustId", AS_RECEIVED },
	{ "OrdId", AS_RECEIVED },
	{ "OrdDate", AS_RECEIVED },
	{ "TransAmt", AS_RECEIVED },
	{ "TrxId", AS_RECEIVED },
	{ "RetUrl", MAY_BE_DECODED_AGAIN },
	{ "BgRetUrl", MAY_BE_DECODED_AGAIN },
	{ "MerPriv", MAY_BE_DECODED_AGAIN },
	{ NULL, AS_RECEIVED },
};

static bool shape_ord_id(struct slice v)
{
	return v.len >= 1 && v.len <= 30 && slice_has_only(v, "a_-");
}

static unsigned digits(const char *p, size_t n)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(p[i] - '0');
	return v;
}

/* YYYYMMDD, a real calendar day.  Checking the calendar, not just eight
 * digits, is what stops OrdId's last digit from being signed as
 * OrdDate's first (see callback.h). */
static bool shape_date(struct slice v)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, m, d;

	if (v.len != 8 || !slice_has_only(v, "d"))
		return false;
	y = digits(v.p, 4);
	m = digits(v.p + 4, 2);
	d = digits(v.p + 6, 2);
	if (y < 2000 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	return m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

/* "100.00": two decimals, as the bank sends it, and no leading zero, so
 * that OrdDate's last digit cannot be signed as the amount's first. */
static bool shape_money(struct slice v)
{
	return v.len >= 4 && v.len <= 16 && v.p[v.len - 3] == '.' &&
	       (v.p[0] != '0' || v.len == 4) &&
	       slice_has_only((struct slice){ v.p, v.len - 3 }, "d") &&
	       slice_has_only((struct slice){ v.p + v.len - 2, 2 }, "d");
}

/* A failed top-up (RespCode 210, "user does not exist under the
 * merchant", say) comes signed with an empty TrxId and empty GateBusiId,
 * GateBankId and Fee* fields: it is stored and acknowledged like any
 * other, so whatever only a success carries is REQUIRED_ON_SUCCESS or
 * OPTIONAL here.  The unsigned fields (GateBusiId, GateBankId, FeeCustId,
 * FeeAcctId, SecRespCode, SecRespDesc, CardId, and any the bank adds)
 * have no rule: they are kept in data and never fail a callback. */
static const struct field_rule rules[] = {
	{ "RespCode", REQUIRED, shape_resp_code },
	{ "UsrCustId", REQUIRED, shape_cust_id },
	{ "OrdId", REQUIRED, shape_ord_id },
	{ "OrdDate", REQUIRED, shape_date },
	{ "TransAmt", REQUIRED, shape_money },
	{ "TrxId", REQUIRED_ON_SUCCESS, shape_trx_id },
	{ "RetUrl", OPTIONAL, shape_url },
	{ "BgRetUrl", REQUIRED, shape_url },
	{ "FeeAmt", OPTIONAL, shape_money },
	{ NULL, OPTIONAL, NULL },
};

static const struct callback_spec spec = {
	"NetSave", signed_fields, rules,
};

static int store(PGconn *c, const struct callback *cb, struct ctx *x,
		 char *err, size_t errlen)
{
	/* UsrCustId and OrdId have columns of their own. */
	static const char *const not_data[] = { "UsrCustId", "OrdId", "ChkValue", NULL };
	static char data_mem[6 * 65536 + 1024], arena_mem[256];
	struct buf data, arena;
	const char *params[3];
	PGresult *r;

	buf_init(&data, data_mem, sizeof data_mem);
	json_form(&data, &cb->text, not_data);
	buf_init(&arena, arena_mem, sizeof arena_mem);
	params[0] = buf_cstr(&arena, form_get(&cb->text, "UsrCustId"));
	params[1] = buf_cstr(&arena, form_get(&cb->text, "OrdId"));
	params[2] = data.overflow ? NULL : data.p;
	if (!params[2]) {
		snprintf(err, errlen, "netsave data too large");
		return -1;
	}
	r = pg_exec(c,
		    "INSERT INTO bank_netsave (cust_id, ord_id, data) "
		    "VALUES ($1, $2, $3) "
		    "ON CONFLICT (ord_id) WHERE NOT deleted DO NOTHING",
		    3, params, err, errlen);
	if (!r)
		return -1;
	x->outcome = PQcmdTuples(r)[0] == '1' ? "stored" : "duplicate, kept the first";
	PQclear(r);
	return 0;
}

const struct async_callback netsave_async = { &spec, store, NULL };
const struct page_return netsave_page = { &spec, "#/NetSaveCallback" };
