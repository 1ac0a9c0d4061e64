/* cache: the Redis side.  Redis is a cache of PostgreSQL: a failure here
 * is logged, never fatal to a callback, and RefreshRedis repairs it. */
#ifndef DB_CACHE_H
#define DB_CACHE_H

#include "../buf.h"

#include <hiredis/hiredis.h>
#include <stddef.h>

/* spec: "unix:/path" or "host:port".  Connect and command time-outs are
 * one second each, so a hung Redis cannot hold an acknowledgement back
 * for long.  NULL with a message in err on failure. */
redisContext *cache_connect(const char *spec, char *err, size_t errlen);

/* HSET key field value.  0, or -1 with a message in err. */
int cache_hset(redisContext *c, const char *key, struct slice field,
	       struct slice value, char *err, size_t errlen);

/* Replaces hash key with the n pairs fields[i] => values[i], atomically
 * for readers: built under a temporary key, then RENAMEd over key. */
int cache_replace_hash(redisContext *c, const char *key, size_t n,
		       const char *const *fields, const char *const *values,
		       char *err, size_t errlen);

#endif
