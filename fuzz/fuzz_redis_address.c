/* fuzz_redis_address: redis_address_parse() and redis_sentinels_parse()
 * over arbitrary strings.
 *
 * A parsed address names a server of the shapes the parser admits (a
 * host of [A-Za-z0-9._-] or a bracketed IPv6 literal, a port 1-65535,
 * an absolute unix path) and a database 0-REDIS_DB_MAX; written back as
 * a redis:// URL with user and password percent-encoded, it parses to
 * the same address.  A refusal's message is one of the parser's fixed
 * texts, never anything of the input's: it may hold a password. */
#include "fuzz.h"
#include "db/redis_address.h"

#include <stdbool.h>
#include <string.h>

static bool host_ok(const char *h)
{
	size_t n = strlen(h);

	if (n == 0 || n >= REDIS_HOST_MAX)
		return false;
	for (const char *p = h; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr(".-_:", *p)))
			return false;
	return true;
}

/* A refusal says one of these, never anything of the input's. */
static bool is_fixed_message(const char *err)
{
	static const char *const messages[] = {
		"a redis:// address takes no ?query or #fragment",
		"after the unix: path only ?db=N may follow",
		("bad host or port in the redis:// address "
		 "(a / @ or : in a user or password is written %2F %40 %3A)"),
		"bad password in the redis:// address",
		"bad user name in the redis:// address",
		"not host:port, unix:/path or redis://...",
		"the database after / must be a number",
		"unix: needs an absolute path of under 108 bytes",
	};

	if (strncmp(err, "BANK_CALLBACK_REDIS: ", 21) != 0)
		return false;
	for (size_t i = 0; i < sizeof messages / sizeof messages[0]; i++)
		if (strcmp(err + 21, messages[i]) == 0)
			return true;
	return false;
}

static void server_ok(const struct redis_server *s)
{
	if (s->host[0]) {
		CHECK(host_ok(s->host));
		CHECK(s->port >= 1 && s->port <= 65535);
		CHECK(s->path[0] == '\0');
	} else if (s->path[0]) {
		CHECK(s->path[0] == '/');
		CHECK(strlen(s->path) < REDIS_PATH_MAX);
	}
}

static void put_encoded(char *out, size_t *n, size_t size, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		CHECK(*n + 4 < size);
		out[(*n)++] = '%';
		out[(*n)++] = hex[c >> 4];
		out[(*n)++] = hex[c & 15];
	}
	out[*n] = '\0';
}

static void round_trip(const struct redis_address *a)
{
	static char url[4 * REDIS_SECRET_MAX * 2 + REDIS_HOST_MAX + 64];
	static struct redis_address b;
	char err[256];
	size_t n;

	if (!a->server.host[0])
		return;                 /* a unix path has no URL form here */
	n = (size_t)snprintf(url, sizeof url, "redis://");
	put_encoded(url, &n, sizeof url, a->user);
	if (a->has_password) {
		url[n++] = ':';
		put_encoded(url, &n, sizeof url, a->password);
	}
	n += (size_t)snprintf(url + n, sizeof url - n,
			      strchr(a->server.host, ':') ? "@[%s]:%d/%d" : "@%s:%d/%d",
			      a->server.host, a->server.port, a->db);
	CHECK(n < sizeof url);
	CHECK(redis_address_parse(url, &b, err, sizeof err) == 0);
	CHECK(strcmp(a->server.host, b.server.host) == 0);
	CHECK(a->server.port == b.server.port);
	CHECK(strcmp(a->user, b.user) == 0);
	CHECK(a->has_password == b.has_password);
	CHECK(strcmp(a->password, b.password) == 0);
	CHECK(a->db == b.db);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct redis_address a;
	static struct redis_server s[REDIS_SENTINELS_MAX];
	char *text = malloc(size + 1);
	char err[256];
	size_t n;

	CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	if (redis_address_parse(text, &a, err, sizeof err) == 0) {
		server_ok(&a.server);
		CHECK(a.db >= 0 && a.db <= REDIS_DB_MAX);
		CHECK(a.has_password || a.password[0] == '\0');
		round_trip(&a);
	} else {
		CHECK(is_fixed_message(err));
	}
	if (redis_sentinels_parse(text, s, &n, err, sizeof err) == 0) {
		CHECK(n >= 1 && n <= REDIS_SENTINELS_MAX);
		for (size_t i = 0; i < n; i++) {
			CHECK(s[i].host[0] != '\0');
			server_ok(&s[i]);
		}
	}
	free(text);
	return 0;
}
