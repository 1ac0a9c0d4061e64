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
	vars=$(cd "$REPO" && grep -oh 'BANK_CALLBACK_[A-Z_]*' ./*.c handlers/*.c db/*.c | sort -u)
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
