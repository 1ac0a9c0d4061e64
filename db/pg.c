/* pg: PostgreSQL access.  See pg.h. */
#include "pg.h"
#include "libs.h"
#include "statements.h"
#include "deadline.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The SQLSTATE of the statement the last failed call reported. */
static char failed_sqlstate[6];

static void note_sqlstate(const struct pg_result *r)
{
	const char *code = r ? libpq.PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	snprintf(failed_sqlstate, sizeof failed_sqlstate, "%s", code ? code : "");
}

const char *pg_failed_sqlstate(void)
{
	return failed_sqlstate;
}

/* libpq's messages end in a newline; one log line wants none. */
static void set_err(char *err, size_t errlen, const char *what,
		    const char *msg)
{
	size_t n;

	/* the severity adds nothing to a line that already says it failed */
	if (msg && strncmp(msg, "ERROR:  ", 8) == 0)
		msg += 8;
	snprintf(err, errlen, "%s: %s", what, msg ? msg : "unknown error");
	n = strlen(err);
	while (n && (err[n - 1] == '\n' || err[n - 1] == ' '))
		err[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (err[i] == '\n' || err[i] == '\t')
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

const char *pg_server(struct pg_conn *c, char *out, size_t size)
{
	const char *host = c ? libpq.PQhost(c) : NULL, *port = c ? libpq.PQport(c) : NULL;

	snprintf(out, size, "%s:%s", host && *host ? host : "?",
		 port && *port ? port : "?");
	return out;
}

/* How many hosts libpq will try: PGHOST's comma-separated list. */
static long long hosts(void)
{
	const char *h = getenv("PGHOST");
	long long n = 1;

	for (; h && *h; h++)
		n += *h == ',';
	return n;
}

struct pg_conn *pg_connect(char *err, size_t errlen)
{
	const char *keys[] = { "fallback_application_name", "connect_timeout", NULL };
	char timeout[24];
	const char *vals[] = { "bank-callback", timeout, NULL };
	const char *env = getenv("PGCONNECT_TIMEOUT");
	long long want = PG_CONNECT_SECONDS, each;
	struct pg_conn *c;

	if (libs_load_pq(err, errlen))
		return NULL;
	/* the operator's choice, but never libpq's 0 (wait for ever) */
	if (env && *env) {
		long long v = strtoll(env, NULL, 10);

		if (v > 0 && v < 3600)
			want = v;
	}
	/* libpq's own deadline applies to each host it tries: share the
	 * request's time left between them (libpq waits 2 s at least). */
	each = deadline_left(want * 1000 * hosts()) / 1000 / hosts();
	snprintf(timeout, sizeof timeout, "%lld", each > 2 ? each : 2);
	c = libpq.PQconnectdbParams(keys, vals, 0);
	if (!c || libpq.PQstatus(c) != CONNECTION_OK) {
		set_err(err, errlen, "postgresql connect",
			c ? libpq.PQerrorMessage(c) : "out of memory");
		pg_close(c);
		return NULL;
	}
	/* Terse: a DETAIL line can quote a row, and rows hold personal
	 * data that must not reach the log. */
	libpq.PQsetErrorVerbosity(c, PQERRORS_TERSE);
	libpq.PQsetNoticeProcessor(c, drop_notice, NULL);
	/* Non-blocking, so that every wait below has a deadline. */
	if (libpq.PQsetnonblocking(c, 1) != 0) {
		set_err(err, errlen, "postgresql", libpq.PQerrorMessage(c));
		pg_close(c);
		return NULL;
	}
	return c;
}


/* Whether r says this statement did what it should: COMMIT must say
 * COMMIT (a COMMIT of a failed transaction "succeeds" as ROLLBACK). */
static bool stmt_ok(const struct pg_stmt *s, struct pg_result *r)
{
	ExecStatusType st = libpq.PQresultStatus(r);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		return false;
	return strcmp(s->sql, "COMMIT") != 0 || strcmp(libpq.PQcmdStatus(r), "COMMIT") == 0;
}

/* Waits until c's socket is ready for events, by end (now_ms).  1
 * ready, 0 timed out, -1 error. */
static int wait_socket(struct pg_conn *c, short events, long long end)
{
	for (;;) {
		struct pollfd p = { libpq.PQsocket(c), events, 0 };
		long long left = end - now_ms();
		int r;

		if (p.fd < 0)
			return -1;
		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)left);
		if (r >= 0 || errno != EINTR)
			return r > 0 ? 1 : r;
	}
}

