/* refreshredis: rebuild the Redis caches from PostgreSQL, the truth.
 *
 * An operator's route, not the bank's: it takes a bearer token, compared
 * in constant time.  It reads all three maps in one snapshot, then
 * replaces each hash whole (built aside, then RENAMEd), so a reader sees
 * the old hash or the new one, never a missing or half-built one. */
#include "handlers.h"
#include "../db/statements.h"
#include "../db/cache.h"
#include "../db/pg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

enum { TOKEN_MAX = 1024, TOKEN_MIN = 16 };

struct rebuild {
	const char *key;
	const char *sql;      /* two text columns: field, value */
};

const char sql_refresh_customers[] =
	"SELECT rtrim(pnrid), rtrim(cust_id) FROM bank_customers "
	"WHERE NOT deleted AND cust_id IS NOT NULL ORDER BY updated_at";
const char sql_refresh_customers_pnrid[] =
	"SELECT rtrim(cust_id), rtrim(pnrid) FROM bank_customers "
	"WHERE NOT deleted AND cust_id IS NOT NULL ORDER BY updated_at";
const char sql_refresh_mer_customers[] =
	"SELECT usr_id, usr_cust_id FROM bank_mer_customers "
	"WHERE NOT deleted AND usr_cust_id <> '' ORDER BY updated_at";

static const struct rebuild rebuilds[] = {
	{ "bank-customers", sql_refresh_customers },
	{ "customers-pnrid", sql_refresh_customers_pnrid },
	{ "bank-mer-customers", sql_refresh_mer_customers },
};

enum { NREBUILDS = sizeof rebuilds / sizeof rebuilds[0] };

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

static bool authorised(struct ctx *x)
{
	static char tok[TOKEN_MAX];
	char why[4200];
	size_t len;
	int e;
	struct slice auth = http_header(x->req, "Authorization");
	static const char scheme[] = "Bearer ";

	if (!ctx_need(x, x->cfg->admin_token_file,
		      "BANK_CALLBACK_ADMIN_TOKEN_FILE is not set"))
		return false;
	e = config_read_first_line(x->cfg->admin_token_file, tok, sizeof tok, &len);
	if (e || len < TOKEN_MIN) {
		snprintf(why, sizeof why, "admin token file %s: %s",
			 x->cfg->admin_token_file,
			 e ? strerror(e) : "its first line is shorter than 16 bytes");
		reply_error(x, 500, why);
		return false;
	}
	if (sodium_init() < 0) {
		reply_error(x, 500, "libsodium did not initialise");
		return false;
	}
	if (auth.len > sizeof scheme - 1 &&
	    slice_eq_nocase((struct slice){ auth.p, sizeof scheme - 1 }, scheme) &&
	    token_matches((struct slice){ auth.p + sizeof scheme - 1,
					  auth.len - (sizeof scheme - 1) },
			  tok, len))
		return true;
	buf_puts(&x->resp.headers, "WWW-Authenticate: Bearer\r\n");
	reply_error(x, 401, auth.len ? "wrong token" : "no token");
	return false;
}

/* Reads all the maps in one snapshot.  0, or -1 with err set. */
static int read_maps(PGresult *res[NREBUILDS], char *err, size_t errlen)
{
	PGconn *c = pg_connect(err, errlen);
	int rc = -1;
	size_t i = 0;

	if (!c)
		return -1;
	if (pg_begin(c, "ISOLATION LEVEL REPEATABLE READ READ ONLY", err, errlen) == 0) {
		for (; i < NREBUILDS; i++) {
			res[i] = pg_exec(c, rebuilds[i].sql, 0, NULL, err, errlen);
			if (!res[i])
				break;
		}
		if (i == NREBUILDS && pg_commit(c, err, errlen) == 0)
			rc = 0;
	}
	if (rc)
		while (i--)
			PQclear(res[i]);
	PQfinish(c);
	return rc;
}

static int write_map(redisContext *r, const char *key, PGresult *res,
		     char *err, size_t errlen)
{
	size_t n = (size_t)PQntuples(res);
	const char **fields = calloc(n + 1, sizeof *fields);
	const char **values = calloc(n + 1, sizeof *values);
	int rc = -1;

	if (fields && values) {
		for (size_t i = 0; i < n; i++) {
			fields[i] = PQgetvalue(res, (int)i, 0);
			values[i] = PQgetvalue(res, (int)i, 1);
		}
		rc = cache_replace_hash(r, key, n, fields, values, err, errlen);
	} else {
		snprintf(err, errlen, "out of memory");
	}
	free(fields);
	free(values);
	return rc;
}

void handle_refresh_redis(struct ctx *x, const void *arg)
{
	PGresult *res[NREBUILDS];
	char err[512], body[512];
	struct buf b;
	redisContext *r;
	int rc = 0;

	(void)arg;
	if (!authorised(x))
		return;
	if (!slice_eq(slice_trim(form_get(x->form, "CmdId")), "RefreshRedis")) {
		reply_error(x, 400, "CmdId is not RefreshRedis");
		return;
	}
	if (read_maps(res, err, sizeof err)) {
		reply_error(x, 503, err);
		return;
	}
	r = cache_open(x->cfg, err, sizeof err);
	buf_init(&b, body, sizeof body);
	for (size_t i = 0; i < NREBUILDS; i++) {
		if (r && rc == 0)
			rc = write_map(r, rebuilds[i].key, res[i], err, sizeof err);
		buf_puts(&b, rebuilds[i].key);
		buf_putc(&b, ' ');
		buf_put_u64(&b, (unsigned)PQntuples(res[i]));
		buf_putc(&b, '\n');
		PQclear(res[i]);
	}
	redisFree(r);
	if (!r || rc) {
		reply_error(x, 503, err);
		return;
	}
	x->outcome = "caches rebuilt";
	reply_text(x, 200, body);
}
