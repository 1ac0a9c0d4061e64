#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD, SIGN_KEY are read by lib/common.bash
# ChkValue: every background callback is verified before anything is written.

load lib/common

@test "signature: a callback signed by another key is refused (403) on each route" {
	SIGN_KEY=$OTHER_KEY
	post_form /bank/register "$(register_body)"
	assert_error 403
	post_form /bank/netsave "$(netsave_body)"
	assert_error 403
	post_form /bank/CorpRegister "$(corp_body AuditStat=Y UsrCustId=6000060000777777)"
	assert_error 403
	assert_nothing_written
}

@test "signature: a field changed after signing is refused (403)" {
	local body
	body=$(netsave_body)
	post_form /bank/netsave "${body/TransAmt=100.00/TransAmt=900.00}"
	assert_error 403
	body=$(register_body)
	post_form /bank/register "${body/UsrCustId=6000060000123456/UsrCustId=6000060000999999}"
	assert_error 403
	assert_nothing_written
}

@test "signature: a missing ChkValue is refused (403) on each route" {
	local body
	body=$(register_body)
	post_form /bank/register "${body%&ChkValue=*}"
	assert_error 403
	body=$(netsave_body)
	post_form /bank/netsave "${body%&ChkValue=*}"
	assert_error 403
	body=$(corp_body)
	post_form /bank/CorpRegister "${body%&ChkValue=*}"
	assert_error 403
	assert_nothing_written
}

# netsave_body, with MerPriv varied until its ChkValue starts with PATTERN or not (NOT=1)
netsave_body_sig() { # PATTERN [NOT]
	local i sig
	for ((i = 0; i < 200; i++)); do
		BODY=$(netsave_body "MerPriv=$i")
		sig=${BODY##*ChkValue=}
		if [[ -n ${2:-} ]]; then [[ $sig != $1* ]] && return 0; else [[ $sig == $1* ]] && return 0; fi
	done
	fail "no ChkValue starting with $1 in 200 tries"
}

@test "signature: an empty, short or non-hex ChkValue is refused (403)" {
	local body bad
	# dropping two leading zero digits is allowed: start from a ChkValue without them
	netsave_body_sig 00 not
	body=$BODY
	for bad in '' 00 "$(printf 'G%.0s' {1..256})" "${body: -254}"; do
		post_form /bank/netsave "${body%&ChkValue=*}&ChkValue=$bad"
		assert_error 403
	done
	assert_nothing_written
}

@test "signature: a ChkValue that is not below the modulus is refused (403)" {
	# RSA is defined on numbers below the modulus: the modulus itself, and
	# all-FF, are no signatures, whatever they raise to.
	local body mod
	body=$(netsave_body)
	mod=$(openssl rsa -in "$BANK_KEY" -noout -modulus 2>/dev/null)
	mod=${mod#Modulus=}
	[[ ${#mod} -eq 256 ]] || fail "modulus: $mod"
	for bad in "$mod" "$(printf 'F%.0s' {1..256})"; do
		post_form /bank/netsave "${body%&ChkValue=*}&ChkValue=$bad"
		assert_error 403
	done
	assert_nothing_written
}

@test "signature: a ChkValue whose leading zero digits were dropped is accepted, as both SDKs do" {
	netsave_body_sig 0
	local sig=${BODY##*ChkValue=}
	post_form /bank/netsave "${BODY%&ChkValue=*}&ChkValue=${sig#0}"
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1
}

@test "signature: a ChkValue with a digit too many, even a leading zero, is refused (403)" {
	local body
	body=$(netsave_body)
	post_form /bank/netsave "${body%&ChkValue=*}&ChkValue=0${body##*ChkValue=}"
	assert_error 403
	assert_nothing_written
}

@test "signature: a lower-case ChkValue is accepted" {
	post_form /bank/netsave "$(netsave_body --lower)"
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1
}

@test "signature: BgRetUrl/RetUrl encoded only once are accepted" {
	post_form /bank/register "$(register_body --url-once)"
	assert_ack "$UR_TRX"
	assert_rows bank_customers 1
	post_form /bank/netsave "$(netsave_body --url-once)"
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1
	post_form /bank/CorpRegister "$(corp_body --url-once)"
	assert_ack "$CR_TRX"
	assert_rows bank_mer_customers 1
}

@test "signature: another merchant's callback, validly signed, is refused (403)" {
	post_form /bank/register "$(register_body MerCustId=6000060000000002)"
	assert_error 403
	post_form /bank/netsave "$(netsave_body MerCustId=6000060000000002)"
	assert_error 403
	post_form /bank/CorpRegister "$(corp_body MerCustId=6000060000000002)"
	assert_error 403
	assert_nothing_written
}

@test "signature: the generated key as a ChinaPNR pubkeyS hex file verifies callbacks" {
	BIN_CMD=(env "BANK_CALLBACK_PUBKEY=$TEST_KEYS/bank.pubkeyS.hex" "$BIN")
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1
}

@test "signature: a pubkeyS file written as pubkeyS=<hex> verifies callbacks" {
	printf 'pubkeyS=%s\n' "$(<"$TEST_KEYS/bank.pubkeyS.hex")" >"$BATS_TEST_TMPDIR/PgPubk.key"
	BIN_CMD=(env "BANK_CALLBACK_PUBKEY=$BATS_TEST_TMPDIR/PgPubk.key" "$BIN")
	post_form /bank/register "$(register_body)"
	assert_ack "$UR_TRX"
	assert_rows bank_customers 1
}

@test "signature: the pubkeyS of another key refuses our callbacks (403)" {
	BIN_CMD=(env "BANK_CALLBACK_PUBKEY=$TEST_KEYS/other.pubkeyS.hex" "$BIN")
	post_form /bank/register "$(register_body)"
	assert_error 403
	assert_nothing_written
}
