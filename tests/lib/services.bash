# shellcheck shell=bash
# Throwaway PostgreSQL cluster and Redis server in one directory, unix sockets only.
#
#   services_start DIR   initdb + start PostgreSQL, create database "bank", apply sql/*.sql
#                        (twice: the schema must be idempotent), start Redis; exports
#                        PGHOST PGPORT PGDATABASE PGUSER BANK_CALLBACK_REDIS and SERVICES_DIR
#   pg_stop / pg_start / redis_stop / redis_start / services_stop
#
# The stop/start functions only need SERVICES_DIR, so they also work in a child shell
# (a bats test) that sourced this file again.

SERVICES_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SERVICES_PGPORT=${SERVICES_PGPORT:-5432}

# PostgreSQL's server binaries are not on PATH on Debian.
_pg_bindir() {
	if [[ -n ${PG_BINDIR:-} ]]; then
		echo "$PG_BINDIR"
	elif command -v initdb >/dev/null; then
		# resolve symlinks: pg_isready etc. live beside the real initdb
		dirname "$(readlink -f "$(command -v initdb)")"
	else
		# highest installed major version
		local d
		d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
		[[ -x $d/initdb ]] || { echo "services: initdb not found (set PG_BINDIR)" >&2; return 1; }
		echo "$d"
	fi
}

# Daemons must not inherit the caller's other descriptors: bats waits for EOF on its fd 3,
# which a postmaster or redis started inside a test would otherwise hold open for ever.
_detached() {
	"$@" </dev/null 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
}

# PID has exited. kill -0 is not enough: a daemon's parent is init, which may take seconds to
# reap the zombie.
pid_gone() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	[[ $stat == Z* ]]
}

# PostgreSQL refuses to run as root: drop to the postgres user when we are root.
_pg_as_owner() {
	if ((EUID == 0)); then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

_pg_initdb() { # DATADIR LOG: a throwaway cluster, trust auth, superuser postgres
	local bin
	bin=$(_pg_bindir) || return 1
	_pg_as_owner "$bin/initdb" -D "$1" --auth=trust -U postgres -E UTF8 --locale=C \
		--no-sync >"$2" 2>&1 || {
		cat "$2" >&2
		return 1
	}
}

pg_start() {
	local dir=${SERVICES_DIR:?services_start not called} bin
	bin=$(_pg_bindir) || return 1
	_detached _pg_as_owner "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -t 60 start >/dev/null || {
		cat "$dir/pg.log" >&2
		return 1
	}
	# pg_ctl -w already waits; pg_isready confirms the socket really answers.
	local i
	for ((i = 0; i < 100; i++)); do
		"$bin/pg_isready" -q -h "$dir" -p "$SERVICES_PGPORT" && return 0
		sleep 0.1
	done
	echo "services: PostgreSQL did not become ready" >&2
	return 1
}

pg_stop() {
	local dir=${SERVICES_DIR:?services_start not called} bin
	bin=$(_pg_bindir) || return 1
	[[ -f $dir/pg/postmaster.pid ]] || return 0
	# fast: disconnect clients, no waiting for them; the tests want it down now.
	_pg_as_owner "$bin/pg_ctl" -D "$dir/pg" -m fast -w -t 60 stop >/dev/null
}

redis_start() {
	local dir=${SERVICES_DIR:?services_start not called}
	_detached redis-server --port 0 --unixsocket "$dir/redis.sock" --unixsocketperm 700 \
		--save '' --appendonly no --daemonize yes \
		--dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" || return 1
	local i
	for ((i = 0; i < 100; i++)); do
		[[ $(redis-cli -s "$dir/redis.sock" ping 2>/dev/null) == PONG ]] && return 0
		sleep 0.05
	done
	echo "services: Redis did not start" >&2
	cat "$dir/redis.log" >&2
	return 1
}

