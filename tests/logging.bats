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
	assert_one_log_line 6 "POST /bank/register status=200 trx=$UR_TRX *"
	assert_log_lacks 110101199001011234 13800138000 alice@example.com Alice "${chk:0:32}"
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
	assert_one_log_line 4 "POST /bank/netsave status=403 trx=??31m??3?fake *"
}
