/* redis_address: where Redis is and who we are to it, as the operator
 * writes it in BANK_CALLBACK_REDIS and BANK_CALLBACK_REDIS_SENTINELS.
 *
 * Pure parsers over strings, no I/O: fuzzed by fuzz/fuzz_redis_address.c.
 * A password never appears in a message or a description. */
#ifndef DB_REDIS_ADDRESS_H
#define DB_REDIS_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

enum {
	REDIS_HOST_MAX = 256,
	REDIS_PATH_MAX = 108,         /* sun_path */
	REDIS_SECRET_MAX = 512,       /* a user name or a password */
	REDIS_DB_MAX = 999999,
	REDIS_DEFAULT_PORT = 6379,
	REDIS_SENTINELS_MAX = 8,
};

struct redis_server {
	char host[REDIS_HOST_MAX];    /* empty: a unix socket */
	int port;
	char path[REDIS_PATH_MAX];
};

struct redis_address {
	struct redis_server server;   /* no host and no path: none given */
	char user[REDIS_SECRET_MAX];  /* empty: the default user */
	char password[REDIS_SECRET_MAX];
	bool has_password;
	int db;
};

/* Parses one of
 *     host:port                      (and [v6addr]:port)
 *     unix:/path[?db=N]
 *     redis://[user[:password]@][host[:port]][/db]
 * User and password may be percent-encoded.  The host may be left out
 * of a redis:// address only when sentinels name the master.  0, or -1
 * with err saying what is wrong without quoting the address (it may
 * hold a password). */
int redis_address_parse(const char *spec, struct redis_address *a,
			char *err, size_t errlen);

/* Parses "host:port,host:port,..." (at most REDIS_SENTINELS_MAX) into
 * s[]; *n is how many.  0, or -1 with err. */
int redis_sentinels_parse(const char *spec, struct redis_server *s, size_t *n,
			  char *err, size_t errlen);

/* Whether name may be a Sentinel master name: letters, digits, ._- */
bool redis_master_name_ok(const char *name);

/* "host:port" or "unix:/path" into out. */
void redis_server_describe(const struct redis_server *s, char *out,
			   size_t size);

#endif
