#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD is read by lib/common.bash
# Deployment: the systemd units, the xinetd service and `make install`, each used for real:
# the units are checked by systemd-analyze and their settings run under
# systemd-socket-activate; the xinetd file runs under a real xinetd. Also the docs' nginx examples.

load lib/common

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

# make without relinking ./bank-callback: the suite may be running a SANITIZE=1 build.
repo_make() { make -s -C "$REPO" -o bank-callback "$@"; }

# Installs under a private PREFIX, so the units' ExecStart names a binary that exists.
install_private() {
	INST=$BATS_TEST_TMPDIR/inst
	repo_make install PREFIX="$INST/usr" SYSCONFDIR="$INST/etc" >/dev/null
	UNITS=$INST/usr/lib/systemd/system
}

teardown() {
	common_teardown
	if [[ -n ${XINETD_PID:-} ]]; then
		kill "$XINETD_PID" 2>/dev/null || true
		wait "$XINETD_PID" 2>/dev/null || true
	fi
	[[ -z ${PG_STOPPED:-} ]] || kill -CONT "$PG_STOPPED" 2>/dev/null || true
	if [[ -n ${COLLATION_CHANGED:-} ]]; then
		psql_val "UPDATE pg_database SET datcollversion = pg_database_collation_actual_version(oid)
			WHERE datname = current_database()"
	fi
}

# xinetd_start: the shipped service file under a real xinetd, enabled as an operator would:
# disable = no, bound to loopback and open to it alone, on a free port, with our binary,
# user and settings. Sets SOCKET_PORT, so curl_request goes through it.
xinetd_start() {
	local port conf=$BATS_TEST_TMPDIR/bank-callback.conf xconf=$BATS_TEST_TMPDIR/xinetd.conf i
	port=$(free_port)
	printf 'PGHOST=%s\nPGPORT=%s\nPGDATABASE=%s\nPGUSER=%s\nBANK_CALLBACK_REDIS=%s\n' \
		"$PGHOST" "$PGPORT" "$PGDATABASE" "$PGUSER" "$BANK_CALLBACK_REDIS" >"$conf"
	printf 'BANK_CALLBACK_MER_CUST_ID=%s\nBANK_CALLBACK_FRONTEND=%s\n' \
		"$MER" "$BANK_CALLBACK_FRONTEND" >>"$conf"
	sed -e "s|^\(\s*port\s*=\).*|\1 $port|" \
		-e "s|^\(\s*bind\s*=\).*|\1 127.0.0.1|" \
		-e "s|^\(\s*only_from\s*=\).*|\1 127.0.0.1|" \
		-e "s|^\(\s*disable\s*=\).*|\1 no|" \
		-e "s|/usr/local/bin/bank-callback|$BIN|" \
		-e "s|/etc/bank-callback.conf|$conf|" \
		-e "s|/etc/bank-callback/PgPubk.key|$BANK_CALLBACK_PUBKEY|" \
		-e "s|/etc/bank-callback/admin-token|$BANK_CALLBACK_ADMIN_TOKEN_FILE|" \
		-e "s|^\(\s*user\s*=\).*|\1 $(id -un)|" -e "s|^\(\s*group\s*=\).*|\1 $(id -gn)|" \
		"$REPO/xinetd/bank-callback" >"$xconf"
	grep -qE '^\s*disable\s*=\s*no$' "$xconf" || fail "the service was not enabled:" "$(cat "$xconf")"
	# ASan reserves terabytes of address space: rlimit_as only fits a plain build.
	if ldd "$BIN" | grep -q libasan; then sed -i '/rlimit_as/d' "$xconf"; fi
	xinetd -dontfork -f "$xconf" -pidfile "$BATS_TEST_TMPDIR/xinetd.pid" \
		-filelog "$BATS_TEST_TMPDIR/xinetd.log" </dev/null >"$BATS_TEST_TMPDIR/xinetd.out" 2>&1 3>&- &
	XINETD_PID=$!
	for ((i = 0; i < 100; i++)); do
		[[ -n $(ss -Htln "src = 127.0.0.1:$port") ]] && break
		kill -0 "$XINETD_PID" 2>/dev/null || break
		sleep 0.05
	done
	[[ -n $(ss -Htln "src = 127.0.0.1:$port") ]] ||
		fail "xinetd is not listening on 127.0.0.1:$port:" "$(cat "$BATS_TEST_TMPDIR/xinetd.out")"
	SOCKET_PORT=$port
}

