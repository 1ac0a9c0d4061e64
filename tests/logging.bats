#!/usr/bin/env bats
# The one log line per request: priority prefix, route, status, ids, and never personal data,
# ChkValue or the admin token.

load lib/common

# Fails when the handler's stderr of the last request holds any of the given strings.
assert_log_lacks() {
	local s
	for s; do
		! grep -qF -- "$s" "$BATS_TEST_TMPDIR/stderr" ||
			fail "log line holds '$s':" "$(cat "$BATS_TEST_TMPDIR/stderr")"
	done
}

assert_one_log_line() { # PRIORITY PATTERN
	local n
	n=$(wc -l <"$BATS_TEST_TMPDIR/stderr")
	assert_eq "$n" 1 "log lines"
	[[ $(cat "$BATS_TEST_TMPDIR/stderr") == "<$1>"$2 ]] ||
		fail "log line does not match <$1>$2:" "$(cat "$BATS_TEST_TMPDIR/stderr")"
}

@test "log: one info line per acknowledged callback, with route, status, TrxId and no personal data" {
	local body chk
	body=$(register_body)
	chk=${body##*ChkValue=}
	post_form /bank/register "$body"
	assert_ack "$UR_TRX"
	assert_one_log_line 6 "POST /bank/register status=200 cmd=UserRegister resp=000 trx=$UR_TRX *"
	assert_log_lacks 110101199001011234 13800138000 alice@example.com Alice "${chk:0:32}"
}

@test "log: a failed top-up is told from a success by its CmdId and RespCode, never its RespDesc" {
	post_form /bank/netsave "$(netsave_body RespCode=351 'RespDesc=insufficient balance')"
	assert_ack "$NS_TRX"
	assert_one_log_line 6 "POST /bank/netsave status=200 cmd=NetSave resp=351 trx=$NS_TRX ord=$NS_ORD outcome=\"stored\" *"
	assert_log_lacks 'insufficient balance'
}

@test "log: CorpRegister never logs UsrName or CardId" {
	post_form /bank/CorpRegister "$(corp_body AuditStat=Y UsrCustId=6000060000777777)"
	assert_ack "$CR_TRX"
	assert_one_log_line 6 "POST /bank/CorpRegister status=200 *"
	assert_log_lacks 北京某某 6222020200000000001
}

@test "log: a forged callback is a warning, without its ChkValue" {
	local body chk
	SIGN_KEY=$OTHER_KEY
	body=$(netsave_body)
	chk=${body##*ChkValue=}
	post_form /bank/netsave "$body"
	assert_error 403
	assert_one_log_line 4 "POST /bank/netsave status=403 *bad ChkValue*"
	assert_log_lacks "${chk:0:32}"
}

@test "log: RefreshRedis never logs the token, right or wrong" {
	local token
	token=$(admin_token)
	post_form /bank/RefreshRedis CmdId=RefreshRedis "Authorization: Bearer $token"
	assert_status 200
	assert_log_lacks "$token"
	post_form /bank/RefreshRedis CmdId=RefreshRedis "Authorization: Bearer ${token}x"
	assert_error 401
	assert_log_lacks "$token"
}

@test "log: PostgreSQL down is an error line" {
	pg_stop
	post_form /bank/netsave "$(netsave_body)"
	pg_start
	assert_error 503
	assert_one_log_line 3 "POST /bank/netsave status=503 *"
}

@test "log: control characters from the request never reach the log" {
	# TrxId is logged even for a refused callback: escapes and newlines must not pass
	post_form /bank/netsave 'CmdId=NetSave&TrxId=%1B%5B31m%0A%3C3%3Efake&ChkValue=00'
	assert_error 403
	assert_log_lacks $'\x1b' '<3>fake'
	assert_one_log_line 4 "POST /bank/netsave status=403 cmd=NetSave trx=??31m??3?fake *"
}

# ---- the line for operations: every refusal says why, the client, health quietly ----------

@test "log: a request with bare LF line ends gets 400 and a note saying CRLF is needed" {
	send_raw "GET /bank/health HTTP/1.1"$'\n'"Host: bank.example"$'\n\n'
	assert_error 400
	assert_one_log_line 6 '- - status=400 outcome="rejected" ms=* note="bare LF line ends: HTTP (and a saved request) needs CRLF"'
}

@test "log: each HTTP-level refusal names its cause; an unparsable request logs - for method and path" {
	send_raw $'\x01\x02 / HTTP/1.1\r\nHost: x\r\n\r\n'
	assert_error 400
	assert_one_log_line 6 '- - status=400 outcome="rejected" ms=* note="a method of other than A-Z"'
	send_raw "POST /bank/netsave HTTP/1.1"$'\r\n'"Host: x"$'\r\n'"Transfer-Encoding: chunked"$'\r\n\r\n'
	assert_error 411
	assert_one_log_line 6 'POST /bank/netsave status=411 outcome="rejected" ms=* note="Transfer-Encoding: chunked bodies are not read"'
	send_raw "POST /bank/netsave HTTP/1.1"$'\r\n'"Host: x"$'\r\n'"Content-Type: application/x-www-form-urlencoded"$'\r\n\r\n'
	assert_error 411
	assert_one_log_line 6 'POST /bank/netsave status=411 outcome="rejected" ms=* note="POST without Content-Length"'
	send_raw "POST /bank/netsave HTTP/1.1"$'\r\n'"Host: x"$'\r\n'"Content-Length: 10"$'\r\n\r\n'"abc"
	assert_error 400
	assert_one_log_line 6 'POST /bank/netsave status=400 outcome="rejected" ms=* note="the body was shorter than its Content-Length"'
	send_raw "GET /bank/health HTTP/1.1"$'\r\n'" folded: x"$'\r\n\r\n'
	assert_error 400
	assert_one_log_line 6 'GET /bank/health status=400 outcome="rejected" ms=* note="a folded header line"'
}

@test "log: a healthy health check logs at debug, an unhealthy one at err" {
	stdin_request GET /bank/health ''
	assert_status 200
	assert_one_log_line 7 'GET /bank/health status=200 outcome="ok" ms=*'
	BIN_CMD=(env PGPORT=1 "$BIN")
	stdin_request GET /bank/health ''
	assert_error 503
	assert_one_log_line 3 'GET /bank/health status=503 *'
}

@test "log: the client's address; X-Forwarded-For only from a trusted proxy" {
	local log=$BATS_TEST_TMPDIR/socket-activate.log
	socket_start
	curl_request GET /bank/health '' -H 'X-Forwarded-For: 203.0.113.7'
	assert_status 200
	socket_stop
	grep -q 'GET /bank/health status=200 .* client=127\.0\.0\.1$' "$log" ||
		fail "no client=127.0.0.1 (an untrusted X-Forwarded-For must not count):" "$(cat "$log")"

	export BANK_CALLBACK_TRUSTED_PROXIES='10.0.0.1, 127.0.0.1'
	socket_start
	# the client's own line first, the proxy's after it (HAProxy adds a line of its own)
	curl_request GET /bank/health '' -H 'X-Forwarded-For: 203.0.113.7' \
		-H 'X-Forwarded-For: 203.0.113.8, 198.51.100.9'
	assert_status 200
	socket_stop
	unset BANK_CALLBACK_TRUSTED_PROXIES
	grep -q 'GET /bank/health status=200 .* client=198\.51\.100\.9$' "$log" ||
		fail "no client=198.51.100.9 from the trusted proxy's header:" "$(cat "$log")"
	BANK_CALLBACK_TRUSTED_PROXIES='127.0.0.1,proxy.example' run "$BIN" --check
	[[ $status -ne 0 && $output == *"FAIL settings: BANK_CALLBACK_TRUSTED_PROXIES is not a comma-separated list of IP addresses"* ]] ||
		fail "a name in the proxy list is not refused:" "$output"
}

@test "log: --check says where the log goes, and whether anything receives on syslog's /dev/log" {
	local pid
	if [[ ! -e /dev/log ]]; then
		run "$BIN" --check
		[[ $output == *$'\n'"note log: standard error (the journal, under the systemd unit); under xinetd syslog's /dev/log, where nothing receives: every log line would be lost"* ]] ||
			fail "no note that nothing receives:" "$output"
		# a receiver, as a syslog daemon binds it (the socket stays bound as long as the
		# command, which inherits it, runs)
		systemd-socket-activate --datagram -l /dev/log -- sleep 60 </dev/null >/dev/null 2>&1 &
		pid=$!
		for _ in $(seq 50); do [[ -S /dev/log ]] && break; sleep 0.1; done
	fi
	run "$BIN" --check
	if [[ -n ${pid:-} ]]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		rm -f /dev/log
	fi
	[[ $output == *$'\n'"ok log: standard error (the journal, under the systemd unit); syslog's /dev/log under xinetd, and something receives there"* ]] ||
		fail "no ok log line:" "$output"
}
