/* check: --check's look at PostgreSQL and Redis, as a request will see
 * them.  Each prints "ok WHAT: ..." or "FAIL WHAT: ..." lines on stdout
 * (never a password) and returns 0, or 1 when anything failed. */
#ifndef DB_CHECK_H
#define DB_CHECK_H

#include "cache.h"

/* The schema version this binary's statements need: the number of the
 * last sql/ file they depend on, which each file from 007 on records in
 * bank_callback_schema_version.  Raise it with the file that needs it. */
/* 008: the replay lookup reads bank_callback_signatures; 009: the back
 * office counts on a NOTIFY for each new top-up. */
enum { SCHEMA_VERSION_NEEDED = 12 };

/* The server (host:port, role, database) takes writes; the schema is at
 * SCHEMA_VERSION_NEEDED or later with no file skipped; the role may run
 * every statement of statements.h. */
int check_postgresql(void);

struct pg_conn;
/* What /bank/health asks besides writes: every statement a request runs
 * can be planned as this role, that is the tables and columns are the
 * ones this binary uses and the role may use them.  The statements are
 * written in mem.  One round trip: 0, or -1 with the first failure in
 * err. */
int check_statements_fit(struct pg_conn *c, char *mem, size_t size, char *err,
			 size_t errlen);

/* The Redis settings (BANK_CALLBACK_REDIS and its kin, see
 * cache_settings_init) are sound, and Redis is reached and logged in to
 * as they say, and is a master. */
int check_redis(const char *address, const char *password_file,
		const char *sentinels, const char *master);

/* --version: the libpq and hiredis this binary loads, their versions
 * and files, one line each (or why one does not load). */
void check_print_libraries(void);

#endif
