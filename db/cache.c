/* cache: Redis access.  See cache.h. */
#include "cache.h"
#include "libs.h"
#include "lib/readfile.h"
#include "lib/hex.h"
#include "deadline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Redis's error codes we expect, each with what an operator should read.
 * The rest of an error reply is never logged: it can quote arguments
 * (a customer id in an HSET). */
static const struct {
	const char *code, *meaning;
} redis_errors[] = {
	{ "NOAUTH", "authentication required: give a password" },
	{ "WRONGPASS", "wrong user name or password" },
	{ "NOPERM", "the user lacks a permission" },
	{ "READONLY", "a replica, not the master: cannot take writes" },
	{ "MASTERDOWN", "the replica lost its master" },
	{ "LOADING", "still loading its data" },
	{ "BUSY", "busy running a script" },
	{ "OOM", "out of memory (maxmemory)" },
	{ "MISCONF", "refuses writes: persistence failed" },
	{ "WRONGTYPE", "the key holds another type" },
	{ "EXECABORT", "the transaction was aborted" },
	{ "ERR", "error" },
};

/* The server's name, from the context: never a password. */
static void server_of(const struct redisContext *c, char *out, size_t size)
{
	struct redis_server s = { .port = c->tcp.port };

	snprintf(s.host, sizeof s.host, "%s", c->tcp.host ? c->tcp.host : "");
	snprintf(s.path, sizeof s.path, "%s", c->unix_sock.path ? c->unix_sock.path : "");
	redis_server_describe(&s, out, size);
}

/* err = "redis STEP at SERVER: what", with what reduced to something
 * that holds no data: the error reply's code, or the connection's
 * failure (a time-out said as such). */
static void set_failure(const struct redisContext *c, const redisReply *r, const char *step,
			int saved_errno, char *err, size_t errlen)
{
	char server[REDIS_HOST_MAX + 16], code[16];
	const char *what = "no reply";

	server_of(c, server, sizeof server);
	if (r && r->type == REDIS_REPLY_ERROR) {
		size_t n = strspn(r->str, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");

		snprintf(code, sizeof code, "%.*s", (int)(n < sizeof code ? n : 0), r->str);
		what = "an error we do not know";
		for (size_t i = 0; i < sizeof redis_errors / sizeof redis_errors[0]; i++)
			if (strcmp(code, redis_errors[i].code) == 0)
				what = redis_errors[i].meaning;
		/* Redis answers a password it has none for with a bare ERR
		 * ("AUTH <password> called without any password configured") */
		if (strcmp(step, "AUTH") == 0 && strcmp(code, "ERR") == 0)
			what = "AUTH refused: this Redis has no password; give none";
		snprintf(err, errlen, "redis %s at %s: %s (%s)", step, server,
			 code[0] ? code : "?", what);
		return;
	}
	if (r)
		what = "an unexpected reply";
	else if (c->err == REDIS_ERR_IO && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK))
		what = "timed out";
	else if (c->err == REDIS_ERR_IO || c->err == REDIS_ERR_OTHER)
		what = c->errstr;      /* strerror's text or a resolver's */
	else if (c->err == REDIS_ERR_EOF)
		what = "connection closed";
	else if (c->err == REDIS_ERR_PROTOCOL)
		what = "protocol error";
	else if (c->err == REDIS_ERR_OOM)
		what = "out of memory";
	snprintf(err, errlen, "redis %s at %s: %s", step, server, what);
}

/* Runs one command (argv form: arguments are never parsed) and checks
 * its reply has the type want (REDIS_REPLY_* ; 0: anything but an
 * error).  The reply goes to *out if out, else is freed.  0, or -1. */
