#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD is read by lib/common.bash
# Schema versions and upgrades: a database at every earlier version, with rows in it, is
# brought to the latest by applying every sql/ file in order, as README "Upgrading" says;
# nothing is lost, the design's duplicate live rows are marked deleted as documented, and
# --check reports the version. Each test makes databases of its own in the suite's cluster;
# the shared database "bank" stays as it is.

load lib/common

SQL_FILES=("$TESTS_ROOT"/../sql/*.sql)
# The version every file gives: the last file's number (a --check that says otherwise means
# SCHEMA_VERSION_NEEDED in db/check.h was not raised with the file).
LATEST=$(basename "${SQL_FILES[-1]}")
LATEST=$((10#${LATEST%%-*}))
TABLES=(bank_customers bank_mer_customers bank_netsave bank_callback_audit bank_callback_replays)
HINT='apply sql/ (README "Upgrading")'
# Row ids of the fixtures: c customers, b companies (businesses), d top-ups (deposits).
id() { printf '00000000-0000-0000-0000-0000000000%s' "$1"; }

teardown() {
	local db
	for db in $(psql_val "SELECT datname FROM pg_database WHERE datname LIKE 'schema\_%'"); do
		psql_val "DROP DATABASE $db WITH (FORCE)" >/dev/null
	done
	common_teardown
}

db_sql() { # DB SQL: as the superuser, psql_val's output
	psql -U postgres -d "$1" -X -A -t -q -v ON_ERROR_STOP=1 -c "$2"
}

new_db() { # NAME
	psql_val "CREATE DATABASE $1" >/dev/null
}

has_table() { [[ $(db_sql "$1" "SELECT to_regclass('$2') IS NOT NULL") == t ]]; }

has_column() { # DB TABLE COLUMN
	[[ $(db_sql "$1" "SELECT count(*) FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name = '$2' AND column_name = '$3'") == 1 ]]
}

# As an operator would, with NOTICEs and WARNINGs kept in $BATS_TEST_TMPDIR/DB.messages.
apply_files() { # DB FILE...
	local db=$1 f
	shift
	for f; do
		PGOPTIONS='-c client_min_messages=notice' psql -U postgres -d "$db" -X -q \
			-v ON_ERROR_STOP=1 -f "$f" >/dev/null 2>>"$BATS_TEST_TMPDIR/$db.messages" ||
			fail "$f failed on $db:" "$(cat "$BATS_TEST_TMPDIR/$db.messages")"
	done
}

# The platform's original tables (doc/design.md), as made before this project: no NOT NULL,
# no default on id, no unique index. KEY is pnrid, or openid before 2016-11-16.
create_original() { # DB KEY
	db_sql "$1" "
	CREATE TABLE bank_customers (id uuid PRIMARY KEY, $2 char(25), cust_id char(16),
		created_at timestamp DEFAULT now(), updated_at timestamp DEFAULT now(),
		deleted boolean DEFAULT false);
	CREATE TABLE bank_mer_customers (id uuid PRIMARY KEY, usr_id varchar(25),
		usr_name varchar(50), usr_cust_id varchar(16), audit_stat char(1), trx_id char(18),
		open_bank_id varchar(8), card_id varchar(40), created_at timestamp DEFAULT now(),
		updated_at timestamp DEFAULT now(), deleted boolean DEFAULT false);
	CREATE TABLE bank_netsave (id uuid PRIMARY KEY, cust_id char(16), ord_id char(30),
		data json, done boolean DEFAULT false, created_at timestamp DEFAULT now(),
		updated_at timestamp DEFAULT now(), deleted boolean DEFAULT false)"
}

# Customers, companies and top-ups. DUP is the deleted flag of the copies a bank retry made
# before the unique indexes: false in the original tables, true where the indexes forbid
# them live. The upgrade must keep c3 (pnr_bob, the most recently updated), b2 (corp_a,
# likewise), d1 (O1, processed by the back office though older) and d4 (O2, the most recently
# updated), and mark the copies c2 c4 b1 d2 d3. c5 was deleted already.
fill_business() { # DB KEY DUP
	local db=$1 key=$2 dup=$3
	db_sql "$db" "
	INSERT INTO bank_customers (id, $key, cust_id, created_at, updated_at, deleted) VALUES
		('$(id c1)', 'pnr_alice', '6000060000000001', '2016-10-01 08:00', '2016-10-01 08:00', false),
		('$(id c2)', 'pnr_bob', '6000060000000002', '2016-10-02 08:00', '2016-10-02 08:00', $dup),
		('$(id c3)', 'pnr_bob', '6000060000000002', '2016-10-03 08:00', '2016-10-05 08:00', false),
		('$(id c4)', 'pnr_bob', '6000060000000009', '2016-10-04 08:00', '2016-10-04 08:00', $dup),
		('$(id c5)', 'pnr_bob', '6000060000000002', '2016-09-01 08:00', '2016-09-01 08:00', true);
	INSERT INTO bank_mer_customers (id, usr_id, usr_name, usr_cust_id, audit_stat, trx_id,
		open_bank_id, card_id, created_at, updated_at, deleted) VALUES
		('$(id b1)', 'corp_a', '北京某某科技有限公司', NULL, 'P', '201610010000000011', 'ICBC',
			'6222020200000000001', '2016-10-01 08:00', '2016-10-01 08:00', $dup),
		('$(id b2)', 'corp_a', '北京某某科技有限公司', '6000060000777777', 'Y',
			'201610030000000012', 'ICBC', '6222020200000000001', '2016-10-01 08:00',
			'2016-10-03 08:00', false),
		('$(id b3)', 'corp_b', '上海某某有限公司', NULL, 'T', '201610030000000013', NULL, NULL,
			'2016-10-03 08:00', '2016-10-03 08:00', false);
	INSERT INTO bank_netsave (id, cust_id, ord_id, data, done, created_at, updated_at, deleted)
	VALUES
		('$(id d1)', '6000060000000001', 'O1', '{\"TransAmt\": \"100.00\", \"RespCode\": \"000\"}',
			true, '2016-10-01 08:00', '2016-10-01 08:00', false),
		('$(id d2)', '6000060000000001', 'O1', '{\"TransAmt\": \"100.00\", \"RespCode\": \"000\"}',
			false, '2016-10-01 08:00', '2016-10-02 08:00', $dup),
		('$(id d3)', '6000060000000002', 'O2', '{\"TransAmt\": \"5.00\"}', false,
			'2016-10-02 08:00', '2016-10-02 08:00', $dup),
		('$(id d4)', '6000060000000002', 'O2', '{\"TransAmt\": \"5.00\"}', false,
			'2016-10-02 08:00', '2016-10-03 08:00', false),
		('$(id d5)', '6000060000000001', 'O3', '{\"TransAmt\": \"1.50\"}', false,
			'2016-10-04 08:00', '2016-10-04 08:00', false)" >/dev/null
	if has_column "$db" bank_netsave unsigned_data; then
		db_sql "$db" "UPDATE bank_netsave SET unsigned_data = '{\"FeeAmt\": \"0.00\"}'
			WHERE id = '$(id d4)'" >/dev/null
	fi
}

# Audit rows and replay counts, as far as the version has them.
fill_audit() { # DB
	local db=$1 cols='route, cmd_id, trx_id, ord_id, usr_id, usr_cust_id, status, verdict,
		fields, body' hashes1='' hashes2=''
	has_table "$db" bank_callback_audit || return 0
	if has_column "$db" bank_callback_audit signed_hash; then
		cols+=', signed_hash, meaning_hash'
		hashes1=", '\\xaa01', '\\xbb01'"
		hashes2=", '\\xaa02', '\\xbb02'"
	fi
	db_sql "$db" "INSERT INTO bank_callback_audit ($cols) VALUES
		('/bank/netsave', 'NetSave', '201610010000000001', 'O1', NULL, '6000060000000001', 200,
			'stored', '{\"CmdId\": \"NetSave\", \"OrdId\": \"O1\"}', 'CmdId=NetSave&OrdId=O1'$hashes1),
		('/bank/register', 'UserRegister', '201610010000000002', NULL, 'pnr_alice',
			'6000060000000001', 409, 'bound to another UsrCustId', '{\"CmdId\": \"UserRegister\"}',
			'CmdId=UserRegister&UsrId=pnr_alice'$hashes2)" >/dev/null
	if has_table "$db" bank_callback_replays; then
		db_sql "$db" "INSERT INTO bank_callback_replays (signed_hash, route, meaning_hash, seen)
			VALUES ('\\xaa01', '/bank/netsave', '\\xbb01', 3)" >/dev/null
	fi
}

# BEFORE: every row of every table the database has, one line each, sorted, as the columns it
# has now show it, with the ids MARKED shown deleted: what the upgrade must leave. QUERIES
# keeps the queries to read the same columns after the upgrade (openid read as pnrid).
rows_before() { # DB [MARKED: ids, comma-separated]
	local db=$1 t list marked="deleted OR id = ANY ('{${2:-}}'::uuid[])"
	QUERIES=() BEFORE=''
	for t in "${TABLES[@]}"; do
		has_table "$db" "$t" || continue
		list=$(db_sql "$db" "SELECT string_agg(quote_ident(column_name), ', '
			ORDER BY ordinal_position) FROM information_schema.columns
			WHERE table_schema = 'public' AND table_name = '$t'")
		QUERIES+=("SELECT '$t', r::text FROM (SELECT ${list/openid/pnrid} FROM $t) r ORDER BY 2")
		[[ $t == bank_callback_* ]] || list=${list/deleted/$marked}
		BEFORE+=$(db_sql "$db" "SELECT '$t', r::text FROM (SELECT $list FROM $t) r ORDER BY 2")
		BEFORE+=$'\n'
	done
}

# AFTER: the same rows read again.
rows_after() { # DB
	local q
	((${#QUERIES[@]})) || fail "rows_before found no table"
	AFTER=''
	for q in "${QUERIES[@]}"; do
		AFTER+=$(db_sql "$1" "$q")$'\n'
	done
}

assert_same_rows() { # BEFORE AFTER
	[[ $1 == "$2" ]] || fail "rows differ after the upgrade:" \
		"$(diff <(printf '%s\n' "$1") <(printf '%s\n' "$2"))"
}

# --check on DB; its status and its schema line.
check_schema() { # DB
	run env PGDATABASE="$1" "$BIN" --check
	SCHEMA_LINE=$(grep ' schema: ' <<<"$output") || fail "no schema line:" "$output"
}

assert_check_passes() { # DB
	check_schema "$1"
	((status == 0)) || fail "--check on $1 exited $status:" "$output"
	assert_eq "$SCHEMA_LINE" "ok schema: version $LATEST" "--check's schema line on $1"
	[[ $output == *"ok privileges: bank-callback may run all"* ]] || fail "privileges:" "$output"
}

@test "schema: a database made by every file is at the last file's version, and --check says so" {
	assert_eq "$(psql_val 'SELECT max(version) FROM bank_callback_schema_version')" "$LATEST"
	assert_eq "$(psql_val 'SELECT count(*) FROM bank_callback_schema_version')" "$LATEST" \
		"versions recorded"
	assert_check_passes bank
}

@test "schema: from every earlier version, applying every file keeps every row, and --check passes" {
	local k n=${#SQL_FILES[@]} db version
	for ((k = 1; k < n; k++)); do
		db=schema_v$k
		new_db "$db"
		apply_files "$db" "${SQL_FILES[@]:0:k}"
		fill_business "$db" pnrid true
		fill_audit "$db"

		# before the upgrade, --check refuses this database, and says why
		check_schema "$db"
		((status == 1)) || fail "--check at version $k exited $status:" "$output"
		if has_table "$db" bank_callback_schema_version; then
			version=$(db_sql "$db" 'SELECT max(version) FROM bank_callback_schema_version')
			assert_eq "$SCHEMA_LINE" \
				"FAIL schema: version $version, this binary needs $LATEST: $HINT" "at version $k"
		else
			assert_eq "$SCHEMA_LINE" "FAIL schema: no version table (bank_callback_schema_version), so older than the version $LATEST this binary needs: $HINT" \
				"at version $k"
		fi

		rows_before "$db"
		[[ $BEFORE == *'bank_netsave|'*'bank_callback_audit|'* || $k -lt 2 ]] ||
			fail "rows missing at version $k:" "$BEFORE"
		apply_files "$db" "${SQL_FILES[@]}"
		rows_after "$db"
		assert_same_rows "$BEFORE" "$AFTER"
		assert_eq "$(db_sql "$db" 'SELECT count(*) FROM bank_callback_upgrade_log')" 0 \
			"rows the upgrade from version $k marked or left"
		assert_check_passes "$db"
	done
}

@test "schema: the design's original tables: duplicates marked deleted and logged, NULLs left and logged, nothing lost" {
	local db=schema_original log
	new_db "$db"
	create_original "$db" pnrid
	fill_business "$db" pnrid false
	# NULLs where a value is now required: the upgrade does not make them up
	db_sql "$db" "INSERT INTO bank_customers (id, pnrid, cust_id, deleted) VALUES
		('$(id c6)', 'pnr_carol', '6000060000000003', NULL),
		('$(id c7)', 'pnr_dave', NULL, false)" >/dev/null
	rows_before "$db" "$(id c2),$(id c4),$(id b1),$(id d2),$(id d3)"
	apply_files "$db" "${SQL_FILES[@]}"
	rows_after "$db"
	assert_same_rows "$BEFORE" "$AFTER"
	assert_eq "$(db_sql "$db" 'SELECT count(*) FROM bank_customers')" 7 "customers"
	assert_eq "$(db_sql "$db" 'SELECT count(*) FROM bank_netsave')" 5 "top-ups"

	log=$(db_sql "$db" "SELECT table_name, right(row_id::text, 2), right(kept_id::text, 2), reason
		FROM bank_callback_upgrade_log ORDER BY 1, 2, 4")
	assert_eq "$log" "bank_customers|c2|c3|duplicate live pnrid, marked deleted
bank_customers|c4|c3|duplicate live pnrid, marked deleted; another cust_id than the row kept
bank_customers|c6||deleted is NULL: left as it is
bank_customers|c7||cust_id is NULL: left as it is
bank_mer_customers|b1|b2|duplicate live usr_id, marked deleted
bank_netsave|d2|d1|duplicate live ord_id, marked deleted
bank_netsave|d3|d4|duplicate live ord_id, marked deleted" "bank_callback_upgrade_log"

	# columns holding NULLs stay nullable; every other one is as a fresh database has it
	assert_eq "$(db_sql "$db" "SELECT string_agg(table_name || '.' || column_name, ' '
		ORDER BY table_name, column_name) FROM information_schema.columns
		WHERE table_name IN ('bank_customers', 'bank_mer_customers', 'bank_netsave')
		AND is_nullable = 'YES'")" \
		"bank_customers.cust_id bank_customers.deleted bank_mer_customers.card_id bank_mer_customers.open_bank_id bank_mer_customers.usr_cust_id bank_mer_customers.usr_name bank_netsave.unsigned_data" \
		"nullable columns"

	# the operator's messages: counts and column names, no customer's id or name
	grep -q 'WARNING:  bank_customers: rows marked that named another cust_id than the row kept: 1' \
		"$BATS_TEST_TMPDIR/$db.messages" || fail "no warning:" "$(cat "$BATS_TEST_TMPDIR/$db.messages")"
	! grep -E 'pnr_|60000600|corp_|O[123]' "$BATS_TEST_TMPDIR/$db.messages" ||
		fail "a message names a customer or an order"

	# applying again changes nothing and logs nothing twice
	local after=$AFTER
	apply_files "$db" "${SQL_FILES[@]}"
	rows_after "$db"
	assert_same_rows "$after" "$AFTER"
	assert_eq "$(db_sql "$db" 'SELECT count(*) FROM bank_callback_upgrade_log')" 7 "log rows"
	assert_check_passes "$db"
}

@test "schema: the original tables with openid become exactly what a fresh database has" {
	local db=schema_openid tables="'bank_customers', 'bank_mer_customers', 'bank_netsave'"
	local shape="SELECT table_name, column_name, data_type, character_maximum_length,
		is_nullable, column_default FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name IN ($tables)
		ORDER BY table_name, ordinal_position"
	local indexes="SELECT indexdef FROM pg_indexes WHERE tablename IN ($tables) ORDER BY 1"
	new_db "$db"
	create_original "$db" openid
	fill_business "$db" openid false
	rows_before "$db" "$(id c2),$(id c4),$(id b1),$(id d2),$(id d3)"
	apply_files "$db" "${SQL_FILES[@]}"
	rows_after "$db"
	assert_same_rows "$BEFORE" "$AFTER"
	assert_eq "$(db_sql "$db" "SELECT rtrim(pnrid) FROM bank_customers WHERE NOT deleted
		ORDER BY 1" | tr '\n' ' ')" "pnr_alice pnr_bob " "live pnrids"
	assert_eq "$(db_sql "$db" "$shape")" "$(psql_val "$shape")" "columns against a fresh database"
	assert_eq "$(db_sql "$db" "$indexes")" "$(psql_val "$indexes")" "indexes against a fresh database"
	assert_check_passes "$db"
}

@test "schema: a UserRegister callback works on a database upgraded from the original tables" {
	local db=schema_callback
	new_db "$db"
	create_original "$db" openid
	fill_business "$db" openid false
	apply_files "$db" "${SQL_FILES[@]}"
	BIN_CMD=(env PGDATABASE="$db" "$BIN")
	# a new user: a live row with an id of its own
	post_form /bank/register "$(register_body UsrId=pnr_erin)"
	assert_ack "$UR_TRX"
	assert_eq "$(db_sql "$db" "SELECT cust_id || '|' || deleted || '|' || (id IS NOT NULL)
		FROM bank_customers WHERE pnrid = 'pnr_erin'")" "6000060000123456|false|true" \
		"pnr_erin's row"
	assert_eq "$(redis_cmd hget bank-customers pnr_erin)" 6000060000123456
	# the kept row of a user with duplicates is the one the handler finds: the same binding
	# is acknowledged, another one refused
	post_form /bank/register "$(register_body UsrId=pnr_bob UsrCustId=6000060000000002 TrxId=201611190000000009)"
	assert_ack 201611190000000009
	post_form /bank/register "$(register_body UsrId=pnr_bob UsrCustId=6000060000000009 TrxId=201611190000000010)"
	assert_error 409
	assert_eq "$(db_sql "$db" "SELECT count(*) FROM bank_customers WHERE pnrid = 'pnr_bob'")" 4 \
		"pnr_bob's rows"
}

@test "schema: --check fails on a skipped file and passes a newer schema, saying so" {
	local db=schema_versions
	new_db "$db"
	apply_files "$db" "${SQL_FILES[@]}"

	# as a file after this binary's would record itself
	db_sql "$db" "INSERT INTO bank_callback_schema_version (version, file)
		VALUES ($((LATEST + 1)), 'next.sql')"
	check_schema "$db"
	((status == 0)) || fail "--check on a newer schema exited $status:" "$output"
	assert_eq "$SCHEMA_LINE" \
		"ok schema: version $((LATEST + 1)), newer than the $LATEST this binary needs (files only add)"

	db_sql "$db" "DELETE FROM bank_callback_schema_version WHERE version IN (3, $((LATEST + 1)))"
	check_schema "$db"
	((status == 1)) || fail "--check with version 3 missing exited $status:" "$output"
	assert_eq "$SCHEMA_LINE" "FAIL schema: version $LATEST without 3: $HINT"

	db_sql "$db" "DELETE FROM bank_callback_schema_version WHERE version >= $LATEST;
		INSERT INTO bank_callback_schema_version (version, file) VALUES (3, '003-role.sql')"
	check_schema "$db"
	((status == 1)) || fail "--check on an older schema exited $status:" "$output"
	assert_eq "$SCHEMA_LINE" "FAIL schema: version $((LATEST - 1)), this binary needs $LATEST: $HINT"
}

@test "schema: a verdict is one of the binary's words; an upgrade keeps every word stored, and --check names a missing one" {
	local db=schema_verdicts v11=("${SQL_FILES[@]:0:11}") t
	for t in bank_callback_audit bank_callback_signatures; do
		assert_eq "$(psql_val "SELECT atttypid::regtype FROM pg_attribute
			WHERE attrelid = '$t'::regclass AND attname = 'verdict'")" bank_callback_verdict "$t.verdict"
	done

	# at version 11, an audit row with a word no binary writes now
	new_db "$db"
	apply_files "$db" "${v11[@]}"
	assert_eq "$(basename "${v11[-1]}")" 011-orders.sql
	fill_audit "$db"
	apply_files "$db" "${SQL_FILES[@]}"
	assert_eq "$(db_sql "$db" "SELECT verdict FROM bank_callback_audit WHERE status = 409")" \
		'bound to another UsrCustId' "the old word, kept"
	assert_eq "$(db_sql "$db" "SELECT verdict FROM bank_callback_signatures WHERE status = 409")" \
		'bound to another UsrCustId' "the registry's"
	assert_check_passes "$db"

	# a label the binary writes, gone: --check says which, before any request fails on it
	db_sql "$db" "ALTER TYPE bank_callback_verdict RENAME VALUE 'notice stored' TO 'notice kept'"
	check_schema "$db"
	((status == 1)) || fail "--check without a verdict exited $status:" "$output"
	assert_eq "$SCHEMA_LINE" "FAIL schema: bank_callback_verdict has no \"notice stored\": $HINT"

	# a stored word longer than a label may be: the file stops, nothing changed
	db=schema_verdicts_long
	new_db "$db"
	apply_files "$db" "${v11[@]}"
	db_sql "$db" "INSERT INTO bank_callback_audit (route, status, verdict, fields, body)
		VALUES ('/bank/netsave', 400, repeat('v', 64), '{}', 'x')" >/dev/null
	run psql -U postgres -d "$db" -X -q -v ON_ERROR_STOP=1 -f "${SQL_FILES[11]}"
	[[ $status -ne 0 && $output == *"012: verdicts longer than a label may be, nothing changed: '$(printf 'v%.0s' {1..64})'"* ]] ||
		fail "012 on a 64-byte word:" "$output"
	assert_eq "$(db_sql "$db" "SELECT atttypid::regtype FROM pg_attribute
		WHERE attrelid = 'bank_callback_audit'::regclass AND attname = 'verdict'")" text "the column after the failure"
}

@test "schema: tables not the ones this binary uses fail --check by name and health with 503; a schema it may not use is a privilege" {
	local db=schema_shape log
	new_db "$db"
	apply_files "$db" "${SQL_FILES[@]}"
	# the version row is right, a column is not
	db_sql "$db" "ALTER TABLE bank_netsave RENAME COLUMN unsigned_data TO unsigned_fields"
	run env PGDATABASE="$db" "$BIN" --check
	((status == 1)) || fail "--check exited $status:" "$output"
	[[ $output == *$'\n'"FAIL schema: top-up insert: postgresql: column \"unsigned_data\" of relation \"bank_netsave\" does not exist"*": the tables are not the ones this binary uses: $HINT"* ]] ||
		fail "no FAIL schema line naming the column:" "$output"
	[[ $output != *"FAIL privileges"* ]] || fail "a missing column reported as a privilege:" "$output"
	PGDATABASE=$db stdin_request GET /bank/health ''
	assert_status 503
	log=$(<"$BATS_TEST_TMPDIR/stderr")
	# (the log line's quotes are its own: the note's become ')
	[[ $log == *"note=\"postgresql: column 'unsigned_data' of relation 'bank_netsave' does not exist"* ]] ||
		fail "health's log line does not name the column:" "$log"
	db_sql "$db" "ALTER TABLE bank_netsave RENAME COLUMN unsigned_fields TO unsigned_data"
	PGDATABASE=$db stdin_request GET /bank/health ''
	assert_status 200

	# the role may not look into the schema: a privilege, not "no version table"
	db_sql "$db" "REVOKE ALL ON SCHEMA public FROM PUBLIC; REVOKE ALL ON SCHEMA public FROM \"bank-callback\""
	run env PGDATABASE="$db" "$BIN" --check
	((status == 1)) || fail "--check exited $status:" "$output"
	[[ $output == *$'\n'"FAIL privileges: bank-callback may not use the schema public, which holds the tables (GRANT USAGE ON SCHEMA ... TO \"bank-callback\")"* ]] ||
		fail "no FAIL privileges line for the schema:" "$output"
	[[ $output != *"no version table"* ]] || fail "reported as no version table:" "$output"
}
