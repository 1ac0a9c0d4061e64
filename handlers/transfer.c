/* transfer: money between the merchant's accounts and a user's.
 * Transfer (merchant to user: only a page return, /bank/TransferCallback,
 * so nothing is stored; it signs no MerCustId, so its OutCustId, our
 * account it pays from, must be our MerCustId: another merchant's
 * Transfer is not ours) and UsrAcctPay (a user paid
 * the merchant: background route /bank/usracctpay, acknowledged with the
 * OrdId and stored by the one order store, orders.c; page return
 * /bank/UsrAcctPayCallback). */
#include "handlers.h"

static const struct signed_field transfer_signed[] = {
	SIGNED("CmdId"), SIGNED("RespCode"), SIGNED("OrdId"), SIGNED("OutCustId"),
	SIGNED("OutAcctId"), SIGNED("TransAmt"), SIGNED("InCustId"), SIGNED("InAcctId"),
	ECHOED_TAIL, SIGNED_END,
};

/* RetUrl is required: the page return is where the platform hears of a
 * Transfer, so it always sends one, and a URL's shape pins the end of
 * InAcctId, which could otherwise slip into MerPriv. */
static const struct field_rule transfer_rules[] = {
	{ "RespCode", REQUIRED, shape_resp_code, 3 },
	{ "OrdId", REQUIRED, shape_ord_id, 30 },
	{ "OutCustId", REQUIRED, shape_our_cust_id, 16 },
	{ "OutAcctId", OPTIONAL, shape_acct_id, 9 },
	{ "TransAmt", REQUIRED, shape_money, 16 },
	{ "InCustId", REQUIRED, shape_cust_id, 16 },
	{ "InAcctId", OPTIONAL, shape_acct_id, 9 },
	{ "RetUrl", REQUIRED, shape_url, URL_MAX },
	{ "BgRetUrl", OPTIONAL, shape_url, URL_MAX },
	RULES_END,
};

static const struct callback_spec transfer = {
	"Transfer", transfer_signed, transfer_rules, "OrdId", NULL,
};

static const struct signed_field acct_pay_signed[] = {
	SIGNED("CmdId"), SIGNED("RespCode"), SIGNED("OrdId"), SIGNED("UsrCustId"),
	SIGNED("MerCustId"), SIGNED("TransAmt"), SIGNED("InAcctId"), SIGNED("InAcctType"),
	ECHOED_TAIL, SIGNED_END,
};

/* InAcctType: the kind of the merchant's account paid into, letters. */
static const struct field_rule acct_pay_rules[] = {
	{ "RespCode", REQUIRED, shape_resp_code, 3 },
	{ "OrdId", REQUIRED, shape_ord_id, 30 },
	{ "UsrCustId", REQUIRED, shape_cust_id, 16 },
	{ "TransAmt", REQUIRED, shape_money, 16 },
	{ "InAcctId", OPTIONAL, shape_acct_id, 9 },
	{ "InAcctType", OPTIONAL, shape_open_bank_id, 8 },
	{ "RetUrl", OPTIONAL, shape_url, URL_MAX },
	{ "BgRetUrl", REQUIRED, shape_url, URL_MAX },
	RULES_END,
};

static const struct callback_spec usr_acct_pay = {
	"UsrAcctPay", acct_pay_signed, acct_pay_rules, "OrdId", NULL,
};

static const struct order_columns acct_pay_columns = {
	.usr_cust_id = "UsrCustId", .trans_amt = "TransAmt",
};

const struct page_return transfer_page = { &transfer, "#/TransferCallback" };
const struct background_callback usr_acct_pay_background = {
	{ &usr_acct_pay, NULL }, store_order, "OrdId", &acct_pay_columns,
};
const struct page_return usr_acct_pay_page = { &usr_acct_pay, "#/UsrAcctPayCallback" };
