/* pg: the PostgreSQL side: connect, one transaction, parameterised SQL.
 *
 * Only unnamed statements and no session state (no SET outside a
 * transaction, no prepared names), so PgBouncer's transaction pooling
 * works in front of us. */
#ifndef DB_PG_H
#define DB_PG_H

#include "lib/buf.h"

#include <stddef.h>

/* libpq's connection and result (its PGconn and PGresult), opaque
 * outside db/: only db/ includes libpq's header and calls libpq, and the
 * rest reads a result's rows through pg_rows, pg_value and pg_affected. */
struct pg_conn;
struct pg_result;

enum {
	/* libpq's connect_timeout per host unless PGCONNECT_TIMEOUT says
	 * otherwise; either way never past the request's deadline. */
	PG_CONNECT_SECONDS = 5,
	/* One round trip (a pipeline of up to three statements, of which
	 * one does real work): the transaction's statement_timeout (5 s)
	 * and a second for the server to say so. */
	PG_STEP_MS = 6000,
	/* Less time than this left before the request's deadline: a round
	 * trip is not started. */
	PG_MIN_STEP_MS = 200,
};

/* Connects with libpq's own environment (PGHOST, PGSERVICE, ...), with
 * libpq's connect_timeout per host sized to fit the request's time left
 * between PGHOST's hosts (2 s each at least; a name lookup has no
 * time-out), and makes the connection non-blocking: every later wait
 * ends by PG_STEP_MS or the request's deadline, and a time-out's message
 * names the server and the statements.  Returns NULL with a message in
 * err. */
struct pg_conn *pg_connect(char *err, size_t errlen);

/* "host:port" of c's server into out (a socket directory for a host on
 * a unix socket); never a password. */
const char *pg_server(struct pg_conn *c, char *out, size_t size);

/* Whether c's server takes writes: not a standby in recovery, not
 * transaction_read_only (/bank/health and --check ask the same).  0,
 * or -1 with err naming the server and why, or the query's error. */
int pg_takes_writes(struct pg_conn *c, char *err, size_t errlen);

/* BEGIN (with the given extra words, e.g. "ISOLATION LEVEL ...") and a
 * statement timeout of timeout_ms local to the transaction. */
int pg_begin(struct pg_conn *c, const char *mode, long long timeout_ms, char *err,
	     size_t errlen);

/* What pg_stream calls with each row (one row in r, which the caller
 * clears): 0 to go on, or -1 with err set to stop. */
typedef int pg_row_fn(void *arg, const struct pg_result *r, char *err, size_t errlen);

/* One statement whose rows are handed to row() one by one as they
 * arrive (libpq's single-row mode): memory is one row's, whatever the
 * table's size.  Each wait for more rows ends by PG_STEP_MS or the
 * request's deadline.  0 once every row was handed over, or -1 with
 * err; after -1 the connection is fit only for pg_close(). */
int pg_stream(struct pg_conn *c, const char *sql, int nparams,
	      const char *const *params, pg_row_fn *row, void *arg,
	      char *err, size_t errlen);

/* One parameterised statement; text parameters, NULL for SQL NULL.
 * Returns the result (PGRES_COMMAND_OK or PGRES_TUPLES_OK) or NULL with
 * a message in err.  The caller pg_clear()s it. */
struct pg_result *pg_exec(struct pg_conn *c, const char *sql, int nparams,
		  const char *const *params, char *err, size_t errlen);

/* One statement of a pipeline: its text and parameters. */
struct pg_stmt {
	const char *sql;
	int nparams;
	const char *const *params;
};

/* The statements s[0..n), their answers unread, in one round trip: 0,
 * or -1 with the first failure's message in err (those after it are not
 * run). */
int pg_exec_all(struct pg_conn *c, const struct pg_stmt *s, size_t n, char *err,
		size_t errlen);

/* The SQLSTATE of the statement whose failure the last pg_exec,
 * pg_exec_all or pg_txn call reported; "" when the failure was not a
 * statement's (the connection, a time-out). */
const char *pg_failed_sqlstate(void);

/* A request's transaction, written in the order it happens and sent in
 * as few round trips as its answers allow:
 *
 *	pg_txn_begin               BEGIN and the statement timeout, queued
 *	pg_txn_defer ...           a statement whose answer nobody reads
 *	                           (a lock, an audit row, a count), queued
 *	pg_txn_exec                a statement whose answer is needed: sent
 *	                           with everything queued, one round trip
 *	pg_txn_commit              COMMIT, sent with everything queued
 *
 * A deferred statement's parameters must outlive it: they are made with
 * pg_txn_text, in the memory given to pg_txn_begin, or live as long as
 * the request. */
enum { PG_TXN_STMTS_MAX = 4, PG_TXN_PARAMS_MAX = 24 };

/* It points into itself: pass it by pointer, never copy it. */
struct pg_txn {
	struct pg_conn *c;
	struct pg_stmt queue[PG_TXN_STMTS_MAX + 1];   /* and the one sent with them */
	size_t n;
	const char *params[PG_TXN_PARAMS_MAX];       /* the queued statements' */
	size_t nparams;
	struct buf text;                             /* their parameters' text */
	bool overflow;                               /* a defer did not fit */
};

/* Starts t on c: BEGIN ISOLATION LEVEL READ COMMITTED and a statement
 * timeout local to the transaction (PG_STEP_MS less a second), queued.
 * Deferred parameters go in mem. */
void pg_txn_begin(struct pg_txn *t, struct pg_conn *c, char *mem, size_t size);
/* s as a NUL-terminated parameter that lives as long as t's queue; NULL
 * when it does not fit (pg_txn_defer then fails). */
const char *pg_txn_text(struct pg_txn *t, struct slice s);
/* p[0..n) as a bytea parameter, "\x<hex>", likewise. */
const char *pg_txn_bytea(struct pg_txn *t, const unsigned char *p, size_t n);
/* Queues a statement; params come from pg_txn_text or outlive t. */
void pg_txn_defer(struct pg_txn *t, const char *sql, int nparams,
		  const char *const *params);
/* Sends what is queued and this statement, in one round trip, and
 * returns this one's result (the caller pg_clear()s it), or NULL with a
 * message in err naming what failed. */
struct pg_result *pg_txn_exec(struct pg_txn *t, const char *sql, int nparams,
			      const char *const *params, char *err, size_t errlen);
/* Sends what is queued and COMMIT; 0 only when the server said it
 * committed, else -1 with a message in err. */
int pg_txn_commit(struct pg_txn *t, char *err, size_t errlen);

/* COMMIT, and only 0 when the server said it committed. */
int pg_commit(struct pg_conn *c, char *err, size_t errlen);

/* Closes c (NULL: nothing). */
void pg_close(struct pg_conn *c);
/* Frees r (NULL: nothing). */
void pg_clear(struct pg_result *r);
/* r's rows; a row's column col as text ("" for NULL), and its length. */
int pg_rows(const struct pg_result *r);
const char *pg_value(const struct pg_result *r, int row, int col);
size_t pg_length(const struct pg_result *r, int row, int col);
/* How many rows r's INSERT, UPDATE or DELETE touched. */
long pg_affected(struct pg_result *r);

#endif
