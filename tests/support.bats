#!/usr/bin/env bats
# The support tool: --show ID (the audit trail of one id) and --stats (posts by route, status
# and verdict), read with the handler's own settings and role; ids and outcomes, no personal
# data.

load lib/common

@test "support: --show prints every audited post of a TrxId, OrdId, UsrId or UsrCustId, and its retries" {
	store_each_async
	post_form /bank/netsave "$(netsave_body)" # the bank's retry: answered again
	assert_ack "$NS_TRX"
	post_form /bank/NetSaveCallback "$(netsave_body)"
	assert_status 303

	run "$BIN" --show "$NS_ORD"
	assert_eq "$status" 0 "--show exit status ($output)"
	assert_eq "$(grep -c "trx=$NS_TRX ord=$NS_ORD" <<<"$output")" 2 "posts of the order ($output)"
	[[ $output =~ [0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9:]{8}\ \ /bank/netsave\ \ 200\ \ stored\ \ NetSave\ trx=$NS_TRX\ ord=$NS_ORD\ \ answered\ again:\ 1 ]] ||
		fail "no stored line with its retry:" "$output"
	[[ $output == *"/bank/NetSaveCallback  303  redirected  NetSave"* ]] || fail "no page return:" "$output"
	run "$BIN" --show "$NS_TRX"
	assert_eq "$(grep -c "ord=$NS_ORD" <<<"$output")" 2 "posts found by TrxId"
	run "$BIN" --show pnr_alice
	[[ $output == *"/bank/register  200  opened  UserRegister trx=$UR_TRX"* ]] || fail "by UsrId:" "$output"
	# nothing personal: not the account's phone, mail or id number that the register carried
	[[ $output != *13800138000* && $output != *alice@example.com* && $output != *110101199001011234* ]] ||
		fail "personal data shown:" "$output"
	# nothing found is an answer, and its exit status says so (as grep's does)
	run "$BIN" --show NOSUCHID
	[[ $status -eq 1 && $output == *"no audited post names NOSUCHID"* ]] || fail "unknown id, exit $status:" "$output"
}

@test "support: the trail's ids are only those the CmdId signs: a user cannot write into another's trail" {
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	# a user's own page return (UserRegister signs no OrdId) naming the victim's order
	post_form /bank/RegisterCallback "$(register_body "OrdId=$NS_ORD")"
	assert_status 303
	[[ $(cat "$BATS_TEST_TMPDIR/stderr") != *"ord=$NS_ORD"* ]] || fail "the log line names the order:" \
		"$(cat "$BATS_TEST_TMPDIR/stderr")"
	run "$BIN" --show "$NS_ORD"
	assert_eq "$(grep -c '/bank/' <<<"$output")" 1 "posts of the order ($output)"
	[[ $output != *RegisterCallback* ]] || fail "the user's post is in the trail:" "$output"
	assert_eq "$(psql_val "SELECT count(*) FROM bank_callback_audit WHERE route = '/bank/RegisterCallback'
		AND ord_id IS NULL AND usr_id = 'pnr_alice'")" 1 "the page return's row, by its signed ids"
}

