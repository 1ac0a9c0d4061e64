/* background: the flow every BgRetUrl callback follows: the bank's own
 * notification, posted from its servers in the background (ChinaPNR calls
 * it the "async callback"; nothing here is asynchronous to this process).
 *
 * The bank retries until it sees RECV_ORD_ID_<id> (TrxId, OrdId or ProId,
 * as the CmdId's table says), so that string is
 * written only after COMMIT returned: a crash anywhere before it means a
 * retry, never a lost top-up.  The signature is checked before anything
 * is connected to, so forgeries cost us no database work.
 *
 * Every signed callback is first looked up in the registry of signed
 * strings (sql/010-signed-strings.sql), in the same transaction as its
 * rows and under its signed string's lock: a retry of one already stored
 * is acknowledged without touching its rows again (a soft-deleted row
 * stays deleted); a ChkValue already accepted with another meaning, or
 * once refused as cut more than one way, is refused.  The first post of
 * a signed string with an answer is audited in full, later ones counted. */
#include "handlers.h"
#include "db/cache.h"
#include "db/pg.h"
#include "db/signatures.h"

#include <stdio.h>

/* After COMMIT: the pairs the rows hold now, to Redis. */
static void update_cache(struct ctx *x, const struct stored *st)
{
	char err[512];
	struct redisContext *r;

	if (st->npairs == 0)
		return;
	r = cache_open(x->cfg, err, sizeof err);
	for (size_t i = 0; r && i < st->npairs; i++) {
		const struct cache_pair *p = &st->pair[i];

		if (cache_hset(r, p->key, slice_from(p->field), slice_from(p->value),
			       err, sizeof err)) {
			cache_close(r);
			r = NULL;
		}
	}
	if (!r)
		ctx_note(x, LOG_WARNING, "cache not updated (RefreshRedis repairs it)",
			 err);
	/* Under Sentinel a failover can drop what the old master took last:
	 * confirmed on a replica, or said (the bank's retry and the
	 * refresh timer bring it back). */
	else if (x->cfg->redis_sentinels && cache_wait_replica(r, err, sizeof err))
		ctx_note(x, LOG_WARNING, "cache written on the master alone", err);
	cache_close(r);
}

static void acknowledge(struct ctx *x, const struct background_callback *a,
			const struct callback *cb)
{
	char ack[64];
	struct buf b;

	buf_init(&b, ack, sizeof ack);
	buf_puts(&b, "RECV_ORD_ID_");
	buf_put_slice(&b, callback_signed_text(cb, a->ack));
	reply_text(x, 200, ack);
}

/* A signed callback refused (rc, why): answered, then audited unless
 * it was refused the same way before (then counted).  verdict, when
 * not VERDICT_NONE, says more than "rejected". */
static int refuse(struct pg_txn *t, struct ctx *x, const struct callback *cb,
		  const struct signature *sig, int rc, const char *why,
		  enum verdict verdict, char *err, size_t errlen)
{
	reply_error(x, rc, why);
	if (verdict != VERDICT_NONE)
		x->verdict = verdict;
	if (verdict == VERDICT_AMBIGUOUS)
		ctx_note(x, LOG_ERR, NULL, NULL);   /* the bank's own: an operator must look */
	if (ctx_audit(x, t, cb, sig, rc, x->verdict, false, err, errlen))
		return -1;
	return pg_txn_commit(t, err, errlen);
}

/* The bank's notification: verify, then in one transaction begin, look
 * its signed string up, store, audit and commit; then cache and
 * acknowledge.  A retry of a stored callback is counted and answered
 * again; a refusal is audited and answered. */
void handle_background(struct ctx *x, const void *arg)
{
	const struct background_callback *a = arg;
	/* every table ends with a spec for any post: never NULL */
	const struct callback_spec *spec = callback_spec_for(a->specs, x->form);
	struct callback cb;
	struct stored st = { VERDICT_NONE, 0 };
	enum verdict verdict = VERDICT_NONE;
	const char *why;
	char refused[512], err[512];
	struct signature sig;
	struct sighting seen;
	struct buf params;
	struct pg_txn t;
	struct pg_conn *c;
	int rc;

	rc = ctx_verify(x, spec, &cb, refused, sizeof refused);
	if (rc && !cb.verified) {
		/* forged, malformed, or our settings: no database work */
		reply_error(x, rc, refused);
		return;
	}
	why = refused;
	if (cb.ambiguous)
		verdict = VERDICT_AMBIGUOUS;
	c = pg_connect(err, sizeof err);
	if (!c) {
		reply_error(x, 503, err);
		return;
	}
	pg_txn_begin(&t, c, x->mem->txn, sizeof x->mem->txn);
	sig = ctx_signature(x, &cb);
	if (signature_look_up(&t, &sig, &seen, err, sizeof err))
		goto unavailable;
	if (seen.other_meaning) {
		rc = 403;
		why = "signature reused with other fields";
		verdict = VERDICT_OTHER_MEANING;
	} else if (seen.accepted) {
		/* A retry or replay of a callback already stored: its rows
		 * stay as they are, and the cache is written again from them,
		 * so that an entry Redis lost (a restart without its AOF, a
		 * failover) comes back with the bank's retry. */
		signature_count_retry(&t, &sig);
		buf_init(&params, x->mem->params, sizeof x->mem->params);
		if ((a->cached && a->cached(&t, &cb, &params, &st, err, sizeof err)) ||
		    pg_txn_commit(&t, err, sizeof err))
			goto unavailable;
		pg_close(c);
		x->verdict = VERDICT_DUPLICATE_ANSWERED;
		update_cache(x, &st);
		acknowledge(x, a, &cb);
		return;
	} else if (seen.ambiguous) {
		/* Once refused as cut more than one way, refused for ever:
		 * whatever the day, the settings or the cutting. */
		rc = 403;
		why = "refused before: the signed string can be cut more than one way";
		verdict = VERDICT_AMBIGUOUS;
	}
	if (rc) {
		if (refuse(&t, x, &cb, &sig, rc, why, verdict, err, sizeof err))
			ctx_note(x, LOG_WARNING, "not audited", err);
		pg_close(c);
		return;
	}
	buf_init(&params, x->mem->params, sizeof x->mem->params);
	rc = a->store(&t, a, &cb, &params, &st, err, sizeof err);
	if (rc < 0)
		goto unavailable;
	if (rc) {
		/* refused by what is stored already (409): nothing written */
		if (refuse(&t, x, &cb, &sig, rc, verdict_name(st.verdict), st.verdict,
			   err, sizeof err))
			goto unavailable;
		pg_close(c);
		return;
	}
	x->verdict = st.verdict;
	/* The audit row shares the transaction: it says 200 only when the
	 * rows it describes are committed with it.  A signed string is
	 * accepted here once (its retries took the branch above). */
	if (ctx_audit(x, &t, &cb, &sig, 200, x->verdict, true, err, sizeof err) ||
	    pg_txn_commit(&t, err, sizeof err))
		goto unavailable;
	pg_close(c);
	update_cache(x, &st);
	acknowledge(x, a, &cb);
	return;

unavailable:
	pg_close(c);
	reply_error(x, 503, err);
}
