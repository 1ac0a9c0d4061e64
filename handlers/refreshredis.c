/* refreshredis: rebuild the Redis caches from PostgreSQL, the truth.
 *
 * An operator's route, not the bank's: it takes a bearer token, compared
 * in constant time.  `bank-callback --refresh-redis` runs the same
 * rebuild outside a request's time limits, for tables too big for them.
 *
 * The rows stream: they are read one at a time in one snapshot and sent
 * to Redis as they come, in pipelined HSETs into hashes built aside
 * (db/cache.h), so memory does not grow with the tables.  One MULTI/EXEC
 * then RENAMEs the three into place: a reader sees the old hashes or the
 * new ones, never a missing or half-built one.
 *
 * A callback that commits after the snapshot writes its pair to the live
 * hash, which the RENAME replaces: the catch-up puts it back.  After the
 * swap, the rows changed since the oldest transaction open when the
 * snapshot was taken (xact_start in pg_stat_activity: every handler logs
 * in as the same role, so it sees theirs) are read again, locked FOR
 * SHARE so that a callback changing one of them writes its pair after
 * ours, and written to the live hashes. */
#include "handlers.h"
#include "db/statements.h"
#include "db/cache.h"
#include "db/pg.h"
#include "deadline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

enum {
	TOKEN_MAX = 1024,
	/* The statement timeout of each of the refresh's transactions
	 * outside a request (--refresh-redis); a request has less. */
	REFRESH_MAX_MS = 60 * 60 * 1000,
};

/* A Redis hash and the rows it is made of: two text columns, field and
 * value.  `all` reads every live pair; `since` those changed since $1,
 * locked against a concurrent change until their pairs are written. */
struct map {
	const char *key, *all, *since;
};

/* pnrid and UsrCustId are unique among live rows (sql/001-schema.sql):
 * no order needed.  A UsrCustId bound to two pnrids (a soft-deleted one
 * re-registered) takes the newest binding: order by updated_at. */
#define CUSTOMERS "SELECT rtrim(pnrid), rtrim(cust_id) FROM bank_customers " \
	"WHERE NOT deleted AND cust_id IS NOT NULL"
#define CUSTOMERS_PNRID "SELECT rtrim(cust_id), rtrim(pnrid) FROM bank_customers " \
	"WHERE NOT deleted AND cust_id IS NOT NULL"
#define MER_CUSTOMERS "SELECT usr_id, usr_cust_id FROM bank_mer_customers " \
	"WHERE NOT deleted AND usr_cust_id <> ''"
#define SINCE " AND updated_at >= $1::timestamptz ORDER BY updated_at FOR SHARE"

const char sql_refresh_customers[] = CUSTOMERS;
const char sql_refresh_customers_pnrid[] = CUSTOMERS_PNRID " ORDER BY updated_at";
const char sql_refresh_mer_customers[] = MER_CUSTOMERS;
const char sql_catch_up_customers[] = CUSTOMERS SINCE;
const char sql_catch_up_customers_pnrid[] = CUSTOMERS_PNRID SINCE;
const char sql_catch_up_mer_customers[] = MER_CUSTOMERS SINCE;
/* Before the snapshot: the start of the oldest transaction that may
 * commit after it. */
const char sql_refresh_since[] =
	"SELECT least(now(), min(xact_start))::text FROM pg_catalog.pg_stat_activity "
	"WHERE xact_start IS NOT NULL";

static const struct map maps[] = {
	{ "bank-customers", sql_refresh_customers, sql_catch_up_customers },
	{ "customers-pnrid", sql_refresh_customers_pnrid, sql_catch_up_customers_pnrid },
	{ "bank-mer-customers", sql_refresh_mer_customers, sql_catch_up_mer_customers },
};

enum { NMAPS = sizeof maps / sizeof maps[0] };

/* The first line of the token file, without its line end. */
/* Hashing both sides first makes the comparison constant-time whatever
 * the lengths: sodium_memcmp alone needs equal lengths. */
static bool token_matches(struct slice given, const char *tok, size_t len)
{
	unsigned char a[crypto_generichash_BYTES], b[crypto_generichash_BYTES];

	crypto_generichash(a, sizeof a, (const unsigned char *)given.p,
			   given.len, NULL, 0);
	crypto_generichash(b, sizeof b, (const unsigned char *)tok, len, NULL, 0);
	return sodium_memcmp(a, b, sizeof a) == 0;
}

/* Whether the request carries the admin token: 0, or the status to
 * answer with why: 401 (no token, or the wrong one), or 500 when the
 * token file is not set or not usable. */
