#!/usr/bin/env bats
# shellcheck disable=SC2034 # read by lib/common.bash
# The Debian package, used as an operator would on this machine (CI's is a clean root):
# install the previous build, configure it from README's steps, --check as the service user,
# a signed callback through the installed socket unit's files; upgrade to this build keeping
# the operator's configuration; remove; purge, which leaves the data. Installs and purges a
# real package: `make check-package` runs it apart from the suite, and CI runs it last.

load ../lib/common

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
PKG_DB=package

setup_file() {
	# the previous build sorts before this one: "~" comes before anything
	"$REPO/scripts/make-deb" 0.1-1~previous >/dev/null
	cp "$REPO"/build/deb/bank-callback_0.1-1~previous_*.deb "$BATS_FILE_TMPDIR/previous.deb"
	"$REPO/scripts/make-deb" >/dev/null
	cp "$REPO"/build/deb/bank-callback_0.1-1_*.deb "$BATS_FILE_TMPDIR/current.deb"
}

teardown() {
	dpkg --purge bank-callback >/dev/null 2>&1 || true
	[[ -z ${REDIS_PIDFILE:-} ]] || kill "$(cat "$REDIS_PIDFILE")" 2>/dev/null || true
	PGUSER=postgres dropdb --if-exists "$PKG_DB" 2>/dev/null || true
	socket_stop
	common_teardown
}

apt_install() { # DEB: as an operator would, keeping an edited configuration
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Options::=--force-confold \
		"$1" >"$BATS_TEST_TMPDIR/apt.log" 2>&1 || fail "apt-get install $1:" "$(tail -n 30 "$BATS_TEST_TMPDIR/apt.log")"
}

mode_of() { stat -c '%a %U %G' "$1"; }

