/* page: the browser's return from the bank's pages (RetUrl).
 *
 * The post comes from a browser, so anyone can forge one: the bank's
 * RespCode is passed to the front end only when the signature holds.
 * Otherwise the front end is told the check failed, never "000". */
#include "handlers.h"
#include "../utf8.h"

#include <string.h>

enum { RESP_DESC_MAX = 512 };

/* Cuts s to at most max bytes without splitting a UTF-8 sequence. */
static struct slice cut_utf8(struct slice s, size_t max)
{
	if (s.len <= max)
		return s;
	s.len = max;
	while (s.len && ((unsigned char)s.p[s.len] & 0xC0) == 0x80)
		s.len--;
	return s;
}

static bool url_is_sane(const char *u)
{
	if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
		return false;
	for (; *u; u++)
		if ((unsigned char)*u <= 0x20 || (unsigned char)*u >= 0x7f)
			return false;
	return true;
}

void handle_page_return(struct ctx *x, const void *arg)
{
	const struct page_return *p = arg;
	struct callback cb;
	struct slice code, desc;
	const char *why;
	struct buf *h = &x->resp.headers;
	const struct rsa_pubkey *key;
	int rc;

	x->trx_id = form_get(x->form, "TrxId");
	x->ord_id = form_get(x->form, "OrdId");
	if (!(key = ctx_bank_key(x)) ||
	    !ctx_need(x, x->cfg->mer_cust_id, "BANK_CALLBACK_MER_CUST_ID is not set") ||
	    !ctx_need(x, x->cfg->frontend, "BANK_CALLBACK_FRONTEND is not set"))
		return;
	if (!url_is_sane(x->cfg->frontend)) {
		reply_error(x, 500, "BANK_CALLBACK_FRONTEND is not an http(s) URL");
		return;
	}
	rc = callback_check(p->spec, x->form, key, x->cfg->mer_cust_id, &cb, &why);
	if (rc == 403) {
		code = slice_from("ERR_SIGNATURE");
		desc = slice_from("signature check failed");
		ctx_note(x, LOG_WARNING, why, NULL);
		x->outcome = "redirected, not forwarded";
	} else if (rc) {
		reply_error(x, rc, why);
		ctx_audit(x, &cb);
		return;
	} else {
		code = form_get(&cb.text, "RespCode");
		desc = cut_utf8(form_get(&cb.text, "RespDesc"), RESP_DESC_MAX);
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
		return;
	}
	reply_text(x, 303, "");
	ctx_audit(x, &cb);
}
