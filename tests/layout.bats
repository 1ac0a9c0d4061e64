#!/usr/bin/env bats
# The tree as a newcomer meets it: the README's Layout names every part of it, and every
# C file opens with one sentence saying what it holds. Needs git only, no services.

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

# The README's Layout section, up to the next heading.
layout() { sed -n '/^## Layout$/,/^## /p' "$REPO/README.md"; }

# Tracked files (a tarball has no .git: the files on disk then).
tracked() {
	if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$REPO" ls-files
	else
		(cd "$REPO" && find . -type f ! -path './build/*' | sed 's|^\./||')
	fi
}

@test "layout: the README's Layout names every top-level entry and every program source" {
	local text entry missing=()
	text=$(layout)
	[ -n "$text" ] || { echo "no ## Layout section"; return 1; }
	# top-level files and directories, and the C files of the program itself
	while read -r entry; do
		[[ $entry == .gitignore || $entry == README.md ]] && continue
		# a header goes with its .c file
		[[ $entry == *.h && -e $REPO/${entry%.h}.c ]] && continue
		grep -qF "\`$entry" <<<"$text" || grep -qF "\`${entry##*/}\`" <<<"$text" || missing+=("$entry")
	done < <(tracked | awk -F/ '{ print (NF > 1 ? $1 "/" : $1) }' | sort -u
		 tracked | grep -E '^(handlers/|db/|lib/|bank/)?[a-z0-9_-]+\.c$' | sed -E 's#^(handlers|db|lib|bank)/##' | sort -u)
	[ ${#missing[@]} -eq 0 ] || { printf 'not in the Layout: %s\n' "${missing[@]}"; return 1; }
}

@test "layout: every .c and .h opens with a comment naming it and saying what it holds" {
	local f name first bad=()
	while read -r f; do
		name=${f##*/}
		name=${name%.*}
		first=$(head -n 1 "$REPO/$f")
		# "/* name: what it holds" (words, not only a pointer elsewhere)
		[[ $first =~ ^/\*\ ${name}:\ [^\ ]+\ [^\ ]+ ]] || bad+=("$f: $first")
	done < <(tracked | grep -E '\.(c|h)$' | grep -v '^fuzz/corpus/')
	[ ${#bad[@]} -eq 0 ] || { printf '%s\n' "${bad[@]}"; return 1; }
}

# The project's own headers a file includes, as paths from the top: "name.h"
# is the one beside it if there is one, else the top level's (-I.).
includes() {
	local dir=${1%/*} inc
	[[ $1 == */* ]] || dir=.
	grep -o '^#include "[^"]*"' "$REPO/$1" | sed 's/^#include "//; s/"$//' |
	while read -r inc; do
		if [[ $inc != */* && -e $REPO/$dir/$inc ]]; then echo "${dir#./}/$inc"
		else echo "$inc"; fi
	done | sed 's#^/##'
}

@test "layout: the tree is the layers (lib/ alone, bank/ on lib/)" {
	local f inc bad=()
	while read -r f; do
		while read -r inc; do
			case $f:$inc in
			lib/*:lib/*) ;;          # a primitive uses only primitives
			bank/*:lib/*|bank/*:bank/*) ;;
			bank/callback.h:http.h) ;;   # the body bound sizes its storage
			bank/shapes.c:config.h) ;;   # rule_env_init reads our settings
			*) bad+=("$f includes $inc") ;;
			esac
		done < <(includes "$f")
	done < <(tracked | grep -E '^(lib|bank)/.*\.[ch]$')
	# the top level keeps the program and the request; the rest has a layer
	for f in $(tracked | grep -E '^[^/]+\.c$'); do
		case $f in
		bank-callback.c|http.c|conn.c|config.c|client.c|deadline.c|selfcheck.c|logstats.c) ;;
		*) bad+=("$f: a top-level .c file outside the layers") ;;
		esac
	done
	[ ${#bad[@]} -eq 0 ] || { printf '%s\n' "${bad[@]}"; return 1; }
}

@test "layout: only db/ knows libpq and hiredis (their headers, types and functions)" {
	local f bad=()
	while read -r f; do
		[[ $f == db/* ]] && continue
		grep -nE '#include <(libpq-fe|hiredis/hiredis)\.h>|\bPG(conn|result)\b|\bPQ[a-z][A-Za-z]*\(|\bredis[A-Z][A-Za-z]*\(|freeReplyObject|redisReply' \
			"$REPO/$f" | grep -v '^[0-9]*:\s*/\?\*' | sed "s|^|$f:|" >"$BATS_TEST_TMPDIR/hits" || true
		while read -r hit; do bad+=("$hit"); done <"$BATS_TEST_TMPDIR/hits"
	done < <(tracked | grep -E '\.(c|h)$' | grep -vE '^(fuzz|tests|bench)/')
	[ ${#bad[@]} -eq 0 ] || { printf '%s\n' "${bad[@]}"; return 1; }
}
