/* page: the browser's return from the bank's pages (RetUrl).
 *
 * The post comes from a browser, so anyone can forge one: the bank's
 * RespCode is passed to the front end only when the signature holds and
 * the callback is ours (its MerCustId, or for a Transfer, which signs
 * none, its OutCustId).  Otherwise the front end is told the check
 * failed, never "000".
 *
 * RespDesc is not signed: anyone replaying a genuine body can write in
 * it ("failed, call 400-000-0000", in digits or in Chinese numerals).
 * So the front end never gets the bank's text: it gets the RespCode and
 * a message of ours for that code, from the table below. */
#include "handlers.h"
#include "db/pg.h"
#include "db/signatures.h"

#include <string.h>

/* Our words for the bank's RespCodes (the ones the bank's documents
 * and real callbacks showed); any other code is a failure of some kind. */
static const struct {
	const char *code, *desc;
} resp_descs[] = {
	{ "000", "" },                        /* success: the RespCode says it all */
	{ "999", "处理中" },                  /* accepted, still being processed */
	{ "100", "参数错误" },                /* a parameter was wrong */
	{ "203", "用户不存在" },              /* no such user */
	{ "210", "用户在商户下不存在" },      /* the user is not the merchant's */
	{ "415", "记录不存在" },              /* no such withdrawal */
	{ "419", "无可解冻金额" },            /* nothing to unfreeze */
};
static const char resp_desc_other[] = "处理失败";   /* failed */

/* What the front end may show for code: see the top of this file. */
static struct slice resp_desc_for(struct slice code)
{
	for (size_t i = 0; i < sizeof resp_descs / sizeof resp_descs[0]; i++)
		if (slice_eq(code, resp_descs[i].code))
			return slice_from(resp_descs[i].desc);
	return slice_from(resp_desc_other);
}

/* Looks this page return up in the registry (so a replay adds no audit
 * row) and tells whether its ChkValue was accepted before with another
 * meaning.  Without PostgreSQL the page is still answered, from the
 * rules alone, and the log says it was not audited.  Returns the open
 * connection, t begun on it, or NULL. */
static struct pg_conn *note_page(struct ctx *x, const struct callback *cb,
				 struct pg_txn *t, struct signature *sig,
				 struct sighting *seen)
{
	char err[512];
	struct pg_conn *c;

	if (!cb->verified)
		return NULL;
	c = pg_connect(err, sizeof err);
	if (c) {
		pg_txn_begin(t, c, x->mem->txn, sizeof x->mem->txn);
		*sig = ctx_signature(x, cb);
		if (signature_look_up(t, sig, seen, err, sizeof err)) {
			pg_close(c);
			c = NULL;
		}
	}
	if (!c)
		ctx_note(x, LOG_WARNING, "not audited", err);
	return c;
}

/* The audit row of a page return, with the answer made, and COMMIT. */
static void audit_page(struct ctx *x, struct pg_conn *c, struct pg_txn *t,
		       const struct callback *cb, const struct signature *sig)
{
	char err[512];

	if (!c)
		return;
	if (ctx_audit(x, t, cb, sig, x->resp.status, x->verdict, false, err, sizeof err) ||
	    pg_txn_commit(t, err, sizeof err))
		ctx_note(x, LOG_WARNING, "not audited", err);
	pg_close(c);
}

void handle_page_return(struct ctx *x, const void *arg)
{
	const struct page_return *p = arg;
	struct callback cb;
	struct slice code, desc;
	const char *why;
	char refused[512];
	struct signature sig;
	struct sighting seen = { false, false, false };
	struct pg_txn t;
	struct pg_conn *c;
	int rc;

	rc = ctx_verify(x, p->spec, &cb, refused, sizeof refused);
	if (rc == 500) {
		reply_error(x, rc, refused);
		return;
	}
	if (!page_front_end_set(x))
		return;
	why = refused;
	c = note_page(x, &cb, &t, &sig, &seen);
	if (seen.other_meaning) {
		rc = 403;
		why = "signature reused with other fields";
	} else if (seen.ambiguous && !seen.accepted) {
		/* once refused as cut more than one way, refused for ever */
		rc = 403;
		why = "refused before: the signed string can be cut more than one way";
	}
	if (rc == 403) {
		bool ambiguous = cb.ambiguous || seen.ambiguous;

		code = slice_from("ERR_SIGNATURE");
		desc = slice_from("signature check failed");
		ctx_note(x, ambiguous ? LOG_ERR : LOG_WARNING, why, NULL);
		x->verdict = seen.other_meaning ? VERDICT_REDIRECTED_OTHER_MEANING
			     : ambiguous ? VERDICT_AMBIGUOUS
			     : VERDICT_REDIRECTED_NOT_FORWARDED;
	} else if (rc) {
		reply_error(x, rc, why);
		audit_page(x, c, &t, &cb, &sig);
		return;
	} else {
		code = form_get(&cb.text, "RespCode");
		desc = resp_desc_for(code);
		x->verdict = VERDICT_REDIRECTED;
	}
	page_redirect(x, p->page, code, desc);
	audit_page(x, c, &t, &cb, &sig);
}

bool page_front_end_set(struct ctx *x)
{
	if (!x->cfg->frontend) {
		reply_error(x, 500, "BANK_CALLBACK_FRONTEND is not set");
		return false;
	}
	if (!config_frontend_ok(x->cfg->frontend)) {
		reply_error(x, 500, "BANK_CALLBACK_FRONTEND is not an http(s) URL with a host and no #fragment");
		return false;
	}
	return true;
}

void page_redirect(struct ctx *x, const char *page, struct slice code,
		   struct slice desc)
{
	struct buf *h = &x->resp.headers;

	buf_puts(h, "Location: ");
	buf_puts(h, x->cfg->frontend);
	buf_puts(h, page);
	buf_puts(h, "?RespCode=");
	buf_put_pct(h, code);
	buf_puts(h, "&RespDesc=");
	buf_put_pct(h, desc);
	buf_puts(h, "\r\n");
	if (h->overflow) {
		buf_reset(h);
		reply_error(x, 500, "Location too long");
	} else {
		reply_text(x, 303, "");
	}
}
