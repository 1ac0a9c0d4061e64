#!/usr/bin/env bats
# The manual page, man/bank-callback.8: lint-clean, and in step with the code (every
# BANK_CALLBACK_* setting and every route is documented). Needs mandoc only, no services.

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
PAGE=$REPO/man/bank-callback.8

# The page's text without its comment lines.
page_text() { grep -v '^\.\\"' "$PAGE"; }

@test "man: mandoc -T lint -W warning prints nothing" {
	run mandoc -T lint -W warning "$PAGE"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "man: every BANK_CALLBACK_* variable in the C sources is documented" {
	local vars var missing=()
	vars=$(cd "$REPO" && grep -oh 'BANK_CALLBACK_[A-Z_]*' ./*.c lib/*.c bank/*.c handlers/*.c db/*.c | sort -u)
	[ -n "$vars" ]
	for var in $vars; do
		page_text | grep -qw -- "$var" || missing+=("$var")
	done
	if ((${#missing[@]})); then
		echo "not in $PAGE: ${missing[*]}"
		return 1
	fi
}

@test "man: every route of bank-callback.c's route table is documented" {
	local routes route missing=()
	routes=$(grep -o '"/bank/[^"]*"' "$REPO/bank-callback.c" | tr -d '"' | sort -u)
	[ -n "$routes" ]
	for route in $routes; do
		page_text | grep -qF -- "$route" || missing+=("$route")
	done
	if ((${#missing[@]})); then
		echo "not in $PAGE: ${missing[*]}"
		return 1
	fi
}

@test "man: SYNOPSIS names every option --help lists" {
	local bin=${HANDLER_BIN:-$REPO/bank-callback} synopsis opts opt missing=()
	synopsis=$(sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p' "$PAGE")
	opts=$("$bin" --help 2>&1 | grep -o -- '--[a-z-]*' | sort -u)
	[[ $opts == *--check* ]] || { echo "no options in --help: $opts"; return 1; }
	for opt in $opts; do
		grep -qF -- "\\-${opt#--}" <<<"$synopsis" || missing+=("$opt")
	done
	if ((${#missing[@]})); then
		echo "not in the SYNOPSIS: ${missing[*]}"
		return 1
	fi
}

@test "man: the last-resort alarm's seconds are the code's" {
	local n said
	n=$(grep -oE 'LAST_RESORT_SECONDS = [0-9]+' "$REPO/bank-callback.c" | grep -oE '[0-9]+$')
	[[ -n $n ]]
	said=$(page_text | grep -oE '(after|its) [0-9]+ seconds is (ended|killed) by' | grep -oE '[0-9]+' | sort -u)
	[[ $said == "$n" ]] || { echo "the page says ${said:-nothing}, the code $n"; return 1; }
	[[ $(page_text | grep -cE '(after|its) [0-9]+ seconds is (ended|killed) by') -eq 2 ]]
}

@test "man: the example acknowledgement has the bank's 18-digit TrxId and its exact Content-Length" {
	local block ack len
	block=$(sed -n '/^A stored callback answers/,/^\.Ed/p' "$PAGE")
	ack=$(grep '^RECV_ORD_ID_' <<<"$block")
	len=$(grep -oE 'Content-Length: [0-9]+' <<<"$block" | grep -oE '[0-9]+$')
	[[ ${ack#RECV_ORD_ID_} =~ ^[0-9]{18}$ ]] || { echo "TrxId in \"$ack\""; return 1; }
	[[ $len == "${#ack}" ]] || { echo "Content-Length $len for ${#ack} bytes"; return 1; }
}