static int command(struct redisContext *c, const char *step, int want,
		   redisReply **out, char *err, size_t errlen, int argc,
		   const char **argv, const size_t *lens)
{
	redisReply *r;
	int e;

	errno = 0;
	r = libhiredis.redisCommandArgv(c, argc, argv, lens);
	e = errno;
	if (!r || r->type == REDIS_REPLY_ERROR || (want && r->type != want)) {
		set_failure(c, r, step, e, err, errlen);
		libhiredis.freeReplyObject(r);
		return -1;
	}
	if (out)
		*out = r;
	else
		libhiredis.freeReplyObject(r);
	return 0;
}

#define COMMAND(c, step, want, out, err, errlen, ...) \
	command(c, step, want, out, err, errlen, \
		(int)(sizeof (const char *[]){ __VA_ARGS__ } / sizeof(const char *)), \
		(const char *[]){ __VA_ARGS__ }, NULL)

/* The socket time-out for a step that must end by end (now_ms): at most
 * CACHE_STEP_MS, never past end nor the request's deadline. */
static struct timeval timeout(long long end)
{
	long long ms = deadline_left(CACHE_STEP_MS);

	if (end - now_ms() < ms)
		ms = end - now_ms();

	/* 0 would mean "no time-out" to the kernel */
	if (ms < 1)
		ms = 1;
	return (struct timeval){ (time_t)(ms / 1000), (suseconds_t)(ms % 1000 * 1000) };
}

static struct redisContext *connect_to(const struct redis_server *s, long long end,
				char *err, size_t errlen)
{
	char name[REDIS_HOST_MAX + 16];
	struct redisContext *c;

	errno = 0;
	c = s->host[0] ? libhiredis.redisConnectWithTimeout(s->host, s->port, timeout(end))
		       : libhiredis.redisConnectUnixWithTimeout(s->path, timeout(end));
	if (!c || c->err) {
		redis_server_describe(s, name, sizeof name);
		if (!c)
			snprintf(err, errlen, "redis connect to %s: out of memory", name);
		else
			set_failure(c, NULL, "connect", errno, err, errlen);
		cache_close(c);
		return NULL;
	}
	/* Each read and write of a command gets the same time-out
	 * (SO_RCVTIMEO, SO_SNDTIMEO): a callback sends two commands at
	 * most after logging in. */
	if (libhiredis.redisSetTimeout(c, timeout(end)) != REDIS_OK) {
		set_failure(c, NULL, "time-out setting", errno, err, errlen);
		cache_close(c);
		return NULL;
	}
	return c;
}

/* AUTH and SELECT, as the address asks. */
static int log_in(struct redisContext *c, const struct redis_address *a,
		  const char *password, char *err, size_t errlen)
{
	char db[16];

	if (password && a->user[0] &&
	    COMMAND(c, "AUTH", 0, NULL, err, errlen, "AUTH", a->user, password))
		return -1;
	if (password && !a->user[0] &&
	    COMMAND(c, "AUTH", 0, NULL, err, errlen, "AUTH", password))
		return -1;
	snprintf(db, sizeof db, "%d", a->db);
	if (a->db && COMMAND(c, "SELECT", 0, NULL, err, errlen, "SELECT", db))
		return -1;
	return 0;
}

int cache_role(struct redisContext *c, char *role, size_t size, char *err,
	       size_t errlen)
{
	redisReply *r;
	int ok;

	if (COMMAND(c, "ROLE", REDIS_REPLY_ARRAY, &r, err, errlen, "ROLE"))
		return -1;
	ok = r->elements > 0 && r->element[0]->type == REDIS_REPLY_STRING;
	snprintf(role, size, "%s", ok ? r->element[0]->str : "?");
	libhiredis.freeReplyObject(r);
	return 0;
}

