/* bidinfo: loan projects at the bank.  AddBidInfo (a project
 * registered: background route /bank/addbidinfo, page return
 * /bank/AddBidInfoCallback, acknowledged with its ProId, stored by the
 * one order store, orders.c, under the ProId), and the two CmdIds whose
 * signed order nobody has found: AddBidAttachInfo (a project's
 * attachments) and AutoTenderPlan (a user set up automatic bidding),
 * which are logged and refused (unverifiable.c) until it is known. */
#include "handlers.h"

static const struct signed_field bid_signed[] = {
	SIGNED("CmdId"), SIGNED("RespCode"), SIGNED("MerCustId"), SIGNED("ProId"),
	SIGNED("BorrCustId"), SIGNED("BorrTotAmt"), SIGNED("GuarCompId"), SIGNED("GuarAmt"),
	SIGNED("ProArea"), ECHOED_FIELD("BgRetUrl"), ECHOED_FIELD("MerPriv"),
	ECHOED_FIELD("RespExt"), SIGNED_END,
};

/* The guarantor (a company's UsrCustId) and its amount may be absent;
 * ProArea is an area code, digits. */
static const struct field_rule bid_rules[] = {
	{ "RespCode", REQUIRED, shape_resp_code, 3 },
	{ "ProId", REQUIRED, shape_pro_id, 30 },
	{ "BorrCustId", REQUIRED, shape_cust_id, 16 },
	{ "BorrTotAmt", REQUIRED, shape_money, 16 },
	{ "GuarCompId", OPTIONAL, shape_cust_id, 16 },
	{ "GuarAmt", OPTIONAL, shape_money, 16 },
	{ "ProArea", OPTIONAL, shape_digits, 10 },
	{ "BgRetUrl", REQUIRED, shape_url, URL_MAX },
	RULES_END,
};

static const struct callback_spec add_bid_info = {
	"AddBidInfo", bid_signed, bid_rules, "ProId", NULL,
};

static const struct order_columns columns = {
	.usr_cust_id = "BorrCustId", .trans_amt = "BorrTotAmt",
};

const struct background_callback add_bid_info_background = {
	{ &add_bid_info, NULL }, store_order, "ProId", &columns,
};
const struct page_return add_bid_info_page = { &add_bid_info, "#/AddBidInfoCallback" };

const struct unverifiable add_bid_attach_info_background = { "AddBidAttachInfo", NULL };
const struct unverifiable add_bid_attach_info_page = {
	"AddBidAttachInfo", "#/AddBidAttachInfoCallback",
};
const struct unverifiable auto_tender_plan_page = {
	"AutoTenderPlan", "#/AutoTenderPlanCallback",
};
