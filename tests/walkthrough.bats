#!/usr/bin/env bats
# README's deployment walk-through, run as written: make install, then the block README marks
# "walkthrough" (create the database, apply sql/ as the postgres user, the key, the token, the
# configuration), then --check and the replay of a saved request with the settings the unit
# would pass. Paths move under a private root and the database is called walkthrough, so the
# suite's own stays untouched; everything else is README's text.

load lib/common

WALK_DB=walkthrough

teardown() {
	common_teardown
	PGUSER=postgres dropdb --if-exists "$WALK_DB" 2>/dev/null || true
	rm -rf "$SERVICES_DIR/walk"
	# the xinetd test's service user, never left for the tests after it
	if [[ -n ${MADE_USER:-} ]]; then userdel bank-callback 2>/dev/null || true; fi
}

# README's block between the MARKER (default walkthrough) and the end of its code fence.
readme_block() {
	sed -n "/^<!-- ${1:-walkthrough}:/,/^\`\`\`\$/p" "$TESTS_ROOT/../README.md" | sed '1,2d;$d'
}

@test "README: the deployment walk-through works as written" {
	((EUID == 0)) || skip "README's steps run as root (runuser, make install)"
	# under the services dir: the postgres user must reach the installed sql/ files
	local root=$SERVICES_DIR/walk/root work=$SERVICES_DIR/walk/work script
	rm -rf "$SERVICES_DIR/walk"
	mkdir -p "$root" "$work"
	chmod 0755 "$SERVICES_DIR/walk" "$root" "$work"
	# -o: the binary under test as it is (a SANITIZE build stays one)
	make -s -C "$TESTS_ROOT/.." -o bank-callback install DESTDIR="$root" >/dev/null
	cp "$TEST_KEYS/bank.PgPubk.key" "$work/PgPubk.key" # as the bank issues it

	script=$(readme_block)
	# shellcheck disable=SC2016 # the literal text $EDITOR
	[[ $script == *createdb* && $script == *'$EDITOR'* ]] || fail "README's block not found:" "$script"
	script=${script//\/usr\/local\//$root/usr/local/}
	script=${script//\/etc\//$root/etc/}
	script=${script//createdb bank/createdb $WALK_DB}
	script=${script//-d bank/-d $WALK_DB}

	# $EDITOR: what an operator types into /etc/bank-callback.conf
	cat >"$work/editor" <<-EDIT
		#!/bin/sh
		cat >>"\$1" <<-CONF
			PGHOST=$PGHOST
			PGPORT=$PGPORT
			PGDATABASE=$WALK_DB
			BANK_CALLBACK_REDIS=$BANK_CALLBACK_REDIS
			BANK_CALLBACK_MER_CUST_ID=$MER
			BANK_CALLBACK_FRONTEND=http://front.example/
			BANK_CALLBACK_ORD_ID_PATTERN=[0-9]{20}
			BANK_CALLBACK_USR_ID_PATTERN=(pnr|corp)_[0-9]{6}
			BANK_CALLBACK_PRO_ID_PATTERN=P[0-9]{8}
		CONF
	EDIT
	chmod +x "$work/editor"
	# root's shell: the cluster's socket (runuser keeps the environment), no PGUSER of ours
	(cd "$work" && env -u PGUSER -u PGDATABASE EDITOR="$work/editor" PGHOST="$PGHOST" PGPORT="$PGPORT" \
		bash -euo pipefail -c "$script") ||
		fail "the walk-through failed:" "$script"

	# what the unit passes: its configuration file and its two credentials
	local -a unit=(env -i PATH="$PATH" "CREDENTIALS_DIRECTORY=$work/credentials"
		"$root/usr/local/bin/bank-callback")
	mkdir -p "$work/credentials"
	cp "$root/etc/bank-callback/PgPubk.key" "$work/credentials/bank-pubkey"
	cp "$root/etc/bank-callback/admin-token" "$work/credentials/admin-token"
	run "${unit[@]}" --check -c "$root/etc/bank-callback.conf"
	[[ $status -eq 0 ]] || fail "--check after the walk-through exited $status:" "$output"
	[[ $output == *"ok key: RSA-1024 sha256:"*"read as a ChinaPNR PgPubk.key"* ]] || fail "key:" "$output"
	[[ $output == *"ok schema: version "* && $output == *"ok privileges: bank-callback may run all"* ]] ||
		fail "schema or privileges:" "$output"
	# a normal set-up names the platform's id formats: nothing left ambiguous for want of them
	[[ $output == *"ok rules: "*"OrdId pattern [0-9]{20}; UsrId pattern "* && $output != *"note rules:"* ]] ||
		fail "id patterns:" "$output"

	# a saved request, replayed on stdin
	build_request POST /bank/netsave "$(netsave_body)"
	printf '%s' "$REQUEST" >"$work/saved-request.http"
	"${unit[@]}" -c "$root/etc/bank-callback.conf" <"$work/saved-request.http" \
		>"$work/answer" 2>"$work/log"
	parse_response "$work/answer"
	assert_ack "$NS_TRX"
	assert_eq "$(PGDATABASE=$WALK_DB psql_val 'SELECT count(*) FROM bank_netsave')" 1 "rows in $WALK_DB"
}

@test "README: the xinetd steps let the service user read its files, and --check as root sees what it cannot" {
	((EUID == 0)) || skip "README's steps run as root (useradd, runuser, make install)"
	! getent passwd bank-callback >/dev/null || skip "this machine has a user bank-callback of its own"
	local root=$SERVICES_DIR/walk/root script setup check
	local -a env=(env -u BANK_CALLBACK_PUBKEY -u BANK_CALLBACK_ADMIN_TOKEN_FILE -u BANK_CALLBACK_REDIS_PASSWORD_FILE
		"BANK_CALLBACK_PUBKEY=$root/etc/bank-callback/PgPubk.key"
		"BANK_CALLBACK_ADMIN_TOKEN_FILE=$root/etc/bank-callback/admin-token")
	rm -rf "$SERVICES_DIR/walk"
	mkdir -p "$root"
	chmod 0755 "$SERVICES_DIR/walk" "$root"
	make -s -C "$TESTS_ROOT/.." -o bank-callback install DESTDIR="$root" PREFIX=/usr/local >/dev/null
	# the walk-through's key and token, as it leaves them
	cp "$TEST_KEYS/bank.PgPubk.key" "$root/etc/bank-callback/PgPubk.key"
	(umask 077; openssl rand -hex 24 >"$root/etc/bank-callback/admin-token")
	chmod 0600 "$root"/etc/bank-callback/*

	script=$(readme_block xinetd)
	script=${script//\/usr\/local\//$root/usr/local/}
	script=${script//\/etc\//$root/etc/}
	[[ $script == useradd* && $script == *runuser* ]] || fail "README's xinetd block not found:" "$script"
	setup=${script%%runuser*}
	check=runuser${script#*runuser}

	# the user, but the files as make install left them: root reads them, the user cannot
	useradd --system --no-create-home bank-callback
	MADE_USER=1
	run "${env[@]}" "$BIN" --check -c "$root/etc/bank-callback.conf"
	[[ $output == *"FAIL files: the bank's key $root/etc/bank-callback/PgPubk.key: the service user bank-callback cannot read it (Permission denied)"* ]] ||
		fail "--check as root did not see the key unreadable:" "$output"
	[[ $status -ne 0 ]] || fail "--check passed"

	# README's commands, then --check as root, and as the user
	bash -euo pipefail -c "${setup#useradd*$'\n'}" || fail "README's xinetd commands failed:" "$setup"
	run "${env[@]}" "$BIN" --check -c "$root/etc/bank-callback.conf"
	[[ $output == *"ok files: the service user bank-callback reads every file the settings name"* ]] ||
		fail "--check as root after README's commands:" "$output"
	run bash -c "$check"
	[[ $output == *"ok key: RSA-1024 sha256:"*"read as a ChinaPNR PgPubk.key"* ]] ||
		fail "--check as the service user cannot read the key:" "$output"
}
