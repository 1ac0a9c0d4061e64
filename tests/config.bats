#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD, SIGN_KEY are read by lib/common.bash
# Settings: environment, -c FILE (EnvironmentFile syntax; the environment wins), missing ones.

load lib/common

SETTINGS=(BANK_CALLBACK_PUBKEY BANK_CALLBACK_MER_CUST_ID BANK_CALLBACK_FRONTEND
	BANK_CALLBACK_ADMIN_TOKEN_FILE BANK_CALLBACK_REDIS)

# env without any bank-callback setting
unset_all() {
	local s
	UNSET=()
	for s in "${SETTINGS[@]}"; do UNSET+=(-u "$s"); done
}

write_config() {
	cat >"$BATS_TEST_TMPDIR/bank-callback.conf" <<-CONF
		# bank-callback settings for the test
		BANK_CALLBACK_PUBKEY=$BANK_CALLBACK_PUBKEY
		BANK_CALLBACK_MER_CUST_ID="$MER"

		BANK_CALLBACK_FRONTEND='$BANK_CALLBACK_FRONTEND'
		BANK_CALLBACK_ADMIN_TOKEN_FILE=$BANK_CALLBACK_ADMIN_TOKEN_FILE
		BANK_CALLBACK_REDIS=$BANK_CALLBACK_REDIS
	CONF
	CONF=$BATS_TEST_TMPDIR/bank-callback.conf
}

@test "config: -c FILE alone provides every setting" {
	write_config
	unset_all
	BIN_CMD=(env "${UNSET[@]}" "$BIN" -c "$CONF")
	post_form /bank/register "$(register_body)"
	assert_ack "$UR_TRX"
	assert_eq "$(redis_cmd hget bank-customers pnr_alice)" 6000060000123456
	post_form /bank/RegisterCallback "$(register_body)"
	assert_status 303
	assert_header Location "http://front.example/#/BankUserRegisterCallback?RespCode=000&RespDesc="
	refresh_redis
	assert_status 200
}

@test "config: libpq's PG* variables can come from the file too" {
	write_config
	printf 'PGHOST=%s\nPGPORT=%s\nPGDATABASE=%s\nPGUSER=%s\n' "$PGHOST" "$PGPORT" "$PGDATABASE" "$PGUSER" >>"$CONF"
	unset_all
	BIN_CMD=(env "${UNSET[@]}" -u PGHOST -u PGPORT -u PGDATABASE -u PGUSER "$BIN" -c "$CONF")
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1
}

@test "config: the environment wins over the file" {
	write_config
	sed -i 's/^BANK_CALLBACK_MER_CUST_ID=.*/BANK_CALLBACK_MER_CUST_ID=6000060000000002/' "$CONF"
	BIN_CMD=("$BIN" -c "$CONF") # environment still says 6000060000000001
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	post_form /bank/netsave "$(netsave_body MerCustId=6000060000000002 OrdId=X2 TrxId=X2)"
	assert_error 403
	assert_rows bank_netsave 1
}

@test "config: --check -c FILE" {
	write_config
	unset_all
	run env "${UNSET[@]}" "$BIN" --check -c "$CONF"
	[[ $status -eq 0 ]] || fail "--check -c exited $status:" "$output"
	assert_eq "$(grep -c '^ok \(key\|postgresql\|schema\|redis\): ' <<<"$output")" 4 "ok lines in: $output"
}

@test "config: no public key gives 500 and writes nothing" {
	BIN_CMD=(env -u BANK_CALLBACK_PUBKEY "$BIN")
	post_form /bank/register "$(register_body)"
	assert_error 500
	post_form /bank/netsave "$(netsave_body)"
	assert_error 500
	assert_nothing_written
}

@test "config: an unreadable public key file gives 500 and writes nothing" {
	BIN_CMD=(env "BANK_CALLBACK_PUBKEY=$BATS_TEST_TMPDIR/absent.pem" "$BIN")
	post_form /bank/netsave "$(netsave_body)"
	assert_error 500
	assert_nothing_written
}

