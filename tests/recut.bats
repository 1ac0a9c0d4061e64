#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD, SIGN_KEY are read by lib/common.bash
# One signed string, one meaning. The bank signs its fields glued together, so the same
# ChkValue also signs every other cutting of its bytes: a re-cut must never be stored,
# acknowledged, cached or redirected with the bank's RespCode, and a signed string the rules
# can cut two ways is refused, never guessed.

load lib/common

TODAY=$NS_DATE

@test "recut: a 1.00 top-up re-cut into 2611271.00: both readings are real dates, so only the OrdId pattern reads it" {
	# OrdId=NS<today>203312 OrdDate=<today> TransAmt=1.00, as in the issue, re-cut as
	# OrdId=NS<today> OrdDate=203312<2 digits> TransAmt=<6 digits>1.00: a date of the 2030s,
	# which some day will be within the window. Which cutting is the bank's cannot depend on
	# the day it arrives, so without a pattern both are refused as ambiguous, on every day.
	local body recut genuine="OrdId=NS${TODAY}203312&OrdDate=$TODAY&TransAmt=1.00"
	local re="OrdId=NS${TODAY}&OrdDate=203312${TODAY:0:2}&TransAmt=${TODAY:2}1.00"
	body=$(netsave_body "OrdId=NS${TODAY}203312" TransAmt=1.00)
	[[ $body == *"$genuine"* ]] || fail "no $genuine in $body"
	recut=${body/"$genuine"/"$re"}
	post_form /bank/netsave "$body"
	assert_error 403
	post_form /bank/netsave "$recut"
	assert_error 403
	assert_nothing_written
	# with the platform's OrdId format, as a normal set-up has it, the bank's own is stored
	psql_val 'SET session_replication_role = replica;
		TRUNCATE bank_callback_audit, bank_callback_signatures' >/dev/null
	BIN_CMD=(env 'BANK_CALLBACK_ORD_ID_PATTERN=NS[0-9]{14}' "$BIN")
	post_form /bank/netsave "$recut"
	assert_error 400
	post_form /bank/netsave "$body"
	assert_ack "$NS_TRX"
	post_form /bank/netsave "$recut"
	assert_no_ack
	assert_eq "$(psql_val "SELECT rtrim(ord_id) || '|' || (data->>'TransAmt') FROM bank_netsave")" \
		"NS${TODAY}203312|1.00" "the one row"
}

@test "recut: the clock never chooses between cuttings: a top-up ambiguous on its day is refused on day 8 too" {
	# The bank's: OrdId=X<day 1> OrdDate=<day 0> TransAmt=1.00; the other cutting:
	# OrdId=X OrdDate=<day 1> TransAmt=<day 0>1.00. Eight days on, the window (7 before) holds
	# day 1 but not day 0: only the other cutting has an OrdDate in it.
	local d0 d1 body recut
	d0=$(date -u -d '+8 hours -8 days' +%Y%m%d)
	d1=$(date -u -d '+8 hours -7 days' +%Y%m%d)
	body=$(netsave_body "OrdId=X$d1" "OrdDate=$d0" TransAmt=1.00)
	recut=${body/"OrdId=X$d1&OrdDate=$d0&TransAmt=1.00"/"OrdId=X&OrdDate=$d1&TransAmt=${d0}1.00"}
	[[ $recut != "$body" ]] || fail "not re-cut"
	post_form /bank/netsave "$recut"
	assert_error 403
	post_form /bank/netsave "$body"
	assert_error 403
	assert_nothing_written
	assert_eq "$(psql_val "SELECT DISTINCT status || '|' || verdict FROM bank_callback_audit")" \
		"403|refused, more than one meaning"
}

