/* cash: money leaving the platform for a bank card.  Cash (a user's
 * withdrawal), its reconciliation notice, CashAudit (the merchant's audit
 * of a withdrawal) and MerCash (the merchant's own withdrawal).
 * Background routes /bank/cash, /bank/cashaudit, /bank/mercash, page
 * returns /bank/<CmdId>Callback; acknowledged with the OrdId, stored by
 * the one order store (orders.c).  Cash's and CashAudit's signed orders
 * verify against real callbacks signed by the bank's test key.
 *
 * A withdrawal is told of more than once: RespCode 999 (processing), then
 * 000 or a failure; later the bank's reconciliation notice, signed with
 * RespType first and no CmdId, where RespType 000 confirms the withdrawal
 * and 400 reverses it, even after a 000.  Every notice is recorded; the
 * order moves on to a later stage only (sql/011-orders.sql). */
#include "handlers.h"

static const struct signed_field cash_signed[] = {
	SIGNED("CmdId"), SIGNED("RespCode"), SIGNED("MerCustId"), SIGNED("OrdId"),
	SIGNED("UsrCustId"), SIGNED("TransAmt"), SIGNED("OpenAcctId"), SIGNED("OpenBankId"),
	SIGNED("FeeAmt"), SIGNED("FeeCustId"), SIGNED("FeeAcctId"), SIGNED("ServFee"),
	SIGNED("ServFeeAcctId"), ECHOED_TAIL, ECHOED_FIELD("RespExt"), SIGNED_END,
};

/* Cash has no OrdDate.  OpenAcctId is a bank card number: personal data,
 * in the audit and the row, never in the log.  A failure (203, 100, 436
 * in real samples) leaves the card, the bank and the fees empty; real
 * ServFee values are 3, 3.00, 0.00 and empty.  OpenBankId is the bank
 * of the card OpenAcctId; FeeAmt, FeeCustId who paid it and FeeAcctId
 * the account it came from go together: each all or none, or the
 * merchant's ServFeeAcctId, echoed alone on a failure (MDT000001),
 * could be read as a bank and a fee or as a fee account, and a payer
 * without a ServFee as that fee. */
static const struct field_rule cash_rules[] = {
	{ "RespCode", REQUIRED, shape_resp_code, 3 },
	{ "OrdId", REQUIRED, shape_ord_id, 30 },
	{ "UsrCustId", REQUIRED, shape_cust_id, 16 },
	{ "TransAmt", REQUIRED, shape_money, 16 },
	{ "OpenAcctId", OPTIONAL, shape_digits, 40 },
	{ "OpenBankId", WITH_PREVIOUS, shape_open_bank_id, 8 },
	{ "FeeAmt", OPTIONAL, shape_amount, 16 },
	{ "FeeCustId", WITH_PREVIOUS, shape_cust_id, 16 },
	{ "FeeAcctId", WITH_PREVIOUS, shape_acct_id, 9 },
	{ "ServFee", OPTIONAL, shape_amount, 16 },
	{ "ServFeeAcctId", OPTIONAL, shape_acct_id, 9 },
	{ "RetUrl", OPTIONAL, shape_url, URL_MAX },
	{ "BgRetUrl", REQUIRED, shape_url, URL_MAX },
	RULES_END,
};

static const struct callback_spec cash = {
	"Cash", cash_signed, cash_rules, "OrdId", NULL,
};

static const struct signed_field reconciliation_signed[] = {
	SIGNED("RespType"), SIGNED("RespCode"), SIGNED("MerCustId"), SIGNED("OrdId"),
	SIGNED("UsrCustId"), SIGNED("TransAmt"), SIGNED("OpenAcctId"), SIGNED("OpenBankId"),
	ECHOED_TAIL, ECHOED_FIELD("RespExt"), SIGNED_END,
};

static const struct field_rule reconciliation_rules[] = {
	{ "RespType", REQUIRED, shape_resp_code, 3 },
	{ "RespCode", REQUIRED, shape_resp_code, 3 },
	{ "OrdId", REQUIRED, shape_ord_id, 30 },
	{ "UsrCustId", REQUIRED, shape_cust_id, 16 },
	{ "TransAmt", REQUIRED, shape_money, 16 },
	{ "OpenAcctId", OPTIONAL, shape_digits, 40 },
	{ "OpenBankId", WITH_PREVIOUS, shape_open_bank_id, 8 },
	{ "RetUrl", OPTIONAL, shape_url, URL_MAX },
	{ "BgRetUrl", REQUIRED, shape_url, URL_MAX },
	RULES_END,
};

