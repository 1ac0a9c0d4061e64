#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD, SIGN_KEY are read by lib/common.bash
# Real faults on the real services, mostly through the socket as in production: PostgreSQL
# stopped or killed in the middle of a transaction, Redis stopped or hung, clients that vanish,
# crawl or come a hundred at once; then well-formed requests that lie. The bank's contract
# throughout: RECV_ORD_ID_ only for a committed row, never a second row, never a hang.

load lib/common

PG_ADMIN=${PG_ADMIN_USER:-postgres}
# Under valgrind (tests/run VALGRIND=1) every handler is many times slower: stretch the bounds
# that only prove "it did not hang".
SLOW=1
[[ -z ${VALGRIND:-} ]] || SLOW=10

setup() {
	common_setup
}

teardown() {
	local pid
	# a SIGSTOPped Redis first: what follows may talk to it
	if [[ -f $SERVICES_DIR/redis.pid ]]; then
		kill -CONT "$(<"$SERVICES_DIR/redis.pid")" 2>/dev/null || true
	fi
	exec 5>&-
	common_teardown
	# our background jobs still running (curl, a lock holder, a slow writer), by pid
	for pid in $(jobs -p); do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	[[ -S $SERVICES_DIR/.s.PGSQL.$PGPORT ]] || pg_start
	[[ -S $SERVICES_DIR/redis.sock ]] || redis_start
	# a lock holder whose psql is gone may still sleep in its backend
	psql_val "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'faults-lock'" >/dev/null || true
}

# ---- helpers ------------------------------------------------------------------------------------

# post_bg NAME PATH BODY: a curl in the background; its answer lands in $BATS_TEST_TMPDIR/NAME.
post_bg() {
	curl -sS -i --http1.1 --max-time $((30 * SLOW)) -H 'Expect:' \
		-H 'Content-Type: application/x-www-form-urlencoded' --data-binary "$3" \
		-o "$BATS_TEST_TMPDIR/$1" "http://127.0.0.1:$SOCKET_PORT$2" 3>&- &
	LAST_BG=$!
}

# raw_bg NAME TEXT: TEXT on a new connection in the background, every byte of the answer to NAME
# (for answers curl would refuse to parse).
raw_bg() {
	{
		exec 6<>"/dev/tcp/127.0.0.1/$SOCKET_PORT"
		printf '%s' "$2" >&6
		timeout $((30 * SLOW)) cat <&6 >"$BATS_TEST_TMPDIR/$1"
	} 3>&- &
	LAST_BG=$!
}

# The exit codes of the listener's children so far, one line each ("Child N died with code C").
children_exit_codes() {
	sed -n 's/.*Child [0-9]* died with code \([0-9]*\).*/\1/p' "$BATS_TEST_TMPDIR/socket-activate.log"
}

children_exited() { # N: at least N children of the listener have exited
	(($(children_exit_codes | wc -l) >= $1))
}

no_handler_left() {
	! pgrep -P "$SOCKET_PID" >/dev/null
}

has_audit_table() {
	[[ $(psql_val "SELECT to_regclass('bank_callback_audit') IS NOT NULL") == t ]]
}

# Only the rows a callback is about: a refused but validly signed callback may leave an audit row.
assert_no_business_rows() {
	assert_rows bank_customers 0
	assert_rows bank_mer_customers 0
	assert_rows bank_netsave 0
	assert_redis_empty
	assert_no_ack
}

# Take ACCESS EXCLUSIVE on bank_netsave in a background session that then sleeps, so that a
# handler's INSERT blocks between receipt and COMMIT.
lock_netsave() {
	PGAPPNAME=faults-lock psql -U "$PG_ADMIN" -X -q -v ON_ERROR_STOP=1 \
		-c 'BEGIN; LOCK TABLE bank_netsave IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT' \
		</dev/null >"$BATS_TEST_TMPDIR/lock.log" 2>&1 3>&- &
	wait_for 10 lock_held || fail "the lock was not taken:" "$(cat "$BATS_TEST_TMPDIR/lock.log")"
}

