# shellcheck shell=bash
# shellcheck disable=SC2034 # variables here are used by the .bats files
# Helpers shared by tests/*.bats. Run the suite through tests/run, which starts the services,
# makes the keys and exports what is used here.
#
# Requests:  send_raw TEXT / stdin_request METHOD PATH BODY [HEADER...] / post_form PATH BODY
#            socket_start, curl_request METHOD PATH BODY [CURL-ARG...], socket_stop
# Every request parses the response into RESP_STATUS RESP_STATUS_LINE RESP_HEADERS[] RESP_BODY
# and checks it is well formed (status line, CRLF-only head, Connection: close, Content-Type,
# exact Content-Length): a response missing any of these fails whichever test got it.

# Byte semantics for ${#var} (Content-Length) and for GBK bytes in strings.
export LC_ALL=C

TESTS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tests/lib/services.bash
source "$TESTS_ROOT/lib/services.bash"

BIN=${HANDLER_BIN:?run the suite through tests/run}
JSONCHECK=${JSONCHECK:-$TESTS_ROOT/jsoncheck}
BANK_KEY=$TEST_KEYS/bank.key
OTHER_KEY=$TEST_KEYS/other.key
MER=$BANK_CALLBACK_MER_CUST_ID
# How the handler is started for stdin requests; a test may prepend env changes or add -c FILE.
BIN_CMD=("$BIN")

fail() {
	printf '%s\n' "$@" >&2
	return 1
}

# ---- state -------------------------------------------------------------------------------

psql_val() { # as the superuser: the handler's own role may not read everything
	psql -U "${PG_ADMIN_USER:-postgres}" -X -A -t -q -v ON_ERROR_STOP=1 -c "$1"
}

redis_cmd() {
	redis-cli -s "$SERVICES_DIR/redis.sock" "$@"
}

common_setup() {
	# A test that failed while PostgreSQL or Redis was stopped must not break the next one.
	[[ -S $SERVICES_DIR/.s.PGSQL.$PGPORT ]] || pg_start
	[[ -S $SERVICES_DIR/redis.sock ]] || redis_start
	# replica: the audit table's append-only triggers do not fire for this reset
	psql_val 'SET session_replication_role = replica;
		TRUNCATE bank_customers, bank_mer_customers, bank_netsave, bank_callback_audit,
		bank_callback_replays, bank_callback_signatures, bank_orders, bank_order_notices' >/dev/null
	redis_cmd flushall >/dev/null
	SOCKET_PID=''
}

common_teardown() {
	socket_stop
}

setup() { common_setup; }
teardown() { common_teardown; }

