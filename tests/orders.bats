#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD is read by lib/common.bash
# The platform's other bank flows (spec section 9): every CmdId's routes, its acknowledgement,
# its order in bank_orders with its first notice, and the later ones in bank_order_notices; a
# withdrawal told of three
# times, in every order of arrival; retries; soft-deleted orders; CmdIds nobody can verify or
# nobody knows. Generated callbacks, signed by the tests' bank key; the bank's own are in
# realmoney.bats.

load lib/common
load lib/orders

setup() {
	common_setup
	export BANK_CALLBACK_ORD_ID_PATTERN='[0-9]{20}' BANK_CALLBACK_PRO_ID_PATTERN='P[0-9]{8}'
}

order_row() {
	psql_val "SELECT cmd_id || '|' || ord_id || '|' || coalesce(to_char(ord_date, 'YYYYMMDD'), '') || '|' ||
		concat_ws('|', coalesce(usr_cust_id, ''), coalesce(out_cust_id, ''), coalesce(in_cust_id, ''),
		coalesce(trans_amt::text, ''), coalesce(fee_amt::text, ''), coalesce(serv_fee::text, ''))
		FROM bank_orders"
}

@test "orders: a callback of every CmdId is acknowledged with its id, stored once with exact amounts, and notified" {
	local cmd
	for cmd in "${!ROUTE[@]}"; do
		common_setup
		post_form "${ROUTE[$cmd]}" "$(body "$cmd")"
		assert_ack "${ACK[$cmd]:-$ORD}"
		assert_eq "$(order_row)" "${ROW[$cmd]}" "$cmd's order"
		assert_eq "$(psql_val "SELECT (data->>'RespCode') || '|' || notices FROM bank_orders")" "000|1" \
			"$cmd's notice"
		assert_rows bank_order_notices 0
		assert_eq "$(psql_val "SELECT status || '|' || verdict || '|' || cmd_id FROM bank_callback_audit")" \
			"200|order stored|$cmd"
		# the bank's retry: acknowledged again, nothing more
		post_form "${ROUTE[$cmd]}" "$(body "$cmd")"
		assert_ack "${ACK[$cmd]:-$ORD}"
		assert_eq "$(psql_val "SELECT notices FROM bank_orders")" 1 "$cmd's notices after a retry"
		assert_rows bank_order_notices 0
		assert_rows bank_callback_audit 1
	done
}

@test "orders: every page return redirects to its front-end page with the RespCode" {
	local cmd page
	for cmd in InitiativeTender AutoTender TenderCancle Transfer UsrFreezeBg UsrUnFreeze Cash CashAudit \
		UsrAcctPay MerCash AddBidInfo; do
		page=${cmd}Callback
		# a failure: without the TrxId that only a success has
		post_form "/bank/$page" "$(body "$cmd" RespCode=210 TrxId=)"
		assert_status 303
		assert_header Location "${BANK_CALLBACK_FRONTEND}#/$page?RespCode=210&RespDesc=%E7%94%A8%E6%88%B7%E5%9C%A8%E5%95%86%E6%88%B7%E4%B8%8B%E4%B8%8D%E5%AD%98%E5%9C%A8"
	done
	# a Transfer signs no MerCustId: whichever it carries, it is not checked; the account it
	# pays from, OutCustId, must be ours: another merchant's Transfer is not forwarded
	post_form /bank/TransferCallback "$(body Transfer MerCustId=6000060000999999)"
	assert_header Location "${BANK_CALLBACK_FRONTEND}#/TransferCallback?RespCode=000&RespDesc="
	post_form /bank/TransferCallback "$(body Transfer OutCustId=6000060000999999)"
	assert_error 400
	assert_nothing_written
}

@test "orders: a failure is recorded and acknowledged like a success" {
	post_form /bank/cash "$(body Cash RespCode=203 OpenAcctId= OpenBankId= FeeAmt= FeeCustId= FeeAcctId= \
		ServFee= ServFeeAcctId=)"
	assert_ack "$ORD"
	assert_eq "$(psql_val "SELECT resp_code || '|' || trans_amt || '|' || coalesce(fee_amt::text, 'NULL') || '|' ||
		done FROM bank_orders")" "203|100.00|NULL|false"
	post_form /bank/initiativetender "$(body InitiativeTender RespCode=309 TrxId= IsFreeze= FreezeOrdId= FreezeTrxId=)"
	assert_ack "$ORD"
	assert_eq "$(psql_val "SELECT resp_code FROM bank_orders WHERE cmd_id = 'InitiativeTender'")" 309
}

