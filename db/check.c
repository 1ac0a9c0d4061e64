/* check: PostgreSQL and Redis for --check.  See check.h. */
#include "check.h"
#include "pg.h"
#include "statements.h"

#include <stdio.h>
#include <string.h>

/* Every statement of statements.h, with its number of parameters. */
static const struct {
	const char *name, *sql;
	int nparams;
} statements[] = {
	{ "signature lookup", sql_signature_lookup, 3 },
	{ "replay count", sql_replay_count, 3 },
	{ "audit insert", sql_audit_insert, 12 },
	{ "customer insert", sql_customer_insert, 2 },
	{ "customer binding", sql_customer_bound, 2 },
	{ "company lookup", sql_corp_current, 1 },
	{ "company upsert", sql_corp_upsert, 7 },
	{ "top-up insert", sql_netsave_insert, 4 },
	{ "refresh bank-customers", sql_refresh_customers, 0 },
	{ "refresh customers-pnrid", sql_refresh_customers_pnrid, 0 },
	{ "refresh bank-mer-customers", sql_refresh_mer_customers, 0 },
	{ "refresh start", sql_refresh_since, 0 },
	{ "catch-up bank-customers", sql_catch_up_customers, 1 },
	{ "catch-up customers-pnrid", sql_catch_up_customers_pnrid, 1 },
	{ "catch-up bank-mer-customers", sql_catch_up_mer_customers, 1 },
	{ "health", sql_health, 0 },
	{ "support --show", sql_support_show, 1 },
	{ "support --stats", sql_support_stats, 1 },
};

enum { NSTATEMENTS = sizeof statements / sizeof statements[0] };

static const char tables_sql[] =
	"SELECT count(*) FROM pg_catalog.pg_tables "
	"WHERE tablename IN ('bank_customers', 'bank_mer_customers', "
	"'bank_netsave', 'bank_callback_audit', 'bank_callback_replays') "
	"AND schemaname = ANY (current_schemas(false))";

/* Whether the server takes writes, as /bank/health asks. */
static int check_writable(PGconn *c, const char *server)
{
	char err[512];

	if (pg_takes_writes(c, err, sizeof err)) {
		printf("FAIL %s\n", err);
		return 1;
	}
	printf("ok postgresql: %s@%s/%s, takes writes\n", PQuser(c), server, PQdb(c));
	return 0;
}

/* EXPLAIN checks a statement's privileges as the executor would (and
 * runs nothing): one FAIL line per statement the role may not run. */
static int check_privileges(PGconn *c)
{
	static const char *const nulls[16];
	char sql[2048], err[256];
	int failed = 0;

	for (size_t i = 0; i < NSTATEMENTS; i++) {
		PGresult *r;

		if (statements[i].nparams > (int)(sizeof nulls / sizeof nulls[0])) {
			printf("FAIL privileges: %s: more parameters than --check "
			       "can give\n", statements[i].name);
			failed = 1;
			continue;
		}
		snprintf(sql, sizeof sql, "EXPLAIN %s", statements[i].sql);
		r = pg_exec(c, sql, statements[i].nparams, nulls, err, sizeof err);
		if (!r) {
			printf("FAIL privileges: %s: %s\n", statements[i].name, err);
			failed = 1;
		}
		PQclear(r);
	}
	if (!failed)
		printf("ok privileges: %s may run all %d statements\n", PQuser(c),
		       NSTATEMENTS);
	return failed;
}

int check_postgresql(void)
{
	char err[512], server[300];
	PGconn *c = pg_connect(err, sizeof err);
	PGresult *r;
	int failed;

	if (!c) {
		printf("FAIL postgresql: %s\n", err);
		printf("FAIL schema: no connection\n");
		return 1;
	}
	failed = check_writable(c, pg_server(c, server, sizeof server));
	r = pg_exec(c, tables_sql, 0, NULL, err, sizeof err);
	if (!r) {
		printf("FAIL schema: %s\n", err);
		failed = 1;
	} else if (strcmp(PQgetvalue(r, 0, 0), "5") != 0) {
		printf("FAIL schema: %s of 5 tables found; apply sql/\n",
		       PQgetvalue(r, 0, 0));
		failed = 1;
	} else {
		printf("ok schema: 5 tables\n");
		failed |= check_privileges(c);
	}
	PQclear(r);
	PQfinish(c);
	return failed;
}

int check_redis(const struct cache_settings *cs)
{
	char err[512], where[1024], role[32];
	redisContext *r = cache_connect(cs, err, sizeof err);
	int failed = 1;

	cache_settings_describe(cs, where, sizeof where);
	if (!r || cache_role(r, role, sizeof role, err, sizeof err))
		printf("FAIL redis: %s\n", err);
	else if (strcmp(role, "master") != 0)
		printf("FAIL redis: %s is a %s, not a master: writes would fail\n",
		       where, role);
	else
		failed = 0;
	if (!failed)
		printf("ok redis: %s, a master\n", where);
	redisFree(r);
	return failed;
}
