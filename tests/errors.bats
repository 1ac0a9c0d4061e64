#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD, SIGN_KEY are read by lib/common.bash
# Every 4xx of the contract. After each: the error answer, nothing written, no ack.

load lib/common

# ---- 400: the form itself -------------------------------------------------------------------

@test "400: a bad percent escape" {
	local body
	body=$(netsave_body)
	post_form /bank/netsave "${body/RespDesc=success/RespDesc=succ%zzess}"
	assert_error 400
	post_form /bank/netsave "$body&X=%4"
	assert_error 400
	assert_nothing_written
}

@test "400: %00 in a value" {
	local body
	body=$(netsave_body)
	post_form /bank/netsave "${body/RespDesc=success/RespDesc=succ%00ess}"
	assert_error 400
	assert_nothing_written
}

@test "400: a duplicate field" {
	local body
	body=$(netsave_body)
	post_form /bank/netsave "TransAmt=900.00&$body"
	assert_error 400
	assert_nothing_written
}

@test "400: a field name outside [A-Za-z0-9_]" {
	post_form /bank/netsave "$(netsave_body)&Fee-Amt=1.00"
	assert_error 400
	post_form /bank/netsave "$(netsave_body)&Fee%20Amt=1.00"
	assert_error 400
	assert_nothing_written
}

@test "400: an empty body" {
	post_form /bank/netsave ''
	assert_error 400
	assert_nothing_written
}

# ---- 400: CmdId and the route -----------------------------------------------------------------

@test "400: CmdId not matching the route" {
	post_form /bank/register "$(netsave_body)"
	assert_error 400
	post_form /bank/netsave "$(register_body)"
	assert_error 400
	post_form /bank/CorpRegister "$(register_body)"
	assert_error 400
	post_form /bank/register "$(corp_body)"
	assert_error 400
	assert_nothing_written
}

@test "400: no CmdId" {
	post_form /bank/register "$(register_body --sign-as UserRegister -CmdId)"
	assert_error 400
	assert_nothing_written
}

# ---- 400: required fields (bodies validly signed: only the field is wrong) ---------------------

@test "400: a required field missing" {
	post_form /bank/register "$(register_body -TrxId)"
	assert_error 400
	post_form /bank/register "$(register_body -RespCode)"
	assert_error 400
	post_form /bank/register "$(register_body -UsrId)"
	assert_error 400
	post_form /bank/register "$(register_body -UsrCustId)" # required when RespCode is 000
	assert_error 400
	post_form /bank/netsave "$(netsave_body -OrdId)"
	assert_error 400
	post_form /bank/netsave "$(netsave_body -UsrCustId)"
	assert_error 400
	post_form /bank/netsave "$(netsave_body -TrxId)"
	assert_error 400
	post_form /bank/CorpRegister "$(corp_body -UsrId)"
	assert_error 400
	assert_nothing_written
}

# ---- 400: values out of shape ----------------------------------------------------------------

@test "OrdDate 20160229 (a leap day) and TransAmt 0.50 are in shape" {
	# the leap day is years ago: widen the order window for it
	BIN_CMD=(env BANK_CALLBACK_ORDER_DAYS=5000 "$BIN")
	post_form /bank/netsave "$(netsave_body OrdDate=20160229 TransAmt=0.50)"
	assert_ack "$NS_TRX"
}

china_day() { date -u -d "+8 hours $1 days" +%Y%m%d; }

@test "OrdDate: 7 days before arrival to 1 day after are in the window, 8 before or 2 after are not (400)" {
	local d
	for d in -7 1; do
		post_form /bank/netsave "$(netsave_body "OrdDate=$(china_day "$d")" "OrdId=ORD$((d + 10))")"
		assert_ack "$NS_TRX"
	done
	assert_rows bank_netsave 2
	psql_val "SET session_replication_role = replica; TRUNCATE bank_netsave, bank_callback_audit, bank_callback_signatures" >/dev/null
	for d in -8 2; do
		post_form /bank/netsave "$(netsave_body "OrdDate=$(china_day "$d")")"
		assert_error 400
	done
	assert_nothing_written
}

@test "OrdDate: BANK_CALLBACK_ORDER_DAYS=30,0 widens the past and closes the future" {
	BIN_CMD=(env BANK_CALLBACK_ORDER_DAYS=30,0 "$BIN")
	post_form /bank/netsave "$(netsave_body "OrdDate=$(china_day -30)")"
	assert_ack "$NS_TRX"
	post_form /bank/netsave "$(netsave_body "OrdDate=$(china_day 1)" OrdId=ORD2)"
	assert_error 400
	assert_rows bank_netsave 1
}