/* The step a pipeline is, for messages: its statements' first words,
 * "INSERT+COMMIT".  The server answers a pipeline at its Sync, all at
 * once, so a time-out cannot say which statement it was stuck in. */
static void name_step(const struct pg_stmt *s, size_t n, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++) {
		int w = (int)strcspn(s[i].sql, " ");
		int r = snprintf(out + len, size - len, "%s%.*s", i ? "+" : "",
				 w, s[i].sql);

		len += r > 0 ? (size_t)r : 0;
	}
}

/* Sets err for a wait that ended badly (w from wait_socket, or 1 when
 * libpq itself failed): the connection's own error, or a time-out that
 * names the server and the step. */
static void wait_failed(struct pg_conn *c, int w, const char *step, char *err,
			size_t errlen)
{
	char server[300], msg[400];

	if (w != 0) {
		set_err(err, errlen, "postgresql", libpq.PQerrorMessage(c));
		return;
	}
	snprintf(msg, sizeof msg, "%s: no answer to %s in time%s",
		 pg_server(c, server, sizeof server), step,
		 strstr(step, "COMMIT") ? " (whether it committed is unknown)" : "");
	set_err(err, errlen, "postgresql", msg);
}

/* Sends what libpq has buffered, by end.  0, or -1 (err set). */
static int flush(struct pg_conn *c, const char *step, long long end, char *err,
		 size_t errlen)
{
	int r;

	while ((r = libpq.PQflush(c)) == 1) {
		int w = wait_socket(c, POLLOUT | POLLIN, end);

		/* the server may answer while we send: take it in */
		if (w <= 0 || !libpq.PQconsumeInput(c)) {
			wait_failed(c, w, step, err, errlen);
			return -1;
		}
	}
	if (r < 0)
		set_err(err, errlen, "postgresql", libpq.PQerrorMessage(c));
	return r < 0 ? -1 : 0;
}

/* PQgetResult, without waiting past end.  0 with *r set (NULL at the end
 * of a statement's results), or -1 (err set). */
static int next_result(struct pg_conn *c, const char *step, long long end,
		       struct pg_result **r, char *err, size_t errlen)
{
	while (libpq.PQisBusy(c)) {
		int w = wait_socket(c, POLLIN, end);

		if (w <= 0 || !libpq.PQconsumeInput(c)) {
			wait_failed(c, w, step, err, errlen);
			return -1;
		}
	}
	*r = libpq.PQgetResult(c);
	return 0;
}

/* next_result, except that once a statement failed (failed != 0) what
 * follows, such as the server closing the connection after a FATAL,
 * does not replace the first error: the one that says why. */
static int next_result_keeping_first(struct pg_conn *c, const char *step, long long end,
			     struct pg_result **r, int failed, char *err, size_t errlen)
{
	char later[256] = "";

	if (!failed)
		return next_result(c, step, end, r, err, errlen);
	return next_result(c, step, end, r, later, sizeof later);
}

/* A connection a time-out left in pipeline mode has results of its own
 * still to come: it is fit only for pg_close(). */
static bool usable(struct pg_conn *c, char *err, size_t errlen)
{
	if (libpq.PQpipelineStatus(c) == PQ_PIPELINE_OFF)
		return true;
	set_err(err, errlen, "postgresql", "connection unusable after a time-out");
	return false;
}

