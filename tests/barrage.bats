#!/usr/bin/env bats
# shellcheck disable=SC2034 # SOCKET_PID, RESP_BODY are read by lib/common.bash
# A barrage of malformed requests on the handler's stdin: tests/gen-malformed cuts and bends a
# validly signed NetSave request well over a thousand ways (truncations, bad escapes, NUL bytes,
# ambiguous framing, folded headers, bad versions, odd paths, bare LF, oversized heads and
# bodies, bad methods, ...). setup_file runs them all once; each test then checks one property of
# what came back: every one refused with a well-formed 4xx, every handler exited 0 with no
# sanitizer report, and nothing was written.
#
# Under valgrind (tests/run VALGRIND=1) one request in BARRAGE_STRIDE (default 10) is run;
# BARRAGE_STRIDE=1 runs them all.

load lib/common

setup_file() {
	common_setup
	export BARRAGE=$BATS_FILE_TMPDIR/barrage
	mkdir -p "$BARRAGE/out"
	netsave_body >"$BARRAGE/body"
	"$TESTS_ROOT/gen-malformed" "$BARRAGE/requests" "$BARRAGE/body" >"$BARRAGE/count"
	run_barrage "$BARRAGE/requests" "$BARRAGE/out" >"$BARRAGE/ran"
}

# The tests look at what the barrage left: no per-test reset.
setup() {
	SOCKET_PID=''
}

# run_barrage DIR OUT: each DIR/*.http on the handler's stdin, two at a time; its stdout, stderr and
# exit status to OUT/NAME.out, .err, .rc. Prints the names run.
run_barrage() {
	local stride=${BARRAGE_STRIDE:-1} i=0 f
	[[ -z ${VALGRIND:-} || -n ${BARRAGE_STRIDE:-} ]] || stride=10
	local -a names=()
	for f in "$1"/*.http; do
		((i++ % stride)) || names+=("${f##*/}")
	done
	# shellcheck disable=SC2016 # expanded by the inner bash
	printf '%s\0' "${names[@]}" | REQ=$1 OUT=$2 HANDLER=$BIN xargs -0 -P 2 -n 50 bash -c '
		for f; do
			timeout 30 "$HANDLER" <"$REQ/$f" >"$OUT/$f.out" 2>"$OUT/$f.err"
			echo "$?" >"$OUT/$f.rc"
		done' _ 3>&-
	printf '%s\n' "${names[@]}"
}

