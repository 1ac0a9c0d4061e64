#!/usr/bin/env bats
# The bank's own signed callbacks (ChinaPNR test environment, spec section 7), verified with
# the key file exactly as ChinaPNR issues it. Our throwaway keys prove the logic; only these
# prove we agree with the bank's signer on field order, encoding and key format.

load lib/common

REAL=$TESTS_ROOT/data/chinapnr-real-callbacks.json
REAL_KEY=$TESTS_ROOT/data/chinapnr-test-PgPubk.key
REAL_PEM=$TESTS_ROOT/data/chinapnr-test-pubkey.pem
UR=0 # index of the UserRegister in $REAL
NS=1 # index of the NetSave
FAILED_SIG="RespCode=ERR_SIGNATURE&RespDesc=signature%20check%20failed"

# real_body INDEX [Name=value...]: the callback as the bank posted it, every field in its order
# and percent-encoded once (an empty field stays, empty); Name=value replaces a field in place
# or appends a new one.
real_body() {
	local i=$1 arg
	local -a set=()
	shift
	for arg; do set+=(--arg "${arg%%=*}" "${arg#*=}"); done
	# the index is spliced in, not passed as --arg: every named argument is a field
	jq -j ".[$i].fields"' + $ARGS.named | to_entries
		| map(.key + "=" + (.value // "" | @uri)) | join("&")' "${set[@]}" "$REAL"
}

# real_settings INDEX [KEY]: the handler (stdin, or socket_start after this) checks with the
# bank's test key, takes the callback's own merchant as ours, and widens the order window
# back to 2016, when the bank sent these.
real_settings() {
	export BANK_CALLBACK_PUBKEY=${2:-$REAL_KEY} BANK_CALLBACK_ORDER_DAYS=5000
	BANK_CALLBACK_MER_CUST_ID=$(jq -r ".[$1].fields.MerCustId" "$REAL")
	export BANK_CALLBACK_MER_CUST_ID
}

assert_registered() { # what the real UserRegister must leave behind
	assert_ack 947316106017971689
	assert_eq "$(psql_val "SELECT rtrim(pnrid) || '|' || cust_id FROM bank_customers")" \
		"lyjx_chengkai|6000060000198227"
	assert_eq "$(redis_cmd hget bank-customers lyjx_chengkai)" 6000060000198227
	assert_eq "$(redis_cmd hget customers-pnrid 6000060000198227)" lyjx_chengkai
	assert_eq "$(psql_val "SELECT status FROM bank_callback_audit")" 200 "audit rows' status"
}

assert_saved() { # what the real NetSave must leave behind
	assert_ack 201611090000687903
	assert_eq "$(psql_val "SELECT cust_id || '|' || rtrim(ord_id) || '|' || done || '|' ||
		(data->>'TransAmt') || '|' || (unsigned_data->>'FeeAmt') || '|' || (unsigned_data->>'RespDesc') FROM bank_netsave")" \
		"6000060005962961|20161109115219070791|false|20000.00|30.00|成功"
}

assert_redirect() { # LOCATION: a page return only redirects, it stores nothing
	assert_status 303
	assert_header Location "$1"
	assert_nothing_written
}

@test "real: the bank's UserRegister on stdin is acknowledged, stored, cached and audited" {
	real_settings "$UR"
	post_form /bank/register "$(real_body "$UR")"
	assert_registered
}

@test "real: the bank's UserRegister over the socket is acknowledged, stored and cached" {
	real_settings "$UR"
	socket_start
	curl_request POST /bank/register "$(real_body "$UR")"
	assert_registered
}

@test "real: the bank's UserRegister page return redirects with 000 and the empty RespDesc" {
	real_settings "$UR"
	post_form /bank/RegisterCallback "$(real_body "$UR")"
	assert_redirect "http://front.example/#/BankUserRegisterCallback?RespCode=000&RespDesc="
}

@test "real: the bank's NetSave on stdin is stored, unknown fields ignored, CardId not logged" {
	real_settings "$NS"
	# CardId is unsigned: a card-like number in place of the redacted one keeps the signature
	local card=6222600260001072444
	post_form /bank/netsave "$(real_body "$NS" "CardId=$card")"
	assert_saved
	[[ -s $BATS_TEST_TMPDIR/stderr ]] || fail "no log line"
	! grep -qF "$card" "$BATS_TEST_TMPDIR/stderr" || fail "CardId logged"
}

@test "real: the bank's NetSave over the socket is acknowledged and stored" {
	real_settings "$NS"
	socket_start
	curl_request POST /bank/netsave "$(real_body "$NS")"
	assert_saved
}

@test "real: the bank's NetSave page return redirects with 000 (a success's RespDesc is not passed on)" {
	real_settings "$NS"
	post_form /bank/NetSaveCallback "$(real_body "$NS")"
	assert_redirect "http://front.example/#/NetSaveCallback?RespCode=000&RespDesc="
}

# Controls: with one signed byte changed the bank's signature must fail, or the tests above
# would pass for a handler that checks nothing.
@test "real: the UserRegister with one TrxId digit changed is refused and not forwarded" {
	real_settings "$UR"
	post_form /bank/register "$(real_body "$UR" TrxId=947316106017971680)"
	assert_error 403
	assert_nothing_written
	assert_rows bank_callback_audit 0 # forged requests are only logged
	post_form /bank/RegisterCallback "$(real_body "$UR" TrxId=947316106017971680)"
	assert_redirect "http://front.example/#/BankUserRegisterCallback?$FAILED_SIG"
}

@test "real: the NetSave with TransAmt 20001.00 is refused and not forwarded" {
	real_settings "$NS"
	post_form /bank/netsave "$(real_body "$NS" TransAmt=20001.00)"
	assert_error 403
	assert_nothing_written
	assert_rows bank_callback_audit 0
	post_form /bank/NetSaveCallback "$(real_body "$NS" TransAmt=20001.00)"
	assert_redirect "http://front.example/#/NetSaveCallback?$FAILED_SIG"
}

@test "real: both callbacks also verify with the same key as PEM" {
	real_settings "$UR" "$REAL_PEM"
	post_form /bank/register "$(real_body "$UR")"
	assert_registered
	real_settings "$NS" "$REAL_PEM"
	post_form /bank/netsave "$(real_body "$NS")"
	assert_saved
}
