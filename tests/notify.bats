#!/usr/bin/env bats
# shellcheck disable=SC2034 # SIGN_KEY is read by lib/common.bash
# The back office's signals: each new bank_netsave row sends NOTIFY bank_netsave
# (sql/009-netsave-notify.sql), each new bank_orders row and later notice NOTIFY bank_orders
# (sql/011-orders.sql), with the table and the row's id, at COMMIT; nothing else does.

load lib/common
load lib/orders

LISTEN=$TESTS_ROOT/listen

setup() {
	[[ -x $LISTEN ]] || fail "no $LISTEN (make tests/listen)"
	common_setup
	LISTEN_PID=''
}

teardown() {
	[[ -z $LISTEN_PID ]] || kill "$LISTEN_PID" 2>/dev/null || true
	common_teardown
}

NOTIFIED=''

CHANNEL=bank_netsave

listen_start() { # [CHANNEL]: a LISTEN client in the background, listening when this returns
	CHANNEL=${1:-bank_netsave}
	NOTIFIED=$BATS_TEST_TMPDIR/notified
	# fd 3 closed: bats waits for it
	PGUSER=postgres "$LISTEN" "$CHANNEL" 30 >"$NOTIFIED" 2>&1 3>&- &
	LISTEN_PID=$!
	wait_for 10 grep -qx listening "$NOTIFIED" || fail "the LISTEN client did not start:" "$(cat "$NOTIFIED")"
}

# Every payload received so far, one a line. Notifications arrive in the order their
# transactions committed, so once a NOTIFY sent after the requests has arrived, everything the
# requests sent has too.
listen_end() {
	psql_val "NOTIFY $CHANNEL, 'end'"
	wait "$LISTEN_PID" || fail "the LISTEN client failed:" "$(cat "$NOTIFIED")"
	LISTEN_PID=''
	tail -n 1 "$NOTIFIED" | grep -qx end || fail "no end marker:" "$(cat "$NOTIFIED")"
	sed '1d;$d' "$NOTIFIED"
}

payload() { # ID: what a new row with ID sends
	printf '{"table" : "bank_netsave", "id" : "%s"}' "$1"
}

@test "notify: a stored top-up wakes a LISTEN client with the table and the row's id" {
	listen_start
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	local id
	id=$(psql_val "SELECT id FROM bank_netsave")
	# it wakes the client by itself, no other traffic needed
	wait_for 10 grep -q '"id"' "$NOTIFIED" || fail "no notification:" "$(cat "$NOTIFIED")"
	assert_eq "$(listen_end)" "$(payload "$id")" "notifications"
	# README's consumer query finds the row the notification named
	assert_eq "$(psql_val "SELECT id FROM bank_netsave WHERE NOT done AND NOT deleted
		ORDER BY created_at LIMIT 10 FOR UPDATE SKIP LOCKED")" "$id" "the consumer's query"
}

@test "notify: a retry, and another signed callback for a stored OrdId, send nothing new" {
	listen_start
	local body
	body=$(netsave_body)
	post_form /bank/netsave "$body"
	assert_ack "$NS_TRX"
	post_form /bank/netsave "$body"
	assert_ack "$NS_TRX"
	# another TrxId, so another signed string: the INSERT runs and ON CONFLICT skips it
	post_form /bank/netsave "$(netsave_body TrxId=201611190000000009)"
	assert_ack 201611190000000009
	assert_eq "$(psql_val "SELECT verdict FROM bank_callback_audit ORDER BY id DESC LIMIT 1")" \
		"duplicate, kept the first" "the last callback's verdict"
	assert_rows bank_netsave 1
	assert_eq "$(listen_end)" "$(payload "$(psql_val "SELECT id FROM bank_netsave")")" "notifications"
}

@test "notify: a refused callback sends nothing" {
	listen_start
	SIGN_KEY=$OTHER_KEY
	post_form /bank/netsave "$(netsave_body)"
	assert_error 403
	SIGN_KEY=$BANK_KEY
	# validly signed, audited, refused: another merchant's
	post_form /bank/netsave "$(netsave_body MerCustId=6000060000009999)"
	assert_error 403
	assert_rows bank_callback_audit 1
	assert_rows bank_netsave 0
	assert_eq "$(listen_end)" "" "notifications"
}

@test "notify: a new order and each later notice wake a LISTEN client on bank_orders; a retry does not" {
	export BANK_CALLBACK_ORD_ID_PATTERN='[0-9]{20}'
	listen_start bank_orders
	post_form /bank/cash "$(body Cash RespCode=999)"
	post_form /bank/cash "$(body Cash RespCode=999)"
	post_form /bank/cash "$(body Cash)"
	assert_ack "$ORD"
	assert_eq "$(listen_end)" "$(printf '{"table" : "bank_orders", "id" : "%s"}\n{"table" : "bank_order_notices", "id" : "%s"}' \
		"$(psql_val "SELECT id FROM bank_orders")" "$(psql_val "SELECT id FROM bank_order_notices")")" \
		"notifications"
}
