/* async: the flow every BgRetUrl callback follows.
 *
 * The bank retries until it sees RECV_ORD_ID_<TrxId>, so that string is
 * written only after COMMIT returned: a crash anywhere before it means a
 * retry, never a lost top-up.  The signature is checked before anything
 * is connected to, so forgeries cost us no database work. */
#include "handlers.h"
#include "../db/audit.h"
#include "../db/cache.h"
#include "../db/pg.h"

static void update_cache(struct ctx *x, const struct async_callback *a,
			 const struct callback *cb)
{
	char err[256];
	redisContext *r;

	if (!a->cache)
		return;
	r = cache_connect(x->cfg->redis, err, sizeof err);
	if (!r || a->cache(r, cb, err, sizeof err))
		ctx_note(x, LOG_WARNING, "cache not updated (RefreshRedis repairs it)",
			 err);
	redisFree(r);
}

void handle_async(struct ctx *x, const void *arg)
{
	const struct async_callback *a = arg;
	struct callback cb;
	const char *why;
	char err[256];
	const struct rsa_pubkey *key;
	PGconn *c;
	int rc;

	x->trx_id = form_get(x->form, "TrxId");
	x->ord_id = form_get(x->form, "OrdId");
	if (!(key = ctx_bank_key(x)) ||
	    !ctx_need(x, x->cfg->mer_cust_id, "BANK_CALLBACK_MER_CUST_ID is not set"))
		return;
	rc = callback_check(a->spec, x->form, key, x->cfg->mer_cust_id, &cb, &why);
	if (rc) {
		reply_error(x, rc, why);
		ctx_audit(x, &cb);
		return;
	}
	c = pg_connect(err, sizeof err);
	if (!c) {
		reply_error(x, 503, err);
		return;
	}
	/* The audit row shares the transaction: it says 200 only when the
	 * rows it describes are committed with it. */
	if (pg_begin(c, "", err, sizeof err) ||
	    a->store(c, &cb, x, err, sizeof err) ||
	    audit_insert(c, x->req->path, &cb, x->req->body, 200, x->outcome,
			 err, sizeof err) ||
	    pg_commit(c, err, sizeof err)) {
		PQfinish(c);
		reply_error(x, 503, err);
		return;
	}
	PQfinish(c);
	update_cache(x, a, &cb);

	{
		char ack[64];
		struct buf b;

		buf_init(&b, ack, sizeof ack);
		buf_puts(&b, "RECV_ORD_ID_");
		buf_put_slice(&b, form_get(&cb.text, "TrxId"));
		reply_text(x, 200, ack);
	}
}
