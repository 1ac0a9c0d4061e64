/* check: --check's look at PostgreSQL and Redis, as a request will see
 * them.  Each prints "ok WHAT: ..." or "FAIL WHAT: ..." lines on stdout
 * (never a password) and returns 0, or 1 when anything failed. */
#ifndef DB_CHECK_H
#define DB_CHECK_H

#include "cache.h"

/* The server (host:port, role, database) takes writes; the schema's
 * tables are there; the role may run every statement of statements.h. */
int check_postgresql(void);

/* Redis is reached and logged in to as cs says, and is a master. */
int check_redis(const struct cache_settings *cs);

#endif
