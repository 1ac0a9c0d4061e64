#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD is read by lib/common.bash
# PostgreSQL failover under a stream of top-ups. Each test builds a replicated pair of its own
# (a primary and a streaming standby on their own unix sockets: the suite's cluster, which the
# other files use, stays as it is) and points the handler at both through libpq's multi-host
# PGHOST with target_session_attrs=read-write, as production would. The primary goes away in
# the middle of the stream and the standby is promoted: a top-up the bank saw acknowledged must
# be on the new primary, every other one must get 503 (the bank retries on it), and a retry
# must then be acknowledged and stored once.
#
# These clusters run with fsync=off, as the suite's does. That keeps its meaning here, even for
# "stop -m immediate": it kills PostgreSQL's processes, not the kernel, and WAL they have
# written stays in the page cache for the survivors to read. Only an OS crash or a power cut
# would need fsync, and no test here simulates one.
#
# tests/run --show-output-of-passing-tests tests/failover.bats shows what each failover did:
# how many callbacks got 503, for how long, and when the first went through the new primary.

load lib/common

FO_PRIMARY_PORT=5442
FO_STANDBY_PORT=5443
# Callbacks prepared per test (the stream stops earlier once it has seen enough), and how many
# acknowledgements each side of the failover must show so the test cannot pass vacuously.
FO_BODIES=100
FO_ACKS=15

fo_ord() { echo "FO$1"; }
fo_trx() { printf '2016111900000%05d' "$1"; } # 18 digits, as the bank's are

setup_file() {
	# Signed once for both failover tests (each has a fresh pair, so the same OrdIds are new
	# there); signing in the stream would slow it down for no reason.
	export FO_BODY_DIR=$BATS_FILE_TMPDIR/bodies
	mkdir -p "$FO_BODY_DIR"
	local i
	for ((i = 1; i <= FO_BODIES; i++)); do
		netsave_body "OrdId=$(fo_ord "$i")" "TrxId=$(fo_trx "$i")" >"$FO_BODY_DIR/$i"
	done
}

setup() {
	common_setup
	FO_PRIMARY=$SERVICES_DIR/fo-primary
	FO_STANDBY=$SERVICES_DIR/fo-standby
	STREAM_PID='' HOLD_PID='' WALRCV_PID=''
	pg_primary_start "$FO_PRIMARY" "$FO_PRIMARY_PORT"
	pg_standby_start "$FO_STANDBY" "$FO_STANDBY_PORT" "$FO_PRIMARY"
	# libpq tries the hosts in order and keeps the first that takes writes: the primary, and
	# once it is gone (or back as a standby) whichever was promoted.
	BIN_CMD=(env "PGHOST=$FO_PRIMARY,$FO_STANDBY" "PGPORT=$FO_PRIMARY_PORT,$FO_STANDBY_PORT"
		PGTARGETSESSIONATTRS=read-write PGDATABASE=bank PGUSER=bank-callback "$BIN")
}

teardown() {
	# a walreceiver left stopped would keep its standby from shutting down
	[[ -z $WALRCV_PID ]] || kill -CONT "$WALRCV_PID" 2>/dev/null || true
	stream_stop
	if [[ -n $HOLD_PID ]]; then
		kill "$HOLD_PID" 2>/dev/null || true
		wait "$HOLD_PID" 2>/dev/null || true
	fi
	if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then
		# shown by bats only when the test failed
		local f
		for f in "$FO_PRIMARY/pg.log" "$FO_STANDBY/pg.log" "$BATS_TEST_TMPDIR/stream.err"; do
			[[ -f $f ]] && sed "s|^|  ${f##*/services/}: |" "$f" | tail -n 40 >&2
		done
	fi
	fo_clusters_stop
	common_teardown
}

teardown_file() {
	# whatever a teardown could not stop
	fo_clusters_stop
}

# Both clusters down (immediate: their data is thrown away) and removed, so the next test
# builds its pair from scratch. The suite's $SERVICES_DIR/pg is not one of them.
fo_clusters_stop() {
	local dir rc=0
	for dir in "$SERVICES_DIR/fo-primary" "$SERVICES_DIR/fo-standby"; do
		[[ -d $dir ]] || continue
		if pg_cluster_stop "$dir" immediate; then
			rm -rf "$dir"
		else
			rc=1
		fi
	done
	return "$rc"
}

# ---- the stream --------------------------------------------------------------------------

