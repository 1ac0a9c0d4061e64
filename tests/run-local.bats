#!/usr/bin/env bats
# `make run` (scripts/run-local) as a newcomer meets it: it says it listens only once it does,
# on loopback; the commands it prints work; a page return lands on a front-end page of its
# own; one log line per request; SIGTERM stops it and removes everything it made.

load lib/common

teardown() {
	[[ -z ${RUN_PID:-} ]] || { kill -TERM "$RUN_PID" 2>/dev/null; wait "$RUN_PID" 2>/dev/null || true; }
	common_teardown
}

@test "make run: listens on loopback once ready, its commands work, one line per request, SIGTERM cleans up" {
	local out=$BATS_TEST_TMPDIR/run-local.out port i conf dir
	port=$(free_port)
	PORT=$port "$TESTS_ROOT/../scripts/run-local" >"$out" 2>&1 3>&- &
	RUN_PID=$!
	for ((i = 0; i < 600; i++)); do
		grep -q '^bank-callback listens on' "$out" && break
		kill -0 "$RUN_PID" 2>/dev/null || break
		sleep 0.1
	done
	grep -q "^bank-callback listens on 127.0.0.1:$port" "$out" || fail "not listening:" "$(cat "$out")"
	# bound before it said so, and to loopback alone
	[[ $(ss -Htln "sport = :$port") == *"127.0.0.1:$port"* ]] || fail "not bound to 127.0.0.1:$port"
	conf=$(sed -n 's/^Config: \([^ ]*\) .*/\1/p' "$out")
	dir=$(dirname "$conf")
	[[ -d $dir ]] || fail "no temp dir $dir"

	# the printed UserRegister, as a newcomer pastes it
	local body=
	eval "$(grep -m 1 '^body=.*CmdId=UserRegister' "$out")"
	SOCKET_PORT=$port curl_request POST /bank/register "$body"
	assert_ack 201611190000000001
	SOCKET_PORT=$port curl_request POST /bank/RegisterCallback "$body"
	assert_status 303
	# the browser follows it to the front end's page, which shows RespCode and RespDesc
	local location
	location=$(header Location)
	[[ $location == "http://localhost:$((port + 1))/#/BankUserRegisterCallback?RespCode=000"* ]] ||
		fail "the front end is not run-local's own:" "$location"
	curl -sS -i "http://127.0.0.1:$((port + 1))/" -o "$BATS_TEST_TMPDIR/front" || fail "no front-end page"
	parse_response "$BATS_TEST_TMPDIR/front"
	assert_status 200
	[[ $RESP_BODY == *RespCode*RespDesc* ]] || fail "the page does not show RespCode and RespDesc"

	kill -TERM "$RUN_PID"
	for ((i = 0; i < 300; i++)); do
		kill -0 "$RUN_PID" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$RUN_PID" 2>/dev/null || fail "SIGTERM did not stop run-local"
	RUN_PID=''
	[[ ! -e $dir ]] || fail "$dir is left behind"
	[[ -z $(ss -Htln "sport = :$port") ]] || fail "port $port still bound"
	# one log line per request, the spawner's chatter left out
	assert_eq "$(grep -c '^<[0-9]>POST /bank/' "$out")" 2 "log lines ($(cat "$out"))"
	! grep -qE '^(Communication attempt|Spawned|Execing|Connection from)' "$out" ||
		fail "spawner chatter in the output:" "$(cat "$out")"
}
