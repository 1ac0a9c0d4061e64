/* pg: PostgreSQL access.  See pg.h. */
#include "pg.h"
#include "libs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libpq's messages end in a newline; one log line wants none. */
static void set_err(char *err, size_t errlen, const char *what,
		    const char *msg)
{
	size_t n;

	snprintf(err, errlen, "%s: %s", what, msg ? msg : "unknown error");
	n = strlen(err);
	while (n && (err[n - 1] == '\n' || err[n - 1] == ' '))
		err[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (err[i] == '\n')
			err[i] = ' ';
}

/* PostgreSQL's notices (a WARNING as the server shuts down, say) would
 * go to stderr, which under xinetd is the client's socket: drop them.
 * Errors that matter come back in results and reach the log line. */
static void drop_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

PGconn *pg_connect(char *err, size_t errlen)
{
	const char *keys[] = { "fallback_application_name", "connect_timeout", NULL };
	const char *vals[] = { "bank-callback", "5", NULL };
	PGconn *c;

	if (libs_load_pq(err, errlen))
		return NULL;
	if (getenv("PGCONNECT_TIMEOUT"))
		keys[1] = NULL;   /* the operator's choice wins */
	c = PQconnectdbParams(keys, vals, 0);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		set_err(err, errlen, "postgresql connect",
			c ? PQerrorMessage(c) : "out of memory");
		PQfinish(c);
		return NULL;
	}
	/* Terse: a DETAIL line can quote a row, and rows hold personal
	 * data that must not reach the log. */
	PQsetErrorVerbosity(c, PQERRORS_TERSE);
	PQsetNoticeProcessor(c, drop_notice, NULL);
	return c;
}

PGresult *pg_exec(PGconn *c, const char *sql, int nparams,
		  const char *const *params, char *err, size_t errlen)
{
	PGresult *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	set_err(err, errlen, "postgresql",
		r ? PQresultErrorMessage(r) : PQerrorMessage(c));
	PQclear(r);
	return NULL;
}

int pg_begin(PGconn *c, const char *mode, char *err, size_t errlen)
{
	char sql[160];
	PGresult *r;

	/* SET LOCAL dies with the transaction: nothing leaks into a pooled
	 * server connection. */
	snprintf(sql, sizeof sql, "BEGIN %s; SET LOCAL statement_timeout = 5000",
		 mode);
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		set_err(err, errlen, "postgresql begin",
			r ? PQresultErrorMessage(r) : PQerrorMessage(c));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

int pg_commit(PGconn *c, char *err, size_t errlen)
{
	PGresult *r = PQexec(c, "COMMIT");
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK &&
		 strcmp(PQcmdStatus(r), "COMMIT") == 0;

	/* A COMMIT of a failed transaction "succeeds" as ROLLBACK. */
	if (!ok)
		set_err(err, errlen, "postgresql commit",
			r && PQresultStatus(r) == PGRES_COMMAND_OK
				? "transaction was rolled back"
				: (r ? PQresultErrorMessage(r) : PQerrorMessage(c)));
	PQclear(r);
	return ok ? 0 : -1;
}