lock_held() {
	[[ $(psql_val "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
		WHERE a.application_name = 'faults-lock' AND l.granted
		AND l.mode = 'AccessExclusiveLock' AND l.relation = 'bank_netsave'::regclass") == 1 ]]
}

handler_waits_on_lock() {
	[[ $(psql_val "SELECT count(*) FROM pg_stat_activity
		WHERE application_name = 'bank-callback' AND wait_event_type = 'Lock'") -ge 1 ]]
}

pg_kill() { # every backend ends at once, no shutdown checkpoint: crash recovery at the next start
	_pg_as_owner "$(_pg_bindir)/pg_ctl" -D "$SERVICES_DIR/pg" -m immediate -w -t 60 stop >/dev/null
}

# ---- PostgreSQL ------------------------------------------------------------------------------

@test "PostgreSQL stopped: 503 and no ack through the socket; after restart the bank's retry is stored once" {
	socket_start
	pg_stop
	curl_request POST /bank/netsave "$(netsave_body)"
	assert_error 503
	curl_request POST /bank/register "$(register_body)"
	assert_error 503
	assert_redis_empty
	pg_start
	assert_rows bank_netsave 0
	assert_rows bank_customers 0

	curl_request POST /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	curl_request POST /bank/register "$(register_body)"
	assert_ack "$UR_TRX"
	curl_request POST /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1
	assert_rows bank_customers 1
	assert_eq "$(redis_cmd hget bank-customers pnr_alice)" 6000060000123456
}

@test "PostgreSQL killed while the handler's transaction waits: 503, no ack, no row; the retry after restart is stored once" {
	socket_start
	lock_netsave
	post_bg killed /bank/netsave "$(netsave_body)"
	# the handler has the request and is inside its transaction, blocked by the lock
	wait_for $((10 * SLOW)) handler_waits_on_lock || fail "the handler never waited on the lock"
	pg_kill
	wait "$LAST_BG" || fail "curl failed"
	parse_response "$BATS_TEST_TMPDIR/killed"
	assert_error 503

	pg_start
	assert_rows bank_netsave 0
	if has_audit_table; then # the audit row shares the transaction: gone with it
		assert_rows bank_callback_audit 0
	fi
	curl_request POST /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1
	assert_eq "$(psql_val "SELECT rtrim(ord_id) || '|' || (data->>'TransAmt') || '|' || done FROM bank_netsave")" \
		"$NS_ORD|100.00|false"
	wait_for 5 children_exited 2 || fail "handlers did not exit"
	assert_eq "$(children_exit_codes | sort -u)" 0 "handler exit codes"
}

@test "PostgreSQL killed mid-transaction under xinetd (stderr is the client's socket): the client gets a clean 503" {
	# xinetd puts the connection on fds 0, 1 and 2; the handler must then write nothing but
	# its answer there
	# shellcheck disable=SC2016 # expanded by the inner sh
	socket_start -E PGHOST -E PGPORT -E PGDATABASE -E PGUSER -E BANK_CALLBACK_REDIS \
		-E BANK_CALLBACK_PUBKEY -E BANK_CALLBACK_MER_CUST_ID -E BANK_CALLBACK_FRONTEND \
		-E BANK_CALLBACK_ADMIN_TOKEN_FILE /bin/sh -c 'exec "$0" 2>&1' "$BIN"
	lock_netsave
	build_request POST /bank/netsave "$(netsave_body)"
	raw_bg killed "$REQUEST"
	wait_for $((10 * SLOW)) handler_waits_on_lock || fail "the handler never waited on the lock"
	pg_kill
	wait "$LAST_BG" || fail "no answer"
	parse_response "$BATS_TEST_TMPDIR/killed"
	assert_error 503
	pg_start
	assert_rows bank_netsave 0
}

# ---- Redis -----------------------------------------------------------------------------------

@test "Redis hung (SIGSTOP): callbacks are acknowledged within 10 s and stored; after SIGCONT RefreshRedis repairs the cache" {
	socket_start
	kill -STOP "$(<"$SERVICES_DIR/redis.pid")"
	BIN_CMD=(timeout $((10 * SLOW)) "$BIN")

	curl_request POST /bank/register "$(register_body)" --max-time $((10 * SLOW))
	assert_ack "$UR_TRX"
	post_form /bank/CorpRegister "$(corp_body AuditStat=Y UsrCustId=6000060000777777)"
	assert_ack "$CR_TRX"
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	assert_rows bank_customers 1
	assert_rows bank_mer_customers 1
	assert_rows bank_netsave 1
	# the repair itself cannot reach a hung Redis: it must say so in time, not hang or claim 200
	refresh_redis
	[[ $RESP_STATUS == 5?? ]] || fail "RefreshRedis with Redis hung answered $RESP_STATUS"

	kill -CONT "$(<"$SERVICES_DIR/redis.pid")"
	BIN_CMD=("$BIN")
	refresh_redis
	assert_status 200
	assert_body $'bank-customers 1\ncustomers-pnrid 1\nbank-mer-customers 1\n'
	assert_eq "$(redis_cmd hget bank-customers pnr_alice)" 6000060000123456
	assert_eq "$(redis_cmd hget customers-pnrid 6000060000123456)" pnr_alice
	assert_eq "$(redis_cmd hget bank-mer-customers corp_acme)" 6000060000777777
}

@test "Redis stopped: a register through the socket is acknowledged within 10 s and stored; RefreshRedis repairs the cache once Redis is back" {
	socket_start
	redis_stop
	curl_request POST /bank/register "$(register_body)" --max-time $((10 * SLOW))
	assert_ack "$UR_TRX"
	assert_rows bank_customers 1
	redis_start
	assert_eq "$(redis_cmd hget bank-customers pnr_alice)" "" "cache before the repair"
	refresh_redis
	assert_status 200
	assert_eq "$(redis_cmd hget bank-customers pnr_alice)" 6000060000123456
	assert_eq "$(redis_cmd hget customers-pnrid 6000060000123456)" pnr_alice
}

# ---- clients -----------------------------------------------------------------------------------

@test "client gone right after sending: the callback is committed, the handler exits 0, the retry is idempotent" {
	socket_start
	build_request POST /bank/netsave "$(netsave_body)"
	exec 5<>"/dev/tcp/127.0.0.1/$SOCKET_PORT"
	printf '%s' "$REQUEST" >&5
	exec 5>&-
	wait_for $((10 * SLOW)) children_exited 1 || fail "the handler did not exit:" \
		"$(cat "$BATS_TEST_TMPDIR/socket-activate.log")"
	assert_eq "$(children_exit_codes)" 0 "handler exit code"
	assert_rows bank_netsave 1

	curl_request POST /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1
	assert_eq "$(psql_val "SELECT (data->>'TransAmt') || '|' || done FROM bank_netsave")" "100.00|false"
}

@test "a client sending one byte a second gets 408 by the 10 s deadline, and its handler is gone" {
	local pid
	socket_start
	build_request POST /bank/netsave "$(netsave_body)"
	exec 5<>"/dev/tcp/127.0.0.1/$SOCKET_PORT"
	(
		for ((i = 0; i < ${#REQUEST}; i++)); do
			printf '%s' "${REQUEST:i:1}" >&5 || exit 0
			sleep 1 5>&-
		done
	) 3>&- 2>/dev/null &
	pid=$!
	# a guard against a hang, not a measurement: the 408 itself says the deadline fired
	timeout $((15 + 2 * SLOW)) cat <&5 >"$BATS_TEST_TMPDIR/slow" || true
	kill "$pid" 2>/dev/null || true
	exec 5>&-
	parse_response "$BATS_TEST_TMPDIR/slow"
	assert_error 408
	wait_for 5 no_handler_left || fail "a handler still runs:" "$(pgrep -a -P "$SOCKET_PID")"
	assert_eq "$(children_exit_codes)" 0 "handler exit code"
	assert_nothing_written
}

@test "100 identical callbacks at once through the socket: every one acknowledged, one row" {
	local i body
	local -a pids=()
	socket_start
	body=$(netsave_body)
	for ((i = 0; i < 100; i++)); do
		post_bg "r$i" /bank/netsave "$body"
		pids+=("$LAST_BG")
	done
	for i in "${!pids[@]}"; do
		wait "${pids[i]}" || fail "curl $i failed"
	done
	for ((i = 0; i < 100; i++)); do
		parse_response "$BATS_TEST_TMPDIR/r$i"
		assert_ack "$NS_TRX"
	done
	assert_rows bank_netsave 1
	# (how long they take is bench/'s business, not a test's: a loaded machine is no failure)
	wait_for $((10 * SLOW)) children_exited 100 || fail "not every handler exited"
	assert_eq "$(children_exit_codes | sort -u)" 0 "handler exit codes"
}

# ---- requests that are well formed but lie ----------------------------------------------------

@test "lie: a valid signature over other fields (TransAmt, OrdId or UsrCustId changed after signing): 403, nothing written" {
	local body
	body=$(netsave_body)
	post_form /bank/netsave "${body/TransAmt=100.00/TransAmt=900.00}"
	assert_error 403
	post_form /bank/netsave "${body/"OrdId=$NS_ORD"/OrdId=20161119000000000009}"
	assert_error 403
	post_form /bank/netsave "${body/UsrCustId=6000060000123456/UsrCustId=6000060000999999}"
	assert_error 403
	assert_nothing_written
}

@test "lie: a UserRegister signature posted to /bank/netsave with CmdId changed to NetSave: refused, nothing written" {
	local body
	# every field a NetSave needs is there, so only the signature can tell
	body=$(register_body "OrdId=$NS_ORD" OrdDate=20161119 TransAmt=100.00)
	post_form /bank/netsave "${body/CmdId=UserRegister/CmdId=NetSave}"
	[[ $RESP_STATUS == 403 || $RESP_STATUS == 400 ]] || fail "answered $RESP_STATUS"
	assert_error "$RESP_STATUS"
	post_form /bank/netsave "$body"
	assert_error 400
	# nor does the page return take it for a NetSave
	post_form /bank/NetSaveCallback "${body/CmdId=UserRegister/CmdId=NetSave}"
	assert_status 303
	assert_header Location "${BANK_CALLBACK_FRONTEND}#/NetSaveCallback?RespCode=ERR_SIGNATURE&RespDesc=signature%20check%20failed"
	assert_nothing_written
}

@test "lie: a callback replayed days later is acknowledged again, adds nothing, leaves done and the data alone" {
	local body row
	body=$(netsave_body)
	post_form /bank/netsave "$body"
	assert_ack "$NS_TRX"
	# days later: the back office processed it
	psql_val "UPDATE bank_netsave SET done = true, created_at = created_at - interval '3 days',
		updated_at = updated_at - interval '3 days'" >/dev/null
	row=$(psql_val "SELECT row_to_json(n)::text FROM bank_netsave n")
	post_form /bank/netsave "$body"
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1
	assert_eq "$(psql_val "SELECT row_to_json(n)::text FROM bank_netsave n")" "$row" "row after the replay"
	assert_eq "$(psql_val "SELECT done FROM bank_netsave")" t "done"

	body=$(register_body)
	post_form /bank/register "$body"
	assert_ack "$UR_TRX"
	psql_val "UPDATE bank_customers SET created_at = created_at - interval '3 days',
		updated_at = updated_at - interval '3 days'" >/dev/null
	row=$(psql_val "SELECT row_to_json(c)::text FROM bank_customers c")
	post_form /bank/register "$body"
	assert_ack "$UR_TRX"
	assert_rows bank_customers 1
	assert_eq "$(psql_val "SELECT row_to_json(c)::text FROM bank_customers c")" "$row" "row after the replay"
	assert_eq "$(redis_cmd hget bank-customers pnr_alice)" 6000060000123456
}

@test "lie: a page return posting RespCode=000 without a valid signature does not forward 000" {
	local body chk front=$BANK_CALLBACK_FRONTEND failed='RespCode=ERR_SIGNATURE&RespDesc=signature%20check%20failed'
	# unsigned
	body=$(netsave_body)
	post_form /bank/NetSaveCallback "${body%&ChkValue=*}"
	assert_status 303
	assert_header Location "${front}#/NetSaveCallback?$failed"
	body=$(register_body)
	post_form /bank/RegisterCallback "${body%&ChkValue=*}"
	assert_status 303
	assert_header Location "${front}#/BankUserRegisterCallback?$failed"
	# the bank's signature of a failure (351), RespCode changed to 000
	body=$(netsave_body RespCode=351 'RespDesc=insufficient balance')
	post_form /bank/NetSaveCallback "${body/RespCode=351/RespCode=000}"
	assert_status 303
	assert_header Location "${front}#/NetSaveCallback?$failed"
	# the ChkValue of another genuine callback (a UserRegister of the same user) on a 000
	body=$(netsave_body)
	chk=$(register_body)
	post_form /bank/NetSaveCallback "${body%&ChkValue=*}&ChkValue=${chk##*&ChkValue=}"
	assert_status 303
	assert_header Location "${front}#/NetSaveCallback?$failed"
	assert_nothing_written
}

@test "lie: a callback validly signed for another merchant is refused (403) and stores nothing" {
	local other=6000060000000002
	post_form /bank/netsave "$(netsave_body "MerCustId=$other")"
	assert_error 403
	post_form /bank/register "$(register_body "MerCustId=$other")"
	assert_error 403
	post_form /bank/CorpRegister "$(corp_body "MerCustId=$other" AuditStat=Y UsrCustId=6000060000777777)"
	assert_error 403
	post_form /bank/NetSaveCallback "$(netsave_body "MerCustId=$other")"
	assert_status 303
	[[ $(header Location) == *RespCode=ERR_SIGNATURE* ]] || fail "forwarded: $(header Location)"
	assert_no_business_rows
}

@test "lie: unsigned fields changed or added after signing are accepted, kept apart from the bank's word" {
	local body
	body=$(netsave_body)
	body=${body/RespDesc=success/RespDesc=tampered}
	body=${body/FeeAmt=0.00/FeeAmt=99.00}
	body=${body/GateBankId=ICBC/GateBankId=EVIL}
	post_form /bank/netsave "$body&Extra=injected"
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1
	# data holds the bank's signed word; unsigned_data what this request carried; unknown names neither
	assert_eq "$(psql_val "SELECT concat_ws('|', data->>'TransAmt', data->>'RespCode', data->>'RespDesc',
		unsigned_data->>'RespDesc', unsigned_data->>'FeeAmt', unsigned_data->>'GateBankId',
		coalesce(data->>'Extra', unsigned_data->>'Extra', 'not kept')) FROM bank_netsave")" \
		"100.00|000|tampered|99.00|EVIL|not kept"
	# the page return does not forward the unsigned RespDesc of a success
	body=$(netsave_body)
	post_form /bank/NetSaveCallback "${body/RespDesc=success/RespDesc=tampered}"
	assert_status 303
	assert_header Location "${BANK_CALLBACK_FRONTEND}#/NetSaveCallback?RespCode=000&RespDesc="
}

# ChinaPNR signs the plain concatenation of the fields, without separators, so a genuine
# signature also covers the same bytes cut at other field boundaries. Only the field rules
# (OrdDate is a YYYYMMDD date, BgRetUrl a URL) can refuse such a re-cut.

@test "lie: signed fields re-cut at other boundaries do not turn a 100.00 top-up into one of 9100.00" {
	local body recut old="OrdId=$NS_ORD&OrdDate=$NS_DATE&TransAmt=100.00"
	local new="OrdId=2016111900000000000&OrdDate=1${NS_DATE:0:7}&TransAmt=${NS_DATE:7}100.00"
	body=$(netsave_body)
	# OrdId + OrdDate + TransAmt: "20161119000000000001" "<today>" "100.00"
	#                          -> "2016111900000000000" "1<today's first 7>" "<today's last>100.00"
	recut=${body/"$old"/"$new"}
	[[ $recut != "$body" ]] || fail "test body not re-cut"
	post_form /bank/netsave "$recut"
	[[ $RESP_STATUS == 4?? ]] || fail "answered $RESP_STATUS: $RESP_BODY" \
		"stored: $(psql_val "SELECT rtrim(ord_id) || ' ' || (data->>'OrdDate') || ' ' || (data->>'TransAmt') FROM bank_netsave")"
	assert_no_business_rows
}

@test "lie: signed fields re-cut at other boundaries do not bind another user (UsrId pnr_alice1 -> pnr_alice)" {
	local body recut old="UsrId=pnr_alice1&UsrCustId=6000060000123456&BgRetUrl="
	local new="UsrId=pnr_alice&UsrCustId=1600006000012345&BgRetUrl=6"
	body=$(register_body UsrId=pnr_alice1)
	# UsrId + UsrCustId + BgRetUrl: "pnr_alice1" "6000060000123456" "http://…"
	#                            -> "pnr_alice" "1600006000012345" "6http://…"
	recut=${body/"$old"/"$new"}
	[[ $recut != "$body" ]] || fail "test body not re-cut"
	post_form /bank/register "$recut"
	[[ $RESP_STATUS == 4?? ]] || fail "answered $RESP_STATUS: $RESP_BODY" \
		"stored: $(psql_val "SELECT rtrim(pnrid) || ' -> ' || cust_id FROM bank_customers")" \
		"cached: $(redis_cmd hget bank-customers pnr_alice)"
	assert_no_business_rows
}
