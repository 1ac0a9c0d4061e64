#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD, SIGN_KEY are read by lib/common.bash
# POST /bank/netsave: the bank's NetSave (online-banking top-up) background callback.

load lib/common

# data (or COLUMN) of the one netsave row, as sorted key=value lines (member order is not meaning)
netsave_data() {
	psql_val "SELECT ${1:-data} FROM bank_netsave" | "$JSONCHECK" | sort
}

# data: the bank's word, every signed field but the two stored in their own columns. RetUrl and
# BgRetUrl came percent-encoded twice and are kept in the reading the bank signed: decoded.
expected_data() {
	printf '%s\n' CmdId=NetSave RespCode=000 "MerCustId=$MER" "OrdDate=$NS_DATE" \
		TransAmt=100.00 "TrxId=$NS_TRX" RetUrl=http://m.example.com/bank/NetSaveCallback \
		BgRetUrl=http://m.example.com/bank/netsave MerPriv= "$@" | sort
}

# unsigned_data: the known fields the bank does not sign, as received
expected_unsigned() {
	printf '%s\n' RespDesc=success GateBusiId=B2C GateBankId=ICBC FeeAmt=0.00 \
		FeeCustId=6000060000000001 FeeAcctId=MDT000001 "$@" | sort
}

@test "netsave: a top-up is stored with its data and acknowledged" {
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	assert_eq "$(psql_val "SELECT cust_id || '|' || rtrim(ord_id) || '|' || done || '|' || deleted FROM bank_netsave")" \
		"6000060000123456|$NS_ORD|false|false"
	assert_eq "$(psql_val "SELECT json_typeof(data) FROM bank_netsave")" object
	assert_eq "$(netsave_data)" "$(expected_data)" "data"
	assert_eq "$(netsave_data unsigned_data)" "$(expected_unsigned)" "unsigned_data"
	assert_redis_empty
}

@test "netsave: a CharSet=GBK callback is verified over the GBK bytes and stored as UTF-8" {
	post_form /bank/netsave "$(netsave_body "RespDesc=$(gbk 充值成功)" "MerPriv=$(gbk 备注信息)" CharSet=GBK)"
	assert_ack "$NS_TRX"
	assert_eq "$(netsave_data)" "$(expected_data | sed 's/^MerPriv=.*/MerPriv=备注信息/' | sort)" "data"
	assert_eq "$(netsave_data unsigned_data)" \
		"$(expected_unsigned CharSet=GBK | sed 's/^RespDesc=.*/RespDesc=充值成功/' | sort)" "unsigned_data"
}

@test "netsave: a failed top-up (any RespCode) is stored too" {
	post_form /bank/netsave "$(netsave_body RespCode=351 'RespDesc=insufficient balance')"
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1
	assert_eq "$(psql_val "SELECT data->>'RespCode' || '|' || (unsigned_data->>'RespDesc') FROM bank_netsave")" \
		"351|insufficient balance"
}

@test "netsave: the same callback twice gives one row with the same data" {
	local body
	body=$(netsave_body)
	post_form /bank/netsave "$body"
	assert_ack "$NS_TRX"
	post_form /bank/netsave "$body"
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1
	assert_eq "$(netsave_data)" "$(expected_data)" "data"
}

@test "netsave: a retry does not reset a row the back office marked done" {
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	psql_val "UPDATE bank_netsave SET done = true" >/dev/null
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1
	assert_eq "$(psql_val "SELECT done FROM bank_netsave")" t "done after the retry"
}

@test "netsave: two orders give two rows" {
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	post_form /bank/netsave "$(netsave_body OrdId=20161119000000000002 TrxId=201611190000000008)"
	assert_ack 201611190000000008
	assert_rows bank_netsave 2
}

@test "netsave: a 30-character OrdId is accepted" {
	local ord=ORD_2016-1119_abcdefghijklmnop
	((${#ord} == 30))
	post_form /bank/netsave "$(netsave_body "OrdId=$ord")"
	assert_ack "$NS_TRX"
	assert_eq "$(psql_val "SELECT ord_id::text FROM bank_netsave")" "$ord"
}

@test "netsave: '+' in a form value is stored as a space, surrounding blanks trimmed" {
	local body
	body=$(netsave_body) # RespDesc is not signed, so it can be re-encoded after signing
	post_form /bank/netsave "${body/RespDesc=success/RespDesc=+top+up%20done%20}"
	assert_ack "$NS_TRX"
	assert_eq "$(psql_val "SELECT unsigned_data->>'RespDesc' FROM bank_netsave")" "top up done"
}

# A failed top-up as the bank really sends it (spec section 7): signed, RespCode 210, and empty
# TrxId, GateBusiId, GateBankId and Fee fields.
failed_netsave_body() {
	netsave_body RespCode=210 'RespDesc=商户下不存在该用户' TrxId= GateBusiId= GateBankId= FeeAmt= \
		FeeCustId= FeeAcctId= "$@"
}

@test "netsave: a failed top-up with an empty TrxId is stored, audited and acknowledged" {
	post_form /bank/netsave "$(failed_netsave_body)"
	assert_ack ''
	assert_eq "$(psql_val "SELECT cust_id || '|' || rtrim(ord_id) || '|' || done || '|' ||
		(data->>'RespCode') || '|' || (unsigned_data->>'RespDesc') || '|' || (data->>'TrxId') FROM bank_netsave")" \
		"6000060000123456|$NS_ORD|false|210|商户下不存在该用户|"
	assert_eq "$(psql_val "SELECT status || '|' || verdict || '|' || coalesce(trx_id, 'NULL') FROM bank_callback_audit")" \
		"200|stored|NULL" "audit row"
	# the bank's retry finds its row
	post_form /bank/netsave "$(failed_netsave_body)"
	assert_ack ''
	assert_rows bank_netsave 1
}

@test "netsave: an empty TrxId on a successful top-up is still refused (400)" {
	post_form /bank/netsave "$(netsave_body TrxId=)"
	assert_error 400
	assert_nothing_written
}

@test "netsave: a failed top-up's page return redirects with its RespCode and our words for it" {
	post_form /bank/NetSaveCallback "$(failed_netsave_body)"
	assert_status 303
	assert_header Location \
		"http://front.example/#/NetSaveCallback?RespCode=210&RespDesc=%E7%94%A8%E6%88%B7%E5%9C%A8%E5%95%86%E6%88%B7%E4%B8%8B%E4%B8%8D%E5%AD%98%E5%9C%A8"
	assert_nothing_written
}

@test "netsave: unknown and newer unsigned fields never fail a callback nor reach data; CardId is kept apart, never logged" {
	post_form /bank/netsave "$(netsave_body SecRespCode= SecRespDesc= CardId=6222020200000000001 \
		NewField2030=whatever)"
	assert_ack "$NS_TRX"
	assert_eq "$(psql_val "SELECT concat_ws('|', unsigned_data->>'CardId', unsigned_data->>'SecRespCode',
		data::jsonb ? 'CardId', data::jsonb ? 'NewField2030', unsigned_data::jsonb ? 'NewField2030')
		FROM bank_netsave")" "6222020200000000001||f|f|f"
	# the audit keeps the body as received, unknown field included
	[[ $(psql_val "SELECT body FROM bank_callback_audit") == *NewField2030=whatever* ]] || fail "not audited"
	! grep -qF 6222020200000000001 "$BATS_TEST_TMPDIR/stderr" || fail "CardId in the log:" "$(cat "$BATS_TEST_TMPDIR/stderr")"
	[[ -s $BATS_TEST_TMPDIR/stderr ]] || fail "no log line"
}