# stream_start: the prepared callbacks, one after another, on the handler's stdin, in the
# background until $STREAM_STOP exists. Each one done is a line "I STATUS START END" in
# $STREAM_LOG (times from EPOCHREALTIME), STATUS "bad" when the answer was malformed or not
# the exact ack or 503 error its status promises (why is in stream.err).
stream_start() {
	STREAM_LOG=$BATS_TEST_TMPDIR/stream.log
	STREAM_STOP=$BATS_TEST_TMPDIR/stream.stop
	: >"$STREAM_LOG"
	rm -f "$STREAM_STOP"
	(
		set +e
		for ((i = 1; i <= FO_BODIES; i++)); do
			[[ -e $STREAM_STOP ]] && break
			start=$EPOCHREALTIME
			line=$(
				set -e
				post_form /bank/netsave "$(<"$FO_BODY_DIR/$i")"
				case $RESP_STATUS in
				200) assert_ack "$(fo_trx "$i")" ;;
				503) assert_error 503 ;;
				esac
				printf '%s %s %s %s' "$i" "$RESP_STATUS" "$start" "$EPOCHREALTIME"
			)
			# shellcheck disable=SC2181 # a condition would turn off set -e inside the subshell
			(($? == 0)) || line="$i bad $start $EPOCHREALTIME"
			printf '%s\n' "$line" >>"$STREAM_LOG"
			# the bank does not retry at once either: while nothing takes writes, go slower
			[[ $line != "$i 503 "* ]] || sleep 0.05
		done
	) >"$BATS_TEST_TMPDIR/stream.err" 2>&1 3>&- &
	STREAM_PID=$!
}

stream_stop() {
	[[ -n ${STREAM_PID:-} ]] || return 0
	touch "$STREAM_STOP"
	# the callback in flight finishes (its handler has a 30 s timeout); then the loop ends
	wait "$STREAM_PID" 2>/dev/null || true
	STREAM_PID=''
}

# stream_wait_acks N [SINCE]: until N callbacks that started after SINCE (an EPOCHREALTIME,
# default 0) were acknowledged; fails after 30 s or when the stream ran out of callbacks.
stream_wait_acks() {
	local n=$1 since=${2:-0} i got=0
	for ((i = 0; i < 300; i++)); do
		got=$(awk -v s="$since" '$2 == 200 && $3 > s' "$STREAM_LOG" | wc -l)
		((got >= n)) && return 0
		kill -0 "$STREAM_PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "only $got of $n acknowledgements since $since" "stream:" "$(cat "$STREAM_LOG")"
}