# xinetd_raw NAME TEXT: TEXT on a new connection, and every byte the client gets back until
# the handler closes it (not just Content-Length of them) in $BATS_TEST_TMPDIR/NAME.
xinetd_raw() {
	exec 5<>"/dev/tcp/127.0.0.1/$SOCKET_PORT"
	printf '%s' "$2" >&5
	timeout 15 cat <&5 >"$BATS_TEST_TMPDIR/$1"
	exec 5<&-
}

# assert_one_response NAME STATUS: the bytes in NAME are one HTTP response with STATUS from
# the first byte to the last, and nothing else. Parses it for the assert_* helpers.
assert_one_response() {
	local raw=$BATS_TEST_TMPDIR/$1 shown
	shown=$(od -An -c "$raw" | head -20)
	[[ $(head -c 12 "$raw") == "HTTP/1.1 $2" ]] || fail "the client's first bytes are not HTTP/1.1 $2:" "$shown"
	assert_eq "$(grep -c 'HTTP/1\.' "$raw")" 1 "responses in the stream ($shown)"
	! grep -qE 'status=|WARNING|NOTICE' "$raw" || fail "a log line or notice reached the client:" "$shown"
	# parse_response also holds Content-Length to every byte after the head
	parse_response "$raw"
}

@test "systemd: systemd-analyze verify is clean on the installed units" {
	install_private
	run systemd-analyze verify --man=no "$UNITS/bank-callback.socket" "$UNITS/bank-callback@.service" \
		"$UNITS/bank-callback-refresh.service" "$UNITS/bank-callback-refresh.timer"
	[[ $status -eq 0 && -z $output ]] || fail "systemd-analyze verify:" "$output"
}

@test "systemd: an instance of the service has an exposure of 2.0 or lower" {
	install_private
	cp "$UNITS/bank-callback@.service" "$BATS_TEST_TMPDIR/bank-callback@test.service"
	run systemd-analyze security --offline=yes "$BATS_TEST_TMPDIR/bank-callback@test.service"
	local level
	level=$(sed -n 's/.*Overall exposure level for bank-callback@test.service: \([0-9.]*\).*/\1/p' <<<"$output")
	[[ -n $level ]] || fail "no exposure level:" "$output"
	awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }' || fail "exposure $level > 2.0:" "$output"
}

@test "systemd: the cache's repair: a timer every 15 minutes runs --refresh-redis, which brings back what Redis lost" {
	install_private
	local unit=$UNITS/bank-callback-refresh.service timer=$UNITS/bank-callback-refresh.timer exec
	local -a env=(env -i "PATH=$PATH")
	grep -qx 'OnUnitActiveSec=15min' "$timer" || fail "the timer's period:" "$(cat "$timer")"
	grep -qx 'WantedBy=timers.target' "$timer" || fail "the timer is not for timers.target"
	exec=$(sed -n 's/^ExecStart=//p' "$unit")
	[[ $exec == "$INST/usr/bin/bank-callback --refresh-redis" ]] || fail "ExecStart=$exec"
	grep -qx 'EnvironmentFile=-/etc/bank-callback.conf' "$unit" || fail "the service's settings"
	# as secure as the request's unit
	cp "$unit" "$BATS_TEST_TMPDIR/bank-callback-refresh.service"
	run systemd-analyze security --offline=yes "$BATS_TEST_TMPDIR/bank-callback-refresh.service"
	[[ $output =~ Overall\ exposure\ level\ for\ bank-callback-refresh.service:\ (0\.[0-9]|1\.[0-9]|2\.0) ]] ||
		fail "exposure:" "$output"

	# a customer stored, then Redis loses it: the service's command, with the settings a unit gives
	post_form /bank/register "$(register_body)"
	assert_ack "$UR_TRX"
	redis_cmd flushall >/dev/null
	while IFS= read -r line; do env+=("$line"); done < <(printf 'PGHOST=%s\nPGPORT=%s\nPGDATABASE=%s\nPGUSER=%s\nBANK_CALLBACK_REDIS=%s\n' \
		"$PGHOST" "$PGPORT" "$PGDATABASE" "$PGUSER" "$BANK_CALLBACK_REDIS")
	# shellcheck disable=SC2086 # ExecStart= is split into words as systemd does
	run "${env[@]}" $exec
	((status == 0)) || fail "$exec exited $status:" "$output"
	assert_eq "$(redis_cmd hget bank-customers pnr_alice)" 6000060000123456 "the lost entry"
}

