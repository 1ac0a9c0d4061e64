/* corpregister: CorpRegister, a company account moving through the
 * bank's audit (AuditStat I, T, P, R, F, K, Y).  The bank calls once per
 * step; a later step wins, an earlier one arriving late does not (see
 * may_follow), and a UsrId bound to a UsrCustId is never rebound (409).
 * UsrCustId only exists once the bank has opened the account, so it is
 * optional, and a later call without it does not erase one already
 * known. */
#include "handlers.h"
#include "lib/ascii.h"
#include "db/statements.h"
#include "db/pg.h"
#include "lib/utf8.h"

#include <stdio.h>
#include <string.h>

enum {
	USR_NAME_MAX_CHARS = 50,
	USR_NAME_MAX_BYTES = 4 * USR_NAME_MAX_CHARS,   /* four bytes a character at most */
};

/* In signing order.  UsrName, BgRetUrl and RespExt may come percent-
 * encoded twice; some SDKs sign them decoded once more (real Cash
 * callbacks only verify that way for RespExt). */
static const struct signed_field signed_fields[] = {
	{ "CmdId", AS_RECEIVED, PINNED },
	{ "RespCode", AS_RECEIVED, PINNED },
	{ "MerCustId", AS_RECEIVED, PINNED },
	{ "UsrId", AS_RECEIVED, PINNED },
	{ "UsrName", MAY_BE_DECODED_AGAIN, PINNED },
	{ "UsrCustId", AS_RECEIVED, PINNED },
	{ "AuditStat", AS_RECEIVED, PINNED },
	{ "TrxId", AS_RECEIVED, PINNED },
	{ "OpenBankId", AS_RECEIVED, PINNED },
	{ "CardId", AS_RECEIVED, PINNED },
	{ "BgRetUrl", MAY_BE_DECODED_AGAIN, ECHOED },
	{ "RespExt", MAY_BE_DECODED_AGAIN, ECHOED },
	{ NULL, AS_RECEIVED, PINNED },
};

static bool shape_audit_stat(struct slice v, const struct rule_env *env)
{
	(void)env;
	return v.len == 1 && strchr("ITPRFKY", v.p[0]) != NULL;
}

/* Free text between UsrId and the optional 16-digit UsrCustId.  A name
 * that ended in a digit could swallow the UsrCustId, and one that began
 * with a character a UsrId may hold could swallow UsrId's end
 * (UsrId=corp_acme&UsrName=ACME signs like UsrId=corp_acmeA&UsrName=CME).
 * Names never begin with a digit or _-.@; with a UsrId pattern, which
 * must then fix where UsrId ends, they may begin with a letter. */
static bool shape_usr_name(struct slice v, const struct rule_env *env)
{
	unsigned char first = (unsigned char)v.p[0];
	bool letter = ascii_alpha(first);

	return utf8_length(v) <= USR_NAME_MAX_CHARS &&
	       !ascii_digit((unsigned char)v.p[v.len - 1]) &&
	       !slice_all((struct slice){ v.p, 1 }, ascii_digit, "_-.@") &&
	       (!letter || env->usr_id_pattern);
}

/* UsrName is required: a company's registration always names it, and
 * without it a short UsrId could swallow the UsrCustId after it. */
static const struct field_rule rules[] = {
	{ "RespCode", REQUIRED, shape_resp_code, 3 },
	{ "UsrId", REQUIRED, shape_usr_id, 25 },
	{ "UsrName", REQUIRED, shape_usr_name, USR_NAME_MAX_BYTES },
	{ "UsrCustId", OPTIONAL, shape_cust_id, 16 },
	{ "AuditStat", REQUIRED, shape_audit_stat, 1 },
	{ "TrxId", REQUIRED, shape_trx_id, 18 },
	{ "OpenBankId", OPTIONAL, shape_open_bank_id, 8 },
	{ "CardId", OPTIONAL, shape_digits, 40 },
	{ "BgRetUrl", REQUIRED, shape_url, URL_MAX },
	{ NULL, OPTIONAL, NULL, 0 },
};

static const struct callback_spec spec = {
	"CorpRegister", signed_fields, rules,
};

/* Empty means "not told": NULL, so COALESCE keeps what we had. */
static const char *param_or_null(struct buf *arena, struct slice v)
{
	return v.len ? buf_cstr(arena, v) : NULL;
}

/* The bank's audit moves I -> T -> P -> R or F (refused, failed) or
 * K -> Y; a refused or failed company may apply again (T).  A state that
 * arrives after a later one, a delayed retry, is audited but does not
 * overwrite it. */
static int stage(char state)
{
	static const char order[] = "ITPRFKY";
	static const int stages[] = { 0, 1, 2, 3, 3, 4, 5 };
	const char *p = strchr(order, state);

	return p && state ? stages[p - order] : -1;
}

