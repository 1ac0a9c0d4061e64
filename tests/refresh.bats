#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD, SIGN_KEY are read by lib/common.bash
# POST /bank/RefreshRedis: an operator rebuilds the Redis hashes from PostgreSQL.

load lib/common

refresh() { # [HEADER...]
	post_form /bank/RefreshRedis CmdId=RefreshRedis "$@"
}

# Two live customers and one deleted; two opened companies, one under audit, one deleted.
seed() {
	psql_val "
		INSERT INTO bank_customers (id, pnrid, cust_id, deleted) VALUES
			(gen_random_uuid(), 'pnr_alice', '6000060000000011', false),
			(gen_random_uuid(), 'pnr_bob',   '6000060000000012', false),
			(gen_random_uuid(), 'pnr_gone',  '6000060000000013', true);
		INSERT INTO bank_mer_customers (id, usr_id, usr_name, usr_cust_id, audit_stat, trx_id, deleted) VALUES
			(gen_random_uuid(), 'corp_a', 'A Ltd', '6000060000000021', 'Y', '1', false),
			(gen_random_uuid(), 'corp_b', 'B Ltd', '6000060000000022', 'Y', '2', false),
			(gen_random_uuid(), 'corp_p', 'P Ltd', NULL,               'P', '3', false),
			(gen_random_uuid(), 'corp_x', 'X Ltd', '6000060000000023', 'Y', '4', true);
	" >/dev/null
	# stale entries a rebuild must drop
	redis_cmd hset bank-customers pnr_stale 6000060000000099 >/dev/null
	redis_cmd hset customers-pnrid 6000060000000099 pnr_stale >/dev/null
	redis_cmd hset bank-mer-customers corp_stale 6000060000000098 >/dev/null
}

hash_dump() { redis_cmd hgetall "$1" | paste -d= - - | sort | tr '\n' ' '; }

assert_unchanged() {
	assert_eq "$(hash_dump bank-customers)" "pnr_stale=6000060000000099 " bank-customers
	assert_eq "$(hash_dump customers-pnrid)" "6000060000000099=pnr_stale " customers-pnrid
	assert_eq "$(hash_dump bank-mer-customers)" "corp_stale=6000060000000098 " bank-mer-customers
}

@test "RefreshRedis: no token gives 401 with WWW-Authenticate and changes nothing" {
	seed
	refresh
	assert_error 401
	[[ $(header WWW-Authenticate) == Bearer* ]] || fail "WWW-Authenticate: $(header WWW-Authenticate)"
	assert_unchanged
}

@test "RefreshRedis: a wrong token gives 401 and changes nothing" {
	seed
	refresh "Authorization: Bearer $(admin_token)x"
	assert_error 401
	refresh "Authorization: Bearer ${BANK_CALLBACK_ADMIN_TOKEN_FILE}"
	assert_error 401
	refresh "Authorization: Basic $(admin_token)"
	assert_error 401
	refresh "Authorization: Bearer "
	assert_error 401
	assert_unchanged
}

@test "RefreshRedis: the right token rebuilds the three hashes from live rows only" {
	seed
	refresh "Authorization: Bearer $(admin_token)"
	assert_status 200
	assert_body $'bank-customers 2\ncustomers-pnrid 2\nbank-mer-customers 2\n'
	assert_eq "$(hash_dump bank-customers)" "pnr_alice=6000060000000011 pnr_bob=6000060000000012 " bank-customers
	assert_eq "$(hash_dump customers-pnrid)" "6000060000000011=pnr_alice 6000060000000012=pnr_bob " customers-pnrid
	assert_eq "$(hash_dump bank-mer-customers)" "corp_a=6000060000000021 corp_b=6000060000000022 " bank-mer-customers
}

@test "RefreshRedis: empty tables give empty hashes and zero counts" {
	redis_cmd hset bank-customers pnr_stale 6000060000000099 >/dev/null
	refresh "Authorization: Bearer $(admin_token)"
	assert_status 200
	assert_body $'bank-customers 0\ncustomers-pnrid 0\nbank-mer-customers 0\n'
	assert_redis_empty
}

@test "RefreshRedis: works through the socket with curl" {
	seed
	socket_start
	curl_request POST /bank/RefreshRedis CmdId=RefreshRedis -H "Authorization: Bearer $(admin_token)"
	assert_status 200
	assert_body $'bank-customers 2\ncustomers-pnrid 2\nbank-mer-customers 2\n'
}

@test "RefreshRedis: no token file configured gives 500" {
	seed
	BIN_CMD=(env -u BANK_CALLBACK_ADMIN_TOKEN_FILE "$BIN")
	refresh "Authorization: Bearer $(admin_token)"
	assert_error 500
	assert_unchanged
}
