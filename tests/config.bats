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
