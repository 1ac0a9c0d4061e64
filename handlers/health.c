/* health: readiness for a load balancer.  The handler is useless
 * without a PostgreSQL that takes writes, so "healthy" means: connected,
 * and the server is neither a standby in recovery nor read-only (after
 * a failover the old primary may come back first in PGHOST as a
 * standby; every callback would get 503 while a bare SELECT 1 passed). */
#include "handlers.h"
#include "../db/statements.h"
#include "../db/pg.h"

#include <stdio.h>
#include <string.h>

const char sql_health[] =
	"SELECT pg_catalog.pg_is_in_recovery(), "
	"pg_catalog.current_setting('transaction_read_only')";

void handle_health(struct ctx *x, const void *arg)
{
	char err[512], server[300], why[400];
	PGconn *c = pg_connect(err, sizeof err);
	PGresult *r;

	(void)arg;
	if (!c) {
		reply_error(x, 503, err);
		return;
	}
	r = pg_exec(c, sql_health, 0, NULL, err, sizeof err);
	pg_server(c, server, sizeof server);
	PQfinish(c);
	if (!r) {
		reply_error(x, 503, err);
		return;
	}
	if (strcmp(PQgetvalue(r, 0, 0), "f") != 0 ||
	    strcmp(PQgetvalue(r, 0, 1), "off") != 0) {
		snprintf(why, sizeof why, "postgresql %s cannot take writes (%s)",
			 server, strcmp(PQgetvalue(r, 0, 0), "f") != 0
			 ? "a standby in recovery" : "transaction_read_only is on");
		PQclear(r);
		reply_error(x, 503, why);
		return;
	}
	PQclear(r);
	x->outcome = "ok";
	/* a balancer asks every few seconds: not news */
	x->prio = LOG_DEBUG;
	reply_text(x, 200, "ok\n");
}
