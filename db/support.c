/* support: the audit trail for support.  See support.h. */
#include "support.h"
#include "pg.h"
#include "statements.h"

#include <stdio.h>

/* Times in China, where the bank and the platform's users are. */
const char sql_support_show[] =
	"SELECT to_char(a.received_at AT TIME ZONE 'Asia/Shanghai', "
	"'YYYY-MM-DD HH24:MI:SS'), a.route, a.status, a.verdict, "
	"coalesce(a.cmd_id, '-'), coalesce(a.trx_id, '-'), coalesce(a.ord_id, '-'), "
	"coalesce(r.seen, 0) "
	"FROM bank_callback_audit a LEFT JOIN bank_callback_replays r "
	"USING (signed_hash, route, meaning_hash) "
	"WHERE a.trx_id = $1 OR a.ord_id = $1 OR a.usr_id = $1 OR a.usr_cust_id = $1 "
	"ORDER BY a.received_at";
/* Written out twice, not a CTE: a constant bound in the WHERE clause is
 * what lets PostgreSQL skip the audit's older months when it plans. */
#define SINCE "coalesce($1::timestamptz, " \
	"date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai')"
const char sql_support_stats[] =
	"SELECT route, status::text, verdict, count(*)::text FROM bank_callback_audit "
	"WHERE received_at >= " SINCE " GROUP BY 1, 2, 3 "
	"UNION ALL SELECT route, '-', 'callbacks answered again', count(*)::text "
	"FROM bank_callback_replays WHERE last_seen >= " SINCE " GROUP BY 1 "
	"ORDER BY 1, 2, 3";

/* Runs sql with one parameter; prints the failure.  NULL on failure. */
static PGresult *query(PGconn **c, const char *sql, const char *param)
{
	char err[512];
	PGresult *r;

	*c = pg_connect(err, sizeof err);
	if (!*c) {
		printf("FAIL postgresql: %s\n", err);
		return NULL;
	}
	r = pg_exec(*c, sql, 1, &param, err, sizeof err);
	if (!r)
		printf("FAIL %s\n", err);
	return r;
}

int support_show(const char *id)
{
	PGconn *c;
	PGresult *r = query(&c, sql_support_show, id);
	int n;

	if (!r) {
		PQfinish(c);
		return 1;
	}
	n = PQntuples(r);
	for (int i = 0; i < n; i++)
		printf("%s  %s  %s  %s  %s trx=%s ord=%s%s%s\n", PQgetvalue(r, i, 0),
		       PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
		       PQgetvalue(r, i, 4), PQgetvalue(r, i, 5), PQgetvalue(r, i, 6),
		       PQgetvalue(r, i, 7)[0] != '0' ? "  answered again: " : "",
		       PQgetvalue(r, i, 7)[0] != '0' ? PQgetvalue(r, i, 7) : "");
	if (n == 0)
		printf("no audited post names %s (as TrxId, OrdId, UsrId or UsrCustId)\n", id);
	printf("(times in China; posts refused before their signature verified, "
	       "and 503s, are in the log only)\n");
	PQclear(r);
	PQfinish(c);
	return 0;
}

int support_stats(const char *since)
{
	PGconn *c;
	PGresult *r = query(&c, sql_support_stats, since);

	if (!r) {
		PQfinish(c);
		return 1;
	}
	printf("%-24s %-6s %-40s %s\n", "route", "status", "verdict", "posts");
	for (int i = 0; i < PQntuples(r); i++)
		printf("%-24s %-6s %-40s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		       PQgetvalue(r, i, 2), PQgetvalue(r, i, 3));
	printf("(since %s; posts refused before their signature verified, and "
	       "503s, are counted in the log only: e.g. journalctl -t bank-callback "
	       "--since today | grep -c ' status=503 ')\n",
	       since ? since : "the start of today, China time");
	PQclear(r);
	PQfinish(c);
	return 0;
}