@test "package: install, configure from README, check as the service user, a callback; upgrade, remove, purge" {
	((EUID == 0)) || skip "installs a package"
	! dpkg -s bank-callback >/dev/null 2>&1 || skip "bank-callback is installed here already"
	! getent passwd bank-callback >/dev/null || skip "this machine has a user bank-callback of its own"
	local unit=/lib/systemd/system/bank-callback@.service creds=$BATS_TEST_TMPDIR/credentials
	local redis_port exec id src line
	local -a envs=()

	apt_install "$BATS_FILE_TMPDIR/previous.deb"
	# the user, the modes, the libraries opened at run time among the dependencies
	getent passwd bank-callback | grep -q ':/nonexistent:/usr/sbin/nologin$' ||
		fail "the system user:" "$(getent passwd bank-callback)"
	assert_eq "$(mode_of /etc/bank-callback)" "750 root bank-callback" "/etc/bank-callback"
	assert_eq "$(mode_of /etc/bank-callback.conf)" "640 root bank-callback" "/etc/bank-callback.conf"
	[[ $(dpkg-query -W -f='${Depends}' bank-callback) == *libpq5*libhiredis0.14* ]] ||
		fail "Depends:" "$(dpkg-query -W -f='${Depends}' bank-callback)"
	# nothing listens, nothing is enabled: the operator configures first
	for f in bank-callback.socket bank-callback@.service bank-callback-refresh.service bank-callback-refresh.timer; do
		[[ -f /lib/systemd/system/$f ]] || fail "no unit $f"
	done
	[[ -z $(find /etc/systemd/system -name 'bank-callback*' 2>/dev/null) ]] ||
		fail "a unit is enabled:" "$(find /etc/systemd/system -name 'bank-callback*')"
	grep -qE '^\s*disable\s*=\s*yes$' /etc/xinetd.d/bank-callback || fail "the xinetd service is enabled"
	[[ -z $(ss -Htln 'sport = :8080') ]] || fail "something listens on 8080:" "$(ss -Htlnp 'sport = :8080')"
	# the unedited configuration fails --check, naming what to set
	run env -u BANK_CALLBACK_MER_CUST_ID -u BANK_CALLBACK_FRONTEND bank-callback --check -c /etc/bank-callback.conf
	[[ $status -ne 0 && $output == *"FAIL settings: BANK_CALLBACK_MER_CUST_ID is not set"* ]] ||
		fail "--check of the unedited configuration:" "$output"

	# README: the schema as postgres, the key and token for the group, the settings
	PGUSER=postgres createdb "$PKG_DB"
	for f in /usr/share/bank-callback/sql/*.sql; do
		PGUSER=postgres psql -X -q -v ON_ERROR_STOP=1 -d "$PKG_DB" -f "$f" >/dev/null 2>&1 || fail "$f"
	done
	install -m 0640 -g bank-callback "$TEST_KEYS/bank.PgPubk.key" /etc/bank-callback/PgPubk.key
	(umask 027; openssl rand -hex 24 >/etc/bank-callback/admin-token)
	chgrp bank-callback /etc/bank-callback/admin-token
	# a Redis on loopback TCP the service user may reach (the suite's socket is root's)
	redis_port=$(free_port)
	REDIS_PIDFILE=$BATS_TEST_TMPDIR/redis.pid
	redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
		--pidfile "$REDIS_PIDFILE" >/dev/null
	cat >>/etc/bank-callback.conf <<-CONF
		PGHOST=$PGHOST
		PGPORT=$PGPORT
		PGDATABASE=$PKG_DB
		BANK_CALLBACK_REDIS=127.0.0.1:$redis_port
		BANK_CALLBACK_MER_CUST_ID=$MER
		BANK_CALLBACK_FRONTEND=https://front.example/
		BANK_CALLBACK_ORD_ID_PATTERN=[0-9]{20}
		BANK_CALLBACK_USR_ID_PATTERN=(pnr|corp)_[0-9]{6}
		BANK_CALLBACK_PRO_ID_PATTERN=P[0-9]{8}
	CONF
	for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

	# --check as the service user, with nothing of this suite's environment
	run runuser -u bank-callback -- env -i PATH=/usr/bin:/bin \
		BANK_CALLBACK_PUBKEY=/etc/bank-callback/PgPubk.key \
		BANK_CALLBACK_ADMIN_TOKEN_FILE=/etc/bank-callback/admin-token \
		bank-callback --check -c /etc/bank-callback.conf
	((status == 0)) || fail "--check as bank-callback exited $status:" "$output"
	[[ $output == *"ok key: "*"read as a ChinaPNR PgPubk.key"* && $output == *"ok schema: version "* ]] ||
		fail "--check as bank-callback:" "$output"
	# and as root, which reads the files as that user too
	run env -i PATH=/usr/bin:/bin BANK_CALLBACK_PUBKEY=/etc/bank-callback/PgPubk.key \
		BANK_CALLBACK_ADMIN_TOKEN_FILE=/etc/bank-callback/admin-token \
		bank-callback --check -c /etc/bank-callback.conf
	[[ $output == *"ok files: the service user bank-callback reads every file the settings name"* ]] ||
		fail "--check as root:" "$output"

	# a signed callback through the installed unit's ExecStart, EnvironmentFile= and
	# LoadCredential= (systemd is not PID 1 here: systemd-socket-activate spawns it)
	exec=$(sed -n 's/^ExecStart=//p' "$unit")
	assert_eq "$exec" /usr/bin/bank-callback "ExecStart"
	mkdir -p "$creds"
	while IFS=: read -r id src; do cp "$src" "$creds/$id"; done < <(sed -n 's/^LoadCredential=//p' "$unit")
	while IFS= read -r line; do envs+=(-E "$line"); done < <(grep -E '^[A-Z_]+=.' /etc/bank-callback.conf)
	socket_start "${envs[@]}" -E "CREDENTIALS_DIRECTORY=$creds" "$exec"
	# a UsrId of the platform's format, as BANK_CALLBACK_USR_ID_PATTERN says
	curl_request POST /bank/register "$(register_body UsrId=pnr_100001)"
	assert_ack "$UR_TRX"
	socket_stop
	assert_eq "$(PGDATABASE=$PKG_DB psql_val 'SELECT count(*) FROM bank_customers')" 1 "rows stored"
	assert_eq "$(redis-cli -p "$redis_port" hget bank-customers pnr_100001)" 6000060000123456 "cached"

	# upgrade to this build: the operator's settings and modes stay
	echo '# the operator was here' >>/etc/bank-callback.conf
	apt_install "$BATS_FILE_TMPDIR/current.deb"
	assert_eq "$(dpkg-query -W -f='${Version}' bank-callback)" 0.1-1 "version after the upgrade"
	grep -q '^# the operator was here$' /etc/bank-callback.conf || fail "the upgrade replaced the configuration"
	grep -q "^BANK_CALLBACK_MER_CUST_ID=$MER\$" /etc/bank-callback.conf || fail "the settings are gone"
	assert_eq "$(mode_of /etc/bank-callback.conf)" "640 root bank-callback" "the configuration's mode"
	assert_eq "$(mode_of /etc/bank-callback)" "750 root bank-callback" "the directory's mode"
	[[ -f /etc/bank-callback/PgPubk.key ]] || fail "the upgrade removed the key"

	# remove: the program goes, the configuration and the key stay
	DEBIAN_FRONTEND=noninteractive apt-get remove -y -q bank-callback >/dev/null 2>&1
	[[ ! -e /usr/bin/bank-callback && ! -e /lib/systemd/system/bank-callback.socket ]] ||
		fail "remove left the program or the units"
	grep -q '^# the operator was here$' /etc/bank-callback.conf || fail "remove took the configuration"
	[[ -f /etc/bank-callback/PgPubk.key ]] || fail "remove took the key"

	# purge: everything but the data
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -q bank-callback >/dev/null 2>&1
	[[ ! -e /etc/bank-callback.conf && ! -e /etc/bank-callback && ! -e /etc/xinetd.d/bank-callback ]] ||
		fail "purge left files:" "$(ls -ld /etc/bank-callback* /etc/xinetd.d/bank-callback 2>&1)"
	! getent passwd bank-callback >/dev/null || fail "purge left the user"
	! getent group bank-callback >/dev/null || fail "purge left the group"
	[[ -z $(dpkg-statoverride --list | grep bank-callback) ]] || fail "purge left a statoverride"
	assert_eq "$(PGDATABASE=$PKG_DB psql_val 'SELECT count(*) FROM bank_customers')" 1 "the data after the purge"
}
