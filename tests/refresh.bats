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

# N customers (big_1 => 7000000000000001, ...) and N/10 companies, straight into PostgreSQL.
seed_large() { # N
	psql_val "
		INSERT INTO bank_customers (pnrid, cust_id)
			SELECT 'big_' || g, (7000000000000000 + g)::text FROM generate_series(1, $1) g;
		INSERT INTO bank_mer_customers (usr_id, usr_cust_id, audit_stat, trx_id)
			SELECT 'bigcorp_' || g, (8000000000000000 + g)::text, 'Y', lpad(g::text, 18, '0')
			FROM generate_series(1, $1 / 10) g;" >/dev/null
}

@test "RefreshRedis: callbacks that commit while a large refresh runs are in the rebuilt hashes" {
	local n=300000 i pid during=0 bodies=() corps=()
	# Under valgrind (make check-valgrind, beside the fuzzers in CI) the route's 25 s is
	# too short for 300,000 rows; callbacks are as slow there, so fewer rows still overlap.
	[[ -z ${VALGRIND:-} ]] || n=150000
	seed_large "$n"
	for ((i = 10; i < 70; i++)); do
		bodies+=("$(register_body "UsrId=pnr_live_$i" "UsrCustId=60000600001234$i" "TrxId=2016111900000001$i")")
		corps+=("$(corp_body "UsrId=corp_live_$i" AuditStat=Y "UsrCustId=60000600007777$i" "TrxId=2016111900000002$i")")
	done
	build_request POST /bank/RefreshRedis CmdId=RefreshRedis "Authorization: Bearer $(admin_token)"
	printf '%s' "$REQUEST" | "${BIN_CMD[@]}" >"$BATS_TEST_TMPDIR/refresh" 2>/dev/null &
	pid=$!
	# Callbacks, one after the other, for as long as the refresh runs: some commit
	# after its snapshot and write their pairs before its RENAME.
	for ((i = 0; i < ${#bodies[@]}; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		post_form /bank/register "${bodies[i]}"
		assert_status 200
		post_form /bank/CorpRegister "${corps[i]}"
		assert_status 200
		kill -0 "$pid" 2>/dev/null && during=$((during + 1))
	done
	wait "$pid"
	((during >= 3)) || fail "only $during callback pairs ran during the refresh: make the table larger"
	parse_response "$BATS_TEST_TMPDIR/refresh"
	assert_status 200
	# Every acknowledged callback's pair is in the rebuilt hashes.
	for ((i = 10; i < 10 + during; i++)); do
		assert_eq "$(redis_cmd hget bank-customers "pnr_live_$i")" "60000600001234$i" "bank-customers pnr_live_$i"
		assert_eq "$(redis_cmd hget customers-pnrid "60000600001234$i")" "pnr_live_$i" "customers-pnrid 60000600001234$i"
		assert_eq "$(redis_cmd hget bank-mer-customers "corp_live_$i")" "60000600007777$i" "bank-mer-customers corp_live_$i"
	done
	assert_eq "$(redis_cmd hlen bank-customers)" "$(psql_val "SELECT count(*) FROM bank_customers")" "bank-customers size"
	assert_eq "$(redis_cmd hlen bank-mer-customers)" "$(psql_val "SELECT count(*) FROM bank_mer_customers")" "bank-mer-customers size"
	assert_eq "$(redis_cmd keys '*.rebuild.*')" "" "temporary hashes left behind"
}

@test "RefreshRedis: two refreshes at once both finish, and leave the whole hashes" {
	local pids=() i
	seed_large 100000
	build_request POST /bank/RefreshRedis CmdId=RefreshRedis "Authorization: Bearer $(admin_token)"
	for i in 1 2; do
		printf '%s' "$REQUEST" | "${BIN_CMD[@]}" >"$BATS_TEST_TMPDIR/refresh$i" 2>/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in 1 2; do
		parse_response "$BATS_TEST_TMPDIR/refresh$i"
		assert_status 200
		assert_body $'bank-customers 100000\ncustomers-pnrid 100000\nbank-mer-customers 10000\n'
	done
	assert_eq "$(redis_cmd hlen bank-customers)" 100000
	assert_eq "$(redis_cmd hlen customers-pnrid)" 100000
	assert_eq "$(redis_cmd hlen bank-mer-customers)" 10000
	assert_eq "$(redis_cmd keys '*.rebuild.*')" "" "temporary hashes left behind"
}

@test "--refresh-redis: the same rebuild from the command line, no token, no request" {
	seed
	run "$BIN" --refresh-redis
	assert_eq "$status" 0 "exit status"
	assert_eq "$output" $'bank-customers 2\ncustomers-pnrid 2\nbank-mer-customers 2'
	assert_eq "$(hash_dump bank-customers)" "pnr_alice=6000060000000011 pnr_bob=6000060000000012 " bank-customers
	assert_eq "$(hash_dump bank-mer-customers)" "corp_a=6000060000000021 corp_b=6000060000000022 " bank-mer-customers
}

@test "--refresh-redis: Redis unreachable fails with one line and exit 1, PostgreSQL untouched" {
	seed
	BANK_CALLBACK_REDIS=127.0.0.1:$(free_port) run "$BIN" --refresh-redis
	assert_eq "$status" 1 "exit status"
	[[ $output == "FAIL refresh: redis connect at 127.0.0.1:"* ]] || fail "output: $output"
	assert_unchanged
}
