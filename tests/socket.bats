#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD, SIGN_KEY are read by lib/common.bash
# Through systemd-socket-activate --inetd -a on a loopback port, as in production.

load lib/common

setup() {
	common_setup
	socket_start
}

# N copies of one callback at the same moment; all must be acknowledged.
concurrent_posts() { # N PATH BODY TRXID
	local n=$1 path=$2 body=$3 trx=$4 i
	local -a pids=()
	for ((i = 0; i < n; i++)); do
		curl -sS -i --http1.1 --max-time 30 -H 'Expect:' \
			-H 'Content-Type: application/x-www-form-urlencoded' --data-binary "$body" \
			-o "$BATS_TEST_TMPDIR/r$i" "http://127.0.0.1:$SOCKET_PORT$path" &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[i]}" || fail "curl $i failed"
	done
	for ((i = 0; i < n; i++)); do
		parse_response "$BATS_TEST_TMPDIR/r$i"
		assert_ack "$trx"
	done
}

@test "socket: a callback over TCP is stored and acknowledged" {
	curl_request POST /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1
}

@test "socket: health over TCP" {
	curl_request GET /bank/health ''
	assert_status 200
	assert_body $'ok\n'
}

@test "socket: 20 copies of a netsave at once: all acknowledged, one row" {
	concurrent_posts 20 /bank/netsave "$(netsave_body)" "$NS_TRX"
	assert_rows bank_netsave 1
}

@test "socket: 20 copies of a register at once: all acknowledged, one row, cached" {
	concurrent_posts 20 /bank/register "$(register_body)" "$UR_TRX"
	assert_rows bank_customers 1
	assert_eq "$(redis_cmd hget bank-customers pnr_alice)" 6000060000123456
}

@test "socket: 20 copies of a CorpRegister at once: all acknowledged, one row" {
	concurrent_posts 20 /bank/CorpRegister "$(corp_body AuditStat=Y UsrCustId=6000060000777777)" "$CR_TRX"
	assert_rows bank_mer_customers 1
}

@test "socket: a client that sends half a request and stalls gets 408 within about 10 s" {
	local body
	body=$(netsave_body)
	exec 5<>"/dev/tcp/127.0.0.1/$SOCKET_PORT"
	# the whole head, then only half of the announced body
	printf 'POST /bank/netsave HTTP/1.1\r\nHost: bank.example\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s' \
		"${#body}" "${body:0:${#body}/2}" >&5
	# a guard against a hang: the 408 itself says the handler's deadline fired
	timeout 30 cat <&5 >"$BATS_TEST_TMPDIR/stalled" || true
	exec 5>&-
	parse_response "$BATS_TEST_TMPDIR/stalled"
	assert_error 408
	assert_nothing_written
}

@test "socket: a client that sends half a head and stalls gets 408" {
	exec 5<>"/dev/tcp/127.0.0.1/$SOCKET_PORT"
	printf 'POST /bank/netsave HTTP/1.1\r\nHost: bank.ex' >&5
	timeout 12 cat <&5 >"$BATS_TEST_TMPDIR/stalled" || true
	exec 5>&-
	parse_response "$BATS_TEST_TMPDIR/stalled"
	assert_error 408
	assert_nothing_written
}
