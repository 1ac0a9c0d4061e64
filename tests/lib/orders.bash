# shellcheck shell=bash
# shellcheck disable=SC2034 # variables here are used by the .bats files
# Callbacks of the platform's other bank flows, generated and signed by the tests' bank key, for
# tests/orders.bats and tests/notify.bats: body CMDID [Name=value...], and each CmdId's
# background route, acknowledged id and bank_orders row. Their OrdIds are 20 digits, as
# BANK_CALLBACK_ORD_ID_PATTERN=[0-9]{20} says (without it most have two meanings).

ORD=20261206100000000001   # the platform's OrdIds: 20 digits, as BANK_CALLBACK_ORD_ID_PATTERN says
SUB=20261205090000000002
TRX=201612060000000011
USR=6000060000123456
OUT=6000060000111111
IN=6000060000222222
BG=http://m.example.com/bank/x
RET=http://m.example.com/bank/Y


# body CMDID [Name=value...]: a successful callback of CMDID with realistic fields, changed by
# the arguments as _signed_body does (Name=value replaces or appends, -Name removes).
body() {
	local cmd=$1
	shift
	local -a DEFAULTS
	case $cmd in
	UserBindCard) DEFAULTS=(CmdId=UserBindCard RespCode=000 "MerCustId=$MER" OpenAcctId=6222020200000000001
		OpenBankId=ICBC "UsrCustId=$USR" "TrxId=$TRX" "BgRetUrl=$BG" MerPriv=) ;;
	InitiativeTender | AutoTender) DEFAULTS=("CmdId=$cmd" RespCode=000 "MerCustId=$MER" "OrdId=$ORD"
		"OrdDate=$NS_DATE" TransAmt=5000.00 "UsrCustId=$USR" "TrxId=$TRX" IsFreeze=Y
		"FreezeOrdId=$SUB" FreezeTrxId=201612060000000012 "RetUrl=$RET" "BgRetUrl=$BG" MerPriv=abc
		'RespExt={"Vocher":{"AcctId":"MDT000001","VocherAmt":"10.00"}}') ;;
	TenderCancle) DEFAULTS=(CmdId=TenderCancle RespCode=000 "MerCustId=$MER" "OrdId=$ORD"
		OrdDate=20261101 TransAmt=5000.00 "UsrCustId=$USR" IsUnFreeze=Y "UnFreezeOrdId=$SUB"
		FreezeTrxId=201612060000000012 "RetUrl=$RET" "BgRetUrl=$BG" MerPriv= RespExt=) ;;
	Loans) DEFAULTS=(CmdId=Loans RespCode=000 "MerCustId=$MER" "OrdId=$ORD" "OrdDate=$NS_DATE"
		"OutCustId=$OUT" OutAcctId= TransAmt=5000.00 Fee=3 "InCustId=$IN" InAcctId=
		"SubOrdId=$SUB" SubOrdDate=20261130 FeeObjFlag=I IsDefault=N IsUnFreeze=Y
		"UnFreezeOrdId=20261206100000000003" FreezeTrxId=201612060000000012 "BgRetUrl=$BG"
		MerPriv= RespExt=) ;;
	Repayment) DEFAULTS=(CmdId=Repayment RespCode=000 "MerCustId=$MER" "OrdId=$ORD" "OrdDate=$NS_DATE"
		"OutCustId=$OUT" "SubOrdId=$SUB" SubOrdDate=20261130 OutAcctId= TransAmt=105.00
		Fee=0.00 "InCustId=$IN" InAcctId= FeeObjFlag=O "BgRetUrl=$BG" MerPriv= RespExt=) ;;
	Transfer) DEFAULTS=(CmdId=Transfer RespCode=000 "OrdId=$ORD" "OutCustId=$MER" OutAcctId=MDT000001
		TransAmt=10.00 "InCustId=$IN" InAcctId= "RetUrl=$RET" "BgRetUrl=$BG" MerPriv=) ;;
	UsrFreezeBg) DEFAULTS=(CmdId=UsrFreezeBg RespCode=000 "MerCustId=$MER" "UsrCustId=$USR"
		SubAcctType=BASEDT SubAcctId=MDT000001 "OrdId=$ORD" "OrdDate=$NS_DATE" TransAmt=200.00
		"RetUrl=$RET" "BgRetUrl=$BG" "TrxId=$TRX" MerPriv=ok) ;;
	UsrUnFreeze) DEFAULTS=(CmdId=UsrUnFreeze RespCode=000 "MerCustId=$MER" "OrdId=$ORD"
		OrdDate=20250529 "TrxId=$TRX" "RetUrl=$RET" "BgRetUrl=$BG" MerPriv=aa) ;;
	Cash) DEFAULTS=(CmdId=Cash RespCode=000 "MerCustId=$MER" "OrdId=$ORD" "UsrCustId=$USR"
		TransAmt=100.00 OpenAcctId=6229081234567890 OpenBankId=CIB FeeAmt=2.00 "FeeCustId=$USR"
		FeeAcctId=MDT000001 ServFee=3 ServFeeAcctId=MDT000001 "RetUrl=$RET" "BgRetUrl=$BG"
		MerPriv=x RespExt=) ;;
	CashReconciliation) DEFAULTS=(RespType=000 RespCode=000 "MerCustId=$MER" "OrdId=$ORD"
		"UsrCustId=$USR" TransAmt=100.00 OpenAcctId=6229081234567890 OpenBankId=CIB "RetUrl=$RET"
		"BgRetUrl=$BG" MerPriv=x RespExt=)
		set -- --sign-as CashReconciliation "$@" ;;
	CashAudit) DEFAULTS=(CmdId=CashAudit RespCode=000 "MerCustId=$MER" "OrdId=$ORD" "UsrCustId=$USR"
		TransAmt=2000.00 OpenAcctId=6229081234567890 OpenBankId=CIB AuditFlag=S RetUrl=
		"BgRetUrl=$BG" MerPriv=x) ;;
	UsrAcctPay) DEFAULTS=(CmdId=UsrAcctPay RespCode=000 "OrdId=$ORD" "UsrCustId=$USR" "MerCustId=$MER"
		TransAmt=50.00 InAcctId=MDT000001 InAcctType=MERDT "RetUrl=$RET" "BgRetUrl=$BG" MerPriv=) ;;
	MerCash) DEFAULTS=(CmdId=MerCash RespCode=000 "MerCustId=$MER" "OrdId=$ORD" "UsrCustId=$MER"
		TransAmt=100000.00 OpenAcctId=6229081234567890 OpenBankId=CIB "RetUrl=$RET" "BgRetUrl=$BG"
		MerPriv=) ;;
	AddBidInfo) DEFAULTS=(CmdId=AddBidInfo RespCode=000 "MerCustId=$MER" ProId=P20261206
		"BorrCustId=$USR" BorrTotAmt=500000.00 GuarCompId= GuarAmt= ProArea=110000 "BgRetUrl=$BG"
		MerPriv= RespExt=) ;;
	esac
	_signed_body "$@"
}

