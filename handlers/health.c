/* health: readiness for a load balancer.  The handler is useless
 * without a PostgreSQL that takes writes, so "healthy" means: connected,
 * and the server is neither a standby in recovery nor read-only (after
 * a failover the old primary may come back first in PGHOST as a
 * standby; every callback would get 503 while a bare SELECT 1 passed). */
#include "handlers.h"
#include "db/check.h"
#include "db/pg.h"

void handle_health(struct ctx *x, const void *arg)
{
	char err[512];
	struct pg_conn *c = pg_connect(err, sizeof err);
	int rc;

	(void)arg;
	if (!c) {
		reply_error(x, 503, err);
		return;
	}
	/* and every statement a callback runs can be planned: a database
	 * whose tables are not the ones this binary uses fails each one */
	rc = pg_takes_writes(c, err, sizeof err) ||
	     check_statements_fit(c, x->mem->params, sizeof x->mem->params, err,
				  sizeof err);
	pg_close(c);
	if (rc) {
		reply_error(x, 503, err);
		return;
	}
	x->verdict = VERDICT_OK;
	/* a balancer asks every few seconds: not news */
	x->prio = LOG_DEBUG;
	reply_text(x, 200, "ok\n");
}
