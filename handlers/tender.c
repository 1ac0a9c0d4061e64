/* tender: bids on a loan.  InitiativeTender (a user bid; the amount is
 * frozen), AutoTender (an automatic bid, the same fields), TenderCancle
 * (sic: a bid withdrawn; the amount unfrozen).  Background routes
 * /bank/initiativetender, /bank/autotender, /bank/tendercancle, page
 * returns /bank/<CmdId>Callback; acknowledged with the OrdId, stored by
 * the one order store (orders.c).  InitiativeTender's signed order
 * verifies against real callbacks signed by the bank's test key. */
#include "handlers.h"

/* InitiativeTender and AutoTender sign the same fields. */
static const struct signed_field tender_signed[] = {
	SIGNED("CmdId"), SIGNED("RespCode"), SIGNED("MerCustId"), SIGNED("OrdId"),
	SIGNED("OrdDate"), SIGNED("TransAmt"), SIGNED("UsrCustId"), SIGNED("TrxId"),
	SIGNED("IsFreeze"), SIGNED("FreezeOrdId"), SIGNED("FreezeTrxId"),
	ECHOED_TAIL, ECHOED_FIELD("RespExt"), SIGNED_END,
};

/* A failed bid (210, 100, 309, 322 in real samples) comes without what
 * only a success has. */
static const struct field_rule tender_rules[] = {
	{ "RespCode", REQUIRED, shape_resp_code, 3 },
	{ "OrdId", REQUIRED, shape_ord_id, 30 },
	{ "OrdDate", REQUIRED, shape_date, 8, arrival_in_order_window },
	{ "TransAmt", REQUIRED, shape_money, 16 },
	{ "UsrCustId", REQUIRED, shape_cust_id, 16 },
	{ "TrxId", REQUIRED_ON_SUCCESS, shape_trx_id, 18 },
	{ "IsFreeze", OPTIONAL, shape_yes_no, 1 },
	{ "FreezeOrdId", OPTIONAL, shape_ord_id, 30 },
	{ "FreezeTrxId", OPTIONAL, shape_trx_id, 18 },
	{ "RetUrl", OPTIONAL, shape_url, URL_MAX },
	{ "BgRetUrl", REQUIRED, shape_url, URL_MAX },
	RULES_END,
};

static const struct callback_spec initiative_tender = {
	"InitiativeTender", tender_signed, tender_rules, "OrdId", NULL,
};
static const struct callback_spec auto_tender = {
	"AutoTender", tender_signed, tender_rules, "OrdId", NULL,
};

static const struct signed_field cancel_signed[] = {
	SIGNED("CmdId"), SIGNED("RespCode"), SIGNED("MerCustId"), SIGNED("OrdId"),
	SIGNED("OrdDate"), SIGNED("TransAmt"), SIGNED("UsrCustId"), SIGNED("IsUnFreeze"),
	SIGNED("UnFreezeOrdId"), SIGNED("FreezeTrxId"),
	ECHOED_TAIL, ECHOED_FIELD("RespExt"), SIGNED_END,
};

/* OrdId and OrdDate name the bid withdrawn, which may be old: no window
 * on its date. */
static const struct field_rule cancel_rules[] = {
	{ "RespCode", REQUIRED, shape_resp_code, 3 },
	{ "OrdId", REQUIRED, shape_ord_id, 30 },
	{ "OrdDate", REQUIRED, shape_date, 8 },
	{ "TransAmt", REQUIRED, shape_money, 16 },
	{ "UsrCustId", REQUIRED, shape_cust_id, 16 },
	{ "IsUnFreeze", OPTIONAL, shape_yes_no, 1 },
	{ "UnFreezeOrdId", OPTIONAL, shape_ord_id, 30 },
	{ "FreezeTrxId", OPTIONAL, shape_trx_id, 18 },
	{ "RetUrl", OPTIONAL, shape_url, URL_MAX },
	{ "BgRetUrl", REQUIRED, shape_url, URL_MAX },
	RULES_END,
};

static const struct callback_spec tender_cancle = {
	"TenderCancle", cancel_signed, cancel_rules, "OrdId", NULL,
};

static const struct order_columns columns = {
	.ord_date = "OrdDate", .usr_cust_id = "UsrCustId", .trans_amt = "TransAmt",
};

const struct background_callback initiative_tender_background = {
	{ &initiative_tender, NULL }, store_order, "OrdId", &columns,
};
const struct page_return initiative_tender_page = {
	&initiative_tender, "#/InitiativeTenderCallback",
};
const struct background_callback auto_tender_background = {
	{ &auto_tender, NULL }, store_order, "OrdId", &columns,
};
const struct page_return auto_tender_page = { &auto_tender, "#/AutoTenderCallback" };
const struct background_callback tender_cancle_background = {
	{ &tender_cancle, NULL }, store_order, "OrdId", &columns,
};
const struct page_return tender_cancle_page = { &tender_cancle, "#/TenderCancleCallback" };
