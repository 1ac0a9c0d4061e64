#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD is read by lib/common.bash
# Every wait on PostgreSQL and Redis has a deadline inside the unit's RuntimeMaxSec=30: a
# server that hangs (SIGSTOP), a PgBouncer whose server hangs, or a TCP peer that accepts and
# never answers gets a 503 (PostgreSQL) or an acknowledgement with a warning (Redis) in time,
# and one log line naming the server and the step. The last-resort alarm still answers.

load lib/common

teardown() {
	common_teardown
	[[ -z ${HOLE_PID:-} ]] || { kill "$HOLE_PID" 2>/dev/null; wait "$HOLE_PID" 2>/dev/null || true; }
	# shellcheck disable=SC2086 # a list of pids
	[[ -z ${STOPPED:-} ]] || kill -CONT $STOPPED 2>/dev/null || true
	pgbouncer_stop
	[[ -S $SERVICES_DIR/.s.PGSQL.$PGPORT ]] || pg_start
	[[ -S $SERVICES_DIR/redis.sock ]] || redis_start
}

postmaster_pid() { head -n 1 "$SERVICES_DIR/pg/postmaster.pid"; }

# A loopback TCP port whose listener never accepts and never answers: the kernel completes
# the handshake (the backlog), so a client connects and then waits for ever.
black_hole() {
	HOLE_PORT=$(free_port)
	systemd-socket-activate -l "127.0.0.1:$HOLE_PORT" sleep 600 </dev/null >/dev/null 2>&1 3>&- &
	HOLE_PID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -n $(ss -Htln "sport = :$HOLE_PORT") ]] && return 0
		sleep 0.05
	done
	fail "black hole did not listen"
}

log_line() { cat "$BATS_TEST_TMPDIR/stderr"; }

assert_log() { # PATTERN: the one log line matches (bash glob)
	local line
	line=$(log_line)
	[[ $(wc -l <<<"$line") -eq 1 ]] || fail "not one log line:" "$line"
	# shellcheck disable=SC2053 # a glob on purpose
	[[ $line == $1 ]] || fail "log line does not match $1:" "$line"
}

# The answer came from the handler's own deadline: before the unit's RuntimeMaxSec (30 s) and
# before the last-resort alarm (28 s), which would have said so in the log line.
assert_not_the_alarm() {
	[[ $(log_line) != *last-resort* ]] || fail "the last-resort alarm answered:" "$(log_line)"
}

@test "deadline: PostgreSQL SIGSTOPped: 503 and a log line naming the socket and the connect" {
	STOPPED=$(postmaster_pid)
	kill -STOP "$STOPPED"
	post_form /bank/netsave "$(netsave_body)"
	assert_error 503
	assert_log "<3>POST /bank/netsave status=503 *note=\"postgresql connect: *$SERVICES_DIR*$PGPORT*timeout expired*\""
	assert_not_the_alarm
	stdin_request GET /bank/health ''
	assert_error 503
	kill -CONT "$STOPPED"
	STOPPED=''
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1
}

@test "deadline: PostgreSQL SIGSTOPped behind PgBouncer: 503, the log names PgBouncer and the statement" {
	pgbouncer_start
	export PGHOST=$PGBOUNCER_HOST PGPORT=$PGBOUNCER_PORT
	# a warm pool: PgBouncer holds a server connection when PostgreSQL stops
	stdin_request GET /bank/health ''
	assert_status 200
	# the postmaster and its children: the pooled backend must hang too
	STOPPED="$(postmaster_pid) $(pgrep -P "$(postmaster_pid)" | tr '\n' ' ')"
	# shellcheck disable=SC2086 # a list of pids
	kill -STOP $STOPPED
	post_form /bank/netsave "$(netsave_body)"
	assert_error 503
	assert_log "<3>POST /bank/netsave status=503 *note=\"postgresql: $PGBOUNCER_HOST:6432: no answer to BEGIN+SELECT+SELECT+WITH in time\""
	assert_not_the_alarm
	# shellcheck disable=SC2086 # a list of pids
	kill -CONT $STOPPED
	STOPPED=''
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1
}

@test "deadline: a PostgreSQL address that accepts and never answers: 503 naming host and port" {
	black_hole
	PGHOST=127.0.0.1 PGPORT=$HOLE_PORT post_form /bank/register "$(register_body)"
	assert_error 503
	assert_log "<3>POST /bank/register status=503 *note=\"postgresql connect: *127.0.0.1*$HOLE_PORT*timeout expired*\""
	assert_nothing_written
}

@test "deadline: Redis SIGSTOPped: acknowledged and stored, the log names the socket and the command" {
	STOPPED=$(<"$SERVICES_DIR/redis.pid")
	kill -STOP "$STOPPED"
	post_form /bank/register "$(register_body)"
	assert_ack "$UR_TRX"
	assert_rows bank_customers 1
	assert_log "<4>POST /bank/register status=200 *note=\"cache not updated (RefreshRedis repairs it): redis * at unix:$SERVICES_DIR/redis.sock: timed out\""
	# nothing of the customer's in the line
	[[ $(log_line) != *6000060000123456* ]] || fail "customer id logged"
}

@test "deadline: a Redis address that accepts and never answers: acknowledged, the log names it" {
	black_hole
	BANK_CALLBACK_REDIS=127.0.0.1:$HOLE_PORT post_form /bank/register "$(register_body)"
	assert_ack "$UR_TRX"
	assert_rows bank_customers 1
	assert_log "<4>POST /bank/register status=200 *note=\"cache not updated (RefreshRedis repairs it): redis HSET at 127.0.0.1:$HOLE_PORT: timed out\""
	BANK_CALLBACK_REDIS=127.0.0.1:$HOLE_PORT refresh_redis
	assert_error 503
}

@test "deadline: the last-resort alarm answers 503 and logs, whatever the handler was waiting on" {
	local out=$BATS_TEST_TMPDIR/response pid
	STOPPED=$(postmaster_pid)
	kill -STOP "$STOPPED"
	build_request POST /bank/netsave "$(netsave_body)"
	# the handler waits on a connect to the stopped server; SIGALRM is the alarm firing
	printf '%s' "$REQUEST" | "$BIN" >"$out" 2>"$BATS_TEST_TMPDIR/stderr" &
	pid=$!
	sleep 1
	kill -ALRM "$pid"
	wait "$pid" || true
	parse_response "$out"
	assert_error 503
	assert_log '<3>POST /bank/netsave status=503 outcome="failed" note="killed by the last-resort alarm: the work outlived every deadline"'
	kill -CONT "$STOPPED"
	STOPPED=''
	assert_rows bank_netsave 0
}
