/* ctx: the request context every handler shares: one verification step,
 * the audit row, the cache connection and the answers.  See handlers.h. */
#include "handlers.h"
#include "db/audit.h"
#include "db/cache.h"
#include "db/pg.h"
#include "db/signatures.h"

#include <stdio.h>
#include <string.h>

void ctx_init(struct ctx *x, const struct http_request *req,
	      const struct config *cfg, struct handler_storage *mem)
{
	memset(x, 0, sizeof *x);
	x->req = req;
	x->cfg = cfg;
	x->mem = mem;
	x->prio = LOG_INFO;
	buf_init(&x->resp.headers, x->resp.headers_mem, sizeof x->resp.headers_mem);
	buf_init(&x->resp.body, x->resp.body_mem, sizeof x->resp.body_mem);
	/* an unparsable request has no path at all (p is NULL) */
	if (req->path.p && req->path.len < sizeof x->route) {
		memcpy(x->route, req->path.p, req->path.len);
		x->route[req->path.len] = '\0';
	}
}

struct redisContext *cache_open(const struct config *cfg, char *err, size_t errlen)
{
	struct cache_settings cs;
	struct redisContext *r = NULL;

	if (cache_settings_init(&cs, cfg->redis, cfg->redis_password_file,
				cfg->redis_sentinels, cfg->redis_master, err,
				errlen) == 0)
		r = cache_connect(&cs, err, errlen);
	explicit_bzero(&cs, sizeof cs);   /* the password, if in the address */
	return r;
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
	x->verdict = status >= 500 ? VERDICT_FAILED : VERDICT_REJECTED;
	ctx_note(x, status >= 500 ? LOG_ERR : status == 403 || status == 409 ? LOG_WARNING : LOG_INFO,
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

int ctx_verify(struct ctx *x, const struct callback_spec *spec,
	       struct callback *cb, char *err, size_t errlen)
{
	struct bank_keys keys;
	struct rule_env env;
	int rc;

	/* The log line's ids, as posted (a forgery's too), but only fields
	 * this CmdId signs: another is whatever the poster wrote. */
	if (spec_signs(spec, slice_from("TrxId")))
		x->trx_id = form_get(x->form, "TrxId");
	if (spec->order_field && spec_signs(spec, slice_from(spec->order_field)))
		x->ord_id = form_get(x->form, spec->order_field);
	cb->verified = false;
	cb->ambiguous = false;
	/* a setting the route needs, missing or broken: 500, nothing checked */
	if (!x->cfg->mer_cust_id) {
		snprintf(err, errlen, "BANK_CALLBACK_MER_CUST_ID is not set");
		return 500;
	}
	if (rule_env_init(x->cfg, &env, err, errlen) ||
	    bank_keys_load(x->cfg->pubkey, &keys, err, errlen))
		return 500;
	rc = callback_check(spec, x->form, &keys, &env, &x->mem->callback, cb,
			    err, errlen);
	/* A switch-over: the bank signs with one key or the other. */
	if (cb->verified && cb->key == 1)
		ctx_note(x, LOG_INFO, "verified with the second key of "
			 "BANK_CALLBACK_PUBKEY", NULL);
	return rc;
}

struct signature ctx_signature(const struct ctx *x, const struct callback *cb)
{
	return (struct signature){ x->route, cb->signed_hash, cb->meaning_hash };
}

int ctx_audit(const struct ctx *x, struct pg_txn *t, const struct callback *cb,
	      const struct signature *sig, int status, enum verdict verdict,
	      bool first, char *err, size_t errlen)
{
	struct audit_row row = {
		.route = x->req->path,
		/* the support trail's ids: only what the bank signed */
		.cmd_id = slice_from(cb->spec->cmd_id),   /* what it verified as */
		.trx_id = callback_signed_text(cb, "TrxId"),
		.ord_id = cb->spec->order_field
			  ? callback_signed_text(cb, cb->spec->order_field)
			  : (struct slice){ "", 0 },
		.usr_id = callback_signed_text(cb, "UsrId"),
		.usr_cust_id = callback_signed_text(cb, "UsrCustId"),
		.status = status,
		.verdict = verdict,
		.body = x->req->body,
		.signed_hash = sig->signed_hash,
		.meaning_hash = sig->meaning_hash,
	};

	if (!cb->json.p) {
		snprintf(err, errlen, "audit row too large");
		return -1;
	}
	row.fields = cb->json.p;
	if (!first)
		signature_count(t, sig, row.status, row.verdict);
	audit_insert(t, &row, first);
	return 0;
}

void stored_pair(struct stored *out, const char *key, const char *field,
		 const char *value)
{
	struct cache_pair *p = &out->pair[out->npairs];

	if (out->npairs == CACHE_PAIRS_MAX || strlen(field) >= sizeof p->field ||
	    strlen(value) >= sizeof p->value)
		return;
	p->key = key;
	memcpy(p->field, field, strlen(field) + 1);
	memcpy(p->value, value, strlen(value) + 1);
	out->npairs++;
}
