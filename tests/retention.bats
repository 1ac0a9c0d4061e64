#!/usr/bin/env bats
# Audit retention (sql/008-audit-partitions.sql): bank_callback_audit is partitioned by month
# (China time); the role bank-callback-retention drops the months older than the period with one
# command, and nothing else may remove a row.

load lib/common

CONVERT_DB=retention_convert

teardown() {
	PGDATABASE=postgres psql_val "DROP DATABASE IF EXISTS $CONVERT_DB" >/dev/null
	common_teardown
}

as_role() { # ROLE SQL: psql as ROLE; prints the result or psql's error
	psql -U "$1" -X -A -t -q -v ON_ERROR_STOP=1 -c "$2" 2>&1
}

# README's command, as the retention role
retire() { # PERIOD
	as_role bank-callback-retention "SELECT * FROM bank_callback_audit_retire('$1')"
}

audit_row() { # WHEN (an SQL timestamptz expression): one audit row, inserted as the owner; prints its id
	psql_val "INSERT INTO bank_callback_audit (received_at, route, status, verdict, fields, body)
		VALUES ($1, '/bank/netsave', 200, 'stored', '{\"IdNo\":\"110101199001011234\"}', 'x')
		RETURNING id"
}

month_of() { # WHEN: the name of the partition for WHEN's month, China time
	psql_val "SELECT 'bank_callback_audit_' || to_char(($1) AT TIME ZONE 'Asia/Shanghai', 'YYYY_MM')"
}

partition_of() { # ID: the partition holding audit row ID
	psql_val "SELECT tableoid::regclass FROM bank_callback_audit WHERE id = $1"
}

@test "retention: the retention role's command drops the months older than the period, and only them" {
	local five_in two now out
	audit_row "now() - interval '6 years'" >/dev/null
	audit_row "now() - interval '5 years 2 months'" >/dev/null
	# the cutoff's own month ends after the cutoff: kept whole
	five_in=$(audit_row "now() - interval '5 years' + interval '1 day'")
	two=$(audit_row "now() - interval '2 years'")
	now=$(audit_row "now()")
	out=$(retire '5 years') || fail "$out"
	assert_eq "$(grep '^dropped|' <<<"$out" | cut -d'|' -f2,5 | sort)" \
		"$(printf '%s|1\n' "$(month_of "now() - interval '6 years'")" \
			"$(month_of "now() - interval '5 years 2 months'")" | sort)" "dropped partitions"
	assert_eq "$(psql_val "SELECT string_agg(id::text, ' ' ORDER BY id) FROM bank_callback_audit")" \
		"$five_in $two $now" "rows left"
	assert_eq "$(psql_val "SELECT count(*) FROM bank_callback_audit_default")" 0 "rows in the default partition"
	[[ -z $(psql_val "SELECT to_regclass('$(month_of "now() - interval '6 years'")')") ]] ||
		fail "the six-year-old month is still there"
	# the next run has nothing left to drop
	out=$(retire '5 years') || fail "$out"
	[[ $out != *dropped* ]] || fail "dropped again: $out"
}

@test "retention: a period under the minimum of 1 year is refused and drops nothing" {
	local out period
	audit_row "now() - interval '13 months'" >/dev/null
	for period in '11 months' '364 days' '-5 years'; do
		out=$(retire "$period") && fail "$period accepted: $out"
		[[ $out == *"under the minimum retention of 1 year; nothing dropped"* ]] || fail "$period: $out"
	done
	assert_rows bank_callback_audit 1
	out=$(retire '1 year') || fail "$out"
	[[ $out == *"dropped|$(month_of "now() - interval '13 months'")|"* ]] || fail "1 year: $out"
	assert_rows bank_callback_audit 0
}

@test "retention: a row that fell into the default partition is moved into its new month, id kept" {
	local when="now() + interval '2 years'" id out
	id=$(audit_row "$when")
	assert_eq "$(partition_of "$id")" bank_callback_audit_default
	# PostgreSQL alone would refuse this month's partition while the default holds its row
	out=$(retire '5 years') || fail "$out"
	[[ $out == *"created|$(month_of "$when")|"*"|1"* ]] || fail "$out"
	assert_eq "$(partition_of "$id")" "$(month_of "$when")"
	assert_eq "$(psql_val "SELECT count(*) FROM bank_callback_audit_default")" 0 "rows in the default partition"
	# identity goes on after it
	[[ $(audit_row "now()") -gt $id ]] || fail "identity went back"
}