@test "systemd: the socket is port 8080, one process per connection, with connection limits" {
	local s=$REPO/systemd/bank-callback.socket u=$REPO/systemd/bank-callback@.service
	grep -qx 'ListenStream=8080' "$s" || fail "no ListenStream=8080"
	grep -qx 'Accept=yes' "$s" || fail "no Accept=yes"
	grep -qE '^MaxConnections=[0-9]+$' "$s" || fail "no MaxConnections"
	grep -qE '^MaxConnectionsPerSource=[0-9]+$' "$s" || fail "no MaxConnectionsPerSource"
	grep -qE '^RuntimeMaxSec=[0-9]+' "$u" || fail "no RuntimeMaxSec"
	grep -qx 'StandardInput=socket' "$u" || fail "stdin is not the connection"
	grep -qx 'StandardError=journal' "$u" || fail "stderr is not the journal"
}

@test "systemd: the unit's ExecStart, EnvironmentFile and credentials answer under systemd-socket-activate" {
	install_private
	local unit=$UNITS/bank-callback@.service exec creds=$BATS_TEST_TMPDIR/credentials
	local conf=$BATS_TEST_TMPDIR/bank-callback.conf id src
	exec=$(sed -n 's/^ExecStart=//p' "$unit")
	[[ $exec == "$INST/usr/bin/bank-callback" ]] || fail "ExecStart=$exec"
	# EnvironmentFile=: the shipped example with this test's values
	sed -e "s|^PGHOST=.*|PGHOST=$PGHOST|" -e "s|^PGDATABASE=.*|PGDATABASE=$PGDATABASE|" \
		-e "s|^BANK_CALLBACK_REDIS=.*|BANK_CALLBACK_REDIS=$BANK_CALLBACK_REDIS|" \
		-e "s|^BANK_CALLBACK_MER_CUST_ID=.*|BANK_CALLBACK_MER_CUST_ID=$MER|" \
		-e "s|^BANK_CALLBACK_FRONTEND=.*|BANK_CALLBACK_FRONTEND=http://front.example/|" \
		"$INST/etc/bank-callback.conf" >"$conf"
	printf 'PGPORT=%s\nPGUSER=%s\n' "$PGPORT" "$PGUSER" >>"$conf"
	# LoadCredential=ID:PATH: systemd copies PATH to $CREDENTIALS_DIRECTORY/ID
	mkdir -p "$creds"
	while IFS=: read -r id src; do
		case $id in
		bank-pubkey) cp "$TEST_KEYS/bank.PgPubk.key" "$creds/$id" ;; # as the bank issues it
		admin-token) cp "$BANK_CALLBACK_ADMIN_TOKEN_FILE" "$creds/$id" ;;
		*) fail "unexpected credential $id" ;;
		esac
	done < <(sed -n 's/^LoadCredential=//p' "$unit")
	[[ -f $creds/bank-pubkey && -f $creds/admin-token ]] || fail "the unit does not load both credentials"

	# systemd gives the process the file's variables and CREDENTIALS_DIRECTORY, nothing else
	local -a envs=()
	while IFS= read -r line; do
		envs+=(-E "$line")
	done < <(grep -E '^[A-Z_]+=' "$conf")
	socket_start "${envs[@]}" -E "CREDENTIALS_DIRECTORY=$creds" "$exec"

	curl_request POST /bank/register "$(register_body)"
	assert_ack "$UR_TRX"
	assert_rows bank_customers 1
	curl_request POST /bank/RefreshRedis CmdId=RefreshRedis \
		-H "Authorization: Bearer $(head -n 1 "$creds/admin-token")"
	assert_status 200
	assert_body $'bank-customers 1\ncustomers-pnrid 1\nbank-mer-customers 0\n'
}

@test "xinetd: the shipped service file is disabled and bound to loopback until the operator says otherwise" {
	local f=$REPO/xinetd/bank-callback
	grep -qE '^\s*disable\s*=\s*yes$' "$f" || fail "the shipped file does not say disable = yes"
	grep -qE '^\s*bind\s*=\s*127\.0\.0\.1$' "$f" || fail "the shipped file does not bind 127.0.0.1"
	grep -qE '^\s*only_from\s*=\s*127\.0\.0\.1$' "$f" || fail "the shipped file does not say only_from = 127.0.0.1"
}