@test "recut: a re-cut posted on the date it names, when the bank's own never came, is refused" {
	# The bank's top-up of 2019 (OrdId=NS000000<this month>, OrdDate=20190305, 1.00) never
	# arrived; its other cutting names the 20th of this month: OrdId=NS000000,
	# OrdDate=<this month>20, TransAmt=1903051.00. A window wide enough to hold that day shows
	# the day it is posted on.
	local month body recut
	month=$(date -u -d '+8 hours' +%Y%m)
	body=$(netsave_body "OrdId=NS000000$month" OrdDate=20190305 TransAmt=1.00)
	recut=${body/"OrdId=NS000000$month&OrdDate=20190305&TransAmt=1.00"/"OrdId=NS000000&OrdDate=${month}20&TransAmt=1903051.00"}
	[[ $recut != "$body" ]] || fail "not re-cut"
	BIN_CMD=(env BANK_CALLBACK_ORDER_DAYS=40,40 "$BIN")
	post_form /bank/netsave "$recut"
	assert_error 403
	assert_nothing_written
	# the bank's own, years late, is refused too: outside the window, and ambiguous anyway
	post_form /bank/netsave "$body"
	assert_no_ack
}

@test "recut: once refused as cut more than one way, a signed string stays refused, whatever the settings" {
	local body
	body=$(netsave_body "OrdId=ORD$TODAY")
	post_form /bank/netsave "$body"
	assert_error 403
	# a pattern that would read it one way does not reopen it, on either route
	BIN_CMD=(env 'BANK_CALLBACK_ORD_ID_PATTERN=ORD[0-9]{8}' "$BIN")
	post_form /bank/netsave "$body"
	assert_error 403
	post_form /bank/NetSaveCallback "$body"
	assert_status 303
	assert_header Location "${BANK_CALLBACK_FRONTEND}#/NetSaveCallback?RespCode=ERR_SIGNATURE&RespDesc=signature%20check%20failed"
	assert_nothing_written
	# a new top-up (another signed string) with the pattern is stored
	post_form /bank/netsave "$(netsave_body "OrdId=ORD$TODAY" TrxId=201611190000000077)"
	assert_ack 201611190000000077
}

