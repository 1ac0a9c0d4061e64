/* libs: libpq's and hiredis's function names defined here as forwarders
 * to the dlopen()ed libraries, and the loading.  See libs.h. */
#include "libs.h"

#include <dlfcn.h>
#include <stdio.h>

#include <hiredis/hiredis.h>
#include <libpq-fe.h>

/* The sonames this program was built against (Makefile: LOAD_PQ_SONAME,
 * LOAD_HIREDIS_SONAME): a library of another ABI is never picked up. */
#ifndef LOAD_PQ_SONAME
#define LOAD_PQ_SONAME "libpq.so.5"
#endif
#ifndef LOAD_HIREDIS_SONAME
#define LOAD_HIREDIS_SONAME "libhiredis.so.0.14"
#endif

/* X(return type, name, parameters, arguments) for functions that return
 * a value; V(name, parameters, arguments) for those that return nothing
 * and may be called with NULL before anything was loaded. */
#define PQ_FUNCS(X, V) \
	X(PGconn *, PQconnectdbParams, (const char *const *k, const char *const *v, int e), (k, v, e)) \
	X(ConnStatusType, PQstatus, (const PGconn *c), (c)) \
	X(char *, PQerrorMessage, (const PGconn *c), (c)) \
	V(PQfinish, (PGconn *c), (c)) \
	X(PGVerbosity, PQsetErrorVerbosity, (PGconn *c, PGVerbosity v), (c, v)) \
	X(PQnoticeProcessor, PQsetNoticeProcessor, (PGconn *c, PQnoticeProcessor p, void *a), (c, p, a)) \
	X(ExecStatusType, PQresultStatus, (const PGresult *r), (r)) \
	X(char *, PQresultErrorMessage, (const PGresult *r), (r)) \
	V(PQclear, (PGresult *r), (r)) \
	X(char *, PQcmdStatus, (PGresult *r), (r)) \
	X(char *, PQcmdTuples, (PGresult *r), (r)) \
	X(int, PQntuples, (const PGresult *r), (r)) \
	X(char *, PQgetvalue, (const PGresult *r, int t, int f), (r, t, f)) \
	X(int, PQgetlength, (const PGresult *r, int t, int f), (r, t, f)) \
	X(char *, PQuser, (const PGconn *c), (c)) \
	X(char *, PQhost, (const PGconn *c), (c)) \
	X(char *, PQport, (const PGconn *c), (c)) \
	X(int, PQsocket, (const PGconn *c), (c)) \
	X(int, PQsetnonblocking, (PGconn *c, int a), (c, a)) \
	X(int, PQsetSingleRowMode, (PGconn *c), (c)) \
	X(int, PQflush, (PGconn *c), (c)) \
	X(int, PQconsumeInput, (PGconn *c), (c)) \
	X(int, PQisBusy, (PGconn *c), (c)) \
	X(PGpipelineStatus, PQpipelineStatus, (const PGconn *c), (c)) \
	X(char *, PQdb, (const PGconn *c), (c)) \
	X(int, PQenterPipelineMode, (PGconn *c), (c)) \
	X(int, PQexitPipelineMode, (PGconn *c), (c)) \
	X(int, PQpipelineSync, (PGconn *c), (c)) \
	X(int, PQsendQueryParams, (PGconn *c, const char *q, int n, const Oid *t, \
		const char *const *v, const int *l, const int *f, int r), (c, q, n, t, v, l, f, r)) \
	X(PGresult *, PQgetResult, (PGconn *c), (c))

#define REDIS_FUNCS(X, V) \
	X(redisContext *, redisConnectWithTimeout, (const char *ip, int port, const struct timeval tv), (ip, port, tv)) \
	X(redisContext *, redisConnectUnixWithTimeout, (const char *path, const struct timeval tv), (path, tv)) \
	V(redisFree, (redisContext *c), (c)) \
	X(int, redisSetTimeout, (redisContext *c, const struct timeval tv), (c, tv)) \
	X(void *, redisCommandArgv, (redisContext *c, int n, const char **v, const size_t *l), (c, n, v, l)) \
	V(freeReplyObject, (void *r), (r)) \
	X(int, redisAppendCommandArgv, (redisContext *c, int n, const char **v, const size_t *l), (c, n, v, l)) \
	X(int, redisGetReply, (redisContext *c, void **r), (c, r))

/* The pointers to the real functions.  params is a parenthesised
 * parameter list: it must not be parenthesised again. */
// NOLINTNEXTLINE(bugprone-macro-parentheses)
#define POINTER(ret, name, params, args) static ret(*real_##name) params;
// NOLINTNEXTLINE(bugprone-macro-parentheses)
#define POINTER_V(name, params, args) static void(*real_##name) params;
PQ_FUNCS(POINTER, POINTER_V)
REDIS_FUNCS(POINTER, POINTER_V)

/* The forwarders.  A value-returning one is only reachable after its
 * library loaded (through pg_connect or cache_connect). */
#define FORWARD(ret, name, params, args) \
	ret name params { return real_##name args; }
#define FORWARD_V(name, params, args) \
	void name params { if (real_##name) real_##name args; }
PQ_FUNCS(FORWARD, FORWARD_V)
REDIS_FUNCS(FORWARD, FORWARD_V)

/* dlsym's result is a data pointer; POSIX guarantees it converts. */
#define RESOLVE(ret, name, params, args) \
	if (!(*(void **)&real_##name = dlsym(h, #name))) missing = #name;
#define RESOLVE_V(name, params, args) RESOLVE(void, name, params, args)

/* Each sets every real_ pointer of its library; the name of one it
 * could not find, or NULL. */
static const char *resolve_pq(void *h)
{
	const char *missing = NULL;

	PQ_FUNCS(RESOLVE, RESOLVE_V)
	return missing;
}

static const char *resolve_redis(void *h)
{
	const char *missing = NULL;

	REDIS_FUNCS(RESOLVE, RESOLVE_V)
	return missing;
}

/* RTLD_LAZY, as a normal link would bind: RTLD_NOW would resolve every
 * function of libpq's twenty dependencies, of which a request calls a
 * handful.  Libraries built with BIND_NOW (libpq itself) still are. */
static int load(void **h, const char *soname, const char *(*resolve)(void *),
		char *err, size_t errlen)
{
	const char *missing;

	if (*h)
		return 0;
	*h = dlopen(soname, RTLD_LAZY | RTLD_LOCAL);
	if (!*h) {
		snprintf(err, errlen, "cannot load %s: %s", soname, dlerror());
		return -1;
	}
	missing = resolve(*h);
	if (missing) {
		snprintf(err, errlen, "%s has no %s", soname, missing);
		*h = NULL;
		return -1;
	}
	return 0;
}

int libs_load_pq(char *err, size_t errlen)
{
	static void *h;

	return load(&h, LOAD_PQ_SONAME, resolve_pq, err, errlen);
}

int libs_load_redis(char *err, size_t errlen)
{
	static void *h;

	return load(&h, LOAD_HIREDIS_SONAME, resolve_redis, err, errlen);
}