# The background route, the acknowledged id and the bank_orders row of each CmdId that has one.
declare -A ROUTE=([UserBindCard]=/bank/bindcard [InitiativeTender]=/bank/initiativetender
	[AutoTender]=/bank/autotender [TenderCancle]=/bank/tendercancle [Loans]=/bank/loans
	[Repayment]=/bank/Repayment [UsrFreezeBg]=/bank/usrfreezebg [UsrUnFreeze]=/bank/usrunfreeze
	[Cash]=/bank/cash [CashAudit]=/bank/cashaudit [UsrAcctPay]=/bank/usracctpay
	[MerCash]=/bank/mercash [AddBidInfo]=/bank/addbidinfo)
declare -A ACK=([UserBindCard]=$TRX [AddBidInfo]=P20261206)
declare -A ROW=(
	[UserBindCard]="UserBindCard|$TRX||$USR|||||"
	[InitiativeTender]="InitiativeTender|$ORD|$NS_DATE|$USR|||5000.00||"
	[AutoTender]="AutoTender|$ORD|$NS_DATE|$USR|||5000.00||"
	[TenderCancle]="TenderCancle|$ORD|20261101|$USR|||5000.00||"
	[Loans]="Loans|$ORD|$NS_DATE||$OUT|$IN|5000.00|3.00|"
	[Repayment]="Repayment|$ORD|$NS_DATE||$OUT|$IN|105.00|0.00|"
	[UsrFreezeBg]="UsrFreezeBg|$ORD|$NS_DATE|$USR|||200.00||"
	[UsrUnFreeze]="UsrUnFreeze|$ORD|20250529||||||"
	[Cash]="Cash|$ORD||$USR|||100.00|2.00|3.00"
	[CashAudit]="CashAudit|$ORD||$USR|||2000.00||"
	[UsrAcctPay]="UsrAcctPay|$ORD||$USR|||50.00||"
	[MerCash]="MerCash|$ORD||$MER|||100000.00||"
	[AddBidInfo]="AddBidInfo|P20261206||$USR|||500000.00||")
