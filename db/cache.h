/* cache: the Redis side.  Redis is a cache of PostgreSQL: a failure here
 * is logged, never fatal to a callback, and RefreshRedis repairs it. */
#ifndef DB_CACHE_H
#define DB_CACHE_H

#include "../buf.h"
#include "redis_address.h"

#include <hiredis/hiredis.h>
#include <stddef.h>

enum {
	/* The socket time-out of each connect and of each read or write
	 * of a command, never past the request's deadline (deadline.h). */
	CACHE_STEP_MS = 1000,
	/* Connecting and logging in, however many sentinels are asked:
	 * an acknowledgement waits for the cache, so a hung Redis must not
	 * hold it back for long. */
	CACHE_CONNECT_MS = 3000,
};

/* Where Redis is and how to log in: BANK_CALLBACK_REDIS and its
 * companions, parsed. */
struct cache_settings {
	struct redis_address address;
	const char *password_file;     /* NULL: none */
	struct redis_server sentinels[REDIS_SENTINELS_MAX];
	size_t nsentinels;             /* 0: address names the server */
	const char *master;            /* Sentinel's name for the master */
};

/* Parses the settings (NULL where unset; address NULL is
 * 127.0.0.1:6379).  0, or -1 with err (no secret in it). */
int cache_settings_init(struct cache_settings *cs, const char *address,
			const char *password_file, const char *sentinels,
			const char *master, char *err, size_t errlen);

/* Where and as whom, for --check: never the password. */
void cache_settings_describe(const struct cache_settings *cs, char *out,
			     size_t size);

/* Connects, AUTHs and SELECTs as cs says.  With sentinels, asks each in
 * turn for the master and takes the first that ROLE confirms is one.
 * NULL with err naming the step and the server (never a password, never
 * the text of an error reply: only its code). */
redisContext *cache_connect(const struct cache_settings *cs, char *err,
			    size_t errlen);

/* ROLE's first word ("master", "slave", "sentinel") into role.  0, or
 * -1 with err. */
int cache_role(redisContext *c, char *role, size_t size, char *err,
	       size_t errlen);

/* HSET key field value.  0, or -1 with a message in err. */
int cache_hset(redisContext *c, const char *key, struct slice field,
	       struct slice value, char *err, size_t errlen);

/* Replaces hash key with the n pairs fields[i] => values[i], atomically
 * for readers: built under a temporary key, then RENAMEd over key. */
int cache_replace_hash(redisContext *c, const char *key, size_t n,
		       const char *const *fields, const char *const *values,
		       char *err, size_t errlen);

#endif