@test "support: --show and --stats print no control byte, whatever a stored row holds" {
	local evil=$'X1\n2026-11-27 00:00:00  /bank/netsave  200  stored\e[2K\e[1A\xc2\x9b'
	# an audit row as an older binary could have stored it, from an unsigned OrdId
	psql_val "INSERT INTO bank_callback_audit (route, cmd_id, ord_id, status, verdict, fields, body)
		VALUES (\$r\$/bank/RegisterCallback$(printf '\e')[31m\$r\$, 'UserRegister',
		\$e\$$evil\$e\$, 303, 'redirected', '{}', 'x')" >/dev/null
	# a verdict is one of the binary's words (sql/012-verdicts.sql): none holds a control byte
	run psql_val "INSERT INTO bank_callback_audit (route, status, verdict, fields, body)
		VALUES ('/bank/x', 303, \$v\$redirected$(printf '\e')[31m\$v\$, '{}', 'x')"
	[[ $status -ne 0 && $output == *'invalid input value for enum bank_callback_verdict'* ]] ||
		fail "a verdict not among the binary's words was stored:" "$output"
	run "$BIN" --show "$evil"
	assert_eq "$status" 0 "--show exit status ($output)"
	[[ $output != *[$'\x01'-$'\x09'$'\x0b'-$'\x1f'$'\x7f']* && $output != *$'\xc2\x9b'* ]] ||
		fail "a control byte reached the terminal:" "$(printf '%q' "$output")"
	[[ $output == *'ord=X1\x0A2026-11-27'*'stored\x1B[2K\x1B[1A\xC2\x9B'* ]] || fail "not shown escaped:" "$output"
	assert_eq "$(grep -c '/bank/' <<<"$output")" 1 "lines naming a route"
	run "$BIN" --stats
	[[ $output != *[$'\x01'-$'\x09'$'\x0b'-$'\x1f'$'\x7f']* ]] || fail "a control byte in --stats:" "$(printf '%q' "$output")"
	[[ $output == *'/bank/RegisterCallback\x1B[31m'* ]] || fail "route not shown escaped:" "$output"
}

@test "support: --stats counts today's posts by route, status and verdict" {
	store_each_async
	post_form /bank/netsave "$(netsave_body)"
	post_form /bank/netsave "$(netsave_body MerCustId=6000060000000002 OrdId=X2)"
	run "$BIN" --stats
	assert_eq "$status" 0 "--stats exit status ($output)"
	[[ $output =~ /bank/netsave\ +NetSave\ +200\ +stored\ +1 ]] || fail "stored netsave:" "$output"
	[[ $output =~ /bank/register\ +UserRegister\ +200\ +opened\ +1 ]] || fail "register:" "$output"
	[[ $output =~ /bank/netsave\ +-\ +-\ +callbacks\ answered\ again\ +1 ]] || fail "retries:" "$output"
	[[ $output =~ /bank/netsave\ +NetSave\ +403\ +rejected\ +1 ]] || fail "the other merchant's:" "$output"
	run "$BIN" --stats --since '2099-01-01'
	[[ $status -eq 0 && $output != */bank/* ]] || fail "posts from the future:" "$output"
	# the operator's typing, not a database failure
	run "$BIN" --stats --since 'not a time'
	[[ $status -eq 2 && $output == "bank-callback: --since: not a time PostgreSQL reads ("*'"not a time"'*")" ]] ||
		fail "a bad --since, exit $status:" "$output"
	[[ $output != *FAIL* ]] || fail "a bad --since reported as a failure:" "$output"
}

@test "support: --stats --log counts what only the log knows: forgeries, malformed requests, 503s" {
	local log=$BATS_TEST_TMPDIR/journal
	post_form /bank/netsave "$(netsave_body)"
	cat "$BATS_TEST_TMPDIR/stderr" >>"$log"
	SIGN_KEY=$OTHER_KEY post_form /bank/netsave "$(SIGN_KEY=$OTHER_KEY netsave_body OrdId=F1)"
	cat "$BATS_TEST_TMPDIR/stderr" >>"$log"
	SIGN_KEY=$OTHER_KEY post_form /bank/netsave "$(SIGN_KEY=$OTHER_KEY netsave_body OrdId=F2)"
	cat "$BATS_TEST_TMPDIR/stderr" >>"$log"
	send_raw $'GET /x HTTP/1.1\nHost: x\n\n'
	cat "$BATS_TEST_TMPDIR/stderr" >>"$log"
	BIN_CMD=(env PGPORT=1 "$BIN")
	post_form /bank/register "$(register_body)"
	cat "$BATS_TEST_TMPDIR/stderr" >>"$log"
	echo 'a line from somebody else' >>"$log"
	# as syslog writes it under xinetd (and journalctl without -o cat)
	echo 'Nov 27 12:00:00 host bank-callback[12]: POST /bank/netsave status=403 outcome="rejected" ms=1' >>"$log"

	run "$BIN" --stats --log "$log"
	assert_eq "$status" 0 "exit status ($output)"
	[[ $output =~ /bank/netsave\ +200\ +stored\ +1 ]] || fail "stored:" "$output"
	[[ $output =~ /bank/netsave\ +403\ +rejected\ +3 ]] || fail "forgeries:" "$output"
	[[ $output =~ -\ +400\ +rejected\ +1 ]] || fail "malformed:" "$output"
	[[ $output =~ /bank/register\ +503\ +failed\ +1 ]] || fail "503:" "$output"
	[[ $output == *"(1 lines that are not bank-callback's"* ]] || fail "the stranger's line:" "$output"
	# as journalctl -o cat prints them: without the priority, from stdin
	run bash -c "sed 's/^<[0-7]>//' '$log' | '$BIN' --stats --log -"
	[[ $output =~ /bank/netsave\ +403\ +rejected\ +3 ]] || fail "from stdin without priorities:" "$output"
}