@test "500: BANK_CALLBACK_ORDER_DAYS or an id pattern that cannot be read, nothing written" {
	local bad
	for bad in BANK_CALLBACK_ORDER_DAYS=7,x BANK_CALLBACK_ORDER_DAYS=99999 'BANK_CALLBACK_ORD_ID_PATTERN=(' \
		'BANK_CALLBACK_USR_ID_PATTERN=[a-'; do
		BIN_CMD=(env "$bad" "$BIN")
		post_form /bank/netsave "$(netsave_body)"
		assert_error 500
		grep -qF "${bad%%=*}" "$BATS_TEST_TMPDIR/stderr" || fail "the log does not name ${bad%%=*}:" "$(cat "$BATS_TEST_TMPDIR/stderr")"
	done
	assert_nothing_written
}

@test "400: a UsrId of 26 bytes" {
	post_form /bank/register "$(register_body UsrId=abcdefghijklmnopqrstuvwxyz)"
	assert_error 400
	assert_nothing_written
}

@test "400: an OrdId of 31 characters, or with a character outside [A-Za-z0-9_-]" {
	post_form /bank/netsave "$(netsave_body OrdId=ORD_2016-1119_abcdefghijklmnopq)"
	assert_error 400
	post_form /bank/netsave "$(netsave_body 'OrdId=ORD/1')"
	assert_error 400
	assert_nothing_written
}

@test "400: a UsrCustId that is not 16 digits" {
	local bad
	for bad in 600006000012345 60000600001234567 600006000012345A; do
		post_form /bank/register "$(register_body "UsrCustId=$bad")"
		assert_error 400
		post_form /bank/netsave "$(netsave_body "UsrCustId=$bad")"
		assert_error 400
		post_form /bank/CorpRegister "$(corp_body AuditStat=Y "UsrCustId=$bad")"
		assert_error 400
	done
	assert_nothing_written
}

@test "400: OrdDate, TransAmt, TrxId, RespCode, AuditStat, BgRetUrl out of shape" {
	local arg
	for arg in OrdDate=2016111 OrdDate=2016-11-19 OrdDate=20161131 OrdDate=20170229 OrdDate=20161319 \
		OrdDate=19991231 TransAmt=0100.00 TransAmt=00.50 BgRetUrl=m.example.com/bank/netsave \
		-BgRetUrl RetUrl=ftp://m.example.com/x TransAmt=100 TransAmt=100.5 TransAmt=1e2.00 \
		TransAmt=-1.00 TrxId=2016111900000000001 TrxId=2016-1119 RespCode=0000 RespCode=0 'RespCode=0 0'; do
		post_form /bank/netsave "$(netsave_body "$arg")"
		assert_error 400
	done
	post_form /bank/CorpRegister "$(corp_body AuditStat=X)"
	assert_error 400
	post_form /bank/CorpRegister "$(corp_body OpenBankId=ABCDEFGHI)"
	assert_error 400
	post_form /bank/CorpRegister "$(corp_body "CardId=$(printf '1%.0s' {1..41})")"
	assert_error 400
	assert_nothing_written
}

# ---- 404, 405 -------------------------------------------------------------------------------

@test "404: an unknown path" {
	post_form /bank/unknown "$(netsave_body)"
	assert_error 404
	stdin_request GET / ''
	assert_error 404
	post_form /bank/netsave/x "$(netsave_body)"
	assert_error 404
	assert_nothing_written
}

@test "405: wrong method, with Allow" {
	local path
	for path in /bank/register /bank/netsave /bank/CorpRegister /bank/RegisterCallback \
		/bank/NetSaveCallback /bank/RefreshRedis; do
		stdin_request GET "$path" ''
		assert_error 405
		assert_header Allow POST
	done
	stdin_request PUT /bank/netsave "$(netsave_body)"
	assert_error 405
	assert_header Allow POST
	post_form /bank/health ''
	assert_error 405
	assert_header Allow 'GET, HEAD'
	# without a body (and so without Content-Length) too: the method is what is wrong
	send_raw "POST /bank/health HTTP/1.1"$'\r\n'"Host: bank.example"$'\r\n\r\n'
	assert_error 405
	assert_header Allow 'GET, HEAD'
	assert_nothing_written
}

# ---- 411, 413, 431 ---------------------------------------------------------------------------

@test "411: POST without Content-Length" {
	local body
	body=$(netsave_body)
	send_raw "POST /bank/netsave HTTP/1.1"$'\r\n'"Host: bank.example"$'\r\n'"Content-Type: application/x-www-form-urlencoded"$'\r\n\r\n'"$body"
	assert_error 411
	assert_nothing_written
}

