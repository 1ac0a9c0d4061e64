/* loans: a full loan paid out from its bidders to the borrower (Loans)
 * and a borrower repaying a bidder (Repayment).  Background routes
 * /bank/loans and /bank/Repayment, no page return; acknowledged with the
 * OrdId, stored by the one order store (orders.c).
 *
 * Repayment's signed order is the platform's integration's; real
 * Repayment callbacks of the bank's newer interface carry ProId,
 * PrincipalAmt, InterestAmt and DzObject and do not verify under it
 * (403): the day the newer order is known, it is this table. */
#include "handlers.h"

static const struct signed_field loans_signed[] = {
	SIGNED("CmdId"), SIGNED("RespCode"), SIGNED("MerCustId"), SIGNED("OrdId"),
	SIGNED("OrdDate"), SIGNED("OutCustId"), SIGNED("OutAcctId"), SIGNED("TransAmt"),
	SIGNED("Fee"), SIGNED("InCustId"), SIGNED("InAcctId"), SIGNED("SubOrdId"),
	SIGNED("SubOrdDate"), SIGNED("FeeObjFlag"), SIGNED("IsDefault"), SIGNED("IsUnFreeze"),
	SIGNED("UnFreezeOrdId"), SIGNED("FreezeTrxId"),
	ECHOED_FIELD("BgRetUrl"), ECHOED_FIELD("MerPriv"), ECHOED_FIELD("RespExt"), SIGNED_END,
};

/* SubOrdId and SubOrdDate name the bid being paid out, which may be old:
 * no window on its date. */
static const struct field_rule loans_rules[] = {
	{ "RespCode", REQUIRED, shape_resp_code, 3 },
	{ "OrdId", REQUIRED, shape_ord_id, 30 },
	{ "OrdDate", REQUIRED, shape_date, 8, arrival_in_order_window },
	{ "OutCustId", REQUIRED, shape_cust_id, 16 },
	{ "OutAcctId", OPTIONAL, shape_acct_id, 9 },
	{ "TransAmt", REQUIRED, shape_money, 16 },
	{ "Fee", OPTIONAL, shape_amount, 16 },
	{ "InCustId", REQUIRED, shape_cust_id, 16 },
	{ "InAcctId", OPTIONAL, shape_acct_id, 9 },
	{ "SubOrdId", REQUIRED, shape_ord_id, 30 },
	{ "SubOrdDate", REQUIRED, shape_date, 8 },
	{ "FeeObjFlag", OPTIONAL, shape_in_or_out, 1 },
	{ "IsDefault", OPTIONAL, shape_yes_no, 1 },
	{ "IsUnFreeze", OPTIONAL, shape_yes_no, 1 },
	{ "UnFreezeOrdId", OPTIONAL, shape_ord_id, 30 },
	{ "FreezeTrxId", OPTIONAL, shape_trx_id, 18 },
	{ "BgRetUrl", REQUIRED, shape_url, URL_MAX },
	RULES_END,
};

static const struct callback_spec loans = {
	"Loans", loans_signed, loans_rules, "OrdId", NULL,
};

static const struct signed_field repayment_signed[] = {
	SIGNED("CmdId"), SIGNED("RespCode"), SIGNED("MerCustId"), SIGNED("OrdId"),
	SIGNED("OrdDate"), SIGNED("OutCustId"), SIGNED("SubOrdId"), SIGNED("SubOrdDate"),
	SIGNED("OutAcctId"), SIGNED("TransAmt"), SIGNED("Fee"), SIGNED("InCustId"),
	SIGNED("InAcctId"), SIGNED("FeeObjFlag"),
	ECHOED_FIELD("BgRetUrl"), ECHOED_FIELD("MerPriv"), ECHOED_FIELD("RespExt"), SIGNED_END,
};

static const struct field_rule repayment_rules[] = {
	{ "RespCode", REQUIRED, shape_resp_code, 3 },
	{ "OrdId", REQUIRED, shape_ord_id, 30 },
	{ "OrdDate", REQUIRED, shape_date, 8, arrival_in_order_window },
	{ "OutCustId", REQUIRED, shape_cust_id, 16 },
	{ "SubOrdId", REQUIRED, shape_ord_id, 30 },
	{ "SubOrdDate", REQUIRED, shape_date, 8 },
	{ "OutAcctId", OPTIONAL, shape_acct_id, 9 },
	{ "TransAmt", REQUIRED, shape_money, 16 },
	{ "Fee", OPTIONAL, shape_amount, 16 },
	{ "InCustId", REQUIRED, shape_cust_id, 16 },
	{ "InAcctId", OPTIONAL, shape_acct_id, 9 },
	{ "FeeObjFlag", OPTIONAL, shape_in_or_out, 1 },
	{ "BgRetUrl", REQUIRED, shape_url, URL_MAX },
	RULES_END,
};

static const struct callback_spec repayment = {
	"Repayment", repayment_signed, repayment_rules, "OrdId", NULL,
};

static const struct order_columns columns = {
	.ord_date = "OrdDate", .out_cust_id = "OutCustId", .in_cust_id = "InCustId",
	.trans_amt = "TransAmt", .fee_amt = "Fee",
};

const struct background_callback loans_background = {
	{ &loans, NULL }, store_order, "OrdId", &columns,
};
const struct background_callback repayment_background = {
	{ &repayment, NULL }, store_order, "OrdId", &columns,
};
