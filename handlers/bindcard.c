/* bindcard: UserBindCard, a user bound a bank card at the bank.
 * Background route /bank/bindcard, no page return; acknowledged with the
 * TrxId, which also names the binding in bank_orders (there is no
 * OrdId), stored by the one order store (orders.c).  A failure may come
 * without a TrxId, as a failed top-up does: then it is audited and
 * acknowledged with a bare RECV_ORD_ID_, and no row names it.  OpenAcctId is the
 * card number: personal data, in the audit and the row, never in the
 * log. */
#include "handlers.h"

static const struct signed_field bind_signed[] = {
	SIGNED("CmdId"), SIGNED("RespCode"), SIGNED("MerCustId"), SIGNED("OpenAcctId"),
	SIGNED("OpenBankId"), SIGNED("UsrCustId"), SIGNED("TrxId"),
	ECHOED_FIELD("BgRetUrl"), ECHOED_FIELD("MerPriv"), SIGNED_END,
};

/* OpenBankId is the card's bank: with the card or not at all, or on a
 * failure without them a UsrCustId's digits could be read as a card. */
static const struct field_rule bind_rules[] = {
	{ "RespCode", REQUIRED, shape_resp_code, 3 },
	{ "OpenAcctId", REQUIRED_ON_SUCCESS, shape_digits, 40 },
	{ "OpenBankId", WITH_PREVIOUS, shape_open_bank_id, 8 },
	{ "UsrCustId", REQUIRED, shape_cust_id, 16 },
	{ "TrxId", REQUIRED_ON_SUCCESS, shape_trx_id, 18 },
	{ "BgRetUrl", REQUIRED, shape_url, URL_MAX },
	RULES_END,
};

static const struct callback_spec user_bind_card = {
	"UserBindCard", bind_signed, bind_rules, NULL, NULL,
};

static const struct order_columns columns = { .usr_cust_id = "UsrCustId" };

const struct background_callback user_bind_card_background = {
	{ &user_bind_card, NULL }, store_order, "TrxId", &columns,
};
