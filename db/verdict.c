/* verdict: the names of the verdicts.  See verdict.h. */
#include "verdict.h"

#include <stddef.h>

static const char *const names[VERDICT_COUNT] = {
	[VERDICT_NONE] = "-",
	[VERDICT_REJECTED] = "rejected",
	[VERDICT_FAILED] = "failed",
	[VERDICT_OK] = "ok",
	[VERDICT_CACHES_REBUILT] = "caches rebuilt",
	[VERDICT_UNKNOWN_CMD_ID] = "unknown CmdId",
	[VERDICT_NOT_VERIFIABLE] = "not verifiable",
	[VERDICT_REDIRECTED_NOT_VERIFIABLE] = "redirected, not verifiable",
	[VERDICT_AMBIGUOUS] = VERDICT_NAME_AMBIGUOUS,
	[VERDICT_OTHER_MEANING] = "signature reused with other fields",
	[VERDICT_REDIRECTED] = VERDICT_NAME_REDIRECTED,
	[VERDICT_REDIRECTED_NOT_FORWARDED] = "redirected, not forwarded",
	[VERDICT_REDIRECTED_OTHER_MEANING] =
		"redirected, not forwarded: signature reused with other fields",
	[VERDICT_DUPLICATE_ANSWERED] = "duplicate, answered again",
	[VERDICT_STORED] = "stored",
	[VERDICT_DUPLICATE_KEPT_FIRST] = "duplicate, kept the first",
	[VERDICT_OPENED] = "opened",
	[VERDICT_NOT_OPENED] = "not opened",
	[VERDICT_ALREADY_OPENED] = "already opened",
	[VERDICT_USR_ID_BOUND] = "UsrId already bound to another UsrCustId",
	[VERDICT_AUDIT_STATE_STORED] = "audit state stored",
	[VERDICT_OLDER_AUDIT_STATE] = "older audit state, kept the newer",
	[VERDICT_ORDER_STORED] = "order stored",
	[VERDICT_NOTICE_STORED] = "notice stored",
	[VERDICT_NO_ORDER_ID] = "failed, no id to store it under",
};

const char *verdict_name(enum verdict v)
{
	/* every member has a name: a missing one would be a NULL here */
	return (unsigned)v < VERDICT_COUNT && names[v] ? names[v] : "-";
}
