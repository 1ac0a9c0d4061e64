/* config: settings.  See config.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { CONFIG_MAX = 65536 };

static bool is_key_char(char c, bool first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

static char *skip_blank(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Unquotes v in place.  Returns NULL for an unterminated quote or text
 * after the closing quote. */
static char *unquote(char *v)
{
	char q = *v, *o = v, *p = v + 1;

	if (q != '"' && q != '\'') {
		char *end = v + strlen(v);

		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		return v;
	}
	for (; *p && *p != q; p++) {
		if (q == '"' && *p == '\\' && p[1])
			p++;
		*o++ = *p;
	}
	if (*p != q || *skip_blank(p + 1) != '\0')
		return NULL;
	*o = '\0';
	return v;
}

int config_parse(char *text, size_t len,
		 void (*set)(const char *key, const char *value))
{
	int lineno = 0;
	char *end = text + len;

	for (char *line = text; line < end;) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		char *p, *key, *v;

		char *eol = nl ? nl : end;

		lineno++;
		if (memchr(line, '\0', (size_t)(eol - line)))
			return lineno;   /* a NUL would cut the line short unseen */
		*eol = '\0';            /* text[len] when the last line has no LF */
		if (eol > line && eol[-1] == '\r')
			eol[-1] = '\0';
		p = skip_blank(line);
		line = nl ? nl + 1 : end;
		if (*p == '\0' || *p == '#' || *p == ';')
			continue;
		key = p;
		if (!is_key_char(*p, true))
			return lineno;
		while (is_key_char(*p, false))
			p++;
		v = skip_blank(p);
		if (*v != '=')
			return lineno;
		*p = '\0';
		v = unquote(skip_blank(v + 1));
		if (!v)
			return lineno;
		set(key, v);
	}
	return 0;
}

static void set_if_unset(const char *key, const char *value)
{
	setenv(key, value, 0);
}

int config_load_file(const char *path, char *err, size_t errlen)
{
	static char text[CONFIG_MAX + 1];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	int bad;

	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t r = read(fd, text + len, CONFIG_MAX - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "cannot read %s: %s", path,
				 strerror(errno));
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len == CONFIG_MAX) {
			snprintf(err, errlen, "%s: larger than %d bytes", path,
				 CONFIG_MAX);
			close(fd);
			return -1;
		}
	}
	close(fd);
	text[len] = '\0';
	bad = config_parse(text, len, set_if_unset);
	if (bad) {
		snprintf(err, errlen, "%s:%d: not KEY=VALUE", path, bad);
		return -1;
	}
	return 0;
}

static const char *nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* systemd's LoadCredential= puts secrets in $CREDENTIALS_DIRECTORY, a
 * directory only this service instance can read: the place for the bank
 * key and the token when no explicit setting names a file. */
static const char *credential(const char *id, char *path, size_t size)
{
	const char *dir = nonempty("CREDENTIALS_DIRECTORY");

	if (!dir || snprintf(path, size, "%s/%s", dir, id) >= (int)size ||
	    access(path, F_OK) != 0)
		return NULL;
	return path;
}

void config_from_env(struct config *c)
{
	c->redis = nonempty("BANK_CALLBACK_REDIS");  /* NULL: the default */
	c->redis_password_file = nonempty("BANK_CALLBACK_REDIS_PASSWORD_FILE");
	if (!c->redis_password_file)
		c->redis_password_file = credential("redis-password",
						    c->redis_password_path,
						    sizeof c->redis_password_path);
	c->redis_sentinels = nonempty("BANK_CALLBACK_REDIS_SENTINELS");
	c->redis_master = nonempty("BANK_CALLBACK_REDIS_MASTER");
	c->pubkey = nonempty("BANK_CALLBACK_PUBKEY");
	if (!c->pubkey)
		c->pubkey = credential("bank-pubkey", c->pubkey_path,
				       sizeof c->pubkey_path);
	c->mer_cust_id = nonempty("BANK_CALLBACK_MER_CUST_ID");
	c->frontend = nonempty("BANK_CALLBACK_FRONTEND");
	c->order_days = nonempty("BANK_CALLBACK_ORDER_DAYS");
	c->ord_id_pattern = nonempty("BANK_CALLBACK_ORD_ID_PATTERN");
	c->usr_id_pattern = nonempty("BANK_CALLBACK_USR_ID_PATTERN");
	c->admin_token_file = nonempty("BANK_CALLBACK_ADMIN_TOKEN_FILE");
	if (!c->admin_token_file)
		c->admin_token_file = credential("admin-token", c->token_path,
						 sizeof c->token_path);
}

static const char *days(const char *p, int *out)
{
	int v = 0;

	if (*p < '0' || *p > '9')
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > ORDER_DAYS_MAX)
			return NULL;
	}
	*out = v;
	return p;
}

int config_order_days(const char *v, int *before, int *after)
{
	*before = ORDER_DAYS_BEFORE;
	*after = ORDER_DAYS_AFTER;
	if (!v)
		return 0;
	v = days(v, before);
	if (v && *v == ',')
		v = days(v + 1, after);
	return v && *v == '\0' ? 0 : -1;
}
