/* common: the request context's helpers.  See handlers.h. */
#include "handlers.h"
#include "../db/audit.h"
#include "../db/pg.h"
#include "../keyfile.h"

#include <stdio.h>
#include <string.h>

void ctx_init(struct ctx *x, const struct http_request *req,
	      const struct config *cfg)
{
	memset(x, 0, sizeof *x);
	x->req = req;
	x->cfg = cfg;
	x->prio = LOG_INFO;
	x->outcome = "-";
	buf_init(&x->resp.headers, x->resp.headers_mem, sizeof x->resp.headers_mem);
	buf_init(&x->resp.body, x->resp.body_mem, sizeof x->resp.body_mem);
}

void reply_text(struct ctx *x, int status, const char *text)
{
	x->resp.status = status;
	x->resp.content_type = "text/plain; charset=utf-8";
	buf_reset(&x->resp.body);
	buf_puts(&x->resp.body, text);
}

void reply_error(struct ctx *x, int status, const char *why)
{
	char text[64];

	snprintf(text, sizeof text, "%d %s\n", status, http_reason(status));
	reply_text(x, status, text);
	x->outcome = "rejected";
	if (status >= 500)
		x->outcome = "failed";
	ctx_note(x, status >= 500 ? LOG_ERR : status == 403 ? LOG_WARNING : LOG_INFO,
		 why, NULL);
}

void ctx_note(struct ctx *x, int prio, const char *what, const char *detail)
{
	size_t n = strlen(x->note);

	if (prio < x->prio)
		x->prio = prio;
	if (!what)
		return;
	snprintf(x->note + n, sizeof x->note - n, "%s%s%s%s", n ? "; " : "",
		 what, detail ? ": " : "", detail ? detail : "");
}

const char *ctx_need(struct ctx *x, const char *value, const char *name)
{
	if (!value)
		reply_error(x, 500, name);
	return value;
}

const struct rsa_pubkey *ctx_bank_key(struct ctx *x)
{
	static struct rsa_pubkey key;
	static bool loaded;
	enum key_format format;
	char err[256];

	if (loaded)
		return &key;
	if (!ctx_need(x, x->cfg->pubkey, "BANK_CALLBACK_PUBKEY is not set"))
		return NULL;
	if (keyfile_load(x->cfg->pubkey, &key, &format, err, sizeof err)) {
		reply_error(x, 500, err);
		return NULL;
	}
	loaded = true;
	return &key;
}

void ctx_audit(struct ctx *x, const struct callback *cb)
{
	char err[256];
	PGconn *c;

	if (!cb->verified)
		return;
	c = pg_connect(err, sizeof err);
	if (!c || audit_insert(c, x->req->path, cb, x->req->body, x->resp.status,
			       x->outcome, err, sizeof err))
		ctx_note(x, LOG_WARNING, "not audited", err);
	PQfinish(c);
}
