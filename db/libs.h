/* libs: libpq and hiredis, loaded when a request first needs them.
 *
 * A forged callback is refused before anything is connected to, so it
 * should not pay for loading libpq's 20-odd dependencies (Kerberos,
 * LDAP, GnuTLS, ...): that loading was most of its cost.  This file
 * defines the libpq and hiredis functions the program calls as small
 * forwarders to the real ones, which are dlopen()ed by soname on the
 * first connect.  Call sites use the ordinary libpq and hiredis API. */
#ifndef DB_LIBS_H
#define DB_LIBS_H

#include <stddef.h>

/* Loads libpq (resp. hiredis) once.  0, or -1 with a message in err. */
int libs_load_pq(char *err, size_t errlen);
int libs_load_redis(char *err, size_t errlen);

#endif