redis_stop() {
	local dir=${SERVICES_DIR:?services_start not called} pid i
	[[ -f $dir/redis.pid ]] || return 0
	pid=$(<"$dir/redis.pid")
	redis-cli -s "$dir/redis.sock" shutdown nosave >/dev/null 2>&1 || true
	# wait for this very process (by pid) to be gone, so a following start cannot race it
	for ((i = 0; i < 100; i++)); do
		pid_gone "$pid" && break
		sleep 0.05
	done
	rm -f "$dir/redis.pid" "$dir/redis.sock"
}

services_stop() {
	[[ -n ${SERVICES_DIR:-} ]] || return 0
	pgbouncer_stop || true
	redis_stop || true
	pg_stop || true
}

services_start() {
	local dir=${1:?usage: services_start DIR} bin f pass
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	export SERVICES_DIR=$dir
	bin=$(_pg_bindir) || return 1

	if ((EUID == 0)); then
		# the postgres user creates its socket and data dir here
		chown postgres: "$dir"
		chmod 0755 "$dir"
	fi

	_pg_initdb "$dir/pg" "$dir/initdb.log" || return 1
	# Unix socket only, and no durability: this cluster lives for one test run.
	cat >>"$dir/pg/postgresql.conf" <<-EOF
		listen_addresses = ''
		unix_socket_directories = '$dir'
		port = $SERVICES_PGPORT
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		shared_buffers = 16MB
		max_connections = 250
	EOF
	pg_start || return 1

	export PGHOST=$dir PGPORT=$SERVICES_PGPORT PGUSER=postgres PGDATABASE=bank
	export BANK_CALLBACK_REDIS=unix:$dir/redis.sock

	PGDATABASE=postgres psql -q -v ON_ERROR_STOP=1 -c 'CREATE DATABASE bank' >/dev/null || return 1

	local sqls=("$SERVICES_ROOT"/sql/*.sql)
	if [[ ! -e ${sqls[0]} ]]; then
		echo "services: warning: no $SERVICES_ROOT/sql/*.sql to apply" >&2
	else
		# The glob is sorted by name. Applying twice proves the schema can be re-run on upgrade.
		for pass in 1 2; do
			for f in "${sqls[@]}"; do
				PGOPTIONS='-c client_min_messages=warning' \
					psql -q -X -v ON_ERROR_STOP=1 -f "$f" >/dev/null || {
					echo "services: $f failed on pass $pass" >&2
					return 1
				}
			done
		done
	fi

	# From here on, libpq clients (the handler) log in as the least-privileged role that
	# sql/ creates; tests and tools that need more say PGUSER=postgres (psql_val does).
	export PGUSER=bank-callback PG_ADMIN_USER=postgres
	redis_start
}

# PgBouncer in transaction pooling in front of the cluster, on a unix socket in
# $SERVICES_DIR/pgbouncer (port 6432); it refuses to run as root, so it runs as the
# cluster's owner. Exports PGBOUNCER_HOST and PGBOUNCER_PORT for clients to use.
pgbouncer_start() {
	local dir=${SERVICES_DIR:?services_start not called}/pgbouncer i
	mkdir -p "$dir"
	printf '"bank-callback" ""\n"postgres" ""\n' >"$dir/users.txt"
	cat >"$dir/pgbouncer.ini" <<-INI
		[databases]
		bank = host=$SERVICES_DIR port=$SERVICES_PGPORT dbname=bank
		[pgbouncer]
		listen_addr =
		listen_port = 6432
		unix_socket_dir = $dir
		auth_type = trust
		auth_file = $dir/users.txt
		pool_mode = transaction
		max_client_conn = 300
		default_pool_size = 8
		; as README recommends for failover: retry a lost server at once, and give up on a
		; queued query before the handler's own deadline does
		server_login_retry = 1
		query_wait_timeout = 4
		logfile = $dir/pgbouncer.log
		pidfile = $dir/pgbouncer.pid
	INI
	((EUID == 0)) && chown -R postgres: "$dir"
	_pg_as_owner pgbouncer -d "$dir/pgbouncer.ini" >/dev/null 2>&1 || {
		cat "$dir/pgbouncer.log" >&2
		return 1
	}
	for ((i = 0; i < 100; i++)); do
		[[ -S $dir/.s.PGSQL.6432 ]] && break
		sleep 0.05
	done
	[[ -S $dir/.s.PGSQL.6432 ]] || { cat "$dir/pgbouncer.log" >&2; return 1; }
	export PGBOUNCER_HOST=$dir PGBOUNCER_PORT=6432
}

pgbouncer_stop() {
	local pidf=${SERVICES_DIR:?}/pgbouncer/pgbouncer.pid pid i
	[[ -f $pidf ]] || return 0
	pid=$(<"$pidf")
	kill "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		pid_gone "$pid" && break
		sleep 0.05
	done
	rm -f "$pidf"
}

# ---- a replicated pair of its own: primary + streaming standby (tests/failover.bats) -------
#
#   pg_primary_start DIR PORT        initdb a primary in DIR/data (socket, log and port file in
#                                    DIR), wal_level=replica, create "bank", apply sql/*.sql
#   pg_standby_start DIR PORT PRIMARY_DIR
#                                    pg_basebackup -R from that primary, start, wait until it
#                                    streams
#   pg_primary_sync DIR              make the primary's commits wait for a standby's flush
#   pg_cluster_promote DIR           promote a standby, wait until it takes writes
#   pg_cluster_start DIR / pg_cluster_stop DIR [MODE]   pg_ctl start / stop -m MODE (fast)
#   pg_cluster_sql DIR SQL           one statement as the superuser on DIR's "bank" (or on
#                                    $PG_CLUSTER_DB), psql_val's unaligned output
#
# These never touch $SERVICES_DIR/pg, the cluster every other test uses.

pg_cluster_sql() { # DIR SQL
	local dir=${1:?usage: pg_cluster_sql DIR SQL}
	psql -h "$dir" -p "$(<"$dir/port")" -U postgres -d "${PG_CLUSTER_DB:-bank}" \
		-X -A -t -q -v ON_ERROR_STOP=1 -c "${2:?usage: pg_cluster_sql DIR SQL}"
}

pg_cluster_start() { # DIR
	local dir=${1:?usage: pg_cluster_start DIR} bin i
	bin=$(_pg_bindir) || return 1
	_detached _pg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 60 start \
		>/dev/null || {
		cat "$dir/pg.log" >&2
		return 1
	}
	for ((i = 0; i < 100; i++)); do
		# as postgres: the handler's role, in PGUSER, may not exist there yet
		"$bin/pg_isready" -q -h "$dir" -p "$(<"$dir/port")" -U postgres && return 0
		sleep 0.1
	done
	echo "services: PostgreSQL in $dir did not become ready" >&2
	return 1
}

pg_cluster_stop() { # DIR [MODE]: fast by default; immediate is a crash of every server process
	local dir=${1:?usage: pg_cluster_stop DIR [MODE]} bin
	bin=$(_pg_bindir) || return 1
	[[ -f $dir/data/postmaster.pid ]] || return 0
	_pg_as_owner "$bin/pg_ctl" -D "$dir/data" -m "${2:-fast}" -w -t 60 stop >/dev/null
}

# DIR for a cluster's socket, log and data dir, owned by the postgres user when we are root.
_pg_cluster_dir() { # DIR PORT
	mkdir -p "$1/data"
	if ((EUID == 0)); then
		chown postgres: "$1" "$1/data"
	fi
	chmod 0755 "$1"
	chmod 0700 "$1/data"
	echo "$2" >"$1/port"
}

pg_primary_start() { # DIR PORT
	local dir=${1:?usage: pg_primary_start DIR PORT} port=${2:?usage: pg_primary_start DIR PORT}
	local bin f
	bin=$(_pg_bindir) || return 1
	_pg_cluster_dir "$dir" "$port" || return 1
	dir=$(cd "$dir" && pwd)
	_pg_initdb "$dir/data" "$dir/initdb.log" || return 1
	# fsync=off as for the suite's cluster: a test stops PostgreSQL's processes, never the
	# kernel, and what they wrote stays in its page cache. A standby copies this file, so
	# it gets the same settings (pg_standby_start changes only the port and the socket).
	cat >>"$dir/data/postgresql.conf" <<-EOF
		listen_addresses = ''
		unix_socket_directories = '$dir'
		port = $port
		wal_level = replica
		max_wal_senders = 4
		wal_keep_size = 64MB
		hot_standby = on
		fsync = off
		shared_buffers = 16MB
		max_connections = 60
	EOF
	# initdb --auth=trust already has this line; the standby's connection depends on it.
	echo 'local replication all trust' >>"$dir/data/pg_hba.conf"
	pg_cluster_start "$dir" || return 1
	PG_CLUSTER_DB=postgres pg_cluster_sql "$dir" 'CREATE DATABASE bank' >/dev/null || return 1
	# As services_start applies them: as the superuser, in name order, stopping at an error
	# (once: the suite's own cluster already proves they can be applied twice).
	for f in "$SERVICES_ROOT"/sql/*.sql; do
		PGOPTIONS='-c client_min_messages=warning' \
			psql -h "$dir" -p "$port" -U postgres -d bank -q -X -v ON_ERROR_STOP=1 -f "$f" \
			>/dev/null || {
			echo "services: $f failed on $dir" >&2
			return 1
		}
	done
}

pg_standby_start() { # DIR PORT PRIMARY_DIR
	local dir=${1:?usage: pg_standby_start DIR PORT PRIMARY_DIR} port=${2:?} primary=${3:?}
	local bin i
	bin=$(_pg_bindir) || return 1
	_pg_cluster_dir "$dir" "$port" || return 1
	dir=$(cd "$dir" && pwd)
	# -R: standby.signal and primary_conninfo (the primary's socket), so it starts streaming
	_pg_as_owner "$bin/pg_basebackup" -h "$primary" -p "$(<"$primary/port")" -U postgres \
		-D "$dir/data" -R -X stream -c fast --no-sync >"$dir/basebackup.log" 2>&1 || {
		cat "$dir/basebackup.log" >&2
		return 1
	}
	cat >>"$dir/data/postgresql.conf" <<-EOF
		port = $port
		unix_socket_directories = '$dir'
	EOF
	pg_cluster_start "$dir" || return 1
	for ((i = 0; i < 200; i++)); do
		[[ $(pg_cluster_sql "$primary" \
			"SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") -gt 0 ]] &&
			return 0
		sleep 0.05
	done
	echo "services: the standby in $dir does not stream from $primary" >&2
	cat "$dir/pg.log" >&2
	return 1
}

# Set after pg_basebackup, so the standby does not inherit it: once promoted, with no standby
# of its own, its every commit would wait for ever.
pg_primary_sync() { # DIR
	local dir=${1:?usage: pg_primary_sync DIR} i
	pg_cluster_sql "$dir" "ALTER SYSTEM SET synchronous_standby_names = '*'" || return 1
	pg_cluster_sql "$dir" "ALTER SYSTEM SET synchronous_commit = on" || return 1
	pg_cluster_sql "$dir" 'SELECT pg_reload_conf()' >/dev/null || return 1
	for ((i = 0; i < 200; i++)); do
		[[ $(pg_cluster_sql "$dir" \
			"SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'") -gt 0 ]] &&
			return 0
		sleep 0.05
	done
	echo "services: no synchronous standby on $dir" >&2
	return 1
}

pg_cluster_promote() { # DIR
	local dir=${1:?usage: pg_cluster_promote DIR} bin i
	bin=$(_pg_bindir) || return 1
	_pg_as_owner "$bin/pg_ctl" -D "$dir/data" -w -t 60 promote >/dev/null || return 1
	# pg_ctl -w waits for the end of recovery; a read-write session is what clients need
	for ((i = 0; i < 200; i++)); do
		[[ $(pg_cluster_sql "$dir" 'SELECT pg_is_in_recovery()') == f ]] && return 0
		sleep 0.05
	done
	echo "services: $dir is still in recovery after promotion" >&2
	return 1
}