@test "config: no merchant id gives 500 and writes nothing" {
	BIN_CMD=(env -u BANK_CALLBACK_MER_CUST_ID "$BIN")
	post_form /bank/register "$(register_body)"
	assert_error 500
	post_form /bank/CorpRegister "$(corp_body)"
	assert_error 500
	assert_nothing_written
}

@test "config: no front end gives 500 on the page returns" {
	BIN_CMD=(env -u BANK_CALLBACK_FRONTEND "$BIN")
	post_form /bank/RegisterCallback "$(register_body)"
	assert_error 500
	post_form /bank/NetSaveCallback "$(netsave_body)"
	assert_error 500
	assert_nothing_written
}

@test "config: a -c FILE that does not exist is an error, not an empty config" {
	run "$BIN" --check -c "$BATS_TEST_TMPDIR/absent.conf"
	[[ $status -ne 0 ]] || fail "--check -c absent exited 0:" "$output"
}

# ---- one truth: the last assignment wins; --config shows it --------------------------------

@test "config: a key assigned twice in the file: the last wins, as under systemd's EnvironmentFile" {
	write_config
	echo 'BANK_CALLBACK_MER_CUST_ID=6000060000000009' >"$CONF.tmp"
	cat "$CONF" >>"$CONF.tmp" # the file's own (right) value comes last
	mv "$CONF.tmp" "$CONF"
	unset_all
	BIN_CMD=(env "${UNSET[@]}" "$BIN" -c "$CONF")
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	run env "${UNSET[@]}" "$BIN" --config -c "$CONF"
	assert_eq "$status" 0 "--config exit status"
	[[ $output == *$'\n'"BANK_CALLBACK_MER_CUST_ID=$MER"$'\t'"# $CONF:4"$'\n'* ]] ||
		fail "--config does not show the last assignment and its line:" "$output"
}

@test "config: --config prints every setting's value and origin, the Redis password as ***" {
	write_config
	echo 'BANK_CALLBACK_REDIS=redis://cacher:s3kr1t-pw@127.0.0.1:6379/2' >>"$CONF"
	unset_all
	run env "${UNSET[@]}" BANK_CALLBACK_ORDER_DAYS=3 "$BIN" --config -c "$CONF"
	assert_eq "$status" 0 "--config exit status"
	[[ $output != *s3kr1t* ]] || fail "the password is shown:" "$output"
	[[ $output == *$'\n'"BANK_CALLBACK_REDIS=redis://cacher:***@127.0.0.1:6379/2"$'\t'"# $CONF:8"* ]] ||
		fail "no redacted Redis line from line 8:" "$output"
	[[ $output == *"BANK_CALLBACK_ORDER_DAYS=3"$'\t'"# the environment"* ]] || fail "no origin for the environment:" "$output"
	[[ $output == *"BANK_CALLBACK_ORD_ID_PATTERN="$'\t'"# unset"* ]] || fail "unset settings not shown:" "$output"
	# a default in force is shown as its value, and said to be the default
	run env "${UNSET[@]}" -u BANK_CALLBACK_ORDER_DAYS "$BIN" --config -c /dev/null
	[[ $output == *$'\n'"BANK_CALLBACK_ORDER_DAYS=7,1"$'\t'"# unset: the default"* ]] ||
		fail "the OrdDate window in force:" "$output"
	[[ $output == *$'\n'"BANK_CALLBACK_REDIS=127.0.0.1:6379"$'\t'"# unset: the default"* ]] ||
		fail "the Redis in force:" "$output"
	# an @ or a : in the user or the password, as the parser splits them
	local url
	for url in 'redis://:p@ssw0rd@127.0.0.1:6379' 'redis://us@r:s3kr1t@127.0.0.1/1'; do
		run env "${UNSET[@]}" "BANK_CALLBACK_REDIS=$url" "$BIN" --config
		[[ $output != *ssw0rd* && $output != *s3kr1t* && $output == *'***@127.0.0.1'* ]] ||
			fail "the password of $url is shown:" "$output"
	done
}

# ---- --check validates every setting ------------------------------------------------------