@test "xinetd: the project's service file, enabled on a loopback port, gives real answers" {
	xinetd_start
	curl_request POST /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1
	curl_request POST /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1
	curl_request GET /bank/nowhere ''
	assert_error 404
	curl_request GET /bank/health ''
	assert_status 200
	assert_body $'ok\n'

	# xinetd makes stderr the socket too: the log line must go to syslog, not to the client.
	xinetd_raw health 'GET /bank/health HTTP/1.1'$'\r\n''Host: x'$'\r\n\r\n'
	assert_one_response health 200
	assert_body $'ok\n'
}

@test "xinetd: a PostgreSQL WARNING at every connection never reaches the client, only the answer does" {
	# A recorded collation version that is not the database's own: PostgreSQL then warns on
	# every new connection, as after a glibc upgrade. The teardown puts the real one back.
	COLLATION_CHANGED=1
	psql_val "UPDATE pg_database SET datcollversion = '0.0' WHERE datname = current_database()"
	run psql -X -U "$PG_ADMIN_USER" -c 'SELECT 1'
	[[ $output == *WARNING*collation\ version* ]] || fail "PostgreSQL does not warn at connection time:" "$output"
	xinetd_start

	build_request POST /bank/netsave "$(netsave_body)"
	xinetd_raw ack "$REQUEST"
	assert_one_response ack 200
	assert_ack "$NS_TRX"
	assert_rows bank_netsave 1

	build_request GET /bank/health ''
	xinetd_raw health "$REQUEST"
	assert_one_response health 200
	assert_body $'ok\n'
}

# The nginx example in FILE, from its "server {" line to its closing "}" in column 0.
nginx_example() { awk '/^server \{$/ { on = 1 } on { print } on && /^\}$/ { exit }' "$1"; }

@test "docs: the README's and the man page's nginx examples keep RefreshRedis to loopback" {
	local f rules
	for f in README.md man/bank-callback.8; do
		# the access rules of the RefreshRedis location, in nginx's order: the first match wins
		rules=$(nginx_example "$REPO/$f" |
			awk '/location = \/bank\/RefreshRedis \{/ { on = 1 } on && /^ *(allow|deny) / { print $1, $2 }
				on && /^ *\}$/ { exit }')
		assert_eq "$rules" $'allow 127.0.0.1;\ndeny all;' "$f: RefreshRedis's access rules in the nginx example"
	done
}

@test "packaging: the libraries loaded at run time are declared in the binary and named by --version" {
	local note sonames
	# ldd cannot see libpq and hiredis (dlopen()ed on the first connect):
	# the ELF dlopen note (systemd.io/ELF_DLOPEN_METADATA) declares them
	note=$(readelf -p .note.dlopen "$BIN" | sed -n 's/^ *\[ *[0-9a-f]*\] *//p' | grep '^\[{')
	sonames=$(grep -o '"soname":\["[^"]*"\]' <<<"$note" | cut -d'"' -f4 | paste -sd' ')
	# the sonames the build linked against, found as the Makefile finds them
	soname() { objdump -p "$(cc -print-file-name="$1")" | awk '/SONAME/ { print $2 }'; }
	assert_eq "$sonames" "$(soname libpq.so) $(soname libhiredis.so)" "declared sonames"
	readelf -n "$BIN" | grep -q 'FDO.*0x407c0c0a' || fail "no FDO note of type 0x407c0c0a"
	run "$BIN" --version
	[[ $status -eq 0 && ${lines[0]} == "bank-callback "* && ${lines[1]} == "libpq "[0-9]*"/libpq.so."* && ${lines[2]} == "hiredis ("*"/libhiredis.so."* ]] ||
		fail "--version does not name the libraries loaded:" "$output"
}