/* Asks sentinel s for master name's address.  0, or -1. */
static int ask_sentinel(const struct redis_server *s, const char *name,
			long long end, struct redis_server *master, char *err,
			size_t errlen)
{
	struct redisContext *c = connect_to(s, end, err, errlen);
	redisReply *r = NULL;
	int rc = -1;

	if (!c)
		return -1;
	if (COMMAND(c, "SENTINEL get-master-addr-by-name", 0, &r, err, errlen,
		    "SENTINEL", "get-master-addr-by-name", name) == 0) {
		char sname[REDIS_HOST_MAX + 16], port[16];

		redis_server_describe(s, sname, sizeof sname);
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[1]->type != REDIS_REPLY_STRING) {
			snprintf(err, errlen, "redis sentinel %s knows no master %s",
				 sname, name);
		} else {
			snprintf(port, sizeof port, "%s", r->element[1]->str);
			snprintf(master->host, sizeof master->host, "%s",
				 r->element[0]->str);
			master->path[0] = '\0';
			master->port = (int)strtol(port, NULL, 10);
			rc = master->port > 0 && master->port < 65536 &&
			     strlen(r->element[0]->str) < sizeof master->host ? 0 : -1;
			if (rc)
				snprintf(err, errlen, "redis sentinel %s: a bad master address",
					 sname);
		}
	}
	libhiredis.freeReplyObject(r);
	cache_close(c);
	return rc;
}

/* Connects to what sentinel i names as the master and confirms with
 * ROLE that it is one: a sentinel may not yet know of a failover. */
static struct redisContext *master_via(const struct cache_settings *cs, size_t i,
				const char *password, long long end, char *err,
				size_t errlen)
{
	struct redis_server master;
	char role[32], name[REDIS_HOST_MAX + 16];
	struct redisContext *c;

	if (ask_sentinel(&cs->sentinels[i], cs->master, end, &master, err, errlen))
		return NULL;
	c = connect_to(&master, end, err, errlen);
	if (!c)
		return NULL;
	if (log_in(c, &cs->address, password, err, errlen) ||
	    cache_role(c, role, sizeof role, err, errlen)) {
		cache_close(c);
		return NULL;
	}
	if (strcmp(role, "master") != 0) {
		redis_server_describe(&master, name, sizeof name);
		snprintf(err, errlen, "redis %s, named master %s by a sentinel, is a %s",
			 name, cs->master, role);
		cache_close(c);
		return NULL;
	}
	return c;
}

/* The password: from the address or from a file (first line). */
static const char *password_of(const struct cache_settings *cs, char *buf,
			       size_t size, char *err, size_t errlen)
{
	char why[512];
	size_t n;

	if (cs->address.has_password && cs->password_file) {
		snprintf(err, errlen, "redis: a password in BANK_CALLBACK_REDIS and "
			 "a password file; give one");
		return NULL;
	}
	if (cs->address.has_password)
		return cs->address.password;   /* may be "": then no AUTH */
	if (!cs->password_file)
		return "";
	if (read_first_line(cs->password_file, buf, size - 1, &n, why, sizeof why)) {
		snprintf(err, errlen, "redis password file %s", why);
		return NULL;
	}
	/* the first line, with or without its newline; a NUL in it is not
	 * a password anyone typed */
	if (memchr(buf, '\0', n))
		n = 0;
	buf[n] = '\0';
	if (n == 0) {
		snprintf(err, errlen, "redis password file %s: no password on its "
			 "first line", cs->password_file);
		return NULL;
	}
	return buf;
}

