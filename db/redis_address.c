/* redis_address: parsing BANK_CALLBACK_REDIS.  See redis_address.h. */
#include "redis_address.h"
#include "lib/ascii.h"
#include "lib/buf.h"

#include <stdio.h>
#include <string.h>

/* A decimal number of 1 to 9 digits in [p, end), no sign, no leading
 * zero; -1 otherwise. */
static long number(const char *p, const char *end)
{
	long v = 0;

	if (p == end || end - p > 9 || (*p == '0' && end - p > 1))
		return -1;
	for (; p < end; p++) {
		if (!ascii_digit((unsigned char)*p))
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v;
}

static bool host_char(char c)
{
	return ascii_alnum((unsigned char)c) || c == '.' || c == '-' || c == '_';
}

/* host[:port] or [v6]:port in [p, end) into s.  need_port: the bare
 * form, where the port is required.  0, or -1. */
static int host_port(const char *p, const char *end, bool need_port,
		     struct redis_server *s)
{
	const char *colon, *h = p, *hend;

	if (p >= end)
		return -1;
	if (*p == '[') {
		h = p + 1;
		hend = memchr(h, ']', (size_t)(end - h));
		if (!hend)
			return -1;
		colon = hend + 1 < end ? hend + 1 : NULL;
		if (colon && *colon != ':')
			return -1;
		for (const char *q = h; q < hend; q++)
			if (!ascii_xdigit((unsigned char)*q) && *q != ':' && *q != '.')
				return -1;
	} else {
		colon = memrchr(p, ':', (size_t)(end - p));
		hend = colon ? colon : end;
		for (const char *q = h; q < hend; q++)
			if (!host_char(*q))
				return -1;
	}
	if (hend == h || (size_t)(hend - h) >= sizeof s->host)
		return -1;
	memcpy(s->host, h, (size_t)(hend - h));
	s->host[hend - h] = '\0';
	s->path[0] = '\0';
	s->port = REDIS_DEFAULT_PORT;
	if (!colon)
		return need_port ? -1 : 0;
	s->port = (int)number(colon + 1, end);
	return s->port >= 1 && s->port <= 65535 ? 0 : -1;
}

/* Percent-decodes [p, end) into out (size bytes, NUL-terminated).
 * Refuses a NUL, a bad escape and anything too long.  0, or -1. */
static int decode(const char *p, const char *end, char *out, size_t size)
{
	size_t n = 0;

	for (; p < end; p++) {
		int c = (unsigned char)*p;

		if (c == '%') {
			if (end - p < 3 || hex_digit((unsigned char)p[1]) < 0 ||
			    hex_digit((unsigned char)p[2]) < 0)
				return -1;
			c = hex_digit((unsigned char)p[1]) * 16 +
			    hex_digit((unsigned char)p[2]);
			p += 2;
		}
		if (c == 0 || n + 1 >= size)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

static int fail(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "BANK_CALLBACK_REDIS: %s", why);
	return -1;
}

static int parse_url(const char *p, struct redis_address *a, char *err,
		     size_t errlen)
{
	const char *end = p + strlen(p), *at, *slash;

	if (memchr(p, '?', (size_t)(end - p)) || memchr(p, '#', (size_t)(end - p)))
		return fail(err, errlen, "a redis:// address takes no ?query or #fragment");
	slash = memchr(p, '/', (size_t)(end - p));
	at = memrchr(p, '@', (size_t)((slash ? slash : end) - p));
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));

		if (decode(p, colon ? colon : at, a->user, sizeof a->user))
			return fail(err, errlen, "bad user name in the redis:// address");
		if (colon) {
			if (decode(colon + 1, at, a->password, sizeof a->password))
				return fail(err, errlen, "bad password in the redis:// address");
			a->has_password = true;
		}
		p = at + 1;
	}
	if (p < (slash ? slash : end) &&
	    host_port(p, slash ? slash : end, false, &a->server))
		return fail(err, errlen, "bad host or port in the redis:// address "
			    "(a / @ or : in a user or password is written %2F %40 %3A)");
	if (slash && slash + 1 < end) {
		long db = number(slash + 1, end);

		if (db < 0 || db > REDIS_DB_MAX)
			return fail(err, errlen, "the database after / must be a number");
		a->db = (int)db;
	}
	return 0;
}

int redis_address_parse(const char *spec, struct redis_address *a,
			char *err, size_t errlen)
{
	memset(a, 0, sizeof *a);
	if (strncmp(spec, "redis://", 8) == 0)
		return parse_url(spec + 8, a, err, errlen);
	if (strncmp(spec, "unix:", 5) == 0) {
		const char *path = spec + 5, *q = strchr(path, '?');
		size_t n = q ? (size_t)(q - path) : strlen(path);

		if (n == 0 || path[0] != '/' || n >= sizeof a->server.path)
			return fail(err, errlen, "unix: needs an absolute path of under 108 bytes");
		memcpy(a->server.path, path, n);
		a->server.path[n] = '\0';
		if (q) {
			long db = strncmp(q, "?db=", 4) == 0
				  ? number(q + 4, q + strlen(q)) : -1;

			if (db < 0 || db > REDIS_DB_MAX)
				return fail(err, errlen, "after the unix: path only ?db=N may follow");
			a->db = (int)db;
		}
		return 0;
	}
	if (host_port(spec, spec + strlen(spec), true, &a->server))
		return fail(err, errlen, "not host:port, unix:/path or redis://...");
	return 0;
}

int redis_sentinels_parse(const char *spec, struct redis_server *s, size_t *n,
			  char *err, size_t errlen)
{
	struct slice rest = slice_from(spec), one;

	*n = 0;
	while (slice_next_item(&rest, ',', &one)) {
		if (*n == REDIS_SENTINELS_MAX) {
			snprintf(err, errlen, "BANK_CALLBACK_REDIS_SENTINELS: more than %d",
				 REDIS_SENTINELS_MAX);
			return -1;
		}
		if (host_port(one.p, one.p + one.len, true, &s[*n])) {
			snprintf(err, errlen, "BANK_CALLBACK_REDIS_SENTINELS: sentinel %zu "
				 "is not host:port", *n + 1);
			return -1;
		}
		++*n;
	}
	return 0;
}

bool redis_master_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 64)
		return false;
	for (; *name; name++)
		if (!host_char(*name))
			return false;
	return true;
}

void redis_server_describe(const struct redis_server *s, char *out,
			   size_t size)
{
	if (s->host[0])
		snprintf(out, size, strchr(s->host, ':') ? "[%s]:%d" : "%s:%d",
			 s->host, s->port);
	else
		snprintf(out, size, "unix:%s", s->path);
}
