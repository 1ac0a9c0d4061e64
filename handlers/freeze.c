/* freeze: an amount frozen on a user's account (UsrFreezeBg) and a frozen
 * amount released (UsrUnFreeze).  Background routes /bank/usrfreezebg
 * and /bank/usrunfreeze, page returns /bank/<CmdId>Callback;
 * acknowledged with the OrdId, stored by the one order store (orders.c).
 * UsrUnFreeze's signed order verifies against real callbacks signed by
 * the bank's test key. */
#include "handlers.h"

/* TrxId comes between BgRetUrl and MerPriv, both the merchant's own
 * echoed text: were BgRetUrl to end in a digit or MerPriv to begin with
 * one, where the TrxId lies could not be known.  The platform's
 * /bank/usrfreezebg ends in a letter, and its MerPriv must not begin
 * with a digit: the rules hold them to it, which pins the TrxId. */
static const struct signed_field freeze_signed[] = {
	SIGNED("CmdId"), SIGNED("RespCode"), SIGNED("MerCustId"), SIGNED("UsrCustId"),
	SIGNED("SubAcctType"), SIGNED("SubAcctId"), SIGNED("OrdId"), SIGNED("OrdDate"),
	SIGNED("TransAmt"), ECHOED_FIELD("RetUrl"), ECHOED_FIELD("BgRetUrl"), SIGNED("TrxId"),
	ECHOED_FIELD("MerPriv"), SIGNED_END,
};

static const struct field_rule freeze_rules[] = {
	{ "RespCode", REQUIRED, shape_resp_code, 3 },
	{ "UsrCustId", REQUIRED, shape_cust_id, 16 },
	{ "SubAcctType", OPTIONAL, shape_open_bank_id, 8 },
	{ "SubAcctId", OPTIONAL, shape_acct_id, 9 },
	{ "OrdId", REQUIRED, shape_ord_id, 30 },
	{ "OrdDate", REQUIRED, shape_date, 8, arrival_in_order_window },
	{ "TransAmt", REQUIRED, shape_money, 16 },
	{ "RetUrl", OPTIONAL, shape_url, URL_MAX },
	{ "BgRetUrl", REQUIRED, shape_url_ending_in_no_digit, URL_MAX },
	{ "TrxId", REQUIRED_ON_SUCCESS, shape_trx_id, 18 },
	{ "MerPriv", OPTIONAL, shape_no_digit_first },
	RULES_END,
};

static const struct callback_spec usr_freeze_bg = {
	"UsrFreezeBg", freeze_signed, freeze_rules, "OrdId", NULL,
};

static const struct signed_field unfreeze_signed[] = {
	SIGNED("CmdId"), SIGNED("RespCode"), SIGNED("MerCustId"), SIGNED("OrdId"),
	SIGNED("OrdDate"), SIGNED("TrxId"), ECHOED_TAIL, SIGNED_END,
};

/* OrdDate is the frozen order's (a real one was sixteen months old): no
 * window on it.  TrxId is the freeze's. */
static const struct field_rule unfreeze_rules[] = {
	{ "RespCode", REQUIRED, shape_resp_code, 3 },
	{ "OrdId", REQUIRED, shape_ord_id, 30 },
	{ "OrdDate", REQUIRED, shape_date, 8 },
	{ "TrxId", REQUIRED_ON_SUCCESS, shape_trx_id, 18 },
	{ "RetUrl", OPTIONAL, shape_url, URL_MAX },
	{ "BgRetUrl", REQUIRED, shape_url, URL_MAX },
	RULES_END,
};

static const struct callback_spec usr_unfreeze = {
	"UsrUnFreeze", unfreeze_signed, unfreeze_rules, "OrdId", NULL,
};

static const struct order_columns freeze_columns = {
	.ord_date = "OrdDate", .usr_cust_id = "UsrCustId", .trans_amt = "TransAmt",
};
static const struct order_columns unfreeze_columns = { .ord_date = "OrdDate" };

const struct background_callback usr_freeze_bg_background = {
	{ &usr_freeze_bg, NULL }, store_order, "OrdId", &freeze_columns,
};
const struct page_return usr_freeze_bg_page = { &usr_freeze_bg, "#/UsrFreezeBgCallback" };
const struct background_callback usr_unfreeze_background = {
	{ &usr_unfreeze, NULL }, store_order, "OrdId", &unfreeze_columns,
};
const struct page_return usr_unfreeze_page = { &usr_unfreeze, "#/UsrUnFreezeCallback" };