int cache_settings_init(struct cache_settings *cs, const char *address,
			const char *password_file, const char *sentinels,
			const char *master, char *err, size_t errlen)
{
	memset(cs, 0, sizeof *cs);
	cs->password_file = password_file;
	cs->master = master;
	/* unset: the local default, or with sentinels nothing but db 0 */
	if (!address)
		address = sentinels ? "redis://" : CACHE_DEFAULT_ADDRESS;
	if (redis_address_parse(address, &cs->address, err, errlen))
		return -1;
	if (!sentinels != !master) {
		snprintf(err, errlen, "BANK_CALLBACK_REDIS_SENTINELS and "
			 "BANK_CALLBACK_REDIS_MASTER go together");
		return -1;
	}
	if (sentinels) {
		if (redis_sentinels_parse(sentinels, cs->sentinels, &cs->nsentinels,
					  err, errlen))
			return -1;
		if (!redis_master_name_ok(master)) {
			snprintf(err, errlen, "BANK_CALLBACK_REDIS_MASTER: letters, "
				 "digits, '.', '-' and '_' only");
			return -1;
		}
		if (cs->address.server.host[0] || cs->address.server.path[0]) {
			snprintf(err, errlen, "BANK_CALLBACK_REDIS names a server, but "
				 "the sentinels name the master: give redis://[user[:password]@]/[db]");
			return -1;
		}
	} else if (!cs->address.server.host[0] && !cs->address.server.path[0]) {
		snprintf(err, errlen, "BANK_CALLBACK_REDIS: no host");
		return -1;
	}
	return 0;
}

void cache_settings_describe(const struct cache_settings *cs, char *out,
			     size_t size)
{
	char server[REDIS_HOST_MAX + 16];
	int n;

	if (cs->nsentinels)
		n = snprintf(out, size, "master %s via %zu sentinel%s", cs->master,
			     cs->nsentinels, cs->nsentinels > 1 ? "s" : "");
	else {
		redis_server_describe(&cs->address.server, server, sizeof server);
		n = snprintf(out, size, "%s", server);
	}
	if (n >= 0 && (size_t)n < size && cs->address.db)
		n += snprintf(out + n, size - (size_t)n, ", db %d", cs->address.db);
	if (n >= 0 && (size_t)n < size && cs->address.user[0])
		n += snprintf(out + n, size - (size_t)n, ", user %s", cs->address.user);
	if (n >= 0 && (size_t)n < size &&
	    (cs->address.has_password || cs->password_file))
		snprintf(out + n, size - (size_t)n, ", with a password");
}

struct redisContext *cache_connect(const struct cache_settings *cs, char *err,
			    size_t errlen)
{
	/* all of it, however many sentinels: the acknowledgement waits */
	long long end = deadline_for(CACHE_CONNECT_MS);
	char buf[REDIS_SECRET_MAX];
	const char *password;
	struct redisContext *c = NULL;

	if (libs_load_redis(err, errlen))
		return NULL;
	password = password_of(cs, buf, sizeof buf, err, errlen);
	if (!password)
		return NULL;
	if (!*password)
		password = NULL;
	if (!password && cs->address.user[0]) {
		snprintf(err, errlen, "redis: user %s has no password: give one "
			 "in the address or a password file", cs->address.user);
		explicit_bzero(buf, sizeof buf);
		return NULL;
	}
	if (!cs->nsentinels) {
		c = connect_to(&cs->address.server, end, err, errlen);
		if (c && log_in(c, &cs->address, password, err, errlen)) {
			cache_close(c);
			c = NULL;
		}
	}
	/* The first sentinel that names a master which says it is one. */
	for (size_t i = 0; !c && i < cs->nsentinels && now_ms() < end; i++)
		c = master_via(cs, i, password, end, err, errlen);
	explicit_bzero(buf, sizeof buf);
	return c;
}

int cache_hset(struct redisContext *c, const char *key, struct slice field,
	       struct slice value, char *err, size_t errlen)
{
	const char *argv[] = { "HSET", key, field.p, value.p };
	const size_t lens[] = { 4, strlen(key), field.len, value.len };

	return command(c, "HSET", 0, NULL, err, errlen, 4, argv, lens);
}

int cache_wait_replica(struct redisContext *c, char *err, size_t errlen)
{
	char ms[16], server[REDIS_HOST_MAX + 16];
	redisReply *r;
	long long acked;

	snprintf(ms, sizeof ms, "%d", CACHE_WAIT_MS);
	if (COMMAND(c, "WAIT", REDIS_REPLY_INTEGER, &r, err, errlen, "WAIT", "1", ms))
		return -1;
	acked = r->integer;
	libhiredis.freeReplyObject(r);
	if (acked >= 1)
		return 0;
	server_of(c, server, sizeof server);
	snprintf(err, errlen, "redis WAIT at %s: no replica has the write after %d ms "
		 "(a failover now would lose it)", server, CACHE_WAIT_MS);
	return -1;
}


