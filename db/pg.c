/* pg: PostgreSQL access.  See pg.h. */
#include "pg.h"
#include "libs.h"

#include <stdbool.h>
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

/* One statement of a pipeline. */
struct stmt {
	const char *sql;
	int nparams;
	const char *const *params;
};

/* Whether r says this statement did what it should: COMMIT must say
 * COMMIT (a COMMIT of a failed transaction "succeeds" as ROLLBACK). */
static bool stmt_ok(const struct stmt *s, PGresult *r)
{
	ExecStatusType st = PQresultStatus(r);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		return false;
	return strcmp(s->sql, "COMMIT") != 0 || strcmp(PQcmdStatus(r), "COMMIT") == 0;
}

/* Runs n statements in one pipeline with one Sync: one round trip
 * instead of n.  The result of statement `keep` goes to *kept (the
 * caller PQclear()s it).  0, or -1 with a message in err naming what
 * failed; statements after a failed one are not run. */
static int pipeline(PGconn *c, const struct stmt *s, size_t n, size_t keep,
		    PGresult **kept, char *err, size_t errlen)
{
	int rc = 0;

	*kept = NULL;
	if (!PQenterPipelineMode(c)) {
		set_err(err, errlen, "postgresql", PQerrorMessage(c));
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (!PQsendQueryParams(c, s[i].sql, s[i].nparams, NULL, s[i].params,
				       NULL, NULL, 0)) {
			n = i;
			rc = -1;
			set_err(err, errlen, "postgresql", PQerrorMessage(c));
			break;
		}
	if (!PQpipelineSync(c) && rc == 0) {
		rc = -1;
		set_err(err, errlen, "postgresql", PQerrorMessage(c));
	}
	for (size_t i = 0; i < n; i++) {
		PGresult *r = PQgetResult(c);

		if (rc == 0 && !stmt_ok(&s[i], r)) {
			rc = -1;
			set_err(err, errlen, strcmp(s[i].sql, "COMMIT") == 0
				? "postgresql commit" : "postgresql",
				PQresultStatus(r) == PGRES_COMMAND_OK
				? "transaction was rolled back"
				: (r ? PQresultErrorMessage(r) : PQerrorMessage(c)));
		}
		if (i == keep && rc == 0)
			*kept = r;
		else
			PQclear(r);
		/* each statement's results end with a NULL */
		while ((r = PQgetResult(c)) != NULL)
			PQclear(r);
	}
	/* the Sync's own result, then out of pipeline mode */
	PQclear(PQgetResult(c));
	if (!PQexitPipelineMode(c) && rc == 0) {
		rc = -1;
		set_err(err, errlen, "postgresql", PQerrorMessage(c));
	}
	if (rc) {
		PQclear(*kept);
		*kept = NULL;
	}
	return rc;
}

/* The statement timeout is local to the transaction: nothing leaks into
 * a pooled server connection. */
static const char begin_sql[] = "BEGIN";
static const char timeout_sql[] = "SELECT set_config('statement_timeout', '5000', true)";

int pg_begin(PGconn *c, const char *mode, char *err, size_t errlen)
{
	char sql[160];
	const struct stmt s[] = {
		{ sql, 0, NULL },
		{ timeout_sql, 0, NULL },
	};
	PGresult *r;

	snprintf(sql, sizeof sql, "%s %s", begin_sql, mode);
	if (pipeline(c, s, 2, 1, &r, err, errlen))
		return -1;
	PQclear(r);
	return 0;
}

PGresult *pg_begin_exec(PGconn *c, const char *sql, int nparams,
			const char *const *params, char *err, size_t errlen)
{
	const struct stmt s[] = {
		{ begin_sql, 0, NULL },
		{ timeout_sql, 0, NULL },
		{ sql, nparams, params },
	};
	PGresult *r;

	return pipeline(c, s, 3, 2, &r, err, errlen) ? NULL : r;
}

int pg_exec_commit(PGconn *c, const char *sql, int nparams,
		   const char *const *params, char *err, size_t errlen)
{
	const struct stmt s[] = {
		{ sql, nparams, params },
		{ "COMMIT", 0, NULL },
	};
	PGresult *r;
	int rc = pipeline(c, s, 2, 0, &r, err, errlen);

	PQclear(r);
	return rc;
}

int pg_commit(PGconn *c, char *err, size_t errlen)
{
	const struct stmt s[] = { { "COMMIT", 0, NULL } };
	PGresult *r;

	if (pipeline(c, s, 1, 0, &r, err, errlen))
		return -1;
	PQclear(r);
	return 0;
}
