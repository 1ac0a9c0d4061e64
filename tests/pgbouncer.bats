#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD is read by lib/common.bash
# The handler through PgBouncer in transaction pooling: no session state, no named statements
# across transactions, so every route works when consecutive transactions of one client land
# on different server connections.

load lib/common

setup_file() {
	pgbouncer_start
}

teardown_file() {
	pgbouncer_stop
}

setup() {
	common_setup
	# Every handler talks to PgBouncer, never to PostgreSQL itself.
	export PGHOST=$PGBOUNCER_HOST PGPORT=$PGBOUNCER_PORT
}

@test "pgbouncer: every route works through transaction pooling" {
	store_each_async
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	post_form /bank/NetSaveCallback "$(netsave_body)"
	assert_status 303
	refresh_redis
	assert_status 200
	assert_body $'bank-customers 1\ncustomers-pnrid 1\nbank-mer-customers 1\n'
	stdin_request GET /bank/health ''
	assert_status 200
	assert_rows bank_customers 1
	assert_rows bank_mer_customers 1
	assert_rows bank_netsave 1
	# one row per distinct signed callback and route: the netsave retry is counted, not kept
	assert_rows bank_callback_audit 4
	assert_rows bank_callback_replays 1
}

@test "pgbouncer: 40 distinct top-ups at once over a pool of 8 server connections" {
	socket_start
	local i pids=()
	for ((i = 1; i <= 40; i++)); do
		(
			CURL_OUT=$BATS_TEST_TMPDIR/r$i
			curl -sS --http1.1 --max-time 30 -H 'Content-Type: application/x-www-form-urlencoded' \
				--data-binary "$(netsave_body "OrdId=PGB$i")" -o "$CURL_OUT" \
				"http://127.0.0.1:$SOCKET_PORT/bank/netsave"
		) &
		pids+=($!)
	done
	wait "${pids[@]}" # not a bare wait: the listener is a background job too
	for ((i = 1; i <= 40; i++)); do
		assert_eq "$(cat "$BATS_TEST_TMPDIR/r$i")" "RECV_ORD_ID_$NS_TRX" "answer $i"
	done
	assert_rows bank_netsave 40
	assert_rows bank_callback_audit 40
	# nothing PgBouncer had to refuse or clean up after us
	! grep -E 'ERROR|prepared statement|server_reset' "$SERVICES_DIR/pgbouncer/pgbouncer.log" ||
		fail "PgBouncer complained"
}
