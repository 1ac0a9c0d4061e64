/* verdict: what was done with a request, one word from a fixed set.
 *
 * The log line's outcome= prints it, and the audit and the registry of
 * signed strings store it as the schema's enum bank_callback_verdict
 * (sql/012-verdicts.sql), whose labels are these names: a verdict is
 * named here once, and a name the schema lacks fails --check.  Why a
 * request was refused is not a verdict: it goes to the log line's note
 * (ctx_note), the one place a reason is written. */
#ifndef DB_VERDICT_H
#define DB_VERDICT_H

/* The names the schema's own SQL tests (the registry's acceptances and
 * refusals for ever, sql/008 and sql/010): a macro, so that a statement
 * can be one literal. */
#define VERDICT_NAME_REDIRECTED "redirected"
#define VERDICT_NAME_AMBIGUOUS "refused, more than one meaning"

enum verdict {
	VERDICT_NONE,                /* nothing decided yet */
	/* any route */
	VERDICT_REJECTED,            /* refused: 4xx */
	VERDICT_FAILED,              /* our failure: 5xx */
	VERDICT_OK,                  /* health */
	VERDICT_CACHES_REBUILT,      /* RefreshRedis */
	VERDICT_UNKNOWN_CMD_ID,
	VERDICT_NOT_VERIFIABLE,      /* a CmdId whose signed order nobody knows */
	VERDICT_REDIRECTED_NOT_VERIFIABLE,
	/* a signed callback refused for what the registry knows */
	VERDICT_AMBIGUOUS,           /* cut more than one way: an operator must look */
	VERDICT_OTHER_MEANING,       /* its signature accepted with other fields */
	/* a page return, sent on */
	VERDICT_REDIRECTED,          /* with the bank's RespCode */
	VERDICT_REDIRECTED_NOT_FORWARDED,
	VERDICT_REDIRECTED_OTHER_MEANING,
	/* a background callback, stored (or not) */
	VERDICT_DUPLICATE_ANSWERED,  /* a retry of one stored: acknowledged again */
	VERDICT_STORED,              /* NetSave */
	VERDICT_DUPLICATE_KEPT_FIRST,
	VERDICT_OPENED,              /* UserRegister */
	VERDICT_NOT_OPENED,
	VERDICT_ALREADY_OPENED,
	VERDICT_USR_ID_BOUND,        /* 409: UsrId bound to another UsrCustId */
	VERDICT_AUDIT_STATE_STORED,  /* CorpRegister */
	VERDICT_OLDER_AUDIT_STATE,
	VERDICT_ORDER_STORED,        /* the other bank orders */
	VERDICT_NOTICE_STORED,
	VERDICT_NO_ORDER_ID,
	VERDICT_COUNT
};

/* v's name: the log's word and the schema's label. */
const char *verdict_name(enum verdict v);

#endif
