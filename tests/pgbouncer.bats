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
	assert_eq "$(psql_val "SELECT route || '|' || seen FROM bank_callback_signatures WHERE seen > 1")" \
		"/bank/netsave|2" "the retry, counted"
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

@test "pgbouncer: its server down: 503 with PgBouncer's own reason in the log; acknowledged once it is back" {
	stdin_request GET /bank/health ''
	assert_status 200
	pg_stop
	local i log
	for i in 1 2; do
		post_form /bank/netsave "$(netsave_body)"
		assert_error 503
		log=$(<"$BATS_TEST_TMPDIR/stderr")
		# PgBouncer answers the login itself and says why at the first statement, then
		# closes: the close must not hide the reason
		[[ $log == *'note="postgresql: FATAL:  '* ]] || fail "no PgBouncer reason in the log line:" "$log"
	done
	pg_start
	# the bank retries; PgBouncer tries its server again after server_login_retry (1 s)
	for ((i = 0; i < 20; i++)); do
		post_form /bank/netsave "$(netsave_body)"
		[[ $RESP_STATUS == 503 ]] || break
		sleep 0.5
	done
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1
}