# A signed register body with a Pad field that brings it to exactly N bytes.
padded_register_body() { # N
	local body
	body=$(register_body)
	body+="&Pad="
	body+=$(head -c $(($1 - ${#body})) /dev/zero | tr '\0' x)
	printf '%s' "$body"
}

@test "413: a body over 65536 bytes" {
	local body
	body=$(padded_register_body 65537)
	((${#body} == 65537))
	post_form /bank/register "$body"
	assert_error 413
	assert_nothing_written
}

@test "413: a Content-Length over 65536 is refused without reading the body" {
	send_raw "POST /bank/register HTTP/1.1"$'\r\n'"Host: bank.example"$'\r\n'"Content-Length: 1000000000"$'\r\n\r\n'
	assert_error 413
	assert_nothing_written
}

@test "a body of exactly 65536 bytes is accepted" {
	local body
	body=$(padded_register_body 65536)
	((${#body} == 65536))
	post_form /bank/register "$body"
	assert_ack "$UR_TRX"
}

@test "431: a request head over 16384 bytes" {
	post_form /bank/register "$(register_body)" "X-Pad: $(head -c 17000 /dev/zero | tr '\0' x)"
	assert_error 431
	assert_nothing_written
}

@test "a request head of 16000 bytes is accepted" {
	local body pad
	body=$(register_body)
	build_request POST /bank/register "$body" "X-Pad: "
	pad=$((16000 - (${#REQUEST} - ${#body})))
	post_form /bank/register "$body" "X-Pad: $(head -c "$pad" /dev/zero | tr '\0' x)"
	assert_ack "$UR_TRX"
}

@test "405 to HEAD on a POST route: the answer has no body" {
	local out=$BATS_TEST_TMPDIR/head-response
	printf 'HEAD /bank/netsave HTTP/1.1\r\nHost: bank.example\r\n\r\n' | "${BIN_CMD[@]}" >"$out" 2>/dev/null
	assert_eq "$(head -n 1 "$out")" $'HTTP/1.1 405 Method Not Allowed\r'
	grep -qx $'Allow: POST\r' "$out" || fail "no Allow: POST"
	# the head's blank line is the last thing sent
	assert_eq "$(tail -c 4 "$out" | od -An -c | tr -s ' ')" ' \r \n \r \n' "the last bytes"
}

@test "HEAD /bank/health: GET's status and head, no body" {
	local out=$BATS_TEST_TMPDIR/head-response
	printf 'HEAD /bank/health HTTP/1.1\r\nHost: bank.example\r\n\r\n' | "${BIN_CMD[@]}" >"$out" 2>/dev/null
	assert_eq "$(head -n 1 "$out")" $'HTTP/1.1 200 OK\r'
	grep -qx $'Content-Length: 3\r' "$out" || fail "no Content-Length of GET's body:" "$(cat "$out")"
	assert_eq "$(tail -c 4 "$out" | od -An -c | tr -s ' ')" ' \r \n \r \n' "the last bytes"
}

@test "an unknown option is named, with the usage, exit 2" {
	run "$BIN" --chek
	assert_eq "$status" 2 "exit status"
	[[ ${lines[0]} == "bank-callback: --chek: unknown option" ]] || fail "not named:" "$output"
	[[ $output == *"usage: bank-callback"* ]] || fail "no usage:" "$output"
}

@test "--check: the rules' settings are shown, and a broken one fails with its name" {
	BANK_CALLBACK_ORD_ID_PATTERN='ORD[0-9]{8}' run "$BIN" --check
	[[ $status -eq 0 ]] || fail "--check exited $status:" "$output"
	[[ $output == *"ok rules: OrdDate from 7 days before to 1 after today (China); OrdId pattern ORD[0-9]{8}; UsrId pattern none"* ]] ||
		fail "no ok rules line:" "$output"
	# what is refused as ambiguous without each pattern, said only while it is unset
	[[ $output != *"without BANK_CALLBACK_ORD_ID_PATTERN"* &&
		$output == *"note rules: without BANK_CALLBACK_USR_ID_PATTERN, a CorpRegister whose UsrName begins with an ASCII letter is refused"* ]] ||
		fail "notes:" "$output"
	run "$BIN" --check
	[[ $status -eq 0 && $output == *"note rules: without BANK_CALLBACK_ORD_ID_PATTERN, a top-up whose OrdId ends in digits"*"is refused as ambiguous"* ]] ||
		fail "no note on the OrdId pattern:" "$output"
	BANK_CALLBACK_ORDER_DAYS=seven run "$BIN" --check
	[[ $status -ne 0 && $output == *"FAIL rules: BANK_CALLBACK_ORDER_DAYS is not BEFORE[,AFTER]"* ]] ||
		fail "exit $status:" "$output"
	BANK_CALLBACK_USR_ID_PATTERN='(' run "$BIN" --check
	[[ $status -ne 0 && $output == *"FAIL rules: BANK_CALLBACK_USR_ID_PATTERN is not a POSIX extended regular expression"* ]] ||
		fail "exit $status:" "$output"
}
