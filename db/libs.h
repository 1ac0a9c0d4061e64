/* libs: defines libpq's and hiredis's own function names (PQ*, redis*,
 * freeReplyObject) as forwarders to those libraries, dlopen()ed on the
 * first connect.
 *
 * So the linker never sees libpq or hiredis: db/libs.c, not the
 * libraries, is where PQconnectdbParams or redisCommandArgv of every
 * call site resolves, and each forwarder calls through a pointer that
 * libs_load_pq / libs_load_redis fill with dlsym.  A function the
 * program starts to call must be added to PQ_FUNCS or REDIS_FUNCS in
 * db/libs.c, or the link fails.  Call sites use the ordinary libpq and
 * hiredis API.
 *
 * Why: a forged callback is refused before anything is connected to,
 * so it should not pay for loading libpq's 20-odd dependencies
 * (Kerberos, LDAP, GnuTLS, ...): that loading was most of its cost. */
#ifndef DB_LIBS_H
#define DB_LIBS_H

#include <stddef.h>

/* Loads libpq (resp. hiredis) once.  0, or -1 with a message in err. */
int libs_load_pq(char *err, size_t errlen);
int libs_load_redis(char *err, size_t errlen);

#endif