/* Runs n statements in one pipeline with one Sync: one round trip
 * instead of n, all of it by one deadline (PG_STEP_MS, or the request's
 * if sooner).  The result of statement `keep` goes to *kept (the caller
 * pg_clear()s it).  0, or -1 with a message in err naming what failed;
 * statements after a failed one are not run.  After a time-out the
 * connection is fit only for pg_close(). */
static int pipeline(struct pg_conn *c, const struct pg_stmt *s, size_t n, size_t keep,
		    struct pg_result **kept, char *err, size_t errlen)
{
	long long end = deadline_for(PG_STEP_MS);
	char step[64], server[300], msg[400];
	struct pg_result *r;
	int rc = 0;

	*kept = NULL;
	failed_sqlstate[0] = '\0';
	name_step(s, n, step, sizeof step);
	if (!usable(c, err, errlen))
		return -1;
	/* Too late to wait for an answer: better not to send at all than
	 * to commit what we must then answer 503 for. */
	if (end - now_ms() < PG_MIN_STEP_MS) {
		snprintf(msg, sizeof msg, "%s: no time left for %s; not sent",
			 pg_server(c, server, sizeof server), step);
		set_err(err, errlen, "postgresql", msg);
		return -1;
	}
	if (!libpq.PQenterPipelineMode(c)) {
		set_err(err, errlen, "postgresql", libpq.PQerrorMessage(c));
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (!libpq.PQsendQueryParams(c, s[i].sql, s[i].nparams, NULL, s[i].params,
				       NULL, NULL, 0)) {
			set_err(err, errlen, "postgresql", libpq.PQerrorMessage(c));
			return -1;
		}
	if (!libpq.PQpipelineSync(c)) {
		set_err(err, errlen, "postgresql", libpq.PQerrorMessage(c));
		return -1;
	}
	if (flush(c, step, end, err, errlen))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (next_result_keeping_first(c, step, end, &r, rc, err, errlen))
			goto failed;
		if (rc == 0 && !stmt_ok(&s[i], r)) {
			rc = -1;
			note_sqlstate(r);
			set_err(err, errlen, strcmp(s[i].sql, "COMMIT") == 0
				? "postgresql commit" : "postgresql",
				libpq.PQresultStatus(r) == PGRES_COMMAND_OK
				? "transaction was rolled back"
				: (r ? libpq.PQresultErrorMessage(r) : libpq.PQerrorMessage(c)));
		}
		if (i == keep && rc == 0)
			*kept = r;
		else
			pg_clear(r);
		/* each statement's results end with a NULL */
		do {
			if (next_result_keeping_first(c, step, end, &r, rc, err, errlen))
				goto failed;
			pg_clear(r);
		} while (r != NULL);
	}
	/* the Sync's own result, then out of pipeline mode */
	if (next_result_keeping_first(c, step, end, &r, rc, err, errlen))
		goto failed;
	pg_clear(r);
	if (!libpq.PQexitPipelineMode(c) && rc == 0) {
		rc = -1;
		set_err(err, errlen, "postgresql", libpq.PQerrorMessage(c));
	}
	if (rc == 0)
		return 0;
failed:
	pg_clear(*kept);
	*kept = NULL;
	return -1;
}

const char sql_health[] =
	"SELECT pg_catalog.pg_is_in_recovery(), "
	"pg_catalog.current_setting('transaction_read_only')";

int pg_takes_writes(struct pg_conn *c, char *err, size_t errlen)
{
	char server[300], msg[400];
	struct pg_result *r = pg_exec(c, sql_health, 0, NULL, err, errlen);
	const char *why = NULL;

	if (!r)
		return -1;
	if (strcmp(libpq.PQgetvalue(r, 0, 0), "f") != 0)
		why = "is a standby in recovery, cannot take writes";
	else if (strcmp(libpq.PQgetvalue(r, 0, 1), "off") != 0)
		why = "is read-only, cannot take writes (transaction_read_only is on)";
	pg_clear(r);
	if (!why)
		return 0;
	snprintf(msg, sizeof msg, "%s %s", pg_server(c, server, sizeof server), why);
	set_err(err, errlen, "postgresql", msg);
	return -1;
}