# What a withdrawal carries together: the card and its bank, the fee, who paid it and from
# which account. The merchant's ServFeeAcctId, echoed alone on a failure, has one meaning.
@test "orders: a failed withdrawal echoing only the merchant's fee account is acknowledged; parts that go together are refused apart" {
	post_form /bank/cash "$(body Cash RespCode=203 OpenAcctId= OpenBankId= FeeAmt= FeeCustId= FeeAcctId= \
		ServFee= ServFeeAcctId=MDT000001)"
	assert_ack "$ORD"
	assert_eq "$(psql_val "SELECT resp_code || '|' || (data->>'ServFeeAcctId') || '|' ||
		coalesce(data->>'FeeAcctId', '') FROM bank_orders")" "203|MDT000001|"
	common_setup
	local case
	for case in "FeeAcctId=|FeeCustId without FeeAcctId" "FeeCustId=|FeeAmt without FeeCustId" \
		"OpenBankId=|OpenAcctId without OpenBankId"; do
		post_form /bank/cash "$(body Cash "${case%%|*}")"
		assert_error 400
		assert_nothing_written
		[[ $(<"$BATS_TEST_TMPDIR/stderr") == *"${case#*|}"* ]] || fail "$case: $(<"$BATS_TEST_TMPDIR/stderr")"
	done
}

@test "orders: a Transfer without its page return, or a loan's fee flag that is not I or O, is refused" {
	post_form /bank/TransferCallback "$(body Transfer RetUrl=)"
	assert_error 400
	post_form /bank/loans "$(body Loans FeeObjFlag=Y)"
	assert_error 400
	assert_nothing_written
}

@test "orders: a failed card binding without a TrxId is audited and acknowledged bare; no row names it" {
	post_form /bank/bindcard "$(body UserBindCard RespCode=101 TrxId= OpenAcctId= OpenBankId=)"
	assert_ack ''
	assert_rows bank_orders 0
	assert_eq "$(psql_val "SELECT status || '|' || verdict FROM bank_callback_audit")" \
		"200|failed, no id to store it under"
}

# The three notices of one withdrawal: processing, done, then the bank's reversal.
notice() { # 999 | 000 | 400
	case $1 in
	999) body Cash RespCode=999 ;;
	000) body Cash ;;
	400) body CashReconciliation RespType=400 ;;
	esac
}

@test "orders: a withdrawal's three notices, in every order of arrival, leave it reversed with every notice kept" {
	local order n
	for order in "999 000 400" "999 400 000" "000 999 400" "000 400 999" "400 999 000" "400 000 999"; do
		common_setup
		for n in $order; do
			post_form /bank/cash "$(notice "$n")"
			assert_ack "$ORD"
		done
		assert_eq "$(psql_val "SELECT resp_code || '|' || resp_type || '|' || notices || '|' || done FROM bank_orders")" \
			"000|400|3|false" "the order after $order"
		# the first notice is the order's data, the later ones its notices
		assert_eq "$(psql_val "SELECT (SELECT coalesce(data->>'RespType', '-') || (data->>'RespCode')
			FROM bank_orders) || ' ' || string_agg(coalesce(resp_type, '-') || resp_code, ' ' ORDER BY received_at)
			FROM bank_order_notices")" "$(for n in $order; do
				case $n in 400) printf '400000 ' ;; *) printf -- '-%s ' "$n" ;; esac
			done | sed 's/ $//')" "the notices after $order"
	done
}

@test "orders: a processing withdrawal moves on to its result; a late 999 never undoes it; a new notice clears done" {
	post_form /bank/cash "$(notice 999)"
	assert_eq "$(psql_val "SELECT resp_code FROM bank_orders")" 999
	psql_val "UPDATE bank_orders SET done = true" >/dev/null
	post_form /bank/cash "$(notice 000)"
	assert_eq "$(psql_val "SELECT resp_code || '|' || done FROM bank_orders")" "000|false"
	# a reconciliation that confirms
	post_form /bank/cash "$(body CashReconciliation)"
	assert_ack "$ORD"
	assert_eq "$(psql_val "SELECT resp_code || '|' || resp_type || '|' || notices FROM bank_orders")" "000|000|3"
}

