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

# PostgreSQL refuses to run as root: drop to the postgres user when we are root.
_pg_as_owner() {
	if ((EUID == 0)); then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
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
		kill -0 "$pid" 2>/dev/null || break
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

	_pg_as_owner "$bin/initdb" -D "$dir/pg" --auth=trust -U postgres -E UTF8 --locale=C \
		--no-sync >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		return 1
	}
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
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	rm -f "$pidf"
}