# The stream's statuses, the ack/503 split and what is on the promoted standby; then the
# bank's retry of each 503, which must be acknowledged; then every OrdId sent is stored once.
# STOPPED and PROMOTED: EPOCHREALTIME before the primary was stopped and after the promotion.
stream_check() {
	local stopped=$1 promoted=$2 sent acked others before after missing dup stored i
	local -a refused
	sent=$(wc -l <"$STREAM_LOG")
	others=$(awk '$2 != 200 && $2 != 503' "$STREAM_LOG")
	[[ -z $others ]] || fail "answers other than 200 and 503:" "$others" \
		"$(cat "$BATS_TEST_TMPDIR/stream.err")"
	# not vacuous: acknowledged through the old primary, and through the new one
	before=$(awk -v t="$stopped" '$2 == 200 && $4 < t' "$STREAM_LOG" | wc -l)
	after=$(awk -v t="$promoted" '$2 == 200 && $3 > t' "$STREAM_LOG" | wc -l)
	((before >= FO_ACKS && after >= FO_ACKS)) ||
		fail "acks before the stop: $before, after the promotion: $after" "$(cat "$STREAM_LOG")"

	acked=$(awk '$2 == 200 { print "FO" $1 }' "$STREAM_LOG" | sort)
	# ord_id is char(30): rtrim its padding
	missing=$(comm -23 <(echo "$acked") \
		<(pg_cluster_sql "$FO_STANDBY" 'SELECT rtrim(ord_id) FROM bank_netsave' | sort))
	[[ -z $missing ]] || fail "acknowledged but not on the new primary:" "$missing" \
		"stream:" "$(cat "$STREAM_LOG")"

	# The bank retries what got 503. Some of those committed before their connection went
	# down: the retry finds the row and is acknowledged all the same.
	mapfile -t refused < <(awk '$2 == 503 { print $1 }' "$STREAM_LOG")
	stored=$(pg_cluster_sql "$FO_STANDBY" "SELECT count(*) FROM bank_netsave
		WHERE rtrim(ord_id) IN ($(printf "'FO%s'," "${refused[@]}")'')")
	for i in "${refused[@]}"; do
		post_form /bank/netsave "$(<"$FO_BODY_DIR/$i")"
		assert_ack "$(fo_trx "$i")"
	done

	dup=$(pg_cluster_sql "$FO_STANDBY" \
		'SELECT rtrim(ord_id) FROM bank_netsave GROUP BY ord_id HAVING count(*) > 1')
	[[ -z $dup ]] || fail "stored twice:" "$dup"
	# every OrdId sent, each once, and nothing else
	assert_eq "$(pg_cluster_sql "$FO_STANDBY" 'SELECT rtrim(ord_id) FROM bank_netsave' | sort)" \
		"$(for ((i = 1; i <= sent; i++)); do fo_ord "$i"; done | sort)" "OrdIds on the new primary"
	# seen with tests/run --show-output-of-passing-tests
	echo "sent $sent: $(awk '$2 == 200' "$STREAM_LOG" | wc -l) acknowledged," \
		"${#refused[@]} got 503 and were retried ($stored of them already stored)" >&2
	awk -v s="$stopped" -v p="$promoted" '
		$2 == 503 && !f503 { f503 = $3 } $2 == 503 { l503 = $4 }
		$2 == 200 && $3 > s && !fok { fok = $3 }
		END { printf "503 from %+.0f ms to %+.0f ms after the stop began; first ack after it" \
			" started %+.0f ms after it, %+.0f ms after the promotion returned\n",
			(f503 - s) * 1000, (l503 - s) * 1000, (fok - s) * 1000, (fok - p) * 1000 }' \
		"$STREAM_LOG" >&2
}

# fo_wait_event EVENT: until a handler's session on the primary waits on EVENT (10 s at most)
fo_wait_event() {
	local i
	for ((i = 0; i < 200; i++)); do
		[[ $(pg_cluster_sql "$FO_PRIMARY" "SELECT count(*) FROM pg_stat_activity
			WHERE usename = 'bank-callback' AND wait_event = '$1'") -gt 0 ]] && return 0
		sleep 0.05
	done
	fail "no handler waits on $1" "stream:" "$(cat "$STREAM_LOG")"
}

# One failover under the stream: acks through the primary first; then the primary goes down
# (stop -m MODE) while a callback is surely in the middle of its transaction (HOLD, below);
# a moment with no primary at all; the standby promoted; acks through it; then the checks.
#   HOLD=lock     a back-office transaction locks bank_netsave: the next callback waits in
#                 its INSERT (a stop at random would almost always fall between callbacks)
#   HOLD=syncrep  the standby's walreceiver is stopped (SIGSTOP): the next callback waits in
#                 COMMIT for the synchronous standby's flush, which is the moment a crash must
#                 not turn into an acknowledged but lost top-up
failover_under_stream() { # MODE HOLD
	local stopped promoted inflight
	stream_start
	stream_wait_acks "$FO_ACKS"
	case $2 in
	lock)
		# ends when the stop terminates its session
		psql -h "$FO_PRIMARY" -p "$FO_PRIMARY_PORT" -U postgres -d bank -X -q \
			-c BEGIN -c 'LOCK TABLE bank_netsave IN EXCLUSIVE MODE' -c 'SELECT pg_sleep(60)' \
			</dev/null >/dev/null 2>&1 3>&- &
		HOLD_PID=$!
		fo_wait_event relation
		;;
	syncrep)
		WALRCV_PID=$(PG_CLUSTER_DB=postgres pg_cluster_sql "$FO_STANDBY" \
			'SELECT pid FROM pg_stat_wal_receiver')
		[[ -n $WALRCV_PID ]] || fail "no walreceiver on the standby"
		kill -STOP "$WALRCV_PID"
		fo_wait_event SyncRep
		;;
	esac
	stopped=$EPOCHREALTIME
	pg_cluster_stop "$FO_PRIMARY" "$1"
	if [[ -n $WALRCV_PID ]]; then
		# It reads what the primary had sent before it died, then sees it gone.
		kill -CONT "$WALRCV_PID"
		WALRCV_PID=''
	fi
	# no server takes writes now: whatever arrives must get 503, not wait or fail otherwise
	sleep 0.5
	pg_cluster_promote "$FO_STANDBY"
	promoted=$EPOCHREALTIME
	stream_wait_acks "$FO_ACKS" "$promoted"
	stream_stop
	# the held callback was under way when the primary went down
	inflight=$(awk -v t="$stopped" '$3 < t && $4 > t { print $1, $2 }' "$STREAM_LOG")
	[[ -n $inflight ]] || fail "no callback was under way at the stop" "$(cat "$STREAM_LOG")"
	echo "under way at the stop (OrdId number, status): $inflight" >&2
	stream_check "$stopped" "$promoted"
}

@test "failover: primary stopped, standby promoted under a stream of distinct top-ups: every acknowledged OrdId is on the new primary" {
	# Asynchronous replication: a fast stop still sends the standby every WAL record before the
	# primary exits (its walsenders wait for the standby's flush), so nothing acknowledged is
	# lost. A crash would not wait: that is the next test.
	failover_under_stream fast lock
}

@test "failover with synchronous replication: primary killed (immediate stop, a crash) — every acknowledged top-up survives" {
	# Each COMMIT returns only once the standby has the WAL, and the ack only after COMMIT:
	# whatever the crash lost on the primary, an acknowledged top-up is on the standby.
	pg_primary_sync "$FO_PRIMARY"
	failover_under_stream immediate syncrep
}

@test "health on a read-only standby is 503" {
	# Without target_session_attrs, so libpq does connect to the standby: health itself must see
	# that it cannot take writes, or a load balancer would send callbacks that all get 503.
	assert_eq "$(pg_cluster_sql "$FO_STANDBY" 'SELECT pg_is_in_recovery()')" t "standby in recovery"
	BIN_CMD=(env -u PGTARGETSESSIONATTRS "PGHOST=$FO_PRIMARY" "PGPORT=$FO_PRIMARY_PORT"
		PGDATABASE=bank PGUSER=bank-callback "$BIN")
	stdin_request GET /bank/health ''
	assert_status 200
	assert_body $'ok\n'
	BIN_CMD=(env -u PGTARGETSESSIONATTRS "PGHOST=$FO_STANDBY" "PGPORT=$FO_STANDBY_PORT"
		PGDATABASE=bank PGUSER=bank-callback "$BIN")
	stdin_request GET /bank/health ''
	assert_error 503
	# the same server once promoted takes writes: healthy
	pg_cluster_promote "$FO_STANDBY"
	stdin_request GET /bank/health ''
	assert_status 200
	assert_body $'ok\n'
}

@test "synchronous standby gone: COMMIT cannot finish, 503 naming it; the retry is not acknowledged until the standby is back" {
	pg_primary_sync "$FO_PRIMARY"
	BIN_CMD=(env "PGHOST=$FO_PRIMARY" "PGPORT=$FO_PRIMARY_PORT" PGDATABASE=bank
		PGUSER=bank-callback "$BIN")
	WALRCV_PID=$(PG_CLUSTER_DB=postgres pg_cluster_sql "$FO_STANDBY" \
		'SELECT pid FROM pg_stat_wal_receiver')
	[[ -n $WALRCV_PID ]] || fail "no walreceiver on the standby"
	kill -STOP "$WALRCV_PID"
	post_form /bank/netsave "$(<"$FO_BODY_DIR/1")"
	assert_error 503
	[[ $(<"$BATS_TEST_TMPDIR/stderr") == *"no answer to INSERT+COMMIT in time (whether it committed is unknown)"* ]] ||
		fail "no COMMIT time-out in the log line:" "$(<"$BATS_TEST_TMPDIR/stderr")"
	# The retry finds the row the primary committed locally, but its own COMMIT (it counts the
	# replay) waits for the standby too: still no acknowledgement the standby could lose.
	post_form /bank/netsave "$(<"$FO_BODY_DIR/1")"
	assert_error 503
	kill -CONT "$WALRCV_PID"
	WALRCV_PID=''
	post_form /bank/netsave "$(<"$FO_BODY_DIR/1")"
	assert_ack "$(fo_trx 1)"
	assert_eq "$(pg_cluster_sql "$FO_PRIMARY" "SELECT count(*) FROM bank_netsave WHERE ord_id = '$(fo_ord 1)'")" 1 "rows"
}
