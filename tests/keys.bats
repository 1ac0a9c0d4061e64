#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD, SIGN_KEY are read by lib/common.bash
# The bank's public key in its real formats: PEM, ChinaPNR's PgPubk.key as issued and its bare pubkeyS hex.

load lib/common
load lib/keys

DATA=$BATS_TEST_DIRNAME/data

# the `ok key:` line of --check with BANK_CALLBACK_PUBKEY=$1, without the format it was read as
key_line() {
	BANK_CALLBACK_PUBKEY=$1 "$BIN" --check 2>/dev/null | grep '^ok key: ' | sed 's/, read as .*//' || true
}

# the format the `ok key:` line names
key_format() {
	BANK_CALLBACK_PUBKEY=$1 "$BIN" --check 2>/dev/null | sed -n 's/^ok key: .*, read as //p'
}

# the key line with its fingerprint in lower case (the contract does not fix the hex case)
fp_lower() {
	local fp=${1##*sha256:}
	printf '%s' "${1%"$fp"}${fp,,}"
}

# what the key line must say: bits and SHA-256 of the DER SubjectPublicKeyInfo
expected_key_line() {
	local fp
	fp=$(openssl pkey -pubin -in "$1" -outform DER | openssl dgst -sha256 -r | cut -c1-64)
	echo "ok key: RSA-1024 sha256:$fp"
}

@test "keys: the test data's hex file is the same key as its PEM (data sanity)" {
	assert_eq "$(pubkeyS_to_pem "$DATA/chinapnr-test-pubkeyS.hex")" "$(cat "$DATA/chinapnr-test-pubkey.pem")"
}

@test "keys: the bank's test key, PEM and pubkeyS hex, give the same ok key line" {
	local pem hex
	pem=$(key_line "$DATA/chinapnr-test-pubkey.pem")
	hex=$(key_line "$DATA/chinapnr-test-pubkeyS.hex")
	[[ -n $pem ]] || fail "no ok key line for the PEM"
	assert_eq "$hex" "$pem" "key line of the hex file"
	assert_eq "$(fp_lower "$pem")" "$(expected_key_line "$DATA/chinapnr-test-pubkey.pem")" "key line"
}

@test "keys: a pubkeyS=<hex> file gives the same key line" {
	printf 'pubkeyS=%s\n' "$(tr -d '\r\n' <"$DATA/chinapnr-test-pubkeyS.hex")" >"$BATS_TEST_TMPDIR/PgPubk.key"
	local line
	line=$(key_line "$BATS_TEST_TMPDIR/PgPubk.key")
	assert_eq "$(fp_lower "$line")" "$(expected_key_line "$DATA/chinapnr-test-pubkey.pem")" "key line"
}

@test "keys: the bank's PgPubk.key as issued, LF or CRLF, is its PEM's key; --check names the format" {
	local pem
	pem=$(key_line "$DATA/chinapnr-test-pubkey.pem")
	sed 's/$/\r/' "$DATA/chinapnr-test-PgPubk.key" >"$BATS_TEST_TMPDIR/crlf.key"
	assert_eq "$(key_line "$DATA/chinapnr-test-PgPubk.key")" "$pem" "key line of the PgPubk.key"
	assert_eq "$(key_line "$BATS_TEST_TMPDIR/crlf.key")" "$pem" "key line of the CRLF PgPubk.key"
	assert_eq "$(key_format "$DATA/chinapnr-test-PgPubk.key")" "a ChinaPNR PgPubk.key (its pubkeyS= line)"
	assert_eq "$(key_format "$DATA/chinapnr-test-pubkeyS.hex")" "a bare pubkeyS hex line"
	assert_eq "$(key_format "$DATA/chinapnr-test-pubkey.pem")" "a PEM public key"
}

@test "keys: a PgPubk.key that could be read two ways, or not at all, fails --check, saying what" {
	local d=$BATS_TEST_TMPDIR f real=$DATA/chinapnr-test-PgPubk.key s
	s=$(sed -n 's/^pubkeyS=//p' "$real")
	# a second pubkeyS (another case, another key): which one would the SDK take?
	{ cat "$real"; printf 'PUBKEYS=%s\n' "${s//A/B}"; } >"$d/two.key"
	sed 's/^pubkeyS=./pubkeyS=/' "$real" >"$d/short.key"
	sed 's/^pubkeyS=./pubkeyS=G/' "$real" >"$d/nonhex.key"
	grep -v '^pubkeyS=' "$real" >"$d/none.key"
	sed 's/^\[NetPayClient\]/[Other]/' "$real" >"$d/section.key"
	{ cat "$real"; echo '[NetPayClient]'; } >"$d/second-section.key"
	sed '2a just some text' "$real" >"$d/text.key"
	sed '2s/^/\x00/' "$real" >"$d/nul.key"
	declare -A why=(
		[two.key]="two pubkeyS lines"
		[short.key]="pubkeyS is not 576 hexadecimal digits"
		[nonhex.key]="pubkeyS is not hexadecimal"
		[none.key]="no pubkeyS= line"
		[section.key]="a section other than one [NetPayClient] at the top"
		[second-section.key]="a section other than one [NetPayClient] at the top"
		[text.key]="a line that is not NAME=VALUE"
		[nul.key]="a NUL byte in the file"
	)
	for f in "${!why[@]}"; do
		BANK_CALLBACK_PUBKEY=$d/$f run "$BIN" --check
		[[ $status -ne 0 ]] || fail "--check exited 0 with $f:" "$output"
		[[ $output == *"FAIL key: $d/$f: ${why[$f]} (read as "* ]] ||
			fail "$f: want \"${why[$f]}\":" "$output"
	done
	# a callback under such a key: 500, nothing written
	BIN_CMD=(env "BANK_CALLBACK_PUBKEY=$d/two.key" "$BIN")
	post_form /bank/netsave "$(netsave_body)"
	assert_error 500
	assert_nothing_written
}

@test "keys: the generated key, PEM and pubkeyS hex, give the same key line" {
	local pem
	pem=$(key_line "$TEST_KEYS/bank.pub.pem")
	assert_eq "$(fp_lower "$pem")" "$(expected_key_line "$TEST_KEYS/bank.pub.pem")" "key line"
	assert_eq "$(key_line "$TEST_KEYS/bank.pubkeyS.hex")" "$pem" "key line of the hex file"
	assert_eq "$(key_line "$TEST_KEYS/bank.PgPubk.key")" "$pem" "key line of the PgPubk.key"
}

@test "keys: the generated key in all three formats verifies a signed callback" {
	local f
	for f in bank.pub.pem bank.pubkeyS.hex bank.PgPubk.key; do
		BIN_CMD=(env "BANK_CALLBACK_PUBKEY=$TEST_KEYS/$f" "$BIN")
		post_form /bank/register "$(register_body)"
		assert_ack "$UR_TRX"
	done
	assert_rows bank_customers 1
}

@test "keys: --check with everything up: seven ok lines in order, exit 0" {
	run "$BIN" --check
	[[ $status -eq 0 ]] || fail "--check exited $status:" "$output"
	local names
	names=$(grep -E '^(ok|FAIL) ' <<<"$output" | sed -E 's/^(ok|FAIL) ([a-z]+):.*/\1 \2/' | tr '\n' ' ')
	assert_eq "$names" "ok settings ok key ok rules ok postgresql ok schema ok privileges ok redis " "--check lines"
}

@test "keys: a missing or broken key file fails --check on key" {
	echo "not a key" >"$BATS_TEST_TMPDIR/broken.key"
	local f
	for f in "$BATS_TEST_TMPDIR/broken.key" "$BATS_TEST_TMPDIR/absent.key"; do
		BANK_CALLBACK_PUBKEY=$f run "$BIN" --check
		[[ $status -ne 0 ]] || fail "--check exited 0 with key $f:" "$output"
		[[ $output == *"FAIL key: "* ]] || fail "no FAIL key line:" "$output"
	done
}

@test "keys: a truncated pubkeyS hex file is refused by --check" {
	head -c 500 "$DATA/chinapnr-test-pubkeyS.hex" >"$BATS_TEST_TMPDIR/short.hex"
	BANK_CALLBACK_PUBKEY=$BATS_TEST_TMPDIR/short.hex run "$BIN" --check
	[[ $status -ne 0 ]] || fail "--check exited 0:" "$output"
	[[ $output == *"FAIL key: "* ]] || fail "no FAIL key line:" "$output"
}

@test "keys: 2048- and 4096-bit PEM keys verify what they signed and refuse the rest" {
	local bits
	for bits in 2048 4096; do
		openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" \
			-out "$BATS_TEST_TMPDIR/k$bits.key" 2>/dev/null
		openssl pkey -in "$BATS_TEST_TMPDIR/k$bits.key" -pubout -out "$BATS_TEST_TMPDIR/k$bits.pem"
		[[ $(key_line "$BATS_TEST_TMPDIR/k$bits.pem") == "ok key: RSA-$bits sha256:"* ]] ||
			fail "key line of the $bits-bit key: $(key_line "$BATS_TEST_TMPDIR/k$bits.pem")"
		BIN_CMD=(env "BANK_CALLBACK_PUBKEY=$BATS_TEST_TMPDIR/k$bits.pem" "$BIN")
		SIGN_KEY=$BANK_KEY
		post_form /bank/register "$(register_body)"
		assert_error 403
		SIGN_KEY=$BATS_TEST_TMPDIR/k$bits.key
		post_form /bank/register "$(register_body)"
		assert_ack "$UR_TRX"
	done
	assert_rows bank_customers 1
}

@test "keys: a PEM with CRLF line ends, 76-column lines and blank lines around is read" {
	local b64
	b64=$(grep -v -- ----- "$TEST_KEYS/bank.pub.pem" | tr -d '\n')
	{
		printf '\n\r\n-----BEGIN PUBLIC KEY-----\r\n'
		fold -w 76 <<<"$b64" | sed 's/$/\r/'
		printf -- '-----END PUBLIC KEY-----\r\n \n'
	} >"$BATS_TEST_TMPDIR/crlf.pem"
	assert_eq "$(key_line "$BATS_TEST_TMPDIR/crlf.pem")" "$(key_line "$TEST_KEYS/bank.pub.pem")" "key line"
}

@test "keys: PEM files that hold no usable RSA public key fail --check, saying why" {
	local d=$BATS_TEST_TMPDIR f
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
		openssl pkey -pubout -out "$d/ec.pem"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512 2>/dev/null |
		openssl pkey -pubout -out "$d/rsa512.pem"
	openssl rsa -pubin -in "$TEST_KEYS/bank.pub.pem" -RSAPublicKey_out -out "$d/pkcs1.pem" 2>/dev/null
	# one base64 character changed: still base64, no longer the DER of a key
	sed '2s/^M/N/' "$TEST_KEYS/bank.pub.pem" >"$d/bent.pem"
	# the key's own PEM with a line of junk inside, a NUL, a byte above 0x7F
	sed '2a junk!' "$TEST_KEYS/bank.pub.pem" >"$d/junk.pem"
	sed '2s/^/\x00/' "$TEST_KEYS/bank.pub.pem" >"$d/nul.pem"
	sed '2s/^M/\xff/' "$TEST_KEYS/bank.pub.pem" >"$d/high.pem"
	# a blank line inside, and text after the END line
	sed '2a\\' "$TEST_KEYS/bank.pub.pem" >"$d/gap.pem"
	{ cat "$TEST_KEYS/bank.pub.pem"; echo trailer; } >"$d/after.pem"
	declare -A why=(
		[ec.pem]="does not hold an RSA public key"
		[rsa512.pem]="not an RSA key of 1024 to 4096 bits"
		[pkcs1.pem]="not a PEM public key"
		[bent.pem]="does not hold an RSA public key"
		[junk.pem]="not lines of base64"
		[nul.pem]="not lines of base64"
		[high.pem]="not lines of base64"
		[gap.pem]="not lines of base64"
		[after.pem]="more after it"
	)
	for f in "${!why[@]}"; do
		BANK_CALLBACK_PUBKEY=$d/$f run "$BIN" --check
		[[ $status -ne 0 ]] || fail "--check exited 0 with $f:" "$output"
		[[ $output == *"FAIL key: $d/$f: "*"${why[$f]}"* ]] ||
			fail "$f: want \"${why[$f]}\":" "$output"
	done
	# and a callback under such a key is a 500 that writes nothing
	BIN_CMD=(env "BANK_CALLBACK_PUBKEY=$d/ec.pem" "$BIN")
	post_form /bank/netsave "$(netsave_body)"
	assert_error 500
	assert_nothing_written
}

@test "keys: a switch-over: two key files, a callback signed with either is acknowledged; --check shows both" {
	# a third key, which is neither
	keys_generate "$BATS_TEST_TMPDIR/third" third
	BIN_CMD=(env "BANK_CALLBACK_PUBKEY=$TEST_KEYS/bank.pub.pem,$TEST_KEYS/other.pub.pem" "$BIN")
	post_form /bank/register "$(register_body)"
	assert_ack "$UR_TRX"
	[[ $(<"$BATS_TEST_TMPDIR/stderr") != *"second key"* ]] || fail "the first key's callback noted as the second's"
	SIGN_KEY=$OTHER_KEY post_form /bank/netsave "$(SIGN_KEY=$OTHER_KEY netsave_body)"
	assert_ack "$NS_TRX"
	[[ $(<"$BATS_TEST_TMPDIR/stderr") == *'note="verified with the second key of BANK_CALLBACK_PUBKEY"'* ]] ||
		fail "the log does not say the second key verified:" "$(<"$BATS_TEST_TMPDIR/stderr")"
	post_form /bank/CorpRegister "$(SIGN_KEY=$BATS_TEST_TMPDIR/third/third.key corp_body)"
	assert_error 403
	assert_rows bank_customers 1
	assert_rows bank_netsave 1
	assert_rows bank_mer_customers 0

	run env "BANK_CALLBACK_PUBKEY=$TEST_KEYS/bank.pub.pem,$TEST_KEYS/other.pub.pem" "$BIN" --check
	[[ $status -eq 0 ]] || fail "--check with two keys exited $status:" "$output"
	assert_eq "$(grep -c '^ok key: RSA-1024 sha256:' <<<"$output")" 2 "ok key lines ($output)"
	[[ $output == *"(first)"*"(second)"* ]] || fail "the two keys are not told apart:" "$output"
	run env "BANK_CALLBACK_PUBKEY=$TEST_KEYS/bank.pub.pem,$TEST_KEYS/other.pub.pem,$TEST_KEYS/bank.pub.pem" "$BIN" --check
	[[ $status -ne 0 && $output == *"FAIL key: BANK_CALLBACK_PUBKEY: one key file, or two separated by a comma"* ]] ||
		fail "three keys accepted:" "$output"
	# every list setting reads alike: blanks around a comma are no part of a path
	run env "BANK_CALLBACK_PUBKEY=$TEST_KEYS/bank.pub.pem , $TEST_KEYS/other.pub.pem" "$BIN" --check
	assert_eq "$(grep -c '^ok key: RSA-1024 sha256:' <<<"$output")" 2 "ok key lines with blanks ($output)"
	# and an empty item is refused, at either end
	for v in "$TEST_KEYS/bank.pub.pem," ",$TEST_KEYS/bank.pub.pem"; do
		run env "BANK_CALLBACK_PUBKEY=$v" "$BIN" --check
		[[ $status -ne 0 && $output == *"FAIL key: BANK_CALLBACK_PUBKEY: one key file, or two separated by a comma"* ]] ||
			fail "an empty key path accepted ($v):" "$output"
	done
}

@test "man: the --check example shows the lines --check prints, in order" {
	local page=$TESTS_ROOT/../man/bank-callback.8 shown real
	shown=$(sed -n '/^ *\/usr\/local\/bin\/bank-callback --check$/,/^\.Ed$/p' "$page" |
		sed -n 's/^\(ok\|FAIL\) \([a-z]*\):.*/\1 \2/p' | tr '\n' ' ')
	run "$BIN" --check
	real=$(sed -n 's/^\(ok\|FAIL\) \([a-z]*\):.*/\1 \2/p' <<<"$output" | tr '\n' ' ')
	[[ -n $shown ]] || fail "no --check example found in the man page"
	assert_eq "$shown" "$real" "the man page's --check lines"
}

@test "keys: under systemd a bank-pubkey-next credential is the switch-over's second key" {
	local creds=$BATS_TEST_TMPDIR/credentials
	mkdir -p "$creds"
	cp "$TEST_KEYS/bank.PgPubk.key" "$creds/bank-pubkey"
	cp "$TEST_KEYS/other.pub.pem" "$creds/bank-pubkey-next"
	BIN_CMD=(env -u BANK_CALLBACK_PUBKEY "CREDENTIALS_DIRECTORY=$creds" "$BIN")
	SIGN_KEY=$OTHER_KEY post_form /bank/netsave "$(SIGN_KEY=$OTHER_KEY netsave_body)"
	assert_ack "$NS_TRX"
	post_form /bank/register "$(register_body)"
	assert_ack "$UR_TRX"
	run env -u BANK_CALLBACK_PUBKEY "CREDENTIALS_DIRECTORY=$creds" "$BIN" --check
	assert_eq "$(grep -c '^ok key: ' <<<"$output")" 2 "ok key lines ($output)"
}