@test "recut: a re-cut whose URL is over 1,024 bytes as signed but not as GBK text is refused, whatever CharSet says" {
	# BgRetUrl holds 4-byte GB18030 characters (3 bytes each in UTF-8); RetUrl carries digits
	# then a URL. The re-cut moves the TrxId and the start of RetUrl into BgRetUrl: 1,041
	# bytes as signed, 801 as text. The rules and the cutting walk must measure alike.
	local ext bg ret body recut
	ext=$(printf '\x81\x39\xEE\x39%.0s' {1..240})
	bg="http://m.example.com/bank/register?n=$ext"
	ret="http://m.example.com/cb?t=201612079999999999http://m.example.com/x"
	body=$(register_body "BgRetUrl=$bg" "RetUrl=$ret" CharSet=GBK)
	recut=$(register_body "BgRetUrl=${bg}${UR_TRX}http://m.example.com/cb?t=" \
		TrxId=201612079999999999 RetUrl=http://m.example.com/x CharSet=GBK)
	assert_eq "${recut##*ChkValue=}" "${body##*ChkValue=}" "the re-cut's ChkValue (the same signed string)"
	post_form /bank/register "$recut"
	assert_error 400
	assert_nothing_written
	post_form /bank/register "$body"
	assert_ack "$UR_TRX"
}

@test "recut: a top-up whose OrdId ends in its own date can be read two ways: refused (403), audited, logged at err" {
	# OrdId=ORD<today> OrdDate=<today> TransAmt=100.00 signs like
	# OrdId=ORD OrdDate=<today> TransAmt=<today>100.00
	post_form /bank/netsave "$(netsave_body "OrdId=ORD$TODAY")"
	assert_error 403
	assert_nothing_written
	[[ $(cat "$BATS_TEST_TMPDIR/stderr") == "<3>"*"more than one way"* ]] ||
		fail "not an err line:" "$(cat "$BATS_TEST_TMPDIR/stderr")"
	assert_eq "$(psql_val "SELECT status || '|' || verdict FROM bank_callback_audit")" "403|refused, more than one meaning"
}

@test "recut: with BANK_CALLBACK_ORD_ID_PATTERN the same top-up has one meaning and is stored" {
	BIN_CMD=(env 'BANK_CALLBACK_ORD_ID_PATTERN=ORD[0-9]{8}' "$BIN")
	post_form /bank/netsave "$(netsave_body "OrdId=ORD$TODAY")"
	assert_ack "$NS_TRX"
	assert_eq "$(psql_val "SELECT rtrim(ord_id) || '|' || (data->>'TransAmt') FROM bank_netsave")" "ORD$TODAY|100.00"
	# and an OrdId outside the pattern is refused
	post_form /bank/netsave "$(netsave_body OrdId=20161119000000000002)"
	assert_error 400
}

@test "recut: CorpRegister's UsrId cannot lose its end to UsrName (corp_acme -> corp_acm + e...)" {
	local body
	body=$(corp_body AuditStat=Y UsrCustId=6000060000777777)
	post_form /bank/CorpRegister "${body/UsrId=corp_acme&UsrName=/UsrId=corp_acm&UsrName=e}"
	assert_no_ack
	assert_nothing_written
	post_form /bank/CorpRegister "$body"
	assert_ack "$CR_TRX"
	assert_eq "$(redis_cmd hget bank-mer-customers corp_acme)" 6000060000777777
	assert_eq "$(redis_cmd hexists bank-mer-customers corp_acm)" 0
}

@test "recut: CorpRegister's UsrName cannot swallow the UsrCustId (opened company left unbound)" {
	local body
	body=$(corp_body AuditStat=Y UsrCustId=6000060000777777)
	post_form /bank/CorpRegister "${body/UsrCustId=6000060000777777/UsrCustId=}"
	assert_no_ack
	assert_nothing_written
}

@test "recut: an ASCII company name needs BANK_CALLBACK_USR_ID_PATTERN (where UsrId ends is unknowable without it)" {
	post_form /bank/CorpRegister "$(corp_body 'UsrName=ACME Ltd')"
	assert_error 400
	assert_nothing_written
	# a pattern that fixes where UsrId ends pins the boundary
	BIN_CMD=(env 'BANK_CALLBACK_USR_ID_PATTERN=corp_[0-9]{6}' "$BIN")
	post_form /bank/CorpRegister "$(corp_body UsrId=corp_000123 'UsrName=ACME Ltd')"
	assert_ack "$CR_TRX"
	assert_eq "$(psql_val "SELECT usr_id || '|' || usr_name FROM bank_mer_customers")" "corp_000123|ACME Ltd"
	# a pattern that does not (corp_[a-z]+ could end anywhere in "corp_acmeACME"): ambiguous
	BIN_CMD=(env 'BANK_CALLBACK_USR_ID_PATTERN=corp_[a-z]+' "$BIN")
	post_form /bank/CorpRegister "$(corp_body 'UsrName=ACME Ltd')"
	assert_error 403
}

@test "recut: TrxId is 18 digits; OpenBankId letters and CardId digits keep their boundary" {
	local body
	body=$(corp_body)
	# ICBC + 6222... re-cut as ICBC6 + 222...
	post_form /bank/CorpRegister "${body/OpenBankId=ICBC&CardId=6222020200000000001/OpenBankId=ICBC6&CardId=222020200000000001}"
	assert_error 400
	post_form /bank/register "$(register_body TrxId=20161119000000001)"
	assert_error 400
	assert_nothing_written
}

@test "recut: a UserRegister without RetUrl, a CorpRegister without UsrName or with one that starts with a digit: 400" {
	# RetUrl's "http" pins where the TrxId before it ends; UsrName keeps UsrId from the UsrCustId
	post_form /bank/register "$(register_body -RetUrl)"
	assert_error 400
	post_form /bank/CorpRegister "$(corp_body -UsrName)"
	assert_error 400
	post_form /bank/CorpRegister "$(corp_body UsrName=58同城科技)"
	assert_error 400
	assert_nothing_written
}

@test "recut: a URL of 997 bytes as signed in 2-byte GBK, 1,477 as UTF-8 text, is within the one bound" {
	local bg
	bg="http://m.example.com/bank/register?n=$(printf '\xD6\xD0%.0s' {1..480})"
	post_form /bank/register "$(register_body "BgRetUrl=$bg" CharSet=GBK)"
	assert_ack "$UR_TRX"
	# and one byte over, as signed, is refused
	post_form /bank/register "$(register_body "BgRetUrl=${bg}xxxxxxxxxxxxxxxxxxxxxxxxxxxx" CharSet=GBK TrxId=201611190000000044)"
	assert_error 400
}