/* A rebuild that dies half-way (Redis out of memory, a time-out, the
 * alarm) leaves its temporary hashes behind only this long; a long one
 * renews the expiry every REBUILD_RENEW HSETs, and the swap's PERSIST
 * removes it from the finished hashes. */
#define REBUILD_TTL "600"
enum { REBUILD_RENEW = 2000 };

int cache_rebuild_begin(struct cache_rebuild *b, struct redisContext *c,
			const char *const *keys, size_t n, char *err,
			size_t errlen)
{
	memset(b, 0, offsetof(struct cache_rebuild, argv));
	if (n > CACHE_REBUILD_MAPS) {
		snprintf(err, errlen, "redis: more than %d hashes to rebuild",
			 CACHE_REBUILD_MAPS);
		return -1;
	}
	b->c = c;
	b->nmaps = n;
	for (size_t i = 0; i < n; i++) {
		unsigned char id[8];
		char hex[2 * sizeof id + 1];

		/* random, not a process id: those repeat across hosts */
		if (getentropy(id, sizeof id) != 0) {
			snprintf(err, errlen, "redis: no random name for the rebuild: %s",
				 strerror(errno));
			return -1;
		}
		for (size_t j = 0; j < sizeof id; j++) {
			hex[2 * j] = hex_char(id[j] >> 4, true);
			hex[2 * j + 1] = hex_char(id[j], true);
		}
		hex[2 * sizeof id] = '\0';
		b->maps[i].key = keys[i];
		snprintf(b->maps[i].tmp, sizeof b->maps[i].tmp, "%s.rebuild.%s",
			 keys[i], hex);
	}
	return 0;
}

/* Reads one reply of those in flight. */
static int rebuild_reply(struct cache_rebuild *b, char *err, size_t errlen)
{
	void *r = NULL;
	int e, rc = 0;

	errno = 0;
	if (libhiredis.redisGetReply(b->c, &r) != REDIS_OK) {
		set_failure(b->c, NULL, "HSET", errno, err, errlen);
		return -1;
	}
	e = errno;
	b->in_flight--;
	if (((redisReply *)r)->type == REDIS_REPLY_ERROR) {
		set_failure(b->c, r, "HSET", e, err, errlen);
		rc = -1;
	}
	libhiredis.freeReplyObject(r);
	return rc;
}

/* Queues one command; past the window, waits for the oldest replies. */
static int rebuild_send(struct cache_rebuild *b, int argc, const char **argv,
			const size_t *lens, char *err, size_t errlen)
{
	if (libhiredis.redisAppendCommandArgv(b->c, argc, argv, lens) != REDIS_OK) {
		set_failure(b->c, NULL, argv[0], errno, err, errlen);
		return -1;
	}
	b->in_flight++;
	while (b->in_flight > CACHE_REBUILD_WINDOW)
		if (rebuild_reply(b, err, errlen))
			return -1;
	return 0;
}

/* EXPIRE on every temporary hash made so far. */
static int rebuild_expire(struct cache_rebuild *b, char *err, size_t errlen)
{
	for (size_t i = 0; i < b->nmaps; i++) {
		const char *argv[] = { "EXPIRE", b->maps[i].tmp, REBUILD_TTL };

		if (b->maps[i].pairs && rebuild_send(b, 3, argv, NULL, err, errlen))
			return -1;
	}
	b->since_renew = 0;
	return 0;
}

