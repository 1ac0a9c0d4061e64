/* check: PostgreSQL and Redis for --check.  See check.h. */
#include "check.h"
#include "libs.h"
#include "pg.h"
#include "statements.h"
#include "verdict.h"
#include "lib/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every statement of statements.h, with its number of parameters. */
static const struct {
	const char *name, *sql;
	int nparams;
} statements[] = {
	{ "signature lock", sql_signature_lock, 1 },
	{ "signature lookup", sql_signature_lookup, 3 },
	{ "answer count", sql_signature_count_answer, 4 },
	{ "retry count", sql_signature_count_retry, 3 },
	{ "audit insert", sql_audit_insert, 12 },
	{ "audit insert of an answer", sql_audit_insert_answer, 12 },
	{ "customer insert", sql_customer_insert, 2 },
	{ "customer binding", sql_customer_bound, 2 },
	{ "company lookup", sql_corp_current, 1 },
	{ "company upsert", sql_corp_upsert, 7 },
	{ "top-up insert", sql_netsave_insert, 4 },
	{ "order insert", sql_order_insert, 13 },
	{ "order notice", sql_order_notice, 7 },
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
	{ "support --since", sql_support_since, 1 },
};

enum { NSTATEMENTS = sizeof statements / sizeof statements[0] };

/* Before sql/007-schema-version.sql there is no version table.  Or the
 * role may not look into the schema that holds it: the catalog, which
 * every role reads, names that schema. */
static const char version_table_sql[] =
	"SELECT pg_catalog.to_regclass('bank_callback_schema_version') IS NOT NULL, "
	"coalesce((SELECT pg_catalog.string_agg(n.nspname, ', ') "
	" FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
	" WHERE c.relname = 'bank_callback_schema_version' "
	" AND NOT pg_catalog.has_schema_privilege(n.oid, 'USAGE')), '')";

/* The schema's version, and the first version below it not recorded: a
 * file skipped, say after one failed in a loop that went on. */
static const char version_sql[] =
	"WITH v AS (SELECT version FROM bank_callback_schema_version) "
	"SELECT (SELECT coalesce(max(version), 0) FROM v), "
	"(SELECT coalesce(min(g)::text, '') "
	" FROM generate_series(1, (SELECT max(version) FROM v)) g "
	" WHERE g NOT IN (SELECT version FROM v))";

#define UPGRADE_HINT "apply sql/ (README \"Upgrading\")"

/* The verdicts, as the schema has them (sql/012-verdicts.sql). */
static const char verdicts_sql[] =
	"SELECT pg_catalog.unnest(pg_catalog.enum_range(NULL::bank_callback_verdict))::text";

/* Every verdict this binary writes is a label of the schema's enum:
 * else the first request so answered would fail its transaction. */
static int check_verdicts(struct pg_conn *c)
{
	char err[256];
	struct pg_result *r = pg_exec(c, verdicts_sql, 0, NULL, err, sizeof err);
	int failed = 0;

	if (!r) {
		printf("FAIL schema: %s\n", err);
		return 1;
	}
	/* VERDICT_NONE ("-") is never written */
	for (int v = VERDICT_NONE + 1; v < VERDICT_COUNT; v++) {
		bool found = false;

		for (int i = 0; i < pg_rows(r) && !found; i++)
			found = strcmp(pg_value(r, i, 0), verdict_name(v)) == 0;
		if (!found) {
			printf("FAIL schema: bank_callback_verdict has no \"%s\": "
			       UPGRADE_HINT "\n", verdict_name(v));
			failed = 1;
		}
	}
	pg_clear(r);
	return failed;
}

/* The schema's version against SCHEMA_VERSION_NEEDED, read as the
 * handler's role.  A newer schema is fine: files only add. */
static int check_schema(struct pg_conn *c)
{
	char err[512];
	struct pg_result *r = pg_exec(c, version_table_sql, 0, NULL, err, sizeof err);
	long version;
	const char *missing;
	int present, failed;

	if (!r) {
		printf("FAIL schema: %s\n", err);
		return 1;
	}
	present = strcmp(libpq.PQgetvalue(r, 0, 0), "t") == 0;
	if (!present && *libpq.PQgetvalue(r, 0, 1)) {
		printf("FAIL privileges: %s may not use the schema %s, which holds the "
		       "tables (GRANT USAGE ON SCHEMA ... TO \"%s\")\n", libpq.PQuser(c),
		       libpq.PQgetvalue(r, 0, 1), libpq.PQuser(c));
		pg_clear(r);
		return 1;
	}
	pg_clear(r);
	if (!present) {
		printf("FAIL schema: no version table (bank_callback_schema_version), "
		       "so older than the version %d this binary needs: "
		       UPGRADE_HINT "\n", SCHEMA_VERSION_NEEDED);
		return 1;
	}
	r = pg_exec(c, version_sql, 0, NULL, err, sizeof err);
	if (!r) {
		printf("FAIL schema: %s\n", err);
		return 1;
	}
	version = strtol(libpq.PQgetvalue(r, 0, 0), NULL, 10);
	missing = libpq.PQgetvalue(r, 0, 1);
	failed = *missing || version < SCHEMA_VERSION_NEEDED;
	if (!failed && check_verdicts(c)) {
		pg_clear(r);
		return 1;
	}
	if (*missing)
		printf("FAIL schema: version %ld without %s: " UPGRADE_HINT "\n",
		       version, missing);
	else if (version < SCHEMA_VERSION_NEEDED)
		printf("FAIL schema: version %ld, this binary needs %d: "
		       UPGRADE_HINT "\n", version, SCHEMA_VERSION_NEEDED);
	else if (version > SCHEMA_VERSION_NEEDED)
		printf("ok schema: version %ld, newer than the %d this binary "
		       "needs (files only add)\n", version, SCHEMA_VERSION_NEEDED);
	else
		printf("ok schema: version %ld\n", version);
	pg_clear(r);
	return failed;
}

