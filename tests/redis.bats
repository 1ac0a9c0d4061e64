#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD, SIGN_KEY are read by lib/common.bash
# Redis as deployed, not the suite's password-less unix socket: a password (in the URL, in a
# file, as a systemd credential; missing or wrong), an ACL user, a database number, a replica
# where the master should be, Sentinel naming the master (and a failover under callbacks), and
# TLS through an stunnel pair. A Redis that refuses us never fails a callback: it is acknowledged
# and stored, and the log line says which step failed where, by error code only: never the
# password, never the customer's data.
#
# The servers are this file's own (TCP on the loopback, ports from free_port, files in
# $BATS_FILE_TMPDIR or a test's $BATS_TEST_TMPDIR), stopped by pid in teardown(_file) whatever
# happened.

load lib/common

# A password Redis must be given percent-encoded in a URL (':', '@', '/', '%'), and distinctive
# enough that finding it anywhere in a log is no coincidence. Fixed: bats reads this file anew
# for setup_file and for each test.
PW='pa:ss@w/rd%41-Xq7Zr9k'
PW_URL='pa%3Ass%40w%2Frd%2541-Xq7Zr9k'

# ---- servers ------------------------------------------------------------------------------------

# start_redis DIR NAME [CONF] [ARG...]: a daemonized redis-server on 127.0.0.1 whose pid file,
# log and working dir are in DIR. Nothing persisted: each test run starts empty.
start_redis() {
	local dir=$1 name=$2
	shift 2
	# no diskless-sync delay: a replica gets its first copy at once, not in 5 s
	# ::1 too where there is one ('-': not an error where there is none)
	_detached redis-server "$@" --bind '127.0.0.1 -::1' --save '' --appendonly no --daemonize yes \
		--repl-diskless-sync-delay 0 \
		--dir "$dir" --pidfile "$dir/$name.pid" --logfile "$dir/$name.log"
}

# wait_pong [REDIS-CLI-ARG...]: until that server answers PING (up to 5 s).
wait_pong() {
	local i
	for ((i = 0; i < 100; i++)); do
		[[ $(redis-cli "$@" ping 2>/dev/null) == PONG ]] && return 0
		sleep 0.05
	done
	fail "Redis ($*) did not answer PING"
}