@test "make install honours PREFIX and DESTDIR; uninstall removes it, keeping an edited config" {
	local d=$BATS_TEST_TMPDIR/dest f
	repo_make install DESTDIR="$d" PREFIX=/usr >/dev/null
	for f in usr/bin/bank-callback usr/lib/systemd/system/bank-callback.socket \
		usr/lib/systemd/system/bank-callback@.service etc/xinetd.d/bank-callback \
		usr/share/man/man8/bank-callback.8 usr/share/bank-callback/sql/001-schema.sql \
		etc/bank-callback.conf usr/share/doc/bank-callback/README.md \
		usr/share/doc/bank-callback/SECURITY.md \
		usr/share/doc/bank-callback/bank-callback.conf.example; do
		[[ -s $d/$f ]] || fail "not installed: $f"
	done
	# the bank's key and the tokens' directory: root's alone
	assert_eq "$(stat -c %a "$d/etc/bank-callback")" 700 "mode of /etc/bank-callback"
	# the man page's FILES follow PREFIX
	! grep -q '/usr/local' "$d/usr/share/man/man8/bank-callback.8" || fail "the man page still says /usr/local"
	grep -q '^\.It Pa /usr/bin/bank-callback$' "$d/usr/share/man/man8/bank-callback.8" ||
		fail "the man page's FILES do not name /usr/bin/bank-callback"
	[[ -x $d/usr/bin/bank-callback ]] || fail "binary not executable"
	# it may come to hold secrets: not world-readable
	assert_eq "$(stat -c %a "$d/etc/bank-callback.conf")" 640 "mode of bank-callback.conf"
	grep -qx 'ExecStart=/usr/bin/bank-callback' "$d/usr/lib/systemd/system/bank-callback@.service" ||
		fail "ExecStart does not follow PREFIX"
	grep -qE '^\s*server\s*=\s*/usr/bin/bank-callback$' "$d/etc/xinetd.d/bank-callback" ||
		fail "xinetd server does not follow PREFIX"
	"$d/usr/bin/bank-callback" --version | grep -q '^bank-callback ' || fail "installed binary does not run"

	# an operator's edit survives a reinstall and an uninstall
	echo 'BANK_CALLBACK_MER_CUST_ID=6000060000999999' >>"$d/etc/bank-callback.conf"
	repo_make install DESTDIR="$d" PREFIX=/usr >/dev/null
	grep -q 6000060000999999 "$d/etc/bank-callback.conf" || fail "install overwrote the config"
	repo_make uninstall DESTDIR="$d" PREFIX=/usr >/dev/null
	assert_eq "$(cd "$d" && find . -type f | sort)" "./etc/bank-callback.conf" "files left"

	# the untouched example goes with uninstall
	rm -rf "$d"
	repo_make install DESTDIR="$d" PREFIX=/usr >/dev/null
	repo_make uninstall DESTDIR="$d" PREFIX=/usr >/dev/null
	assert_eq "$(cd "$d" && find . -type f | sort)" "" "files left"
}

@test "xinetd: the last-resort alarm answers one clean 503 on the client's socket" {
	xinetd_start
	PG_STOPPED=$(head -n 1 "$SERVICES_DIR/pg/postmaster.pid")
	kill -STOP "$PG_STOPPED"
	build_request POST /bank/netsave "$(netsave_body)"
	exec 5<>"/dev/tcp/127.0.0.1/$SOCKET_PORT"
	printf '%s' "$REQUEST" >&5
	# the handler xinetd started waits on a connect to the stopped server: SIGALRM is its
	# alarm firing there
	local pid='' i
	for ((i = 0; i < 100; i++)); do
		pid=$(pgrep -P "$XINETD_PID" | head -n 1)
		[[ -n $pid ]] && break
		sleep 0.05
	done
	[[ -n $pid ]] || fail "no handler under xinetd"
	sleep 0.5
	kill -ALRM "$pid"
	timeout 15 cat <&5 >"$BATS_TEST_TMPDIR/alarm"
	exec 5<&-
	kill -CONT "$PG_STOPPED"
	PG_STOPPED=''
	assert_one_response alarm 503
	assert_body $'503 Service Unavailable\n'
	assert_rows bank_netsave 0
}

@test "a fresh clone: tests/run builds the handler and the test tools it needs" {
	local clone=$BATS_TEST_TMPDIR/clone
	git clone -q "$REPO" "$clone"
	[[ ! -e $clone/bank-callback && ! -e $clone/tests/jsoncheck ]] || fail "the clone has build products"
	run env -u HANDLER_BIN -u JSONCHECK "$clone/tests/run" "$clone/tests/man.bats"
	((status == 0)) || fail "tests/run tests/man.bats in a fresh clone exited $status:" "$output"
	[[ -x $clone/bank-callback && -x $clone/tests/jsoncheck && -x $clone/tests/listen ]] ||
		fail "not built:" "$(ls "$clone" "$clone/tests")"
}
