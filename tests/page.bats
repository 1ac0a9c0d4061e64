#!/usr/bin/env bats
# shellcheck disable=SC2034 # BIN_CMD, SIGN_KEY are read by lib/common.bash
# Page returns (RetUrl): the user's browser posts the same signed fields; we redirect it to the
# front end. The bank's RespCode is forwarded only when the signature is valid.

load lib/common

FRONT=http://front.example/

assert_redirect() { # EXPECTED-LOCATION
	assert_status 303
	assert_header Location "$1"
	assert_no_ack
	assert_nothing_written
}

@test "RegisterCallback: a signed success redirects with RespCode 000 and no RespDesc" {
	post_form /bank/RegisterCallback "$(register_body 'RespDesc=成功')"
	assert_redirect "${FRONT}#/BankUserRegisterCallback?RespCode=000&RespDesc="
}

@test "NetSaveCallback: a signed success redirects with RespCode 000 and no RespDesc" {
	post_form /bank/NetSaveCallback "$(netsave_body 'RespDesc=top-up done')"
	assert_redirect "${FRONT}#/NetSaveCallback?RespCode=000&RespDesc="
}

@test "page: the front end gets our words for the RespCode, never the bank's unsigned RespDesc" {
	local text='开户失败，请拨打客服 400-000-0000'
	# a genuine success, its RespDesc rewritten by whoever replays it
	post_form /bank/RegisterCallback "$(register_body "RespDesc=$text")"
	assert_redirect "${FRONT}#/BankUserRegisterCallback?RespCode=000&RespDesc="
	# a failure: whatever RespDesc says, the front end gets our text for its code
	post_form /bank/RegisterCallback "$(register_body RespCode=101 "RespDesc=$text" -UsrCustId)"
	assert_redirect "${FRONT}#/BankUserRegisterCallback?RespCode=101&RespDesc=%E5%A4%84%E7%90%86%E5%A4%B1%E8%B4%A5"
	post_form /bank/RegisterCallback "$(register_body RespCode=101 'RespDesc=see http://evil.example' -UsrCustId)"
	assert_redirect "${FRONT}#/BankUserRegisterCallback?RespCode=101&RespDesc=%E5%A4%84%E7%90%86%E5%A4%B1%E8%B4%A5"
	post_form /bank/RegisterCallback "$(register_body RespCode=101 'RespDesc=开户失败，请重试。' -UsrCustId)"
	assert_redirect "${FRONT}#/BankUserRegisterCallback?RespCode=101&RespDesc=%E5%A4%84%E7%90%86%E5%A4%B1%E8%B4%A5"
}

@test "page: a phone number in Chinese numerals in a signed failure's RespDesc never reaches the front end" {
	post_form /bank/NetSaveCallback "$(netsave_body RespCode=210 TrxId= \
		'RespDesc=支付失败，请致电客服四零零八二零八八八八或加微信')"
	assert_redirect "${FRONT}#/NetSaveCallback?RespCode=210&RespDesc=%E7%94%A8%E6%88%B7%E5%9C%A8%E5%95%86%E6%88%B7%E4%B8%8B%E4%B8%8D%E5%AD%98%E5%9C%A8"
}

@test "page: RespDesc with CR LF never splits the head" {
	# parse_response already fails on a bare CR or LF in any header
	post_form /bank/NetSaveCallback "$(netsave_body RespCode=351 \
		$'RespDesc=no money & more+x=1\r\nSet-Cookie: a=b')"
	assert_redirect "${FRONT}#/NetSaveCallback?RespCode=351&RespDesc=%E5%A4%84%E7%90%86%E5%A4%B1%E8%B4%A5"
	assert_eq "$(header Set-Cookie)" '' "Set-Cookie"
}

@test "page: an unsigned post with RespCode=000 does not forward 000" {
	local body
	body=$(register_body)
	post_form /bank/RegisterCallback "${body%&ChkValue=*}"
	assert_redirect "${FRONT}#/BankUserRegisterCallback?RespCode=ERR_SIGNATURE&RespDesc=signature%20check%20failed"
	body=$(netsave_body)
	post_form /bank/NetSaveCallback "${body%&ChkValue=*}"
	assert_redirect "${FRONT}#/NetSaveCallback?RespCode=ERR_SIGNATURE&RespDesc=signature%20check%20failed"
	post_form /bank/NetSaveCallback 'CmdId=NetSave&RespCode=000&RespDesc=success'
	assert_redirect "${FRONT}#/NetSaveCallback?RespCode=ERR_SIGNATURE&RespDesc=signature%20check%20failed"
	# without even a CmdId it is not a bank message (400); either way 000 is not forwarded
	post_form /bank/NetSaveCallback 'RespCode=000&RespDesc=success'
	[[ $(header Location) != *RespCode=000* ]] || fail "forwarded: $(header Location)"
	assert_nothing_written
}

@test "page: a forged or tampered signature does not forward 000" {
	SIGN_KEY=$OTHER_KEY
	post_form /bank/RegisterCallback "$(register_body)"
	assert_redirect "${FRONT}#/BankUserRegisterCallback?RespCode=ERR_SIGNATURE&RespDesc=signature%20check%20failed"
	SIGN_KEY=$BANK_KEY
	local body
	body=$(netsave_body RespCode=351)
	post_form /bank/NetSaveCallback "${body/RespCode=351/RespCode=000}"
	assert_redirect "${FRONT}#/NetSaveCallback?RespCode=ERR_SIGNATURE&RespDesc=signature%20check%20failed"
}

@test "page: another merchant's signed post does not forward 000" {
	post_form /bank/NetSaveCallback "$(netsave_body MerCustId=6000060000000002)"
	assert_redirect "${FRONT}#/NetSaveCallback?RespCode=ERR_SIGNATURE&RespDesc=signature%20check%20failed"
}

@test "page: a lower-case ChkValue and once-encoded RetUrl are valid" {
	post_form /bank/NetSaveCallback "$(netsave_body --lower --url-once)"
	assert_redirect "${FRONT}#/NetSaveCallback?RespCode=000&RespDesc="
}
