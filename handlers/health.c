/* health: liveness for a load balancer.  The handler is useless without
 * PostgreSQL, so "alive" means "PostgreSQL answers". */
#include "handlers.h"
#include "../db/pg.h"

void handle_health(struct ctx *x, const void *arg)
{
	char err[256];
	PGconn *c = pg_connect(err, sizeof err);
	PGresult *r;

	(void)arg;
	if (!c) {
		reply_error(x, 503, err);
		return;
	}
	r = pg_exec(c, "SELECT 1", 0, NULL, err, sizeof err);
	PQfinish(c);
	if (!r) {
		reply_error(x, 503, err);
		return;
	}
	PQclear(r);
	x->outcome = "ok";
	reply_text(x, 200, "ok\n");
}
