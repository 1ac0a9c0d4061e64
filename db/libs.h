/* libs: libpq and hiredis, dlopen()ed on the first connect, and the one
 * table of their functions that db/ calls them through.
 *
 * Why: a forged callback is refused before anything is connected to,
 * so it should not pay for loading libpq's 20-odd dependencies
 * (Kerberos, LDAP, GnuTLS, ...): that loading was most of its cost.
 *
 * Only db/ includes this header, libpq's or hiredis's: the rest of the
 * program holds a connection as an opaque pointer (db/pg.h, db/cache.h)
 * and never calls either library.  Each member has the type of the
 * library's own declaration (typeof), so no prototype is written twice.
 * A member is set only by a load that found them all, and a connection
 * exists only after its load: nothing can call through a NULL member.
 * The sonames loaded are declared in the binary's .note.dlopen (libs.c),
 * for packaging tools, since ldd cannot see them. */
#ifndef DB_LIBS_H
#define DB_LIBS_H

#include <stddef.h>

#include <hiredis/hiredis.h>
#include <libpq-fe.h>

/* The functions db/ calls: one to add is one name here. */
#define LIBS_PQ(X) \
	X(PQconnectdbParams) X(PQstatus) X(PQerrorMessage) X(PQfinish) \
	X(PQsetErrorVerbosity) X(PQsetNoticeProcessor) X(PQresultStatus) \
	X(PQresultErrorMessage) X(PQresultErrorField) X(PQclear) X(PQcmdStatus) X(PQcmdTuples) \
	X(PQntuples) X(PQgetvalue) X(PQgetlength) X(PQuser) \
	X(PQhost) X(PQport) X(PQdb) X(PQsocket) X(PQsetnonblocking) \
	X(PQsetSingleRowMode) X(PQflush) X(PQconsumeInput) X(PQisBusy) \
	X(PQpipelineStatus) X(PQenterPipelineMode) X(PQexitPipelineMode) \
	X(PQpipelineSync) X(PQsendQueryParams) X(PQgetResult) X(PQlibVersion)

#define LIBS_REDIS(X) \
	X(redisConnectWithTimeout) X(redisConnectUnixWithTimeout) X(redisFree) \
	X(redisSetTimeout) X(redisCommandArgv) X(freeReplyObject) \
	X(redisAppendCommandArgv) X(redisGetReply)

/* name is a member's name here: it cannot be parenthesised. */
// NOLINTNEXTLINE(bugprone-macro-parentheses)
#define LIBS_MEMBER(name) __typeof__(name) *name;
struct libs_pq {
	LIBS_PQ(LIBS_MEMBER)
};
struct libs_redis {
	LIBS_REDIS(LIBS_MEMBER)
};
#undef LIBS_MEMBER

/* Filled by libs_load_pq and libs_load_redis; read-only after. */
extern struct libs_pq libpq;
extern struct libs_redis libhiredis;

/* Loads libpq (resp. hiredis) once.  0, or -1 with a message in err
 * naming the soname and what failed. */
int libs_load_pq(char *err, size_t errlen);
int libs_load_redis(char *err, size_t errlen);

/* "libpq 15.10 (/usr/lib/.../libpq.so.5)", or the load's error, into
 * out: what --check and --version say of a library. */
void libs_describe_pq(char *out, size_t size);
void libs_describe_redis(char *out, size_t size);

#endif
