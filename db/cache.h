/* cache: the Redis side.  Redis is a cache of PostgreSQL: a failure here
 * is logged, never fatal to a callback, and RefreshRedis repairs it. */
#ifndef DB_CACHE_H
#define DB_CACHE_H

#include "lib/buf.h"
#include "redis_address.h"

#include <stdbool.h>
#include <stddef.h>

/* BANK_CALLBACK_REDIS unset, and no Sentinels: the local Redis. */
#define CACHE_DEFAULT_ADDRESS "127.0.0.1:6379"

/* hiredis's connection (its redisContext), opaque outside db/. */
struct redisContext;

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
 * CACHE_DEFAULT_ADDRESS).  0, or -1 with err (no secret in it). */
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
struct redisContext *cache_connect(const struct cache_settings *cs, char *err,
			    size_t errlen);

/* Closes c (NULL: nothing). */
void cache_close(struct redisContext *c);

/* ROLE's first word ("master", "slave", "sentinel") into role.  0, or
 * -1 with err. */
int cache_role(struct redisContext *c, char *role, size_t size, char *err,
	       size_t errlen);

/* HSET key field value.  0, or -1 with a message in err. */
int cache_hset(struct redisContext *c, const char *key, struct slice field,
	       struct slice value, char *err, size_t errlen);

/* A master that fails over in the moment after a write may lose it (the
 * replica promoted never had it): WAIT until one replica has c's writes,
 * CACHE_WAIT_MS at most (a linked replica answers in about a
 * millisecond; the margin is for a loaded host).  0 once one has, or -1
 * with err saying none did, or why the WAIT failed. */
enum { CACHE_WAIT_MS = 500 };
int cache_wait_replica(struct redisContext *c, char *err, size_t errlen);

/* Hashes rebuilt from a stream of pairs (RefreshRedis).  Each is built
 * aside under a random name, so two rebuilds at once, on one host or on
 * two, never share a half-built hash; then one MULTI/EXEC RENAMEs them
 * all over their keys, so a reader sees the old hashes or the new ones.
 * Memory is one batch of pairs and the commands in flight, however many
 * pairs there are. */
enum {
	CACHE_REBUILD_MAPS = 4,
	CACHE_REBUILD_PAIRS = 500,         /* pairs per HSET command */
	CACHE_REBUILD_TEXT = 64 * 1024,    /* bytes of one batch's pairs */
	/* HSETs sent whose replies are not read yet: enough to keep Redis
	 * busy while we read PostgreSQL, few enough to bound our buffer. */
	CACHE_REBUILD_WINDOW = 16,
};

struct cache_rebuild {
	struct redisContext *c;
	size_t nmaps;
	struct {
		const char *key;
		char tmp[128];
		size_t pairs;          /* sent to tmp (or, after the swap, key) */
	} maps[CACHE_REBUILD_MAPS];
	bool live;                     /* swapped: pairs now go to the keys */
	size_t map;                    /* the map the batch is for */
	size_t batch, used;            /* pairs and bytes in the batch */
	size_t in_flight;              /* commands whose reply is unread */
	size_t since_renew;            /* HSETs since the temp keys' EXPIRE */
	const char *argv[2 + 2 * CACHE_REBUILD_PAIRS];
	size_t lens[2 + 2 * CACHE_REBUILD_PAIRS];
	char text[CACHE_REBUILD_TEXT];
};

/* Starts rebuilding the n hashes keys[] over connection c.  0, or -1
 * with err. */
int cache_rebuild_begin(struct cache_rebuild *b, struct redisContext *c,
			const char *const *keys, size_t n, char *err,
			size_t errlen);

/* Adds field => value to hash keys[map]: before the swap to its
 * temporary key, after it to the key itself. */
int cache_rebuild_add(struct cache_rebuild *b, size_t map, struct slice field,
		      struct slice value, char *err, size_t errlen);

/* Sends what is left and reads every reply.  0, or -1 with err. */
int cache_rebuild_flush(struct cache_rebuild *b, char *err, size_t errlen);

/* Flushes, then in one MULTI/EXEC RENAMEs each temporary hash over its
 * key (UNLINK only, for a hash that got no pair).  0, or -1 with err. */
int cache_rebuild_swap(struct cache_rebuild *b, char *err, size_t errlen);

#endif