wait_for() { # SECONDS COMMAND...: poll COMMAND every 50 ms until it succeeds; fails after SECONDS
	local i n=$(($1 * 20))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# ---- assertions --------------------------------------------------------------------------

assert_eq() { # ACTUAL EXPECTED [WHAT]
	[[ $1 == "$2" ]] || fail "${3:-value} differs" "  expected: $(printf '%q' "$2")" \
		"  actual:   $(printf '%q' "$1")"
}

assert_status() {
	assert_eq "$RESP_STATUS" "$1" "HTTP status (body: $(printf '%q' "$RESP_BODY"))"
}

assert_body() {
	assert_eq "$RESP_BODY" "$1" "response body"
}

assert_header() { # NAME VALUE
	assert_eq "$(header "$1")" "$2" "header $1"
}

assert_ack() { # TRXID: the bank stops retrying only on this exact body
	assert_status 200
	assert_body "RECV_ORD_ID_$1"
	assert_header Content-Type 'text/plain; charset=utf-8'
}

# An error answer: the status, a text/plain "<code> <reason>\n" body, never an ack.
assert_error() { # CODE
	assert_status "$1"
	local reason=${RESP_STATUS_LINE#HTTP/1.1 "$1" }
	[[ -n $reason && $reason != "$RESP_STATUS_LINE" ]] || fail "bad status line: $RESP_STATUS_LINE"
	assert_body "$1 $reason"$'\n'
	[[ $(header Content-Type) == text/plain* ]] || fail "error Content-Type: $(header Content-Type)"
	assert_no_ack
}

assert_no_ack() {
	[[ $RESP_BODY != *RECV_ORD_ID_* ]] || fail "body acknowledges: $RESP_BODY"
}

assert_rows() { # TABLE N
	assert_eq "$(psql_val "SELECT count(*) FROM $1")" "$2" "rows in $1"
}

assert_redis_empty() {
	assert_eq "$(redis_cmd dbsize)" 0 "Redis keys ($(redis_cmd keys '*' | tr '\n' ' '))"
}

# After any rejected request: no table row, no Redis key, no acknowledgement.
assert_nothing_written() {
	assert_rows bank_customers 0
	assert_rows bank_mer_customers 0
	assert_rows bank_netsave 0
	assert_rows bank_orders 0
	assert_rows bank_order_notices 0
	assert_redis_empty
	assert_no_ack
}

# ---- responses ---------------------------------------------------------------------------

header() { # NAME: value of the one header NAME (case-insensitive); fails when repeated
	local line name found=0 value=''
	for line in "${RESP_HEADERS[@]}"; do
		name=${line%%:*}
		if [[ ${name,,} == "${1,,}" ]]; then
			((found++)) || true
			value=${line#*:}
			value=${value# }
		fi
	done
	((found <= 1)) || fail "header $1 sent $found times"
	printf '%s' "$value"
}

parse_response() { # FILE
	RESP_RAW=$(
		cat "$1"
		printf x
	)
	RESP_RAW=${RESP_RAW%x}
	[[ $RESP_RAW == *$'\r\n\r\n'* ]] || fail "no complete response head:" "$(printf '%q' "$RESP_RAW")"
	RESP_HEAD=${RESP_RAW%%$'\r\n\r\n'*}
	RESP_BODY=${RESP_RAW#*$'\r\n\r\n'}
	local rest=${RESP_HEAD//$'\r\n'/}
	# A bare CR or LF inside a header value would let a field value split the head.
	[[ $rest != *[$'\r\n']* ]] || fail "bare CR or LF in the response head:" "$(printf '%q' "$RESP_HEAD")"
	mapfile -t RESP_HEADERS <<<"${RESP_HEAD//$'\r\n'/$'\n'}"
	RESP_STATUS_LINE=${RESP_HEADERS[0]}
	RESP_HEADERS=("${RESP_HEADERS[@]:1}")
	[[ $RESP_STATUS_LINE =~ ^HTTP/1\.[01]\ ([0-9]{3})\ . ]] || fail "bad status line: $RESP_STATUS_LINE"
	RESP_STATUS=${BASH_REMATCH[1]}
	assert_well_formed
}

assert_well_formed() {
	local line len
	for line in "${RESP_HEADERS[@]}"; do
		[[ $line =~ ^[A-Za-z0-9-]+:\ [^\ ] ]] || fail "malformed header line: $(printf '%q' "$line")"
	done
	[[ $(header Connection) == [Cc]lose ]] || fail "no Connection: close (head: $RESP_HEAD)"
	[[ -n $(header Content-Type) ]] || fail "no Content-Type (head: $RESP_HEAD)"
	len=$(header Content-Length)
	[[ -n $len ]] || fail "no Content-Length (head: $RESP_HEAD)"
	assert_eq "$len" "${#RESP_BODY}" "Content-Length vs body bytes"
}

# ---- stdin requests ----------------------------------------------------------------------

send_raw() { # TEXT: one request on the handler's stdin
	local out=$BATS_TEST_TMPDIR/response err=$BATS_TEST_TMPDIR/stderr
	local rc=0
	printf '%s' "$1" | timeout 30 "${BIN_CMD[@]}" >"$out" 2>"$err" || rc=$?
	# shown by bats only when the test fails
	sed 's/^/  handler stderr: /' "$err" >&2
	((rc == 0)) || fail "handler exited $rc"
	parse_response "$out"
}

build_request() { # METHOD PATH BODY [HEADER...]
	local method=$1 path=$2 body=$3 h
	shift 3
	REQUEST="$method $path HTTP/1.1"$'\r\n'"Host: bank.example"$'\r\n'
	if [[ $method == POST || -n $body ]]; then
		REQUEST+="Content-Type: application/x-www-form-urlencoded"$'\r\n'
		REQUEST+="Content-Length: ${#body}"$'\r\n'
	fi
	for h; do REQUEST+="$h"$'\r\n'; done
	REQUEST+=$'\r\n'"$body"
}

stdin_request() {
	build_request "$@"
	send_raw "$REQUEST"
}

post_form() { # PATH BODY [HEADER...]
	stdin_request POST "$@"
}

# ---- callback bodies ---------------------------------------------------------------------

gbk() { printf '%s' "$1" | iconv -f UTF-8 -t GBK; }

# Signed body from default fields changed by ARGS: Name=value replaces or appends a field,
# -Name removes it; leading --options go to tests/sign-callback. SIGN_KEY picks the key.
_signed_body() {
	local -a opts=() fields=("${DEFAULTS[@]}") kept
	local arg f
	while [[ ${1:-} == --* ]]; do
		[[ $1 == --sign-as ]] && { opts+=("$1"); shift; }
		opts+=("$1")
		shift
	done
	for arg; do
		kept=()
		for f in "${fields[@]}"; do
			[[ ${f%%=*} == "${arg#-}" || ${f%%=*} == "${arg%%=*}" ]] || kept+=("$f")
		done
		if [[ $arg == -* ]]; then
			fields=("${kept[@]}")
		elif ((${#kept[@]} < ${#fields[@]})); then
			# replace in place, keeping the field order the bank uses
			for f in "${!fields[@]}"; do
				[[ ${fields[f]%%=*} == "${arg%%=*}" ]] && fields[f]=$arg
			done
		else
			fields+=("$arg")
		fi
	done
	"$TESTS_ROOT/sign-callback" "${opts[@]}" "${SIGN_KEY:-$BANK_KEY}" "${fields[@]}"
}

UR_TRX=201611190000000001
register_body() {
	local -a DEFAULTS=(CmdId=UserRegister RespCode=000 RespDesc=success "MerCustId=$MER"
		UsrId=pnr_alice UsrCustId=6000060000123456 BgRetUrl=http://m.example.com/bank/register
		"TrxId=$UR_TRX" RetUrl=http://m.example.com/bank/RegisterCallback MerPriv=
		IdType=00 IdNo=110101199001011234 UsrMp=13800138000 UsrEmail=alice@example.com
		UsrName=Alice)
	_signed_body "$@"
}

NS_TRX=201611190000000002
NS_ORD=20161119000000000001
# OrdDate must fall within a few days of arrival (BANK_CALLBACK_ORDER_DAYS): today in China
NS_DATE=$(date -u -d '+8 hours' +%Y%m%d)
netsave_body() {
	local -a DEFAULTS=(CmdId=NetSave RespCode=000 RespDesc=success "MerCustId=$MER"
		UsrCustId=6000060000123456 "OrdId=$NS_ORD" "OrdDate=$NS_DATE" TransAmt=100.00
		"TrxId=$NS_TRX" RetUrl=http://m.example.com/bank/NetSaveCallback
		BgRetUrl=http://m.example.com/bank/netsave MerPriv= GateBusiId=B2C GateBankId=ICBC
		FeeAmt=0.00 FeeCustId=6000060000000001 FeeAcctId=MDT000001)
	_signed_body "$@"
}

CR_TRX=201611190000000003
corp_body() { # under audit, no UsrCustId yet
	local -a DEFAULTS=(CmdId=CorpRegister RespCode=000 RespDesc=success "MerCustId=$MER"
		UsrId=corp_acme UsrName=北京某某科技有限公司 AuditStat=P AuditDesc=auditing MerPriv=
		"TrxId=$CR_TRX" OpenBankId=ICBC CardId=6222020200000000001
		BgRetUrl=http://m.example.com/bank/CorpRegister RespExt=)
	_signed_body "$@"
}

# ---- whole exchanges --------------------------------------------------------------------

admin_token() { head -n 1 "$BANK_CALLBACK_ADMIN_TOKEN_FILE"; }

refresh_redis() { # POST /bank/RefreshRedis with the operator's token
	post_form /bank/RefreshRedis CmdId=RefreshRedis "Authorization: Bearer $(admin_token)"
}

# One register, one CorpRegister and one netsave: each acknowledged, each one row.
store_each_async() {
	post_form /bank/register "$(register_body)"
	assert_ack "$UR_TRX"
	post_form /bank/CorpRegister "$(corp_body AuditStat=Y UsrCustId=6000060000777777)"
	assert_ack "$CR_TRX"
	post_form /bank/netsave "$(netsave_body)"
	assert_ack "$NS_TRX"
	assert_rows bank_customers 1
	assert_rows bank_mer_customers 1
	assert_rows bank_netsave 1
}

# ---- socket (systemd-socket-activate --inetd) ----------------------------------------------

free_port() { # a loopback TCP port nobody listens on
	local i port
	for ((i = 0; i < 50; i++)); do
		# below the ephemeral range (32768-), whose ports closed connections hold
		port=$((20000 + RANDOM % 12000))
		[[ -z $(ss -Htln "sport = :$port") ]] && break
	done
	echo "$port"
}

# socket_start [ARG...]: systemd-socket-activate on a free loopback port. ARGs (default: every
# setting from our environment, then the handler) follow the listen address.
socket_start() {
	local port i log=$BATS_TEST_TMPDIR/socket-activate.log
	local -a args=("$@") optional=()
	local name
	# the optional settings, when this test set them
	for name in BANK_CALLBACK_ORDER_DAYS BANK_CALLBACK_ORD_ID_PATTERN BANK_CALLBACK_USR_ID_PATTERN \
		BANK_CALLBACK_TRUSTED_PROXIES; do
		[[ -z ${!name:-} ]] || optional+=(-E "$name")
	done
	# -E NAME passes NAME's value from our environment to each spawned handler.
	((${#args[@]})) || args=(-E PGHOST -E PGPORT -E PGDATABASE -E PGUSER -E BANK_CALLBACK_REDIS
		-E BANK_CALLBACK_PUBKEY -E BANK_CALLBACK_MER_CUST_ID -E BANK_CALLBACK_FRONTEND
		-E BANK_CALLBACK_ADMIN_TOKEN_FILE "${optional[@]}" "$BIN")
	port=$(free_port)
	# fd 3 closed: bats waits for it, a background job holding it would hang the suite.
	systemd-socket-activate --inetd -a -l "127.0.0.1:$port" "${args[@]}" \
		</dev/null >"$log" 2>&1 3>&- &
	SOCKET_PID=$!
	SOCKET_PORT=$port
	for ((i = 0; i < 100; i++)); do
		grep -q 'Listening on' "$log" && return 0
		kill -0 "$SOCKET_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$log" >&2
	fail "systemd-socket-activate did not start"
}

socket_stop() {
	[[ -n ${SOCKET_PID:-} ]] || return 0
	# handlers still running (a stalled client) are the listener's children: end them by pid
	pkill -P "$SOCKET_PID" 2>/dev/null || true
	kill "$SOCKET_PID" 2>/dev/null || true
	wait "$SOCKET_PID" 2>/dev/null || true
	SOCKET_PID=''
}

curl_request() { # METHOD PATH BODY [CURL-ARG...] -> parsed response
	local method=$1 path=$2 body=$3 out=${CURL_OUT:-$BATS_TEST_TMPDIR/curl-response}
	shift 3
	local -a args=(-sS -i --http1.1 --max-time 30 -X "$method" -o "$out")
	if [[ -n $body ]]; then
		# no "Expect: 100-continue" round trip: the bank does not send it either
		args+=(-H 'Expect:' -H 'Content-Type: application/x-www-form-urlencoded'
			--data-binary "$body")
	fi
	curl "${args[@]}" "$@" "http://127.0.0.1:$SOCKET_PORT$path" || fail "curl failed"
	parse_response "$out"
}
