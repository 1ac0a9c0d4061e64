/* support: the audit trail for support.  See support.h. */
#include "support.h"
#include "libs.h"
#include "pg.h"
#include "signatures.h"
#include "statements.h"
#include "lib/buf.h"

#include <stdio.h>
#include <string.h>

/* Times in China, where the bank and the platform's users are.  A post
 * answered as an earlier one of its signed string was is not audited
 * again but counted on that answer's row (sql/010-signed-strings.sql):
 * seen - 1 of them. */
const char sql_support_show[] =
	"SELECT to_char(a.received_at AT TIME ZONE 'Asia/Shanghai', "
	"'YYYY-MM-DD HH24:MI:SS'), a.route, a.status::text, a.verdict::text, "
	"coalesce(a.cmd_id, '-'), coalesce(a.trx_id, '-'), coalesce(a.ord_id, '-'), "
	"coalesce(s.seen - 1, 0)::text "
	"FROM bank_callback_audit a LEFT JOIN bank_callback_signatures s "
	"USING (signed_hash, route, status, verdict) "
	"WHERE a.trx_id = $1 OR a.ord_id = $1 OR a.usr_id = $1 OR a.usr_cust_id = $1 "
	"ORDER BY a.received_at";
/* Written out twice, not a CTE: a constant bound in the WHERE clause is
 * what lets PostgreSQL skip the audit's older months when it plans. */
#define SINCE "coalesce($1::timestamptz, " \
	"date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai')"
const char sql_support_stats[] =
	"SELECT route, coalesce(cmd_id, '-'), status::text, verdict::text, count(*)::text "
	"FROM bank_callback_audit "
	"WHERE received_at >= " SINCE " GROUP BY 1, 2, 3, 4 "
	"UNION ALL SELECT route, '-', '-', CASE WHEN status = 200 OR verdict = '"
	VERDICT_NAME_REDIRECTED "' THEN 'callbacks answered again' "
	"ELSE 'refusals answered again' END, sum(seen - 1)::text "
	"FROM bank_callback_signatures WHERE last_seen >= " SINCE " AND seen > 1 "
	"GROUP BY 1, 4 ORDER BY 1, 2, 3, 4";
/* --since as PostgreSQL reads it, before the count */
const char sql_support_since[] = "SELECT $1::timestamptz";

/* Prints a line of what the database holds, each value shown by
 * buf_put_visible: a stored id came from a post, and once from an
 * unsigned field, so it may hold anything a terminal would obey. */
static void print_line(const char *fmt, const char *const *values, size_t n)
{
	char mem[2048];
	struct buf b;
	size_t v = 0;

	buf_init(&b, mem, sizeof mem);
	for (const char *p = fmt; *p; p++) {
		if (*p == '%' && v < n)
			buf_put_visible(&b, slice_from(values[v++]));
		else
			buf_putc(&b, *p);
	}
	if (b.overflow) {
		buf_truncate(&b, sizeof mem - 5);
		buf_puts(&b, "...");
	}
	buf_putc(&b, '\n');
	fwrite(b.p, 1, b.len, stdout);
}

/* Connects; prints the failure.  NULL on failure. */
static struct pg_conn *connect_or_say(void)
{
	char err[512];
	struct pg_conn *c = pg_connect(err, sizeof err);

	if (!c)
		printf("FAIL postgresql: %s\n", err);
	return c;
}

/* Runs sql with one parameter on c; prints the failure.  NULL on
 * failure. */
static struct pg_result *query(struct pg_conn *c, const char *sql, const char *param)
{
	char err[512];
	struct pg_result *r = pg_exec(c, sql, 1, &param, err, sizeof err);

	if (!r)
		printf("FAIL %s\n", err);
	return r;
}

/* Whether PostgreSQL reads since as a time: the operator's typing, not
 * the database, when the cast fails on a connection still up. */
static bool since_readable(struct pg_conn *c, const char *since)
{
	char err[512];
	struct pg_result *r = pg_exec(c, sql_support_since, 1, &since, err, sizeof err);

	if (r || libpq.PQstatus(c) != CONNECTION_OK) {
		pg_clear(r);
		return true;    /* readable, or the stats query says what failed */
	}
	fprintf(stderr, "bank-callback: --since: not a time PostgreSQL reads (%s)\n", err);
	return false;
}

int support_show(const char *id)
{
	struct pg_conn *c = connect_or_say();
	struct pg_result *r = c ? query(c, sql_support_show, id) : NULL;
	int n;

	if (!r) {
		pg_close(c);
		return 1;
	}
	n = libpq.PQntuples(r);
	for (int i = 0; i < n; i++) {
		const char *v[8];

		for (int k = 0; k < 8; k++)
			v[k] = libpq.PQgetvalue(r, i, k);
		if (strcmp(v[7], "0") == 0)
			print_line("%  %  %  %  % trx=% ord=%", v, 7);
		else
			print_line("%  %  %  %  % trx=% ord=%  answered again: %", v, 8);
	}
	if (n == 0)
		print_line("no audited post names % (as TrxId, OrdId, UsrId or UsrCustId)",
			   &id, 1);
	printf("(times in China; posts refused before their signature verified, "
	       "and 503s, are in the log only)\n");
	pg_clear(r);
	pg_close(c);
	return n == 0;   /* like grep: 1 when nothing matched */
}

/* in as buf_put_visible shows it, NUL-terminated in out (cut short if
 * it does not fit). */
static const char *visible(char *out, size_t size, const char *in)
{
	struct buf b;

	buf_init(&b, out, size - 1);
	buf_put_visible(&b, slice_from(in));
	out[b.len] = '\0';
	return out;
}

int support_stats(const char *since)
{
	struct pg_conn *c = connect_or_say();
	struct pg_result *r;

	if (c && since && !since_readable(c, since)) {
		pg_close(c);
		return 2;
	}
	r = c ? query(c, sql_support_stats, since) : NULL;
	if (!r) {
		pg_close(c);
		return 1;
	}
	printf("%-30s %-18s %-6s %-40s %s\n", "route", "CmdId", "status", "verdict", "posts");
	for (int i = 0; i < libpq.PQntuples(r); i++) {
		char route[256], cmd[64], status[32], verdict[256];

		printf("%-30s %-18s %-6s %-40s %s\n",
		       visible(route, sizeof route, libpq.PQgetvalue(r, i, 0)),
		       visible(cmd, sizeof cmd, libpq.PQgetvalue(r, i, 1)),
		       visible(status, sizeof status, libpq.PQgetvalue(r, i, 2)),
		       visible(verdict, sizeof verdict, libpq.PQgetvalue(r, i, 3)),
		       libpq.PQgetvalue(r, i, 4));
	}
	printf("(since %s; posts refused before their signature verified, and "
	       "503s, are counted in the log only: e.g. journalctl -t bank-callback "
	       "--since today | grep -c ' status=503 ')\n",
	       since ? since : "the start of today, China time");
	pg_clear(r);
	pg_close(c);
	return 0;
}