/* The same withdrawal's order (cmd_id Cash), chosen by its RespType. */
static const struct callback_spec cash_reconciliation = {
	"Cash", reconciliation_signed, reconciliation_rules, "OrdId", "RespType",
};

static const struct signed_field audit_signed[] = {
	SIGNED("CmdId"), SIGNED("RespCode"), SIGNED("MerCustId"), SIGNED("OrdId"),
	SIGNED("UsrCustId"), SIGNED("TransAmt"), SIGNED("OpenAcctId"), SIGNED("OpenBankId"),
	SIGNED("AuditFlag"), ECHOED_TAIL, SIGNED_END,
};

/* AuditFlag: S approved, R refused. */
static const struct field_rule audit_rules[] = {
	{ "RespCode", REQUIRED, shape_resp_code, 3 },
	{ "OrdId", REQUIRED, shape_ord_id, 30 },
	{ "UsrCustId", REQUIRED, shape_cust_id, 16 },
	{ "TransAmt", REQUIRED, shape_money, 16 },
	{ "OpenAcctId", OPTIONAL, shape_digits, 40 },
	{ "OpenBankId", WITH_PREVIOUS, shape_open_bank_id, 8 },
	{ "AuditFlag", REQUIRED, shape_capital, 1 },
	{ "RetUrl", OPTIONAL, shape_url, URL_MAX },
	{ "BgRetUrl", REQUIRED, shape_url, URL_MAX },
	RULES_END,
};

static const struct callback_spec cash_audit = {
	"CashAudit", audit_signed, audit_rules, "OrdId", NULL,
};

static const struct signed_field mer_cash_signed[] = {
	SIGNED("CmdId"), SIGNED("RespCode"), SIGNED("MerCustId"), SIGNED("OrdId"),
	SIGNED("UsrCustId"), SIGNED("TransAmt"), SIGNED("OpenAcctId"), SIGNED("OpenBankId"),
	ECHOED_TAIL, SIGNED_END,
};

static const struct field_rule mer_cash_rules[] = {
	{ "RespCode", REQUIRED, shape_resp_code, 3 },
	{ "OrdId", REQUIRED, shape_ord_id, 30 },
	{ "UsrCustId", REQUIRED, shape_cust_id, 16 },
	{ "TransAmt", REQUIRED, shape_money, 16 },
	{ "OpenAcctId", OPTIONAL, shape_digits, 40 },
	{ "OpenBankId", WITH_PREVIOUS, shape_open_bank_id, 8 },
	{ "RetUrl", OPTIONAL, shape_url, URL_MAX },
	{ "BgRetUrl", REQUIRED, shape_url, URL_MAX },
	RULES_END,
};

static const struct callback_spec mer_cash = {
	"MerCash", mer_cash_signed, mer_cash_rules, "OrdId", NULL,
};

/* FeeAmt, FeeCustId and FeeAcctId come unsigned on a CashAudit. */
static const char *const fees_unsigned[] = { "FeeAmt", "FeeCustId", "FeeAcctId", NULL };

static const struct order_columns cash_columns = {
	.usr_cust_id = "UsrCustId", .trans_amt = "TransAmt", .fee_amt = "FeeAmt",
	.serv_fee = "ServFee",
};
static const struct order_columns audit_columns = {
	.usr_cust_id = "UsrCustId", .trans_amt = "TransAmt", .unsigned_fields = fees_unsigned,
};

const struct background_callback cash_background = {
	{ &cash_reconciliation, &cash, NULL }, store_order, "OrdId", &cash_columns,
};
const struct page_return cash_page = { &cash, "#/CashCallback" };
const struct background_callback cash_audit_background = {
	{ &cash_audit, NULL }, store_order, "OrdId", &audit_columns,
};
const struct page_return cash_audit_page = { &cash_audit, "#/CashAuditCallback" };
const struct background_callback mer_cash_background = {
	{ &mer_cash, NULL }, store_order, "OrdId", &audit_columns,
};
const struct page_return mer_cash_page = { &mer_cash, "#/MerCashCallback" };