@test "orders: a soft-deleted order is not brought back by a replay; a new notice opens a new live one" {
	post_form /bank/cash "$(notice 000)"
	psql_val "UPDATE bank_orders SET deleted = true" >/dev/null
	post_form /bank/cash "$(notice 000)"
	assert_ack "$ORD"
	assert_eq "$(psql_val "SELECT count(*) FILTER (WHERE NOT deleted) || '|' || count(*) FROM bank_orders")" "0|1"
	post_form /bank/cash "$(notice 400)"
	assert_ack "$ORD"
	assert_eq "$(psql_val "SELECT count(*) FILTER (WHERE NOT deleted) || '|' || count(*) FROM bank_orders")" "1|2"
}

@test "orders: a CmdId without a known signed order is logged and refused; its page return carries nothing" {
	post_form /bank/addbidattachinfo "CmdId=AddBidAttachInfo&RespCode=000&ProId=P20261206&ChkValue=00"
	assert_error 501
	[[ $(cat "$BATS_TEST_TMPDIR/stderr") == "<3>POST /bank/addbidattachinfo status=501 cmd=AddBidAttachInfo"*"AddBidAttachInfo: no signed order is known"* ]] ||
		fail "log line:" "$(cat "$BATS_TEST_TMPDIR/stderr")"
	post_form /bank/AutoTenderPlanCallback "CmdId=AutoTenderPlan&RespCode=000&UsrCustId=$USR&ChkValue=00"
	assert_status 303
	assert_header Location "${BANK_CALLBACK_FRONTEND}#/AutoTenderPlanCallback?RespCode=ERR_UNVERIFIED&RespDesc=result%20not%20known%20here"
	assert_nothing_written
	assert_rows bank_callback_audit 0
}

@test "orders: a CmdId no route knows is refused with 400, named in the log line, and counted by --stats --log" {
	local log=$BATS_TEST_TMPDIR/journal
	post_form /bank/cash "$(body Cash --sign-as Cash CmdId=CashNew2030)"
	assert_error 400
	assert_nothing_written
	cat "$BATS_TEST_TMPDIR/stderr" >"$log"
	[[ $(cat "$log") == "<6>POST /bank/cash status=400 cmd=CashNew2030 "*'outcome="unknown CmdId"'* ]] ||
		fail "log line:" "$(cat "$log")"
	run "$BIN" --stats --log "$log"
	[[ $output =~ /bank/cash\ +400\ +unknown\ CmdId\ +1 ]] || fail "--stats --log:" "$output"
	# a known CmdId on another's route is not "unknown"
	post_form /bank/cash "$(body CashAudit)"
	assert_error 400
	[[ $(cat "$BATS_TEST_TMPDIR/stderr") == *'outcome="rejected"'* ]] || fail "$(cat "$BATS_TEST_TMPDIR/stderr")"
}

@test "orders: without the OrdId pattern, a withdrawal whose ids run together is refused as ambiguous, never guessed" {
	unset BANK_CALLBACK_ORD_ID_PATTERN
	post_form /bank/cash "$(body Cash)"
	assert_error 403
	assert_nothing_written
}

@test "orders: --show lists every notice of an order; --stats counts by CmdId" {
	post_form /bank/cash "$(notice 999)"
	post_form /bank/cash "$(notice 000)"
	post_form /bank/cash "$(notice 400)"
	post_form /bank/cash "$(notice 000)"
	run "$BIN" --show "$ORD"
	assert_eq "$(grep -c "/bank/cash  200  " <<<"$output")" 3 "notices shown ($output)"
	[[ $output == *"answered again: 1"* ]] || fail "the retry:" "$output"
	run "$BIN" --stats
	[[ $output =~ /bank/cash\ +Cash\ +200\ +order\ stored\ +1 ]] || fail "--stats:" "$output"
	[[ $output =~ /bank/cash\ +Cash\ +200\ +notice\ stored\ +2 ]] || fail "--stats:" "$output"
}
