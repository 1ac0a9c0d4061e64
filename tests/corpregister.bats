#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD, SIGN_KEY are read by lib/common.bash
# POST /bank/CorpRegister: company account, called again as the bank's audit moves on.

load lib/common

@test "CorpRegister: under audit without UsrCustId: row stored, no cache entry" {
	post_form /bank/CorpRegister "$(corp_body)"
	assert_ack "$CR_TRX"
	assert_eq "$(psql_val "SELECT usr_id || '|' || usr_name || '|' || coalesce(usr_cust_id, '') || '|' ||
		audit_stat || '|' || rtrim(trx_id) || '|' || open_bank_id || '|' || card_id || '|' || deleted
		FROM bank_mer_customers")" \
		"corp_acme|北京某某科技有限公司||P|$CR_TRX|ICBC|6222020200000000001|false"
	assert_eq "$(redis_cmd hexists bank-mer-customers corp_acme)" 0
}

@test "CorpRegister: opened later with UsrCustId: the latest state wins in one row, and is cached" {
	post_form /bank/CorpRegister "$(corp_body)"
	assert_ack "$CR_TRX"
	post_form /bank/CorpRegister "$(corp_body AuditStat=Y UsrCustId=6000060000777777 TrxId=201611200000000001 \
		AuditDesc=opened)"
	assert_ack 201611200000000001
	assert_rows bank_mer_customers 1
	assert_eq "$(psql_val "SELECT audit_stat || '|' || usr_cust_id || '|' || rtrim(trx_id) FROM bank_mer_customers")" \
		"Y|6000060000777777|201611200000000001"
	assert_eq "$(redis_cmd hget bank-mer-customers corp_acme)" 6000060000777777
}

@test "CorpRegister: the cache says what the row says: a late K naming a UsrCustId after a Y without one caches nothing" {
	post_form /bank/CorpRegister "$(corp_body AuditStat=Y)"
	assert_ack "$CR_TRX"
	# the bank's delayed "opening" step, older than the stored Y: kept out of the row
	post_form /bank/CorpRegister "$(corp_body AuditStat=K UsrCustId=6000060000777777 TrxId=201611180000000009)"
	assert_ack 201611180000000009
	assert_eq "$(psql_val "SELECT audit_stat || '|' || coalesce(usr_cust_id, 'NULL') FROM bank_mer_customers")" "Y|NULL"
	assert_redis_empty
	# once the row has a UsrCustId, a late older step caches the row's, not its own
	post_form /bank/CorpRegister "$(corp_body AuditStat=Y UsrCustId=6000060000888888 TrxId=201611200000000010)"
	assert_ack 201611200000000010
	redis_cmd flushall >/dev/null
	post_form /bank/CorpRegister "$(corp_body AuditStat=P TrxId=201611180000000011)"
	assert_ack 201611180000000011
	assert_eq "$(redis_cmd hget bank-mer-customers corp_acme)" 6000060000888888
}

@test "CorpRegister: the same callback twice gives one row" {
	local body
	body=$(corp_body AuditStat=Y UsrCustId=6000060000777777)
	post_form /bank/CorpRegister "$body"
	assert_ack "$CR_TRX"
	post_form /bank/CorpRegister "$body"
	assert_ack "$CR_TRX"
	assert_rows bank_mer_customers 1
	assert_eq "$(redis_cmd hlen bank-mer-customers)" 1
}

@test "CorpRegister: a Chinese company name of 50 characters is stored as UTF-8" {
	local name
	name=$(printf '汇%.0s' {1..50})
	post_form /bank/CorpRegister "$(corp_body "UsrName=$name")"
	assert_ack "$CR_TRX"
	assert_eq "$(psql_val "SELECT usr_name FROM bank_mer_customers")" "$name"
}

@test "CorpRegister: a company name of 51 characters is refused (400)" {
	post_form /bank/CorpRegister "$(corp_body "UsrName=$(printf '汇%.0s' {1..51})")"
	assert_error 400
	assert_nothing_written
}

@test "CorpRegister: the bank's retry writes the cache again from the row, so an entry Redis lost comes back" {
	local body
	body=$(corp_body AuditStat=Y UsrCustId=6000060000777777)
	post_form /bank/CorpRegister "$body"
	assert_ack "$CR_TRX"
	redis_cmd flushall >/dev/null
	post_form /bank/CorpRegister "$body"
	assert_ack "$CR_TRX"
	assert_rows bank_mer_customers 1
	assert_eq "$(redis_cmd hget bank-mer-customers corp_acme)" 6000060000777777
}