@test "retention: dropping old months never reopens an accepted signed string, nor one refused as ambiguous" {
	local body recut ambiguous today=$NS_DATE out
	# accepted with the platform's OrdId pattern; its other cutting: ORD / <today> / <today>100.00
	body=$(netsave_body "OrdId=ORD$today")
	recut=${body/"OrdId=ORD$today&OrdDate=$today&TransAmt=100.00"/"OrdId=ORD&OrdDate=$today&TransAmt=${today}100.00"}
	BIN_CMD=(env 'BANK_CALLBACK_ORD_ID_PATTERN=ORD[0-9]{8}' "$BIN")
	post_form /bank/netsave "$body"
	assert_ack "$NS_TRX"
	# another one refused as ambiguous, without the pattern
	ambiguous=$(netsave_body "OrdId=ORD$today" TrxId=201611190000000055)
	BIN_CMD=("$BIN")
	post_form /bank/netsave "$ambiguous"
	assert_error 403
	# years pass: the registry's rows are as old as a month the command drops
	audit_row "now() - interval '6 years'" >/dev/null
	psql_val "UPDATE bank_callback_signatures SET received_at = now() - interval '6 years 1 month',
		last_seen = now() - interval '6 years 1 month'" >/dev/null
	out=$(retire '5 years') || fail "$out"
	[[ $out == *dropped* ]] || fail "nothing dropped: $out"
	assert_rows bank_callback_signatures 2
	# the other cutting, under settings that would read it alone, is still the signed string's
	BIN_CMD=(env 'BANK_CALLBACK_ORD_ID_PATTERN=ORD[0-9]*' "$BIN")
	post_form /bank/netsave "$recut"
	assert_error 403
	BIN_CMD=(env 'BANK_CALLBACK_ORD_ID_PATTERN=ORD[0-9]{8}' "$BIN")
	post_form /bank/netsave "$ambiguous"
	assert_error 403
	assert_eq "$(psql_val "SELECT rtrim(ord_id) || '|' || (data->>'TransAmt') FROM bank_netsave")" "ORD$today|100.00"
}

@test "retention: only the retention role may retire; the handler's role cannot, nor remove a row" {
	local out month sql
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	month=$(month_of "now()")
	out=$(as_role bank-callback "SELECT * FROM bank_callback_audit_retire('5 years')") && fail "handler could retire: $out"
	[[ $out == *"permission denied for function bank_callback_audit_retire"* ]] || fail "$out"
	for sql in "DELETE FROM bank_callback_audit" "UPDATE bank_callback_audit SET verdict = 'failed'" \
		"TRUNCATE bank_callback_audit" "DELETE FROM $month" "TRUNCATE $month" \
		"DROP TABLE $month" "ALTER TABLE bank_callback_audit DETACH PARTITION $month" \
		"SELECT bank_callback_audit_add_months(3)"; do
		out=$(as_role bank-callback "$sql") && fail "handler could: $sql"
		[[ $out == *"permission denied"* || $out == *"must be owner"* ]] || fail "$sql: $out"
	done
	# the retention role reads and removes no row either
	for sql in "SELECT count(*) FROM bank_callback_audit" "DELETE FROM $month" "DROP TABLE $month" \
		"SELECT bank_callback_audit_add_month('2001-01-01')"; do
		out=$(as_role bank-callback-retention "$sql") && fail "retention role could: $sql"
		[[ $out == *"permission denied"* || $out == *"must be owner"* ]] || fail "$sql: $out"
	done
	# PUBLIC may execute none of 008's functions (a NULL acl would mean it may)
	assert_eq "$(psql_val "SELECT string_agg(proname, ' ') FROM pg_proc
		WHERE proname LIKE 'bank_callback_audit\_%' AND proname <> 'bank_callback_audit_append_only'
		AND (proacl IS NULL OR EXISTS (SELECT FROM aclexplode(proacl) a WHERE a.grantee = 0))")" '' \
		"functions PUBLIC may execute"
	assert_rows bank_callback_audit 1
}

@test "retention: the owner cannot UPDATE, DELETE or TRUNCATE rows, through the parent or a partition" {
	local id month out sql
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	month=$(month_of "now()")
	id=$(audit_row "now() + interval '30 years'")
	assert_eq "$(partition_of "$id")" bank_callback_audit_default
	for sql in "UPDATE $month SET verdict = 'failed'" "DELETE FROM $month" "TRUNCATE $month" \
		"UPDATE bank_callback_audit_default SET verdict = 'failed'" "DELETE FROM bank_callback_audit_default" \
		"TRUNCATE bank_callback_audit_default" "DELETE FROM bank_callback_audit WHERE id = $id"; do
		out=$(psql_val "$sql" 2>&1) && fail "owner could: $sql"
		[[ $out == *"append-only"* ]] || fail "$sql: $out"
	done
	assert_rows bank_callback_audit 2
}

@test "retention: a callback is audited in its month's partition" {
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	assert_eq "$(psql_val "SELECT tableoid::regclass || '|' || verdict FROM bank_callback_audit")" \
		"$(month_of "now()")|stored"
	# the coming months are there before their first callback
	[[ -n $(psql_val "SELECT to_regclass('$(month_of "now() + interval '2 months'")')") ]] ||
		fail "no partition for the month after next"
}

convert_sql() { # DB SQL
	PGDATABASE=$1 psql_val "$2"
}

