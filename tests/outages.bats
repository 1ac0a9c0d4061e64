#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD, SIGN_KEY are read by lib/common.bash
# PostgreSQL or Redis down. No ack without a durable commit; Redis is only a cache.

load lib/common

teardown() {
	common_teardown
	# leave both services up for the next test even when this one failed half way
	[[ -S $SERVICES_DIR/.s.PGSQL.$PGPORT ]] || pg_start
	[[ -S $SERVICES_DIR/redis.sock ]] || redis_start
}

@test "PostgreSQL down: 503 and no ack on each route; after restart the retry is stored" {
	pg_stop
	post_form /bank/register "$(register_body)"
	assert_error 503
	post_form /bank/netsave "$(netsave_body)"
	assert_error 503
	post_form /bank/CorpRegister "$(corp_body AuditStat=Y UsrCustId=6000060000777777)"
	assert_error 503
	# nothing may reach the cache either when the row could not be written
	assert_redis_empty
	pg_start
	assert_nothing_written

	store_each_async
	assert_eq "$(redis_cmd hget bank-customers pnr_alice)" 6000060000123456
}

@test "PostgreSQL down: health gives 503, and 200 once it is back" {
	stdin_request GET /bank/health ''
	assert_status 200
	assert_body $'ok\n'
	pg_stop
	stdin_request GET /bank/health ''
	assert_error 503
	pg_start
	stdin_request GET /bank/health ''
	assert_status 200
	assert_body $'ok\n'
}

@test "PostgreSQL down: --check fails on postgresql" {
	pg_stop
	run "$BIN" --check
	[[ $status -ne 0 ]] || fail "--check exited 0 with PostgreSQL down:" "$output"
	[[ $output == *$'\n'"FAIL postgresql: "* ]] || fail "no FAIL postgresql line:" "$output"
}

@test "Redis down: register, CorpRegister and netsave are still stored and acknowledged" {
	redis_stop
	store_each_async
}

@test "Redis down then back: RefreshRedis repairs the hashes" {
	redis_stop
	post_form /bank/register "$(register_body)"
	assert_ack "$UR_TRX"
	post_form /bank/CorpRegister "$(corp_body AuditStat=Y UsrCustId=6000060000777777)"
	assert_ack "$CR_TRX"
	redis_start
	assert_eq "$(redis_cmd hget bank-customers pnr_alice)" "" "cache before the repair"
	refresh_redis
	assert_status 200
	assert_body $'bank-customers 1\ncustomers-pnrid 1\nbank-mer-customers 1\n'
	assert_eq "$(redis_cmd hget bank-customers pnr_alice)" 6000060000123456
	assert_eq "$(redis_cmd hget customers-pnrid 6000060000123456)" pnr_alice
	assert_eq "$(redis_cmd hget bank-mer-customers corp_acme)" 6000060000777777
}

@test "Redis down: --check fails on redis" {
	redis_stop
	run "$BIN" --check
	[[ $status -ne 0 ]] || fail "--check exited 0 with Redis down:" "$output"
	[[ $output == *"FAIL redis: "* ]] || fail "no FAIL redis line:" "$output"
}

@test "signature is checked before connecting: a forged callback gets 403 with both services down" {
	pg_stop
	redis_stop
	SIGN_KEY=$OTHER_KEY
	post_form /bank/netsave "$(netsave_body)"
	assert_error 403
	post_form /bank/register "$(register_body)"
	assert_error 403
}

# ---- a server that cannot take our writes ------------------------------------------------

# Put the role's privileges and defaults back as sql/ leaves them, whatever the test changed.
restore_role() {
	psql_val 'ALTER ROLE "bank-callback" RESET default_transaction_read_only' >/dev/null
	local f
	# every file: 003 revokes all before it grants, and later ones add grants of their own
	for f in "$TESTS_ROOT"/../sql/*.sql; do
		PGUSER=postgres PGOPTIONS='-c client_min_messages=warning' \
			psql -q -X -v ON_ERROR_STOP=1 -f "$f" >/dev/null
	done
}

@test "read-only PostgreSQL: health 503 and --check FAIL name it; a callback gets 503" {
	psql_val 'ALTER ROLE "bank-callback" SET default_transaction_read_only = on' >/dev/null
	stdin_request GET /bank/health ''
	local log
	log=$(<"$BATS_TEST_TMPDIR/stderr")
	[[ $log == *"cannot take writes (transaction_read_only is on)"* ]] || { restore_role; fail "health log:" "$log"; }
	[[ $RESP_STATUS == 503 ]] || { restore_role; fail "health answered $RESP_STATUS"; }
	run "$BIN" --check
	[[ $status -ne 0 && $output == *"FAIL postgresql: "*"read-only"* ]] || { restore_role; fail "--check:" "$output"; }
	post_form /bank/netsave "$(netsave_body)"
	restore_role
	assert_error 503
	assert_rows bank_netsave 0
	stdin_request GET /bank/health ''
	assert_status 200
}

@test "--check: a role without a privilege fails on privileges, naming each statement it may not run" {
	psql_val 'REVOKE INSERT ON bank_netsave FROM "bank-callback"' >/dev/null
	run "$BIN" --check
	restore_role
	[[ $status -ne 0 ]] || fail "--check exited 0 without INSERT on bank_netsave:" "$output"
	[[ $output == *$'\n'"FAIL privileges: top-up insert: postgresql: permission denied for table bank_netsave"* ]] ||
		fail "no FAIL privileges line for the top-up insert:" "$output"
	[[ $(grep -c '^FAIL privileges' <<<"$output") -eq 1 ]] || fail "other statements failed too:" "$output"
	# every statement db/statements.h names
	local n
	n=$(grep -c '^extern const char sql_' "$TESTS_ROOT/../db/statements.h")
	run "$BIN" --check
	[[ $output == *$'\n'"ok privileges: bank-callback may run all $n statements"* ]] || fail "after the grant:" "$output"
}