struct pg_result *pg_exec(struct pg_conn *c, const char *sql, int nparams,
		  const char *const *params, char *err, size_t errlen)
{
	const struct pg_stmt s[] = { { sql, nparams, params } };
	struct pg_result *r;

	return pipeline(c, s, 1, 0, &r, err, errlen) ? NULL : r;
}

int pg_exec_all(struct pg_conn *c, const struct pg_stmt *s, size_t n, char *err,
		size_t errlen)
{
	struct pg_result *r;

	return pipeline(c, s, n, n, &r, err, errlen);
}

/* The statement timeout is local to the transaction: nothing leaks into
 * a pooled server connection. */
static const char begin_sql[] = "BEGIN";
/* A request's transaction reads what committed before each statement,
 * whatever the server's default_transaction_isolation: the lookup of a
 * signed string must see the post that held its lock before it
 * (db/signatures.c). */
static const char begin_request_sql[] = "BEGIN ISOLATION LEVEL READ COMMITTED";
static const char timeout_sql[] = "SELECT set_config('statement_timeout', $1, true)";
/* A request's statements: PG_STEP_MS, less the second for the server to
 * say it gave up. */
static const char *const request_timeout[] = { "5000" };

int pg_begin(struct pg_conn *c, const char *mode, long long timeout_ms, char *err,
	     size_t errlen)
{
	char sql[160], ms[24];
	const char *params[] = { ms };
	const struct pg_stmt s[] = {
		{ sql, 0, NULL },
		{ timeout_sql, 1, params },
	};
	struct pg_result *r;

	snprintf(sql, sizeof sql, "%s %s", begin_sql, mode);
	snprintf(ms, sizeof ms, "%lld", timeout_ms > 0 ? timeout_ms : 1);
	if (pipeline(c, s, 2, 1, &r, err, errlen))
		return -1;
	pg_clear(r);
	return 0;
}

int pg_stream(struct pg_conn *c, const char *sql, int nparams,
	      const char *const *params, pg_row_fn *row, void *arg,
	      char *err, size_t errlen)
{
	const struct pg_stmt s = { sql, nparams, params };
	char step[64];
	struct pg_result *r;

	name_step(&s, 1, step, sizeof step);
	if (!usable(c, err, errlen))
		return -1;
	if (!libpq.PQsendQueryParams(c, sql, nparams, NULL, params, NULL, NULL, 0) ||
	    !libpq.PQsetSingleRowMode(c)) {
		set_err(err, errlen, "postgresql", libpq.PQerrorMessage(c));
		return -1;
	}
	if (flush(c, step, deadline_for(PG_STEP_MS), err, errlen))
		return -1;
	/* Each wait for more rows has its own deadline: a table takes as
	 * long as it takes, a silent server does not. */
	for (;;) {
		if (next_result(c, step, deadline_for(PG_STEP_MS), &r, err, errlen))
			return -1;
		if (!r)
			return 0;
		switch (libpq.PQresultStatus(r)) {
		case PGRES_SINGLE_TUPLE:
			if (row(arg, r, err, errlen)) {
				pg_clear(r);
				return -1;
			}
			break;
		case PGRES_TUPLES_OK:   /* the end: no row in it */
			break;
		default:
			set_err(err, errlen, "postgresql", libpq.PQresultErrorMessage(r));
			pg_clear(r);
			return -1;
		}
		pg_clear(r);
	}
}

void pg_txn_begin(struct pg_txn *t, struct pg_conn *c, char *mem, size_t size)
{
	t->c = c;
	t->n = 0;
	t->nparams = 0;
	t->overflow = false;
	buf_init(&t->text, mem, size);
	pg_txn_defer(t, begin_request_sql, 0, NULL);
	pg_txn_defer(t, timeout_sql, 1, request_timeout);
}

