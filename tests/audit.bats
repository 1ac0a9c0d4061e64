#!/usr/bin/env bats
# shellcheck disable=SC2034 # SIGN_KEY is read by lib/common.bash
# The audit trail (bank_callback_audit): every request that passed the signature check is kept
# as received with what we answered, even when nothing else is stored; nothing else is kept.
# And the handler's least-privileged role.

load lib/common

audit() { # COLUMNS [WHERE]: one line per audit row, oldest first
	psql_val "SELECT $1 FROM bank_callback_audit ${2:-} ORDER BY id"
}

as_handler_role() { # SQL: run as the role the handler logs in as; prints psql's error
	psql -U bank-callback -X -q -v ON_ERROR_STOP=1 -c "$1" 2>&1
}

@test "audit: an acknowledged top-up is kept with its route, answer, fields and body" {
	local body
	body=$(netsave_body)
	post_form /bank/netsave "$body"
	assert_ack "$NS_TRX"
	assert_eq "$(audit "route, cmd_id, trx_id, ord_id, usr_cust_id, status, verdict")" \
		"/bank/netsave|NetSave|$NS_TRX|$NS_ORD|6000060000123456|200|stored"
	assert_eq "$(audit body)" "$body" "body as received"
	# every field, ChkValue included: the evidence of what the bank signed
	assert_eq "$(audit "(fields->>'TransAmt') || '|' || (fields->>'ChkValue')")" "100.00|${body##*ChkValue=}"
}

@test "audit: the support query answers when the bank called about an order and what we said" {
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	post_form /bank/NetSaveCallback "$(netsave_body)"
	assert_status 303
	# the query README.md and sql/002-audit.sql give to support
	assert_eq "$(psql_val "SELECT route, status, verdict FROM bank_callback_audit
		WHERE ord_id = '$NS_ORD' ORDER BY id")" \
		"/bank/netsave|200|stored
/bank/NetSaveCallback|303|redirected"
	# the retry added no audit row: the registry of signed strings counts it
	assert_eq "$(psql_val "SELECT route, seen, last_seen <= clock_timestamp() FROM bank_callback_signatures
		WHERE seen > 1")" "/bank/netsave|2|t"
	assert_rows bank_netsave 1
	[[ $(psql_val "SELECT bool_and(received_at <= clock_timestamp()) FROM bank_callback_audit") == t ]] ||
		fail "received_at is not a past time"
}

@test "audit: a failed account opening stores no customer, but is kept with personal data" {
	post_form /bank/register "$(register_body RespCode=101 'RespDesc=user cancelled' -UsrCustId)"
	assert_ack "$UR_TRX"
	assert_rows bank_customers 0
	assert_eq "$(audit "route, usr_id, status, verdict")" "/bank/register|pnr_alice|200|not opened"
	# personal data stays in PostgreSQL (and out of the log, see logging.bats)
	assert_eq "$(audit "fields->>'IdNo'")" 110101199001011234
}

@test "audit: a validly signed callback for another merchant is kept with its 403" {
	post_form /bank/netsave "$(netsave_body MerCustId=6000060000009999)"
	assert_error 403
	assert_rows bank_netsave 0
	assert_eq "$(audit "route, status, verdict")" "/bank/netsave|403|rejected"
}

@test "audit: a signed callback with a field out of shape is kept with its 400" {
	post_form /bank/CorpRegister "$(corp_body AuditStat=Z)"
	assert_error 400
	assert_rows bank_mer_customers 0
	assert_eq "$(audit "route, status")" "/bank/CorpRegister|400"
}

@test "audit: forged, unsigned and malformed requests are not kept" {
	SIGN_KEY=$OTHER_KEY
	post_form /bank/netsave "$(netsave_body)"
	assert_error 403
	post_form /bank/RegisterCallback "$(register_body)"
	assert_status 303
	SIGN_KEY=$BANK_KEY
	local body
	body=$(netsave_body)
	post_form /bank/netsave "${body%&ChkValue=*}"
	assert_error 403
	post_form /bank/netsave 'CmdId=NetSave&%zz=1'
	assert_error 400
	assert_rows bank_callback_audit 0
}

@test "audit: the table is append-only, for the handler's role and for its owner" {
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	local out
	out=$(as_handler_role "UPDATE bank_callback_audit SET verdict = 'failed'") && fail "role could UPDATE"
	[[ $out == *"permission denied"* ]] || fail "$out"
	out=$(as_handler_role "DELETE FROM bank_callback_audit") && fail "role could DELETE"
	[[ $out == *"permission denied"* ]] || fail "$out"
	out=$(psql_val "UPDATE bank_callback_audit SET verdict = 'failed'" 2>&1) && fail "owner could UPDATE"
	[[ $out == *"append-only"* ]] || fail "$out"
	out=$(psql_val "DELETE FROM bank_callback_audit" 2>&1) && fail "owner could DELETE"
	[[ $out == *"append-only"* ]] || fail "$out"
	out=$(psql_val "TRUNCATE bank_callback_audit" 2>&1) && fail "owner could TRUNCATE"
	[[ $out == *"append-only"* ]] || fail "$out"
	assert_eq "$(audit verdict)" stored
}

@test "role: the handler logs in as bank-callback, which cannot delete, truncate or change the schema" {
	assert_eq "$PGUSER" bank-callback "the handler's PGUSER"
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	assert_eq "$(psql_val "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls
		FROM pg_roles WHERE rolname = 'bank-callback'")" f "role attributes"
	local sql out
	for sql in "DELETE FROM bank_netsave" "TRUNCATE bank_customers" \
		"CREATE TABLE evil (x int)" "ALTER TABLE bank_netsave ADD COLUMN x int" \
		"DROP TABLE bank_customers" "SELECT * FROM bank_callback_audit"; do
		out=$(as_handler_role "$sql") && fail "the role could: $sql"
		[[ $out == *"permission denied"* || $out == *"must be owner"* ]] || fail "$sql: $out"
	done
	assert_rows bank_netsave 1
	assert_rows bank_customers 0
}
