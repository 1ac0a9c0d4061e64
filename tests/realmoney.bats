#!/usr/bin/env bats
# The bank's own signed money callbacks (ChinaPNR's test environment, spec section 9): a bid
# (InitiativeTender), a withdrawal (Cash), a failed withdrawal audit (CashAudit, 415) and a
# failed unfreeze (UsrUnFreeze, 419), verified with the key file as the bank issues it. They
# prove the signed orders of section 9 and the order store against the bank's own signer.

load lib/common

REAL=$TESTS_ROOT/data/chinapnr-real-money-callbacks.json
REAL_KEY=$TESTS_ROOT/data/chinapnr-test-PgPubk.key
FAILED_SIG="RespCode=ERR_SIGNATURE&RespDesc=signature%20check%20failed"

# index_of CMDID: the sample's index in $REAL
index_of() { jq -r --arg c "$1" 'to_entries[] | select(.value.cmd == $c) | .key' "$REAL"; }

# real_body CMDID [Name=value...]: the callback as the bank posted it, every field in its order
# and percent-encoded once; Name=value replaces a field in place or appends one.
real_body() {
	local i arg
	local -a set=()
	i=$(index_of "$1")
	shift
	for arg; do set+=(--arg "${arg%%=*}" "${arg#*=}"); done
	jq -j ".[$i].fields"' + $ARGS.named | to_entries
		| map(.key + "=" + (.value // "" | @uri)) | join("&")' "${set[@]}" "$REAL"
}

field() { jq -r ".[$(index_of "$1")].fields.$2" "$REAL"; }

# The bank's test key, the samples' merchant and its OrdId format (20 digits: without it, an
# OrdId's digits run into UsrCustId's and OrdDate's, and most money callbacks have two
# meanings), and an order window back to 2016.
setup() {
	common_setup
	export BANK_CALLBACK_PUBKEY=$REAL_KEY BANK_CALLBACK_ORDER_DAYS=5000
	export BANK_CALLBACK_ORD_ID_PATTERN='[0-9]{20}'
	BANK_CALLBACK_MER_CUST_ID=$(jq -r '.[0].fields.MerCustId' "$REAL")
	export BANK_CALLBACK_MER_CUST_ID
}

ROUTE_InitiativeTender=/bank/initiativetender
ROUTE_Cash=/bank/cash
ROUTE_CashAudit=/bank/cashaudit
ROUTE_UsrUnFreeze=/bank/usrunfreeze

# What a sample must leave: one order holding its notice, its amounts exact, one audit row of
# 200.
assert_stored() { # CMDID
	local cmd=$1 ord
	ord=$(field "$cmd" OrdId)
	assert_ack "$ord"
	assert_eq "$(psql_val "SELECT cmd_id || '|' || ord_id || '|' || resp_code || '|' ||
		coalesce(trans_amt::text, '-') || '|' || notices || '|' || done FROM bank_orders")" \
		"$cmd|$ord|$(field "$cmd" RespCode)|$(field "$cmd" TransAmt | sed 's/^null$/-/')|1|false"
	assert_eq "$(psql_val "SELECT (data->>'RespCode') || '|' || (data->>'OrdId') FROM bank_orders")" \
		"$(field "$cmd" RespCode)|$ord" "the notice the order holds"
	assert_rows bank_order_notices 0
	assert_eq "$(psql_val "SELECT route || '|' || status || '|' || cmd_id || '|' || ord_id FROM bank_callback_audit")" \
		"$(eval echo "\$ROUTE_$cmd")|200|$cmd|$ord"
}

@test "real money: each sample on stdin is acknowledged with its OrdId and stored once; a retry adds nothing" {
	local cmd route
	for cmd in InitiativeTender Cash CashAudit UsrUnFreeze; do
		common_setup
		route=$(eval echo "\$ROUTE_$cmd")
		post_form "$route" "$(real_body "$cmd")"
		assert_stored "$cmd"
		post_form "$route" "$(real_body "$cmd")"
		assert_stored "$cmd"
		assert_eq "$(psql_val "SELECT seen FROM bank_callback_signatures")" 2 "$cmd: the retry counted"
	done
}

@test "real money: exact amounts and parties as the bank signed them; the card number never logged" {
	post_form /bank/cash "$(real_body Cash)"
	assert_ack "$(field Cash OrdId)"
	assert_eq "$(psql_val "SELECT usr_cust_id || '|' || trans_amt || '|' || fee_amt || '|' ||
		coalesce(serv_fee::text, 'NULL') || '|' || (data->>'OpenAcctId') || '|' || (data->>'RespExt') ||
		'|' || (unsigned_data->>'RespDesc') FROM bank_orders")" \
		"6000060005661705|100.00|2.00|NULL|6229081234567890|$(field Cash RespExt)|成功"
	! grep -qF 6229081234567890 "$BATS_TEST_TMPDIR/stderr" || fail "OpenAcctId logged"
	post_form /bank/initiativetender "$(real_body InitiativeTender)"
	assert_eq "$(psql_val "SELECT ord_date || '|' || trans_amt || '|' || (data->>'FreezeOrdId')
		FROM bank_orders WHERE cmd_id = 'InitiativeTender'")" "2016-11-09|5000.00|20161109115452519526"
}

@test "real money: each sample over the socket is acknowledged and stored" {
	local cmd
	socket_start
	for cmd in InitiativeTender Cash CashAudit UsrUnFreeze; do
		curl_request POST "$(eval echo "\$ROUTE_$cmd")" "$(real_body "$cmd")"
		assert_ack "$(field "$cmd" OrdId)"
	done
	assert_eq "$(psql_val "SELECT string_agg(cmd_id, ' ' ORDER BY cmd_id) FROM bank_orders")" \
		"Cash CashAudit InitiativeTender UsrUnFreeze"
}

@test "real money: page returns redirect with the bank's RespCode and our words for it" {
	post_form /bank/InitiativeTenderCallback "$(real_body InitiativeTender)"
	assert_status 303
	assert_header Location "http://front.example/#/InitiativeTenderCallback?RespCode=000&RespDesc="
	post_form /bank/CashCallback "$(real_body Cash)"
	assert_header Location "http://front.example/#/CashCallback?RespCode=000&RespDesc="
	post_form /bank/CashAuditCallback "$(real_body CashAudit)"
	assert_header Location "http://front.example/#/CashAuditCallback?RespCode=415&RespDesc=%E8%AE%B0%E5%BD%95%E4%B8%8D%E5%AD%98%E5%9C%A8"
	post_form /bank/UsrUnFreezeCallback "$(real_body UsrUnFreeze)"
	assert_header Location "http://front.example/#/UsrUnFreezeCallback?RespCode=419&RespDesc=%E6%97%A0%E5%8F%AF%E8%A7%A3%E5%86%BB%E9%87%91%E9%A2%9D"
	assert_nothing_written
}

@test "real money: one changed signed byte in each sample is refused and not forwarded" {
	post_form /bank/initiativetender "$(real_body InitiativeTender TransAmt=5001.00)"
	assert_error 403
	post_form /bank/cash "$(real_body Cash OpenAcctId=6229081234567891)"
	assert_error 403
	post_form /bank/cashaudit "$(real_body CashAudit AuditFlag=R)"
	assert_error 403
	post_form /bank/usrunfreeze "$(real_body UsrUnFreeze OrdDate=20150528)"
	assert_error 403
	post_form /bank/CashCallback "$(real_body Cash TransAmt=1000.00)"
	assert_status 303
	assert_header Location "http://front.example/#/CashCallback?$FAILED_SIG"
	assert_nothing_written
	assert_rows bank_callback_audit 0
}

@test "real money: a UsrUnFreeze's OrdDate, its frozen order's, is not held to the order window" {
	# the sample's OrdDate is 16 months before its OrdId: any window would refuse it
	export BANK_CALLBACK_ORDER_DAYS=0,0
	post_form /bank/usrunfreeze "$(real_body UsrUnFreeze)"
	assert_ack "$(field UsrUnFreeze OrdId)"
	# a bid's own OrdDate is
	post_form /bank/initiativetender "$(real_body InitiativeTender)"
	assert_error 400
}
