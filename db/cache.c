/* cache: Redis access.  See cache.h. */
#include "cache.h"
#include "libs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { PAIRS_PER_HSET = 500 };

redisContext *cache_connect(const char *spec, char *err, size_t errlen)
{
	struct timeval tv = { 1, 0 };
	redisContext *c;

	if (libs_load_redis(err, errlen))
		return NULL;
	if (strncmp(spec, "unix:", 5) == 0) {
		c = redisConnectUnixWithTimeout(spec + 5, tv);
	} else {
		char host[256];
		const char *colon = strrchr(spec, ':');
		char *end;
		long port = colon ? strtol(colon + 1, &end, 10) : 0;

		if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host ||
		    *end != '\0' || port < 1 || port > 65535) {
			snprintf(err, errlen, "redis: bad address %s", spec);
			return NULL;
		}
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = '\0';
		c = redisConnectWithTimeout(host, (int)port, tv);
	}
	if (!c || c->err) {
		snprintf(err, errlen, "redis connect %s: %s", spec,
			 c ? c->errstr : "out of memory");
		redisFree(c);
		return NULL;
	}
	if (redisSetTimeout(c, tv) != REDIS_OK) {
		snprintf(err, errlen, "redis: cannot set a time-out");
		redisFree(c);
		return NULL;
	}
	return c;
}

/* Checks one reply; frees it. */
static int reply_ok(redisContext *c, redisReply *r, char *err, size_t errlen)
{
	int ok = r && r->type != REDIS_REPLY_ERROR;

	if (!ok)
		snprintf(err, errlen, "redis: %s",
			 r ? r->str : (c->err ? c->errstr : "no reply"));
	freeReplyObject(r);
	return ok ? 0 : -1;
}

int cache_hset(redisContext *c, const char *key, struct slice field,
	       struct slice value, char *err, size_t errlen)
{
	redisReply *r = redisCommand(c, "HSET %s %b %b", key, field.p,
				     field.len, value.p, value.len);

	return reply_ok(c, r, err, errlen);
}

/* HSET tmp with up to PAIRS_PER_HSET pairs per command, pipelined. */
static int fill_hash(redisContext *c, const char *tmp, size_t n,
		     const char *const *fields, const char *const *values,
		     char *err, size_t errlen)
{
	static const char *argv[2 + 2 * PAIRS_PER_HSET];
	size_t commands = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i += PAIRS_PER_HSET) {
		size_t k = n - i < PAIRS_PER_HSET ? n - i : PAIRS_PER_HSET;

		argv[0] = "HSET";
		argv[1] = tmp;
		for (size_t j = 0; j < k; j++) {
			argv[2 + 2 * j] = fields[i + j];
			argv[3 + 2 * j] = values[i + j];
		}
		if (redisAppendCommandArgv(c, (int)(2 + 2 * k), argv, NULL) != REDIS_OK)
			return reply_ok(c, NULL, err, errlen);
		commands++;
	}
	for (size_t i = 0; i < commands; i++) {
		void *r = NULL;

		if (redisGetReply(c, &r) != REDIS_OK)
			return reply_ok(c, NULL, err, errlen);
		if (reply_ok(c, r, err, errlen))
			rc = -1;
	}
	return rc;
}

int cache_replace_hash(redisContext *c, const char *key, size_t n,
		       const char *const *fields, const char *const *values,
		       char *err, size_t errlen)
{
	char tmp[128];
	redisReply *r;

	/* Per-process name: two rebuilds at once never share a half-built
	 * hash.  The expiry cleans up after a rebuild that died half-way;
	 * PERSIST inside the MULTI removes it from the finished hash. */
	snprintf(tmp, sizeof tmp, "%s.rebuild.%ld", key, (long)getpid());
	if (reply_ok(c, redisCommand(c, "DEL %s", tmp), err, errlen))
		return -1;
	if (n == 0)
		return reply_ok(c, redisCommand(c, "DEL %s", key), err, errlen);
	if (fill_hash(c, tmp, n, fields, values, err, errlen) ||
	    reply_ok(c, redisCommand(c, "EXPIRE %s 600", tmp), err, errlen) ||
	    reply_ok(c, redisCommand(c, "MULTI"), err, errlen) ||
	    reply_ok(c, redisCommand(c, "RENAME %s %s", tmp, key), err, errlen) ||
	    reply_ok(c, redisCommand(c, "PERSIST %s", key), err, errlen))
		return -1;
	r = redisCommand(c, "EXEC");
	if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type == REDIS_REPLY_ERROR) {
		freeReplyObject(r);
		snprintf(err, errlen, "redis: rename of %s failed", tmp);
		return -1;
	}
	freeReplyObject(r);
	return 0;
}