@test "config: --check names a misspelt setting and the one meant" {
	BANK_CALLBACK_FRONTENT=http://front.example/ run "$BIN" --check
	[[ $status -ne 0 ]] || fail "--check exited 0:" "$output"
	[[ $output == *"FAIL settings: BANK_CALLBACK_FRONTENT is not a setting of bank-callback (did you mean BANK_CALLBACK_FRONTEND?)"* ]] ||
		fail "not flagged:" "$output"
	# from the file as well
	write_config
	echo 'BANK_CALLBACK_PUBLICKEY=/etc/bank-callback/PgPubk.key' >>"$CONF"
	run "$BIN" --check -c "$CONF"
	[[ $status -ne 0 && $output == *"BANK_CALLBACK_PUBLICKEY is not a setting of bank-callback (did you mean BANK_CALLBACK_PUBKEY?)"* ]] ||
		fail "a misspelling in the file is not flagged:" "$output"
}

@test "config: --check fails a front end without a scheme, a MerCustId with a letter, a missing or short token file" {
	local out
	BANK_CALLBACK_FRONTEND=front.example/ run "$BIN" --check
	[[ $status -ne 0 && $output == *"FAIL settings: BANK_CALLBACK_FRONTEND is not an http:// or https:// URL"* ]] ||
		fail "front end:" "$output"
	# the bank's URL rule: something after the scheme
	BANK_CALLBACK_FRONTEND=https:// run "$BIN" --check
	[[ $status -ne 0 && $output == *"FAIL settings: BANK_CALLBACK_FRONTEND is not an http:// or https:// URL"* ]] ||
		fail "front end without a host:" "$output"
	# an empty host, or a fragment the page's own #/route would follow: broken Locations
	for bad in https:///app 'https://:443/' 'https://front.example/app#/home'; do
		BANK_CALLBACK_FRONTEND=$bad run "$BIN" --check
		[[ $status -ne 0 && $output == *"FAIL settings: BANK_CALLBACK_FRONTEND is not an http:// or https:// URL of printable ASCII with a host and no #fragment"* ]] ||
			fail "front end $bad:" "$output"
		BANK_CALLBACK_FRONTEND=$bad post_form /bank/RegisterCallback "$(register_body)"
		assert_error 500
	done
	BANK_CALLBACK_MER_CUST_ID=600006000000000A run "$BIN" --check
	[[ $status -ne 0 && $output == *"FAIL settings: BANK_CALLBACK_MER_CUST_ID is not 16 digits"* ]] ||
		fail "MerCustId:" "$output"
	BANK_CALLBACK_ADMIN_TOKEN_FILE=$BATS_TEST_TMPDIR/absent-token run "$BIN" --check
	[[ $status -ne 0 && $output == *"FAIL settings: admin token file $BATS_TEST_TMPDIR/absent-token: No such file or directory"* ]] ||
		fail "missing token file:" "$output"
	out=$BATS_TEST_TMPDIR/short-token
	echo short >"$out"
	BANK_CALLBACK_ADMIN_TOKEN_FILE=$out run "$BIN" --check
	[[ $status -ne 0 && $output == *"FAIL settings: admin token file $out: its first line has 5 bytes, 16 at least are needed"* ]] ||
		fail "short token file:" "$output"
	run "$BIN" --check
	[[ $status -eq 0 && $output == *"ok settings: MerCustId $MER, front end $BANK_CALLBACK_FRONTEND"* ]] ||
		fail "all good:" "$output"
}

@test "config: the shipped example, left unedited, fails --check naming what to set" {
	local example=$TESTS_ROOT/../etc/bank-callback.conf
	unset_all
	run env "${UNSET[@]}" "$BIN" --check -c "$example"
	[[ $status -ne 0 ]] || fail "--check passed the unedited example:" "$output"
	[[ $output == *"FAIL settings: BANK_CALLBACK_MER_CUST_ID is not set"* ]] || fail "MerCustId:" "$output"
	[[ $output == *"FAIL settings: BANK_CALLBACK_FRONTEND is not set"* ]] || fail "front end:" "$output"
	! grep -E '^BANK_CALLBACK_(MER_CUST_ID|FRONTEND)=.' "$example" || fail "the example sets a value to keep"
}
