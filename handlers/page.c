/* page: the browser's return from the bank's pages (RetUrl).
 *
 * The post comes from a browser, so anyone can forge one: the bank's
 * RespCode is passed to the front end only when the signature holds.
 * Otherwise the front end is told the check failed, never "000".
 *
 * RespDesc is not signed: anyone replaying a genuine body can write in
 * it ("failed, call 400-000-0000").  It is passed on only for a failure,
 * and only when it is short Chinese text: CJK ideographs and Chinese
 * punctuation, no digit, no Latin letter, so no number, address or link
 * can reach our front end under the bank's RespCode.  The front end shows
 * its own text for each RespCode and RespDesc at most as a detail. */
#include "handlers.h"
#include "../db/pg.h"
#include "../db/signatures.h"
#include "../utf8.h"

#include <string.h>

enum { RESP_DESC_MAX_CHARS = 32 };

static bool chinese_text(unsigned cp)
{
	static const unsigned punctuation[] = {
		0x3001, 0x3002, 0xFF0C, 0xFF1A, 0xFF1B, 0xFF01, 0xFF1F, 0xFF08, 0xFF09,
	};

	if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF))
		return true;
	for (size_t i = 0; i < sizeof punctuation / sizeof punctuation[0]; i++)
		if (cp == punctuation[i])
			return true;
	return false;
}

/* The RespDesc the front end may show: see the top of this file. */
static struct slice resp_desc_to_forward(struct slice code, struct slice desc)
{
	if (slice_eq(code, "000") || utf8_length(desc) > RESP_DESC_MAX_CHARS ||
	    !utf8_each(desc, chinese_text))
		return slice_from("");
	return desc;
}

/* Looks this page return up in the audit (so a replay adds no audit
 * row) and tells whether its ChkValue was accepted before with another
 * meaning.  Without PostgreSQL the page is still answered, from the
 * rules alone, and the log says it was not audited.  Returns the open
 * connection, or NULL. */
static PGconn *note_page(struct ctx *x, const struct callback *cb,
			 struct signature *sig, struct sighting *seen)
{
	char err[512];
	PGconn *c;

	if (!cb->verified)
		return NULL;
	c = pg_connect(err, sizeof err);
	if (c && ctx_note_signature(x, c, cb, sig, seen, err, sizeof err)) {
		PQfinish(c);
		c = NULL;
	}
	if (!c)
		ctx_note(x, LOG_WARNING, "not audited", err);
	return c;
}

/* The audit row of a page return, with the answer made. */
static void audit_page(struct ctx *x, PGconn *c, const struct callback *cb,
		       const struct signature *sig, const struct sighting *seen)
{
	char err[512];

	if (!c)
		return;
	if (ctx_audit_commit(x, c, cb, sig, seen, err, sizeof err))
		ctx_note(x, LOG_WARNING, "not audited", err);
	PQfinish(c);
}

void handle_page_return(struct ctx *x, const void *arg)
{
	const struct page_return *p = arg;
	struct callback cb;
	struct refusal no;
	struct slice code, desc;
	const char *why;
	struct buf *h = &x->resp.headers;
	struct signature sig;
	struct sighting seen = { false, false, false, "" };
	PGconn *c;
	int rc;

	rc = ctx_verify(x, p->spec, &cb, &no);
	if (rc == 500) {
		reply_error(x, rc, no.why);
		return;
	}
	if (!x->cfg->frontend) {
		reply_error(x, 500, "BANK_CALLBACK_FRONTEND is not set");
		return;
	}
	if (!config_frontend_ok(x->cfg->frontend)) {
		reply_error(x, 500, "BANK_CALLBACK_FRONTEND is not an http(s) URL");
		return;
	}
	why = no.why;
	c = note_page(x, &cb, &sig, &seen);
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
		x->outcome = seen.other_meaning ? "redirected, not forwarded: signature reused with other fields"
			     : ambiguous ? VERDICT_AMBIGUOUS
			     : "redirected, not forwarded";
	} else if (rc) {
		reply_error(x, rc, why);
		audit_page(x, c, &cb, &sig, &seen);
		return;
	} else {
		code = form_get(&cb.text, "RespCode");
		desc = resp_desc_to_forward(code, form_get(&cb.text, "RespDesc"));
		x->outcome = "redirected";
	}
	buf_puts(h, "Location: ");
	buf_puts(h, x->cfg->frontend);
	buf_puts(h, p->page);
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
	audit_page(x, c, &cb, &sig, &seen);
}