# stop_daemons DIR: every process whose pid file is in DIR, by pid; waits until each is gone,
# so no server outlives the file that started it.
stop_daemons() {
	local f pid i
	for f in "$1"/*.pid; do
		[[ -f $f ]] || continue
		pid=$(<"$f")
		[[ $pid =~ ^[0-9]+$ ]] || continue
		kill -CONT "$pid" 2>/dev/null || true
		kill "$pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			pid_gone "$pid" && break
			sleep 0.05
		done
		kill -KILL "$pid" 2>/dev/null || true
		rm -f "$f"
	done
}

# redis-cli on the file's servers that tests read: requirepass, ACL users, the master (its
# replica has the same keys, and the one without HSET never gets any).
pw_cli() { REDISCLI_AUTH=$PW redis-cli -h 127.0.0.1 -p "$P_PW" "$@"; }
acl_cli() {
	redis-cli -h 127.0.0.1 -p "$P_ACL" --user tester --pass testerpw --no-auth-warning "$@"
}
m_cli() { redis-cli -h 127.0.0.1 -p "$P_M" "$@"; }

# ports N: N distinct free loopback ports in PORTS (free_port alone only knows who listens now).
ports() {
	local p q
	PORTS=()
	while ((${#PORTS[@]} < $1)); do
		p=$(free_port)
		for q in "${PORTS[@]}"; do
			[[ $p != "$q" ]] || continue 2
		done
		PORTS+=("$p")
	done
}

role() { # PORT: ROLE's first word (master, slave, sentinel)
	redis-cli -h 127.0.0.1 -p "$1" role 2>/dev/null | head -n 1
}

setup_file() {
	local d=$BATS_FILE_TMPDIR
	ports 5
	export P_PW=${PORTS[0]} P_ACL=${PORTS[1]} P_M=${PORTS[2]} P_R=${PORTS[3]} P_NOHSET=${PORTS[4]}

	start_redis "$d" pw --port "$P_PW" --requirepass "$PW" \
		--unixsocket "$d/pw.sock" --unixsocketperm 700
	# Redis 7 ACLs: the handler's own user with exactly what README grants it, one that may
	# only read, and the test's own; the default user is off, so a client that does not log
	# in can do nothing at all.
	cat >"$d/acl.conf" <<-CONF
		user default off
		user cacher on >cacherpw ~bank-customers* ~customers-pnrid* ~bank-mer-customers* +hset +unlink +expire +multi +exec +rename +persist +select +role
		user reader on >readerpw ~* &* +@read +ping
		user tester on >testerpw ~* &* +@all
	CONF
	start_redis "$d" acl "$d/acl.conf" --port "$P_ACL"
	start_redis "$d" master --port "$P_M"
	start_redis "$d" replica --port "$P_R" --replicaof 127.0.0.1 "$P_M"
	# HSET unknown: Redis's error reply then quotes the command's arguments, the callback's data
	printf 'rename-command HSET ""\n' >"$d/nohset.conf"
	start_redis "$d" nohset "$d/nohset.conf" --port "$P_NOHSET"

	wait_pong -h 127.0.0.1 -p "$P_PW" --pass "$PW" --no-auth-warning
	wait_pong -h 127.0.0.1 -p "$P_ACL" --user tester --pass testerpw --no-auth-warning
	wait_pong -h 127.0.0.1 -p "$P_M"
	wait_pong -h 127.0.0.1 -p "$P_R"
	wait_pong -h 127.0.0.1 -p "$P_NOHSET"

	printf '%s\n' "$PW" >"$d/redis-password"
	mkdir -p "$d/credentials"
	# no newline, as systemd's SetCredential= and `echo -n` write it
	printf '%s' "$PW" >"$d/credentials/redis-password"
}

teardown_file() {
	stop_daemons "$BATS_FILE_TMPDIR"
}

setup() {
	common_setup
	pw_cli flushall >/dev/null
	acl_cli flushall >/dev/null
	m_cli flushall >/dev/null
}

teardown() {
	common_teardown
	# a test's own servers (Sentinel, its master and replica, stunnel)
	stop_daemons "$BATS_TEST_TMPDIR"
}

# ---- helpers ------------------------------------------------------------------------------------

# with_redis [ENV-ASSIGNMENT...]: the next requests run the handler with these Redis settings
# and none of the suite's (which point at its own password-less socket).
with_redis() {
	BIN_CMD=(env -u BANK_CALLBACK_REDIS "$@" "$BIN")
}

LOG=''
# register [FIELD=VALUE...]: POST /bank/register; its log line lands in $LOG.
register() {
	post_form /bank/register "$(register_body "$@")"
	LOG=$(<"$BATS_TEST_TMPDIR/stderr")
}

# The note a Redis failure leaves in the log line: one line, a warning, the step, the server and
# the error code, and none of the callback's data.
assert_cache_note() { # WHAT: e.g. "HSET at 127.0.0.1:1234: NOAUTH"
	[[ $LOG != *$'\n'* ]] || fail "more than one log line:" "$LOG"
	[[ $LOG == '<4>'* ]] || fail "not a warning:" "$LOG"
	[[ $LOG == *'note="cache not updated (RefreshRedis repairs it): redis '"$1"* ]] ||
		fail "no note \"redis $1\" in the log line:" "$LOG"
	assert_secret_free "$LOG" 6000060000123456 pnr_alice
}

# assert_secret_free TEXT [STRING...]: none of the passwords (raw or as in a URL), nor the
# STRINGs, appear in TEXT.
assert_secret_free() {
	local text=$1 s
	shift
	for s in "$PW" "$PW_URL" cacherpw readerpw wrongpw "$@"; do
		[[ $text != *"$s"* ]] || fail "\"$s\" appears in:" "$text"
	done
}

assert_stored() { # the register's row, whatever Redis did
	assert_eq "$(psql_val "SELECT pnrid || '=' || cust_id FROM bank_customers")" \
		pnr_alice=6000060000123456 "bank_customers"
}

# ---- passwords ----------------------------------------------------------------------------------

@test "redis password: none configured: acknowledged and stored, not cached, NOAUTH in the log" {
	with_redis "BANK_CALLBACK_REDIS=127.0.0.1:$P_PW"
	register
	assert_ack "$UR_TRX"
	assert_stored
	assert_eq "$(pw_cli dbsize)" 0 "keys in the password Redis"
	assert_cache_note "HSET at 127.0.0.1:$P_PW: NOAUTH"
	assert_redis_empty
}

@test "redis password: from BANK_CALLBACK_REDIS_PASSWORD_FILE: cached" {
	with_redis "BANK_CALLBACK_REDIS=127.0.0.1:$P_PW" \
		"BANK_CALLBACK_REDIS_PASSWORD_FILE=$BATS_FILE_TMPDIR/redis-password"
	register
	assert_ack "$UR_TRX"
	assert_stored
	assert_eq "$(pw_cli hget bank-customers pnr_alice)" 6000060000123456
	assert_eq "$(pw_cli hget customers-pnrid 6000060000123456)" pnr_alice
	assert_secret_free "$LOG"
}

@test "redis password: percent-encoded in redis://:PASSWORD@host:port: cached" {
	with_redis "BANK_CALLBACK_REDIS=redis://:$PW_URL@127.0.0.1:$P_PW"
	register
	assert_ack "$UR_TRX"
	assert_eq "$(pw_cli hget bank-customers pnr_alice)" 6000060000123456
	assert_secret_free "$LOG"
}

@test "redis password: the systemd credential redis-password, over the unix socket: cached" {
	with_redis "BANK_CALLBACK_REDIS=unix:$BATS_FILE_TMPDIR/pw.sock" \
		"CREDENTIALS_DIRECTORY=$BATS_FILE_TMPDIR/credentials"
	register
	assert_ack "$UR_TRX"
	assert_eq "$(pw_cli hget bank-customers pnr_alice)" 6000060000123456
	assert_secret_free "$LOG"
}

@test "redis password: a wrong one: acknowledged and stored, WRONGPASS in the log, never the password" {
	printf 'wrongpw\n' >"$BATS_TEST_TMPDIR/wrong-password"
	with_redis "BANK_CALLBACK_REDIS=127.0.0.1:$P_PW" \
		"BANK_CALLBACK_REDIS_PASSWORD_FILE=$BATS_TEST_TMPDIR/wrong-password"
	register
	assert_ack "$UR_TRX"
	assert_stored
	assert_cache_note "AUTH at 127.0.0.1:$P_PW: WRONGPASS"
	assert_eq "$(pw_cli dbsize)" 0 "keys in the password Redis"
	# and the same through a URL
	with_redis "BANK_CALLBACK_REDIS=redis://:wrongpw@127.0.0.1:$P_PW"
	register UsrId=pnr_bob UsrCustId=6000060000123457 TrxId=201611190000000011
	assert_ack 201611190000000011
	assert_cache_note "AUTH at 127.0.0.1:$P_PW: WRONGPASS"
	assert_secret_free "$LOG" 6000060000123457 pnr_bob
	# a password for a server that wants none is a mistake in the settings too: Redis answers
	# "ERR AUTH <password> called without any password configured..."
	with_redis "BANK_CALLBACK_REDIS=redis://:wrongpw@127.0.0.1:$P_M"
	register UsrId=pnr_carol UsrCustId=6000060000123458 TrxId=201611190000000012
	assert_ack 201611190000000012
	assert_cache_note "AUTH at 127.0.0.1:$P_M: ERR (AUTH refused: this Redis has no password; give none)"
	assert_secret_free "$LOG" 6000060000123458 pnr_carol
	assert_eq "$(m_cli dbsize)" 0 "keys on the password-less Redis"
	assert_rows bank_customers 3
}

@test "redis password: --check with the password in the URL says ok redis and never shows it" {
	run env "BANK_CALLBACK_REDIS=redis://:$PW_URL@127.0.0.1:$P_PW" "$BIN" --check
	[[ $status -eq 0 ]] || fail "--check exited $status:" "$output"
	[[ $output == *$'\n'"ok redis: 127.0.0.1:$P_PW, with a password, a master"* ]] ||
		fail "no ok redis line:" "$output"
	[[ $output != *FAIL* ]] || fail "a FAIL line:" "$output"
	assert_secret_free "$output"
	# a refused login is a FAIL, still without the password
	run env "BANK_CALLBACK_REDIS=redis://:wrongpw@127.0.0.1:$P_PW" "$BIN" --check
	[[ $status -ne 0 ]] || fail "--check with a wrong password exited 0:" "$output"
	[[ $output == *"FAIL redis: redis AUTH at 127.0.0.1:$P_PW: WRONGPASS"* ]] ||
		fail "no FAIL redis line:" "$output"
	assert_secret_free "$output"
	# the handler's log lines, refused or not
	with_redis "BANK_CALLBACK_REDIS=redis://:$PW_URL@127.0.0.1:$P_PW"
	register
	assert_ack "$UR_TRX"
	assert_secret_free "$LOG"
	refresh_redis
	assert_status 200
	assert_secret_free "$(<"$BATS_TEST_TMPDIR/stderr")"
}

@test "redis password: in the URL and in a file is a configuration error, not a guess" {
	run env "BANK_CALLBACK_REDIS=redis://:$PW_URL@127.0.0.1:$P_PW" \
		"BANK_CALLBACK_REDIS_PASSWORD_FILE=$BATS_FILE_TMPDIR/redis-password" "$BIN" --check
	[[ $status -ne 0 ]] || fail "--check exited 0:" "$output"
	[[ $output == *"FAIL redis: "* ]] || fail "no FAIL redis line:" "$output"
	assert_secret_free "$output"
}

# ---- ACL user -----------------------------------------------------------------------------------

@test "redis ACL: redis://cacher:PASSWORD@host:port caches; a wrong password is WRONGPASS in the log" {
	with_redis "BANK_CALLBACK_REDIS=redis://cacher:cacherpw@127.0.0.1:$P_ACL"
	register
	assert_ack "$UR_TRX"
	assert_eq "$(acl_cli hget bank-customers pnr_alice)" 6000060000123456
	assert_secret_free "$LOG"

	acl_cli flushall >/dev/null
	with_redis "BANK_CALLBACK_REDIS=redis://cacher:wrongpw@127.0.0.1:$P_ACL"
	register UsrId=pnr_bob UsrCustId=6000060000123457 TrxId=201611190000000011
	assert_ack 201611190000000011
	assert_eq "$(psql_val "SELECT count(*) FROM bank_customers")" 2 "rows in bank_customers"
	assert_cache_note "AUTH at 127.0.0.1:$P_ACL: WRONGPASS"
	assert_secret_free "$LOG" 6000060000123457 pnr_bob
	assert_eq "$(acl_cli dbsize)" 0 "keys in the ACL Redis"

	run env "BANK_CALLBACK_REDIS=redis://cacher:cacherpw@127.0.0.1:$P_ACL" "$BIN" --check
	[[ $output == *"ok redis: 127.0.0.1:$P_ACL, user cacher, with a password, a master"* ]] ||
		fail "no ok redis line:" "$output"
	assert_secret_free "$output"

	# README's grants are enough for RefreshRedis too
	with_redis "BANK_CALLBACK_REDIS=redis://cacher:cacherpw@127.0.0.1:$P_ACL"
	refresh_redis
	assert_status 200
	assert_eq "$(acl_cli hget bank-customers pnr_bob)" 6000060000123457
	assert_eq "$(acl_cli keys '*rebuild*')" "" "temporary keys left"
}

@test "redis ACL: the user in the URL, its password in a file: AUTH user password; a read-only user is NOPERM" {
	printf 'cacherpw\n' >"$BATS_TEST_TMPDIR/cacher-password"
	with_redis "BANK_CALLBACK_REDIS=redis://cacher@127.0.0.1:$P_ACL" \
		"BANK_CALLBACK_REDIS_PASSWORD_FILE=$BATS_TEST_TMPDIR/cacher-password"
	register
	assert_ack "$UR_TRX"
	assert_eq "$(acl_cli hget bank-customers pnr_alice)" 6000060000123456
	assert_secret_free "$LOG"

	acl_cli flushall >/dev/null
	with_redis "BANK_CALLBACK_REDIS=redis://reader:readerpw@127.0.0.1:$P_ACL"
	register UsrId=pnr_bob UsrCustId=6000060000123457 TrxId=201611190000000011
	assert_ack 201611190000000011
	assert_cache_note "HSET at 127.0.0.1:$P_ACL: NOPERM"
	assert_secret_free "$LOG" 6000060000123457 pnr_bob
	assert_eq "$(acl_cli dbsize)" 0 "keys in the ACL Redis"
	refresh_redis
	assert_status 503
	assert_secret_free "$(<"$BATS_TEST_TMPDIR/stderr")"
}

# ---- addresses and database numbers -------------------------------------------------------------

@test "redis db: redis://host:port/3 writes db 3, not db 0, and so does RefreshRedis" {
	with_redis "BANK_CALLBACK_REDIS=redis://127.0.0.1:$P_M/3"
	register
	assert_ack "$UR_TRX"
	assert_eq "$(m_cli -n 3 hget bank-customers pnr_alice)" 6000060000123456
	assert_eq "$(m_cli -n 0 dbsize)" 0 "keys in db 0"
	m_cli -n 3 flushdb >/dev/null
	refresh_redis
	assert_status 200
	assert_eq "$(m_cli -n 3 hget bank-customers pnr_alice)" 6000060000123456 "db 3 after RefreshRedis"
	assert_eq "$(m_cli -n 0 dbsize)" 0 "keys in db 0 after RefreshRedis"
}

@test "redis db: unix:/path?db=3 writes db 3, not db 0, and so does RefreshRedis" {
	with_redis "BANK_CALLBACK_REDIS=unix:$SERVICES_DIR/redis.sock?db=3"
	register
	assert_ack "$UR_TRX"
	assert_eq "$(redis_cmd -n 3 hget bank-customers pnr_alice)" 6000060000123456
	assert_redis_empty
	redis_cmd -n 3 flushdb >/dev/null
	refresh_redis
	assert_status 200
	assert_eq "$(redis_cmd -n 3 hget customers-pnrid 6000060000123456)" pnr_alice "db 3 after RefreshRedis"
	assert_redis_empty
	run env "BANK_CALLBACK_REDIS=unix:$SERVICES_DIR/redis.sock?db=3" "$BIN" --check
	[[ $output == *$'\n'"ok redis: unix:$SERVICES_DIR/redis.sock, db 3, a master"* ]] ||
		fail "no ok redis line:" "$output"
}

@test "redis address: [::1]:port" {
	[[ $(redis-cli -h ::1 -p "$P_M" ping 2>/dev/null) == PONG ]] || skip "no IPv6 loopback here"
	with_redis "BANK_CALLBACK_REDIS=[::1]:$P_M"
	register
	assert_ack "$UR_TRX"
	[[ $LOG != *note=* ]] || fail "a note in the log line:" "$LOG"
	assert_eq "$(m_cli hget bank-customers pnr_alice)" 6000060000123456
	run env "BANK_CALLBACK_REDIS=[::1]:$P_M" "$BIN" --check
	[[ $output == *$'\n'"ok redis: [::1]:$P_M, a master"* ]] || fail "no ok redis line:" "$output"
}

# ---- a replica where the master should be -------------------------------------------------------

@test "redis replica: --check fails naming it a replica; a callback is acknowledged, stored, READONLY in the log" {
	run env "BANK_CALLBACK_REDIS=127.0.0.1:$P_R" "$BIN" --check
	[[ $status -ne 0 ]] || fail "--check on a replica exited 0:" "$output"
	[[ $output == *$'\n'"FAIL redis: 127.0.0.1:$P_R is a slave"* ]] ||
		fail "no FAIL redis line naming a replica:" "$output"

	with_redis "BANK_CALLBACK_REDIS=127.0.0.1:$P_R"
	register
	assert_ack "$UR_TRX"
	assert_stored
	assert_cache_note "HSET at 127.0.0.1:$P_R: READONLY"
	assert_eq "$(m_cli dbsize)" 0 "keys on the master"
}

# ---- error replies ------------------------------------------------------------------------------

@test "redis errors: a reply quoting the callback's data is logged by its code only" {
	# ERR unknown command 'HSET', with args beginning with: 'bank-customers' 'pnr_alice' ...
	with_redis "BANK_CALLBACK_REDIS=127.0.0.1:$P_NOHSET"
	register
	assert_ack "$UR_TRX"
	assert_stored
	assert_cache_note "HSET at 127.0.0.1:$P_NOHSET: ERR"
	[[ $LOG != *bank-customers* && $LOG != *"unknown command"* ]] || fail "Redis's text logged:" "$LOG"
	# a key of another type: WRONGTYPE, and the hash is not forced over it
	redis_cmd set bank-customers not-a-hash >/dev/null
	with_redis "BANK_CALLBACK_REDIS=$BANK_CALLBACK_REDIS"
	register UsrId=pnr_bob UsrCustId=6000060000123457 TrxId=201611190000000011
	assert_ack 201611190000000011
	assert_cache_note "HSET at unix:$SERVICES_DIR/redis.sock: WRONGTYPE"
	assert_secret_free "$LOG" 6000060000123457 pnr_bob
	assert_eq "$(redis_cmd get bank-customers)" not-a-hash
}

# ---- Sentinel -----------------------------------------------------------------------------------

# sentinel_up: this test's own master (port SM), a replica of it (SR) and one Sentinel (SS)
# monitoring it as mymaster with a quorum of 1, all in $BATS_TEST_TMPDIR. Returns once the
# Sentinel knows the replica: before that a failover has no one to promote.
sentinel_up() {
	local d=$BATS_TEST_TMPDIR
	ports 3
	SM=${PORTS[0]} SR=${PORTS[1]} SS=${PORTS[2]}
	start_redis "$d" s-master --port "$SM"
	start_redis "$d" s-replica --port "$SR" --replicaof 127.0.0.1 "$SM"
	wait_pong -h 127.0.0.1 -p "$SM"
	wait_pong -h 127.0.0.1 -p "$SR"
	# the Sentinel learns of replicas from the master's INFO: let the replica be there first
	wait_for 10 replica_linked || fail "the replica did not link to its master"
	# a Sentinel rewrites its config file: its own, writable copy
	cat >"$d/sentinel.conf" <<-CONF
		port $SS
		bind 127.0.0.1
		daemonize yes
		pidfile $d/sentinel.pid
		logfile $d/sentinel.log
		dir $d
		sentinel announce-ip 127.0.0.1
		sentinel monitor mymaster 127.0.0.1 $SM 1
		sentinel down-after-milliseconds mymaster 1000
		sentinel failover-timeout mymaster 5000
	CONF
	_detached redis-sentinel "$d/sentinel.conf"
	wait_for 10 sentinel_knows_replica || {
		cat "$d/sentinel.log" >&2
		fail "the Sentinel did not discover the replica"
	}
	wait_for 10 replica_acks || fail "the replica does not acknowledge the master's writes"
}

replica_linked() {
	redis-cli -h 127.0.0.1 -p "$SR" info replication | grep -q '^master_link_status:up'
}

sentinel_knows_replica() {
	redis-cli -h 127.0.0.1 -p "$SS" sentinel replicas mymaster 2>/dev/null |
		grep -qx "127.0.0.1:$SR"
}

# The replica acknowledges a write (WAIT, on the write's own connection), as the handler asks:
# a Sentinel that has just found it may first have it resync.
replica_acks() {
	[[ $(printf 'SET replica-probe 1\nWAIT 1 1000\nDEL replica-probe\n' |
		redis-cli -h 127.0.0.1 -p "$SM" | sed -n 2p) == 1 ]]
}

sentinel_master() { # what the Sentinel answers a client asking for mymaster, as "host port"
	redis-cli -h 127.0.0.1 -p "$SS" sentinel get-master-addr-by-name mymaster | paste -sd ' '
}

# A failover is over for clients once the Sentinel names the new master and it says it is one.
# (The old master may go on saying "master" for seconds, until the Sentinel's next INFO: no
# client is sent there any more.)
failed_over() {
	[[ $(role "$SR") == master && $(sentinel_master) == "127.0.0.1 $SR" ]]
}

sentinel_env() {
	with_redis "BANK_CALLBACK_REDIS_SENTINELS=$1" BANK_CALLBACK_REDIS_MASTER=mymaster "${@:2}"
}

@test "redis sentinel: caches on the master a Sentinel names, past a dead one; --check says so" {
	sentinel_up
	ports 1
	local dead=${PORTS[0]}
	sentinel_env "127.0.0.1:$SS" BANK_CALLBACK_REDIS=redis://
	register
	assert_ack "$UR_TRX"
	assert_eq "$(redis-cli -p "$SM" hget bank-customers pnr_alice)" 6000060000123456 "on the master"
	[[ $LOG != *note=* ]] || fail "a note in the log line:" "$LOG"
	assert_redis_empty

	# the first sentinel listed is down: the next one answers
	redis-cli -p "$SM" flushall >/dev/null
	sentinel_env "127.0.0.1:$dead,127.0.0.1:$SS" BANK_CALLBACK_REDIS=redis://
	refresh_redis
	assert_status 200
	assert_eq "$(redis-cli -p "$SM" hget bank-customers pnr_alice)" 6000060000123456 "on the master"

	run env BANK_CALLBACK_REDIS=redis:// "BANK_CALLBACK_REDIS_SENTINELS=127.0.0.1:$SS" \
		BANK_CALLBACK_REDIS_MASTER=mymaster "$BIN" --check
	[[ $status -eq 0 ]] || fail "--check exited $status:" "$output"
	[[ $output == *$'\n''ok redis: master mymaster via 1 sentinel, a master'* ]] ||
		fail "no ok redis line:" "$output"
	run env BANK_CALLBACK_REDIS=redis:///2 "BANK_CALLBACK_REDIS_SENTINELS=127.0.0.1:$dead,127.0.0.1:$SS" \
		BANK_CALLBACK_REDIS_MASTER=mymaster "$BIN" --check
	[[ $output == *$'\n''ok redis: master mymaster via 2 sentinels, db 2, a master'* ]] ||
		fail "no ok redis line:" "$output"
}

@test "redis sentinel: a write no replica has yet is said in the log line (a failover then could lose it)" {
	sentinel_up
	sentinel_env "127.0.0.1:$SS" BANK_CALLBACK_REDIS=redis://
	# the replica stops taking the master's stream
	redis-cli -p "$SR" replicaof no one >/dev/null
	register
	assert_ack "$UR_TRX"
	assert_eq "$(redis-cli -p "$SM" hget bank-customers pnr_alice)" 6000060000123456 "on the master"
	[[ $LOG == '<4>'* && $LOG == *"note=\"cache written on the master alone: redis WAIT at 127.0.0.1:$SM: no replica has the write after 500 ms (a failover now would lose it)\""* ]] ||
		fail "no note of the unconfirmed write:" "$LOG"
	assert_secret_free "$LOG" 6000060000123456 pnr_alice
}

# BANK_CALLBACK_REDIS unset is as good as redis:// with sentinels: not the default 127.0.0.1:6379,
# which names a server the sentinels would contradict.
@test "redis sentinel: with BANK_CALLBACK_REDIS unset, the Sentinel's master is used" {
	sentinel_up
	sentinel_env "127.0.0.1:$SS"
	register
	assert_ack "$UR_TRX"
	assert_eq "$(redis-cli -p "$SM" hget bank-customers pnr_alice)" 6000060000123456 "on the master"
	run env -u BANK_CALLBACK_REDIS "BANK_CALLBACK_REDIS_SENTINELS=127.0.0.1:$SS" \
		BANK_CALLBACK_REDIS_MASTER=mymaster "$BIN" --check
	[[ $status -eq 0 ]] || fail "--check exited $status:" "$output"
	[[ $output == *$'\n''ok redis: master mymaster via 1 sentinel, a master'* ]] ||
		fail "no ok redis line:" "$output"
}

cust_n() { printf '6000061%09d' "$1"; } # the I-th customer's UsrCustId: 16 digits, 600006...
trx_n() { printf '2016111900%08d' "$1"; }  # and its TrxId: 18 digits

# register_n I: the I-th distinct customer of a stream (its own UsrId, UsrCustId and TrxId),
# acknowledged whatever Redis is doing (and never by the last-resort alarm).
register_n() {
	register "UsrId=pnr_u$1" "UsrCustId=$(cust_n "$1")" "TrxId=$(trx_n "$1")"
	assert_ack "$(trx_n "$1")"
	[[ $LOG != *last-resort* ]] || fail "callback $1 was answered by the alarm:" "$LOG"
}

# failover_stream TRIGGER...: callbacks 1-5 are cached on the master; TRIGGER starts a failover;
# callbacks keep coming until the Sentinel names the new master, then 5 more. Every one must be
# acknowledged and stored; those after the failover cached on the new master at once; and
# RefreshRedis then puts all of them there.
failover_stream() {
	local i n first_after deadline notes=''
	for ((i = 1; i <= 5; i++)); do
		register_n "$i"
		assert_eq "$(redis-cli -p "$SM" hget bank-customers "pnr_u$i")" "$(cust_n "$i")" \
			"pnr_u$i on the master"
	done

	"$@"

	# meanwhile each callback is acknowledged and stored, cached or not
	deadline=$((SECONDS + 20))
	until failed_over; do
		((SECONDS < deadline)) || {
			cat "$BATS_TEST_TMPDIR/sentinel.log" >&2
			fail "no failover in 20 s"
		}
		register_n "$i"
		[[ $LOG != *note=* ]] || notes+="  $LOG"$'\n'
		((i++))
	done
	first_after=$i
	# shown only if the test fails: what the handler met during the failover
	printf 'callbacks 6 to %d came during the failover; their notes:\n%s' "$((i - 1))" "$notes" >&2

	for ((; i < first_after + 5; i++)); do
		register_n "$i"
		# the new master has no replica yet (the old one is down or still
		# rejoining): that is said, and nothing else is
		[[ $LOG != *note=* || $LOG == *'note="cache written on the master alone: redis WAIT at '*'"' ]] ||
			fail "a note after the failover:" "$LOG"
		assert_eq "$(redis-cli -p "$SR" hget bank-customers "pnr_u$i")" "$(cust_n "$i")" \
			"pnr_u$i on the new master"
	done
	n=$((i - 1))
	assert_rows bank_customers "$n"
	assert_eq "$(psql_val "SELECT count(*) FROM bank_customers
		WHERE pnrid = 'pnr_u' || (cust_id::bigint - 6000061000000000)::text")" "$n" \
		"stored customers, each with its own id"

	refresh_redis
	assert_status 200
	assert_body "bank-customers $n"$'\n'"customers-pnrid $n"$'\n'$'bank-mer-customers 0\n'
	assert_eq "$(redis-cli -p "$SR" hlen bank-customers)" "$n" "bank-customers on the new master"
	for ((i = 1; i <= n; i++)); do
		assert_eq "$(redis-cli -p "$SR" hget customers-pnrid "$(cust_n "$i")")" "pnr_u$i" \
			"customers-pnrid $(cust_n "$i") on the new master"
	done
}

# SENTINEL FAILOVER, retried: the Sentinel refuses (NOGOODSLAVE) until it has the replica's INFO.
sentinel_failover() {
	local n out
	for ((n = 0; n < 50; n++)); do
		out=$(redis-cli -p "$SS" sentinel failover mymaster)
		[[ $out == OK ]] && return 0
		sleep 0.1
	done
	fail "SENTINEL FAILOVER: $out"
}

@test "redis sentinel: SENTINEL FAILOVER under a stream of callbacks: all acknowledged and stored, cached on the new master once it is done" {
	sentinel_up
	sentinel_env "127.0.0.1:$SS" BANK_CALLBACK_REDIS=redis://
	failover_stream sentinel_failover
}

@test "redis sentinel: the master hangs (SIGSTOP) under a stream of callbacks: all acknowledged within 5 s and stored, cached on the promoted replica" {
	sentinel_up
	sentinel_env "127.0.0.1:$SS" BANK_CALLBACK_REDIS=redis://
	# the Sentinel fails over after down-after-milliseconds (1 s); until then it names the hung
	# master, where each step of the handler times out. teardown resumes it before stopping it.
	failover_stream kill -STOP "$(<"$BATS_TEST_TMPDIR/s-master.pid")"
}

# ---- TLS ----------------------------------------------------------------------------------------

# stunnel DIR NAME [OPTION=VALUE...]: a daemonized stunnel with one service, [redis], whose
# options are the rest; its pid file and log in DIR.
stunnel_start() {
	local dir=$1 name=$2 kv
	shift 2
	{
		printf 'foreground = no\npid = %s\noutput = %s\n[redis]\n' \
			"$dir/$name.pid" "$dir/$name.log"
		for kv; do printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"; done
	} >"$dir/$name.conf"
	_detached stunnel4 "$dir/$name.conf" || { cat "$dir/$name.log" >&2; return 1; }
}

@test "redis TLS: through an stunnel pair that verifies the server's certificate: cached" {
	local d=$BATS_TEST_TMPDIR tls plain wrong name
	ports 3
	tls=${PORTS[0]} plain=${PORTS[1]} wrong=${PORTS[2]}
	# a self-signed certificate for redis.test, and another the client must not accept
	for name in tls other; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
			-subj /CN=redis.test -addext subjectAltName=DNS:redis.test \
			-keyout "$d/$name.key" -out "$d/$name.crt" 2>/dev/null
	done
	stunnel_start "$d" tls-server "accept=127.0.0.1:$tls" "connect=127.0.0.1:$P_M" \
		"cert=$d/tls.crt" "key=$d/tls.key"
	stunnel_start "$d" tls-client client=yes "accept=127.0.0.1:$plain" "connect=127.0.0.1:$tls" \
		verifyChain=yes "CAfile=$d/tls.crt" checkHost=redis.test
	stunnel_start "$d" tls-wrong client=yes "accept=127.0.0.1:$wrong" "connect=127.0.0.1:$tls" \
		verifyChain=yes "CAfile=$d/other.crt" checkHost=redis.test
	wait_pong -h 127.0.0.1 -p "$plain"
	# the server end speaks only TLS
	[[ $(timeout 5 redis-cli -h 127.0.0.1 -p "$tls" ping 2>&1) != PONG ]] ||
		fail "a plain PONG from the TLS port"

	with_redis "BANK_CALLBACK_REDIS=127.0.0.1:$plain"
	register
	assert_ack "$UR_TRX"
	[[ $LOG != *note=* ]] || fail "a note in the log line:" "$LOG"
	assert_eq "$(m_cli hget bank-customers pnr_alice)" 6000060000123456

	# a client end that does not trust the certificate passes nothing on: not cached, still
	# acknowledged
	m_cli flushall >/dev/null
	with_redis "BANK_CALLBACK_REDIS=127.0.0.1:$wrong"
	register UsrId=pnr_bob UsrCustId=6000060000123457 TrxId=201611190000000011
	assert_ack 201611190000000011
	# stunnel resets the connection once the handshake fails: before our first command, or
	# while it waits for the answer to it
	if [[ $LOG == *"redis connect at"* ]]; then
		assert_cache_note "connect at 127.0.0.1:$wrong: "
	else
		assert_cache_note "HSET at 127.0.0.1:$wrong: "
	fi
	assert_eq "$(m_cli dbsize)" 0 "keys behind the untrusted tunnel"
	grep -q 'CERT: Verification error\|certificate verify failed' "$d/tls-wrong.log" ||
		fail "tls-wrong did not refuse the certificate:" "$(<"$d/tls-wrong.log")"
}
