#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD, SIGN_KEY are read by lib/common.bash
# POST /bank/register: the bank's UserRegister (account opened) background callback.

load lib/common

@test "register: a successful account opening is stored, cached and acknowledged" {
	post_form /bank/register "$(register_body)"
	assert_ack "$UR_TRX"
	assert_eq "$(psql_val "SELECT rtrim(pnrid) || '|' || cust_id || '|' || deleted FROM bank_customers")" \
		"pnr_alice|6000060000123456|false"
	assert_eq "$(redis_cmd hget bank-customers pnr_alice)" 6000060000123456
	assert_eq "$(redis_cmd hget customers-pnrid 6000060000123456)" pnr_alice
}

@test "register: a 25-byte UsrId (the longest pnrid) is accepted" {
	local id=abcdefghijklmnopqrstuvwxy
	post_form /bank/register "$(register_body "UsrId=$id")"
	assert_ack "$UR_TRX"
	assert_eq "$(psql_val "SELECT pnrid::text FROM bank_customers")" "$id"
	assert_eq "$(redis_cmd hget bank-customers "$id")" 6000060000123456
}

@test "register: a failed opening (RespCode not 000, no UsrCustId) is acknowledged and not stored" {
	post_form /bank/register "$(register_body RespCode=101 'RespDesc=user cancelled' -UsrCustId)"
	assert_ack "$UR_TRX"
	assert_rows bank_customers 0
	assert_redis_empty
}

@test "register: the same callback twice gives one row and the same cache" {
	local body
	body=$(register_body)
	post_form /bank/register "$body"
	assert_ack "$UR_TRX"
	local first
	first=$(psql_val "SELECT id FROM bank_customers")
	post_form /bank/register "$body"
	assert_ack "$UR_TRX"
	assert_rows bank_customers 1
	assert_eq "$(psql_val "SELECT id FROM bank_customers")" "$first" "row id after the retry"
	assert_eq "$(redis_cmd hgetall bank-customers | tr '\n' ' ')" "pnr_alice 6000060000123456 "
	assert_eq "$(redis_cmd hgetall customers-pnrid | tr '\n' ' ')" "6000060000123456 pnr_alice "
}

@test "register: two users give two rows" {
	post_form /bank/register "$(register_body)"
	assert_ack "$UR_TRX"
	post_form /bank/register "$(register_body UsrId=pnr_bob UsrCustId=6000060000654321 TrxId=201611190000000009)"
	assert_ack 201611190000000009
	assert_rows bank_customers 2
	assert_eq "$(redis_cmd hget bank-customers pnr_bob)" 6000060000654321
	assert_eq "$(redis_cmd hget customers-pnrid 6000060000654321)" pnr_bob
}

@test "register: the ack carries the callback's own TrxId" {
	post_form /bank/register "$(register_body TrxId=947316106017971689)"
	assert_ack 947316106017971689
}

@test "register: blanks around signed values are trimmed for the signature and for storage" {
	post_form /bank/register "$(register_body 'UsrId= pnr_alice ' 'UsrCustId=6000060000123456 ')"
	assert_ack "$UR_TRX"
	assert_eq "$(psql_val "SELECT pnrid::text || '|' || cust_id FROM bank_customers")" "pnr_alice|6000060000123456"
	assert_eq "$(redis_cmd hget bank-customers pnr_alice)" 6000060000123456
}

@test "register: an HTTP/1.0 request with lower-case header names is served" {
	local body
	body=$(register_body)
	send_raw "POST /bank/register HTTP/1.0"$'\r\n'"content-type: application/x-www-form-urlencoded"$'\r\n'"content-length: ${#body}"$'\r\n\r\n'"$body"
	assert_ack "$UR_TRX"
	assert_rows bank_customers 1
}

@test "register: the bank's retry writes the cache again from the row, so an entry Redis lost comes back" {
	local body
	body=$(register_body)
	post_form /bank/register "$body"
	assert_ack "$UR_TRX"
	# Redis restarted without its AOF, or a failover dropped the write
	redis_cmd flushall >/dev/null
	post_form /bank/register "$body"
	assert_ack "$UR_TRX"
	assert_rows bank_customers 1
	assert_eq "$(redis_cmd hget bank-customers pnr_alice)" 6000060000123456
	assert_eq "$(redis_cmd hget customers-pnrid 6000060000123456)" pnr_alice
	# a row soft-deleted since: the retry leaves it so, and caches nothing of it
	psql_val "UPDATE bank_customers SET deleted = true" >/dev/null
	redis_cmd flushall >/dev/null
	post_form /bank/register "$body"
	assert_ack "$UR_TRX"
	assert_redis_empty
}