const char *pg_txn_text(struct pg_txn *t, struct slice s)
{
	const char *p = buf_cstr(&t->text, s);

	if (t->text.overflow)
		t->overflow = true;
	return p;
}

const char *pg_txn_bytea(struct pg_txn *t, const unsigned char *p, size_t n)
{
	size_t start = t->text.len;

	buf_puts(&t->text, "\\x");
	buf_put_hex(&t->text, p, n);
	buf_putc(&t->text, '\0');
	if (t->text.overflow) {
		t->overflow = true;
		return NULL;
	}
	return t->text.p + start;
}

void pg_txn_defer(struct pg_txn *t, const char *sql, int nparams,
		  const char *const *params)
{
	if (t->n == PG_TXN_STMTS_MAX ||
	    (size_t)nparams > PG_TXN_PARAMS_MAX - t->nparams) {
		t->overflow = true;
		return;
	}
	/* the queue keeps its own copy of the pointers: the caller's array
	 * may be gone by the time it is sent */
	for (int i = 0; i < nparams; i++)
		t->params[t->nparams + (size_t)i] = params[i];
	t->queue[t->n++] = (struct pg_stmt){ sql, nparams,
					     nparams ? &t->params[t->nparams] : NULL };
	t->nparams += (size_t)nparams;
}

/* Sends the queue and s in one pipeline; s's result to *kept.  The queue
 * is empty after, whatever happened. */
static int send_queue(struct pg_txn *t, const struct pg_stmt *s,
		      struct pg_result **kept, char *err, size_t errlen)
{
	size_t n = t->n;
	int rc;

	*kept = NULL;
	t->n = 0;
	t->nparams = 0;
	if (t->overflow) {
		/* nothing is sent: the transaction never commits */
		set_err(err, errlen, "postgresql",
			"too many queued statements or parameters, or too large");
		t->overflow = false;
		buf_reset(&t->text);
		return -1;
	}
	t->queue[n] = *s;
	rc = pipeline(t->c, t->queue, n + 1, n, kept, err, errlen);
	buf_reset(&t->text);
	return rc;
}

struct pg_result *pg_txn_exec(struct pg_txn *t, const char *sql, int nparams,
			      const char *const *params, char *err, size_t errlen)
{
	const struct pg_stmt s = { sql, nparams, params };
	struct pg_result *r;

	return send_queue(t, &s, &r, err, errlen) ? NULL : r;
}

int pg_txn_commit(struct pg_txn *t, char *err, size_t errlen)
{
	const struct pg_stmt s = { "COMMIT", 0, NULL };
	struct pg_result *r;

	if (send_queue(t, &s, &r, err, errlen))
		return -1;
	pg_clear(r);
	return 0;
}

int pg_commit(struct pg_conn *c, char *err, size_t errlen)
{
	const struct pg_stmt s[] = { { "COMMIT", 0, NULL } };
	struct pg_result *r;

	if (pipeline(c, s, 1, 0, &r, err, errlen))
		return -1;
	pg_clear(r);
	return 0;
}

/* Before libpq is loaded there is no connection nor result to free. */
void pg_close(struct pg_conn *c)
{
	if (c)
		libpq.PQfinish(c);
}

void pg_clear(struct pg_result *r)
{
	if (r)
		libpq.PQclear(r);
}

int pg_rows(const struct pg_result *r)
{
	return libpq.PQntuples(r);
}

const char *pg_value(const struct pg_result *r, int row, int col)
{
	return libpq.PQgetvalue(r, row, col);
}

size_t pg_length(const struct pg_result *r, int row, int col)
{
	return (size_t)libpq.PQgetlength(r, row, col);
}

long pg_affected(struct pg_result *r)
{
	return strtol(libpq.PQcmdTuples(r), NULL, 10);
}