/* Whether the server takes writes, as /bank/health asks. */
static int check_writable(struct pg_conn *c, const char *server)
{
	char err[512], lib[512];

	if (pg_takes_writes(c, err, sizeof err)) {
		printf("FAIL %s\n", err);
		return 1;
	}
	libs_describe_pq(lib, sizeof lib);
	printf("ok postgresql: %s@%s/%s, takes writes; %s\n", libpq.PQuser(c), server,
	       libpq.PQdb(c), lib);
	return 0;
}

/* Whether a statement's failure (its SQLSTATE) says the tables are not
 * the ones this binary uses: a table, column, type or function missing,
 * or a schema (class 42 but insufficient_privilege, and 3F000). */
static bool shape_differs(const char *sqlstate)
{
	return (strncmp(sqlstate, "42", 2) == 0 && strcmp(sqlstate, "42501") != 0) ||
	       strcmp(sqlstate, "3F000") == 0;
}

/* The parameters EXPLAIN gives a statement: all NULL, as many as the
 * statement with the most has (--check fails naming one with more). */
static const char *const no_params[16];
enum { NO_PARAMS_MAX = sizeof no_params / sizeof no_params[0] };

/* EXPLAIN checks a statement as the executor would (and runs nothing):
 * that the tables and columns it names are there as it needs them, and
 * that the role may use them.  One FAIL line per statement, schema or
 * privileges as the server's SQLSTATE says. */
static int check_privileges(struct pg_conn *c)
{
	char sql[2048], err[256];
	int failed = 0;

	for (size_t i = 0; i < NSTATEMENTS; i++) {
		struct pg_result *r;

		if (statements[i].nparams > NO_PARAMS_MAX) {
			printf("FAIL privileges: %s: more parameters than --check "
			       "can give\n", statements[i].name);
			failed = 1;
			continue;
		}
		snprintf(sql, sizeof sql, "EXPLAIN %s", statements[i].sql);
		r = pg_exec(c, sql, statements[i].nparams, no_params, err, sizeof err);
		if (!r && shape_differs(pg_failed_sqlstate())) {
			printf("FAIL schema: %s: %s: the tables are not the ones this "
			       "binary uses: " UPGRADE_HINT "\n", statements[i].name, err);
			failed = 1;
		} else if (!r) {
			printf("FAIL privileges: %s: %s\n", statements[i].name, err);
			failed = 1;
		}
		pg_clear(r);
	}
	if (!failed)
		printf("ok privileges: %s may run all %d statements\n", libpq.PQuser(c),
		       NSTATEMENTS);
	return failed;
}

int check_statements_fit(struct pg_conn *c, char *mem, size_t size, char *err,
			 size_t errlen)
{
	struct pg_stmt s[NSTATEMENTS];
	struct buf b;

	buf_init(&b, mem, size);
	for (size_t i = 0; i < NSTATEMENTS; i++) {
		if (statements[i].nparams > NO_PARAMS_MAX) {
			snprintf(err, errlen, "%s: more parameters than can be checked",
				 statements[i].name);
			return -1;
		}
		s[i] = (struct pg_stmt){ b.p + b.len, statements[i].nparams, no_params };
		buf_puts(&b, "EXPLAIN ");
		buf_puts(&b, statements[i].sql);
		buf_putc(&b, '\0');
	}
	if (b.overflow) {
		snprintf(err, errlen, "the statements to check do not fit in memory");
		return -1;
	}
	return pg_exec_all(c, s, NSTATEMENTS, err, errlen);
}

int check_postgresql(void)
{
	char err[512], server[300];
	struct pg_conn *c = pg_connect(err, sizeof err);
	int failed;

	if (!c) {
		printf("FAIL postgresql: %s\n", err);
		printf("FAIL schema: no connection\n");
		return 1;
	}
	failed = check_writable(c, pg_server(c, server, sizeof server));
	if (check_schema(c))
		failed = 1;
	else
		failed |= check_privileges(c);
	pg_close(c);
	return failed;
}

/* Redis is reached and logged in to as cs says, and is a master. */
static int check_cache(const struct cache_settings *cs)
{
	char err[512], where[1024], role[32], lib[512];
	struct redisContext *r = cache_connect(cs, err, sizeof err);
	int failed = 1;

	cache_settings_describe(cs, where, sizeof where);
	if (!r || cache_role(r, role, sizeof role, err, sizeof err))
		printf("FAIL redis: %s\n", err);
	else if (strcmp(role, "master") != 0)
		printf("FAIL redis: %s is a %s, not a master: writes would fail\n",
		       where, role);
	else
		failed = 0;
	if (!failed) {
		libs_describe_redis(lib, sizeof lib);
		printf("ok redis: %s, a master; %s\n", where, lib);
	}
	cache_close(r);
	return failed;
}

int check_redis(const char *address, const char *password_file,
		const char *sentinels, const char *master)
{
	char err[512];
	struct cache_settings cs;
	int failed;

	if (cache_settings_init(&cs, address, password_file, sentinels, master,
				err, sizeof err)) {
		printf("FAIL redis: %s\n", err);
		failed = 1;
	} else {
		failed = check_cache(&cs);
	}
	explicit_bzero(&cs, sizeof cs);   /* the password, if in the address */
	return failed;
}

void check_print_libraries(void)
{
	char lib[512];

	libs_describe_pq(lib, sizeof lib);
	printf("%s\n", lib);
	libs_describe_redis(lib, sizeof lib);
	printf("%s\n", lib);
}