static bool may_follow(char stored, char incoming)
{
	return stage(incoming) >= stage(stored) ||
	       ((stored == 'R' || stored == 'F') && incoming == 'T');
}

const char sql_corp_current[] =
	"SELECT coalesce(usr_cust_id, ''), audit_stat "
	"FROM bank_mer_customers WHERE usr_id = $1 AND NOT deleted FOR UPDATE";
const char sql_corp_upsert[] =
	"INSERT INTO bank_mer_customers (usr_id, usr_name, usr_cust_id, "
	"audit_stat, trx_id, open_bank_id, card_id) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7) "
	"ON CONFLICT (usr_id) WHERE NOT deleted DO UPDATE SET "
	"usr_name = COALESCE(EXCLUDED.usr_name, bank_mer_customers.usr_name), "
	"usr_cust_id = COALESCE(EXCLUDED.usr_cust_id, bank_mer_customers.usr_cust_id), "
	"audit_stat = EXCLUDED.audit_stat, "
	"trx_id = EXCLUDED.trx_id, "
	"open_bank_id = COALESCE(EXCLUDED.open_bank_id, bank_mer_customers.open_bank_id), "
	"card_id = COALESCE(EXCLUDED.card_id, bank_mer_customers.card_id), "
	"updated_at = now() "
	"RETURNING coalesce(usr_cust_id, '')";

/* The live row's UsrCustId and AuditStat, locked.  1 found, 0 none, -1
 * error. */
static int current(struct pg_txn *t, const char *usr_id, char *cust, size_t custlen,
		   char *state, char *err, size_t errlen)
{
	struct pg_result *r = pg_txn_exec(t, sql_corp_current, 1, &usr_id, err, errlen);
	int found;

	if (!r)
		return -1;
	found = pg_rows(r) == 1;
	if (found) {
		snprintf(cust, custlen, "%s", pg_value(r, 0, 0));
		*state = pg_value(r, 0, 1)[0];
	}
	pg_clear(r);
	return found;
}

/* The company's pair, as its row holds it: none until it has a
 * UsrCustId. */
static void cache_row(struct stored *out, const char *usr_id, const char *cust)
{
	if (cust[0])
		stored_pair(out, "bank-mer-customers", usr_id, cust);
}

static int store(struct pg_txn *t, const struct background_callback *a,
		 const struct callback *cb, struct buf *arena, struct stored *out,
		 char *err, size_t errlen)
{
	static const char *const columns[] = {
		"UsrId", "UsrName", "UsrCustId", "AuditStat", "TrxId",
		"OpenBankId", "CardId",
	};
	char cust[CACHE_VALUE_MAX], state = 0;
	const char *params[7];
	struct pg_result *r;
	int found;

	(void)a;
	for (size_t i = 0; i < 7; i++)
		params[i] = param_or_null(arena, form_get(&cb->text, columns[i]));
	if (arena->overflow) {
		snprintf(err, errlen, "company row too large");
		return -1;
	}
	found = current(t, params[0], cust, sizeof cust, &state, err, errlen);
	if (found < 0)
		return -1;
	/* An account never silently rebinds. */
	if (found && cust[0] && params[2] && strcmp(cust, params[2]) != 0) {
		out->verdict = VERDICT_USR_ID_BOUND;
		return 409;
	}
	if (found && !may_follow(state, params[3][0])) {
		/* the row stays as it is, and so does what the cache says */
		cache_row(out, params[0], cust);
		out->verdict = VERDICT_OLDER_AUDIT_STATE;
		return 0;
	}
	r = pg_txn_exec(t, sql_corp_upsert, 7, params, err, errlen);
	if (!r)
		return -1;
	cache_row(out, params[0], pg_rows(r) == 1 ? pg_value(r, 0, 0) : "");
	pg_clear(r);
	out->verdict = VERDICT_AUDIT_STATE_STORED;
	return 0;
}

/* A retry's pair: the live row's UsrCustId, whatever the retry says. */
static int cached(struct pg_txn *t, const struct callback *cb, struct buf *arena,
		  struct stored *out, char *err, size_t errlen)
{
	const char *usr_id = buf_cstr(arena, form_get(&cb->text, "UsrId"));
	char cust[CACHE_VALUE_MAX], state;
	int found;

	if (arena->overflow) {
		snprintf(err, errlen, "company row too large");
		return -1;
	}
	found = current(t, usr_id, cust, sizeof cust, &state, err, errlen);
	if (found < 0)
		return -1;
	if (found)
		cache_row(out, usr_id, cust);
	return 0;
}

const struct background_callback corp_register_background = {
	{ &spec, NULL }, store, "TrxId", NULL, cached,
};