apply_sql() { # DB FILE...
	local db=$1 f
	shift
	for f; do
		PGDATABASE=$db PGUSER=postgres PGOPTIONS='-c client_min_messages=warning' \
			psql -q -X -v ON_ERROR_STOP=1 -f "$f" >/dev/null || fail "$f failed on $db"
	done
}

# every row, every column, in id order: equal before and after means nothing lost or changed
audit_digest() { # DB
	convert_sql "$1" "SELECT count(*) || ' ' || md5(string_agg(a::text, E'\n' ORDER BY id))
		FROM bank_callback_audit a"
}

# the handler's grants on the audit table, table and columns
audit_grants() { # DB
	convert_sql "$1" "SELECT coalesce(relacl::text, '') FROM pg_class WHERE oid = 'bank_callback_audit'::regclass
		UNION ALL SELECT attname || ' ' || coalesce(attacl::text, '') FROM (SELECT * FROM pg_attribute
		WHERE attrelid = 'bank_callback_audit'::regclass AND attnum > 0 ORDER BY attnum) c"
}

@test "retention: converting an unpartitioned audit table keeps every row, id and grant" {
	local f before after id out
	local -a old=() new=()
	for f in "$TESTS_ROOT"/../sql/*.sql; do
		case $(basename "$f") in
		00[1-7]-*) old+=("$f") ;;
		*) new+=("$f") ;;
		esac
	done
	PGDATABASE=postgres psql_val "CREATE DATABASE $CONVERT_DB" >/dev/null
	apply_sql "$CONVERT_DB" "${old[@]}"
	assert_eq "$(convert_sql "$CONVERT_DB" "SELECT relkind FROM pg_class WHERE oid = 'bank_callback_audit'::regclass")" r
	# rows in several months, old and new, with and without hashes; a rolled-back insert leaves
	# a gap in the ids, which must stay a gap
	convert_sql "$CONVERT_DB" "INSERT INTO bank_callback_audit (received_at, route, cmd_id, ord_id,
		status, verdict, fields, body, signed_hash, meaning_hash)
		SELECT now() - n * interval '40 days', '/bank/netsave', 'NetSave', 'ORD' || n, 200, 'stored',
			json_build_object('IdNo', '1101011990010112' || n), 'OrdId=ORD' || n,
			CASE WHEN n % 2 = 0 THEN sha256(n::text::bytea) END, CASE WHEN n % 2 = 0 THEN sha256(('m' || n)::bytea) END
		FROM generate_series(0, 40) n" >/dev/null
	convert_sql "$CONVERT_DB" "BEGIN; INSERT INTO bank_callback_audit (route, status, verdict, fields, body)
		VALUES ('r', 200, 'v', '{}', ''); ROLLBACK" >/dev/null
	convert_sql "$CONVERT_DB" "INSERT INTO bank_callback_audit (route, status, verdict, fields, body)
		VALUES ('/bank/register', 409, 'rebind refused', '{}', 'x')" >/dev/null
	before=$(audit_digest "$CONVERT_DB")
	apply_sql "$CONVERT_DB" "${new[@]}"
	after=$(audit_digest "$CONVERT_DB")
	assert_eq "$after" "$before" "rows after the conversion"
	assert_eq "$(convert_sql "$CONVERT_DB" "SELECT relkind FROM pg_class WHERE oid = 'bank_callback_audit'::regclass")" p
	# each row in its month, none left in the default partition
	assert_eq "$(convert_sql "$CONVERT_DB" "SELECT count(*) FROM bank_callback_audit
		WHERE tableoid::regclass::text <> 'bank_callback_audit_'
			|| to_char(received_at AT TIME ZONE 'Asia/Shanghai', 'YYYY_MM')")" 0 "rows outside their month"
	# the handler's grants as on a database that was never converted
	assert_eq "$(audit_grants "$CONVERT_DB")" "$(audit_grants bank)" "grants"
	# ids go on after the highest
	id=$(convert_sql "$CONVERT_DB" "INSERT INTO bank_callback_audit (route, status, verdict, fields, body)
		VALUES ('r', 200, 'stored', '{}', '') RETURNING id")
	assert_eq "$id" "$(convert_sql "$CONVERT_DB" "SELECT max(id) FROM bank_callback_audit")" "new id"
	[[ $id -gt 43 ]] || fail "new id $id reuses an old one"
	# every file again, 001 to 007 on the partitioned table included: nothing changes
	before=$(audit_digest "$CONVERT_DB")
	apply_sql "$CONVERT_DB" "${old[@]}" "${new[@]}"
	assert_eq "$(audit_digest "$CONVERT_DB")" "$before" "rows after applying sql/ again"
	assert_eq "$(audit_grants "$CONVERT_DB")" "$(audit_grants bank)" "grants after applying sql/ again"
	out=$(convert_sql "$CONVERT_DB" "DELETE FROM bank_callback_audit" 2>&1) && fail "owner could DELETE"
	[[ $out == *"append-only"* ]] || fail "$out"
}