/* Sends the batch as one HSET. */
static int rebuild_batch(struct cache_rebuild *b, char *err, size_t errlen)
{
	const char *key = b->live ? b->maps[b->map].key : b->maps[b->map].tmp;
	/* all this temporary hash's pairs are in this batch: it is new */
	bool first = !b->live && b->maps[b->map].pairs == b->batch;
	int argc = (int)(2 + 2 * b->batch);

	if (b->batch == 0)
		return 0;
	b->argv[0] = "HSET";
	b->lens[0] = 4;
	b->argv[1] = key;
	b->lens[1] = strlen(key);
	b->batch = b->used = 0;
	if (rebuild_send(b, argc, b->argv, b->lens, err, errlen))
		return -1;
	if (first || (!b->live && ++b->since_renew >= REBUILD_RENEW))
		return rebuild_expire(b, err, errlen);
	return 0;
}

/* Copies text into the batch, as argument i. */
static void rebuild_arg(struct cache_rebuild *b, size_t i, struct slice text)
{
	memcpy(b->text + b->used, text.p, text.len);
	b->argv[i] = b->text + b->used;
	b->lens[i] = text.len;
	b->used += text.len;
}

int cache_rebuild_add(struct cache_rebuild *b, size_t map, struct slice field,
		      struct slice value, char *err, size_t errlen)
{
	size_t len = field.len + value.len;

	if (map >= b->nmaps || len > sizeof b->text) {
		snprintf(err, errlen, "redis: a pair of %zu bytes does not fit a batch", len);
		return -1;
	}
	if ((map != b->map || b->batch == CACHE_REBUILD_PAIRS ||
	     b->used + len > sizeof b->text) && rebuild_batch(b, err, errlen))
		return -1;
	b->map = map;
	rebuild_arg(b, 2 + 2 * b->batch, field);
	rebuild_arg(b, 3 + 2 * b->batch, value);
	b->batch++;
	b->maps[map].pairs++;
	return 0;
}

int cache_rebuild_flush(struct cache_rebuild *b, char *err, size_t errlen)
{
	if (rebuild_batch(b, err, errlen))
		return -1;
	while (b->in_flight)
		if (rebuild_reply(b, err, errlen))
			return -1;
	return 0;
}

int cache_rebuild_swap(struct cache_rebuild *b, char *err, size_t errlen)
{
	size_t queued = 0;
	redisReply *r;
	int rc = 0;

	if (cache_rebuild_flush(b, err, errlen) ||
	    COMMAND(b->c, "MULTI", 0, NULL, err, errlen, "MULTI"))
		return -1;
	for (size_t i = 0; i < b->nmaps; i++) {
		const char *key = b->maps[i].key, *tmp = b->maps[i].tmp;

		/* UNLINK frees the old hash in Redis's background thread: a
		 * RENAME over it would free millions of pairs in the
		 * foreground, blocking Redis past our time-out. */
		rc = COMMAND(b->c, "UNLINK", 0, NULL, err, errlen, "UNLINK", key);
		if (b->maps[i].pairs && rc == 0)
			rc = COMMAND(b->c, "RENAME", 0, NULL, err, errlen, "RENAME", tmp, key) ||
			     COMMAND(b->c, "PERSIST", 0, NULL, err, errlen, "PERSIST", key);
		if (rc)
			return -1;
		queued += b->maps[i].pairs ? 3 : 1;
	}
	if (COMMAND(b->c, "EXEC", REDIS_REPLY_ARRAY, &r, err, errlen, "EXEC"))
		return -1;
	rc = r->elements == queued ? 0 : -1;
	for (size_t i = 0; i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_ERROR)
			rc = -1;
	libhiredis.freeReplyObject(r);
	if (rc) {
		snprintf(err, errlen, "redis: the swap of the rebuilt hashes failed "
			 "(a temporary hash expired?)");
		return -1;
	}
	b->live = true;
	return 0;
}

/* Before hiredis is loaded there is no connection to free. */
void cache_close(struct redisContext *c)
{
	if (c)
		libhiredis.redisFree(c);
}