static int authorised(const struct ctx *x, char *why, size_t whylen)
{
	char tok[TOKEN_MAX];
	size_t len;
	int status;
	struct slice auth = http_header(x->req, "Authorization");
	static const char scheme[] = "Bearer ";

	if (config_admin_token(x->cfg, tok, sizeof tok, &len, why, whylen)) {
		status = 500;
	} else if (sodium_init() < 0) {
		snprintf(why, whylen, "libsodium did not initialise");
		status = 500;
	} else if (auth.len > sizeof scheme - 1 &&
		   slice_eq_nocase((struct slice){ auth.p, sizeof scheme - 1 }, scheme) &&
		   token_matches((struct slice){ auth.p + sizeof scheme - 1,
						 auth.len - (sizeof scheme - 1) },
				 tok, len)) {
		status = 0;
	} else {
		snprintf(why, whylen, "%s", auth.len ? "wrong token" : "no token");
		status = 401;
	}
	explicit_bzero(tok, sizeof tok);
	return status;
}

/* Where pg_stream's rows go: one map of a rebuild. */
struct stream {
	struct cache_rebuild *b;
	size_t map, rows;
};

static int take_row(void *arg, const struct pg_result *r, char *err, size_t errlen)
{
	struct stream *s = arg;

	s->rows++;
	return cache_rebuild_add(s->b, s->map,
				 (struct slice){ pg_value(r, 0, 0), pg_length(r, 0, 0) },
				 (struct slice){ pg_value(r, 0, 1), pg_length(r, 0, 1) },
				 err, errlen);
}

/* Streams every map's rows from sql into b; rows[i] counts map i's. */
static int stream_maps(struct pg_conn *c, struct cache_rebuild *b, bool catch_up,
		       const char *since, size_t rows[NMAPS], char *err,
		       size_t errlen)
{
	const char *params[] = { since };

	for (size_t i = 0; i < NMAPS; i++) {
		struct stream s = { b, i, 0 };

		if (pg_stream(c, catch_up ? maps[i].since : maps[i].all,
			      catch_up ? 1 : 0, catch_up ? params : NULL,
			      take_row, &s, err, errlen))
			return -1;
		rows[i] = s.rows;
	}
	return 0;
}

/* The rebuild, then the catch-up (see the top of this file). */
static int rebuild(struct pg_conn *c, struct cache_rebuild *b, size_t rows[NMAPS],
		   char *err, size_t errlen)
{
	size_t again[NMAPS];
	char since[64];
	struct pg_result *r = pg_exec(c, sql_refresh_since, 0, NULL, err, errlen);

	if (!r)
		return -1;
	snprintf(since, sizeof since, "%s", pg_value(r, 0, 0));
	pg_clear(r);
	if (pg_begin(c, "ISOLATION LEVEL REPEATABLE READ READ ONLY",
		     deadline_left(REFRESH_MAX_MS), err, errlen) ||
	    stream_maps(c, b, false, NULL, rows, err, errlen) ||
	    pg_commit(c, err, errlen) ||
	    cache_rebuild_swap(b, err, errlen))
		return -1;
	/* the locks are released only once Redis has every pair */
	return pg_begin(c, "", deadline_left(REFRESH_MAX_MS), err, errlen) ||
	       stream_maps(c, b, true, since, again, err, errlen) ||
	       cache_rebuild_flush(b, err, errlen) ||
	       pg_commit(c, err, errlen) ? -1 : 0;
}

int refresh_redis(const struct config *cfg, struct buf *body, char *err,
		  size_t errlen)
{
	const char *keys[NMAPS];
	size_t rows[NMAPS] = { 0 };
	struct cache_rebuild *b = NULL;
	struct redisContext *r = NULL;
	struct pg_conn *c = pg_connect(err, errlen);
	int rc = -1;

	for (size_t i = 0; i < NMAPS; i++)
		keys[i] = maps[i].key;
	if (c)
		r = cache_open(cfg, err, errlen);
	if (r && !(b = malloc(sizeof *b)))
		snprintf(err, errlen, "out of memory");
	if (b && cache_rebuild_begin(b, r, keys, NMAPS, err, errlen) == 0)
		rc = rebuild(c, b, rows, err, errlen);
	for (size_t i = 0; rc == 0 && i < NMAPS; i++) {
		buf_puts(body, maps[i].key);
		buf_putc(body, ' ');
		buf_put_u64(body, rows[i]);
		buf_putc(body, '\n');
	}
	free(b);
	cache_close(r);
	pg_close(c);
	return rc;
}

void handle_refresh_redis(struct ctx *x, const void *arg)
{
	char err[512], body[512], why[4200];
	struct buf b;
	int status;

	(void)arg;
	status = authorised(x, why, sizeof why);
	if (status) {
		if (status == 401)
			buf_puts(&x->resp.headers, "WWW-Authenticate: Bearer\r\n");
		reply_error(x, status, why);
		return;
	}
	if (!slice_eq(slice_trim(form_get(x->form, "CmdId")), "RefreshRedis")) {
		reply_error(x, 400, "CmdId is not RefreshRedis");
		return;
	}
	buf_init(&b, body, sizeof body);
	if (refresh_redis(x->cfg, &b, err, sizeof err)) {
		reply_error(x, 503, err);
		return;
	}
	x->verdict = VERDICT_CACHES_REBUILT;
	reply_text(x, 200, body);
}
