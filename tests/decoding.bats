#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD, SIGN_KEY are read by lib/common.bash
# Fields the merchant may have percent-encoded before the form encoded them again (RetUrl,
# BgRetUrl, MerPriv; CorpRegister's UsrName and RespExt): SDKs differ on whether the signed
# string holds them decoded once more or as received. Either reading verifies, each field on
# its own, and the reading that verified is the one stored.

load lib/common

@test "decoding: a MerPriv sent encoded twice and signed decoded is stored decoded" {
	post_form /bank/netsave "$(netsave_body --twice=MerPriv 'MerPriv=order 42&note=备注')"
	assert_ack "$NS_TRX"
	assert_eq "$(psql_val "SELECT data->>'MerPriv' FROM bank_netsave")" 'order 42&note=备注'
	post_form /bank/register "$(register_body --twice=MerPriv 'MerPriv=a&b')"
	assert_ack "$UR_TRX"
	assert_rows bank_customers 1
}

@test "decoding: a MerPriv signed as received, escapes and all, is stored as received" {
	# The bank signed the text "a%26b" itself: decoding it again would not verify.
	post_form /bank/netsave "$(netsave_body 'MerPriv=a%26b')"
	assert_ack "$NS_TRX"
	assert_eq "$(psql_val "SELECT data->>'MerPriv' FROM bank_netsave")" 'a%26b'
}

@test "decoding: each field has its own reading (URLs decoded, MerPriv as received)" {
	# RetUrl and BgRetUrl go encoded twice and are signed decoded; MerPriv is signed with its %41.
	post_form /bank/netsave "$(netsave_body 'MerPriv=x%41y')"
	assert_ack "$NS_TRX"
	assert_eq "$(psql_val "SELECT (data->>'MerPriv') || '|' || (data->>'RetUrl') FROM bank_netsave")" \
		'x%41y|http://m.example.com/bank/NetSaveCallback'
}

@test "decoding: CorpRegister's UsrName and RespExt sent encoded twice verify decoded, stored decoded" {
	post_form /bank/CorpRegister "$(corp_body --twice=UsrName --twice=RespExt \
		'UsrName=北京某某科技有限公司' 'RespExt={"a":"b c"}')"
	assert_ack "$CR_TRX"
	assert_eq "$(psql_val "SELECT usr_name FROM bank_mer_customers")" '北京某某科技有限公司'
	assert_eq "$(psql_val "SELECT fields->>'RespExt' FROM bank_callback_audit")" '{"a":"b c"}'
}

@test "decoding: a UsrName signed as received with an escape in it is stored as received" {
	post_form /bank/CorpRegister "$(corp_body 'UsrName=某某%20公司')"
	assert_ack "$CR_TRX"
	assert_eq "$(psql_val "SELECT usr_name FROM bank_mer_customers")" '某某%20公司'
}

@test "decoding: a decoded reading is checked against the field rules (a 51-character name: 400)" {
	local name
	name=$(printf '名%.0s' {1..51})
	post_form /bank/CorpRegister "$(corp_body --twice=UsrName "UsrName=$name")"
	assert_error 400
	assert_nothing_written
}

@test "decoding: a field that only one reading has is not read the other way (UsrId stays as received)" {
	# UsrId is not the merchant's encoded text: its escape is never decoded again, so the
	# signature over "pnr_a%62" does not stand for "pnr_ab".
	local body
	body=$(register_body UsrId=pnr_ab)
	post_form /bank/register "${body/UsrId=pnr_ab/UsrId=pnr_a%2562}"
	assert_error 403
	assert_nothing_written
}