# check_barrage MODE: one line "NAME: problem" per request that fails MODE (answer or exit).
check_barrage() {
	perl - "$1" "$BARRAGE/out" "$BARRAGE/ran" <<-'EOF'
		use strict;
		use warnings;
		my ($mode, $out, $ran) = @ARGV;
		sub slurp { my ($p) = @_; open my $fh, '<:raw', $p or return undef; local $/; my $s = <$fh>; $s // '' }
		open my $fh, '<', $ran or die "$ran: $!";
		chomp(my @names = <$fh>);
		for my $n (@names) {
			my @bad;
			if ($mode eq 'exit') {
				my $rc = slurp("$out/$n.rc");
				my $err = slurp("$out/$n.err") // '';
				if (!defined $rc) { push @bad, 'not run' }
				else { chomp $rc; push @bad, "exit status $rc" if $rc ne '0' }
				push @bad, "sanitizer: $1" if $err =~ /^(.*(?:AddressSanitizer|LeakSanitizer|runtime error).*)$/m;
				push @bad, "stderr: $1" if $err =~ /^(.*(?:valgrind|Segmentation|Aborted|core dumped).*)$/mi;
			} else {
				my $r = slurp("$out/$n.out");
				if (!defined $r || $r eq '') { push @bad, 'no answer' }
				elsif ($r !~ /\A(.*?)\r\n\r\n(.*)\z/s) { push @bad, 'no complete head: ' . substr($r, 0, 60) }
				else {
					my ($head, $body) = ($1, $2);
					# an answer to HEAD carries the body's length but not the body
					my $is_head = $n =~ /-method-head\b/;
					my ($line, @h) = split /\r\n/, $head, -1;
					my %h;
					push @bad, 'bare CR or LF in the head' if grep { /[\r\n]/ } $line, @h;
					for (@h) {
						if (/\A([A-Za-z0-9-]+): (\S.*)\z/) { push @{ $h{lc $1} }, $2 }
						else { push @bad, "malformed header line: $_" }
					}
					if ($line !~ m{\AHTTP/1\.[01] (\d{3}) (\S.*)\z}) { push @bad, "bad status line: $line" }
					else {
						my ($code, $reason) = ($1, $2);
						# another major version (version-major-*): 505 refuses it as well as a 4xx
						push @bad, "status $code" unless $code =~ /\A4\d\d\z/ || ($code eq '505' && $n =~ /-version-major-/);
						push @bad, 'body is not "<code> <reason>\n"' if $body ne ($is_head ? '' : "$code $reason\n");
					}
					for my $k ('connection', 'content-type', 'content-length') {
						my $v = $h{$k} // [];
						push @bad, "$k sent " . scalar(@$v) . ' times' if @$v != 1;
					}
					push @bad, 'no Connection: close' if lc($h{connection}[0] // '') ne 'close';
					push @bad, 'Content-Length ' . ($h{'content-length'}[0] // '') . ' for ' . length($body) . ' bytes'
						if ($h{'content-length'}[0] // '') ne ($is_head ? length("405 Method Not Allowed\n") : length $body);
					push @bad, 'acknowledges' if $r =~ /RECV_ORD_ID_/;
				}
			}
			print "$n: ", join('; ', @bad), "\n" if @bad;
		}
	EOF
}

statuses() { # how many answers of each status, for a failure message
	local f
	for f in "$BARRAGE"/out/*.out; do
		head -n 1 "$f" | cut -c 10-12
	done | sort | uniq -c | tr '\n' ' '
}

assert_clean() { # MODE
	local problems
	problems=$(check_barrage "$1") || fail "the checker failed"
	[[ -z $problems ]] || fail "$(wc -l <<<"$problems") of $(wc -l <"$BARRAGE/ran") requests:" \
		"$(head -n 40 <<<"$problems")" "statuses: $(statuses)"
}

@test "barrage: gen-malformed writes over 1,000 requests in every category, the same bytes every run" {
	local n category
	n=$(<"$BARRAGE/count")
	((n >= 1000)) || fail "only $n requests"
	assert_eq "$(find "$BARRAGE/requests" -name '*.http' | wc -l)" "$n" "files written"
	for category in trunc trunc-body pct nul-head nul-body cl-te two-cl bad-cl cl-long fold version \
		version-major path lf cr big-head big-body method ctype host header form empty; do
		compgen -G "$BARRAGE/requests/[0-9][0-9][0-9][0-9]-$category-*.http" >/dev/null ||
			fail "no $category request"
	done
	# none of them is the valid request itself
	build_request POST /bank/netsave "$(<"$BARRAGE/body")"
	local valid
	valid=$(printf '%s' "$REQUEST" | md5sum | cut -d ' ' -f 1)
	! md5sum "$BARRAGE"/requests/*.http | grep -q "^$valid " || fail "the valid request is among them"
	# deterministic: the same body gives the same files, byte for byte
	"$TESTS_ROOT/gen-malformed" "$BATS_TEST_TMPDIR/again" "$BARRAGE/body" >/dev/null
	diff -r -q "$BARRAGE/requests" "$BATS_TEST_TMPDIR/again" >&2 || fail "a second run differs"
}

@test "barrage: every malformed request is refused with a well-formed 4xx answer, never an ack" {
	local ran min=1000
	[[ -z ${VALGRIND:-} && ${BARRAGE_STRIDE:-1} == 1 ]] || min=1
	ran=$(wc -l <"$BARRAGE/ran")
	((ran >= min)) || fail "only $ran requests ran"
	assert_clean answer
}

@test "barrage: every handler exited 0, with no sanitizer report" {
	assert_clean exit
}

@test "barrage: nothing was written: no row, no audit row, no Redis key" {
	RESP_BODY=''
	assert_nothing_written
	if [[ $(psql_val "SELECT to_regclass('bank_callback_audit') IS NOT NULL") == t ]]; then
		# forged and malformed requests are only logged, never kept
		assert_rows bank_callback_audit 0
	fi
}
