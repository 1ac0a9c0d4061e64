/* config: the settings, from the environment and an EnvironmentFile,
 * and --config's report of them.  See config.h. */
#include "config.h"
#include "bank/shapes.h"
#include "db/cache.h"
#include "lib/ascii.h"
#include "lib/readfile.h"
#include "lib/slice.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { CONFIG_MAX = 65536 };

static bool is_key_char(char c, bool first)
{
	unsigned char u = (unsigned char)c;

	return ascii_alpha(u) || u == '_' || (!first && ascii_digit(u));
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
		 void (*set)(const char *key, const char *value, int line))
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
		set(key, v, lineno);
	}
	return 0;
}

/* Every setting the program reads: config_from_env fills struct config
 * from it, --config prints them, and a BANK_CALLBACK_ name not here is a
 * misspelling (--check). */
#define NO_FIELD SIZE_MAX
static const struct known {
	const char *name;
	bool secret;     /* printed redacted */
	bool libpq;      /* printed only when set */
	size_t field;    /* where struct config keeps it; NO_FIELD: libpq's */
} known[] = {
#define OURS(name, secret, field) { name, secret, false, offsetof(struct config, field) }
#define LIBPQS(name, secret) { name, secret, true, NO_FIELD }
	OURS("BANK_CALLBACK_PUBKEY", false, pubkey),
	OURS("BANK_CALLBACK_MER_CUST_ID", false, mer_cust_id),
	OURS("BANK_CALLBACK_FRONTEND", false, frontend),
	OURS("BANK_CALLBACK_ADMIN_TOKEN_FILE", false, admin_token_file),
	OURS("BANK_CALLBACK_ORDER_DAYS", false, order_days),
	OURS("BANK_CALLBACK_ORD_ID_PATTERN", false, ord_id_pattern),
	OURS("BANK_CALLBACK_USR_ID_PATTERN", false, usr_id_pattern),
	OURS("BANK_CALLBACK_PRO_ID_PATTERN", false, pro_id_pattern),
	OURS("BANK_CALLBACK_TRUSTED_PROXIES", false, trusted_proxies),
	OURS("BANK_CALLBACK_REDIS", true, redis),
	OURS("BANK_CALLBACK_REDIS_PASSWORD_FILE", false, redis_password_file),
	OURS("BANK_CALLBACK_REDIS_SENTINELS", false, redis_sentinels),
	OURS("BANK_CALLBACK_REDIS_MASTER", false, redis_master),
	LIBPQS("PGHOST", false), LIBPQS("PGHOSTADDR", false),
	LIBPQS("PGPORT", false), LIBPQS("PGDATABASE", false),
	LIBPQS("PGUSER", false), LIBPQS("PGPASSWORD", true),
	LIBPQS("PGPASSFILE", false), LIBPQS("PGSERVICE", false),
	LIBPQS("PGSERVICEFILE", false), LIBPQS("PGCONNECT_TIMEOUT", false),
	LIBPQS("PGTARGETSESSIONATTRS", false), LIBPQS("PGSSLMODE", false),
	LIBPQS("PGAPPNAME", false), LIBPQS("PGOPTIONS", false),
	LIBPQS("CREDENTIALS_DIRECTORY", false),
#undef OURS
#undef LIBPQS
};

enum { KNOWN = sizeof known / sizeof known[0], FILE_KEYS_MAX = 256 };

/* Where the file's assignments were: the last line of each key, and
 * whether the environment already had the key (then it won). */
static struct file_key {
	char name[64];
	int line;
	bool env_won;
} file_keys[FILE_KEYS_MAX];
static size_t nfile_keys;
static const char *loaded_path;

/* The assignments of one file, in order, while it is parsed. */
static struct assignment {
	const char *key, *value;
	int line;
} assignments[FILE_KEYS_MAX * 4];
static size_t nassignments;
/* The file, as read and as config_parse cuts it. */
static char file_text[CONFIG_MAX + 1];
static bool too_many;

static void collect(const char *key, const char *value, int line)
{
	if (nassignments == sizeof assignments / sizeof assignments[0]) {
		too_many = true;
		return;
	}
	assignments[nassignments++] = (struct assignment){ key, value, line };
}

/* The last assignment of each key wins, as in systemd's
 * EnvironmentFile=; the environment wins over the file. */
static int apply(char *err, size_t errlen, const char *path)
{
	for (size_t i = 0; i < nassignments; i++) {
		const struct assignment *a = &assignments[i];
		struct file_key *f = NULL;
		bool later = false;

		for (size_t j = i + 1; j < nassignments && !later; j++)
			later = strcmp(assignments[j].key, a->key) == 0;
		if (later)
			continue;
		if (nfile_keys == FILE_KEYS_MAX || strlen(a->key) >= sizeof f->name) {
			snprintf(err, errlen, "%s:%d: too many settings or too long a name",
				 path, a->line);
			return -1;
		}
		f = &file_keys[nfile_keys++];
		snprintf(f->name, sizeof f->name, "%s", a->key);
		f->line = a->line;
		f->env_won = getenv(a->key) != NULL;
		setenv(a->key, a->value, 0);
	}
	return 0;
}

int config_load_file(const char *path, char *err, size_t errlen)
{
	char *text = file_text;
	size_t len;
	char why[512];
	int bad;

	if (read_file(path, text, CONFIG_MAX, &len, why, sizeof why)) {
		snprintf(err, errlen, "cannot read %s", why);
		return -1;
	}
	text[len] = '\0';
	nassignments = 0;
	too_many = false;
	bad = config_parse(text, len, collect);
	if (bad) {
		snprintf(err, errlen, "%s:%d: not KEY=VALUE", path, bad);
		return -1;
	}
	if (too_many) {
		snprintf(err, errlen, "%s: more than %zu assignments", path,
			 sizeof assignments / sizeof assignments[0]);
		return -1;
	}
	loaded_path = path;
	return apply(err, errlen, path);
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

/* The settings a credential stands in for when they are unset: which,
 * and where in struct config its value and the path's storage are. */
static const struct stand_in {
	const char *setting, *id;
	size_t value, path, path_size;
} stand_ins[] = {
#define STAND_IN(setting, id, value, path) \
	{ setting, id, offsetof(struct config, value), offsetof(struct config, path), \
	  sizeof ((struct config *)NULL)->path }
	STAND_IN("BANK_CALLBACK_PUBKEY", "bank-pubkey", pubkey, pubkey_path),
	STAND_IN("BANK_CALLBACK_ADMIN_TOKEN_FILE", "admin-token", admin_token_file,
		 token_path),
	STAND_IN("BANK_CALLBACK_REDIS_PASSWORD_FILE", "redis-password",
		 redis_password_file, redis_password_path),
#undef STAND_IN
};

static const char *stand_in_value(const struct config *c, const struct stand_in *si)
{
	return *(const char *const *)(const void *)((const char *)c + si->value);
}

/* The setting's place in c. */
static const char **field_of(struct config *c, size_t field)
{
	return (const char **)(void *)((char *)c + field);
}

void config_from_env(struct config *c)
{
	char next[4096];

	/* unset or empty: NULL, the default */
	for (size_t i = 0; i < KNOWN; i++)
		if (known[i].field != NO_FIELD)
			*field_of(c, known[i].field) = nonempty(known[i].name);
	for (size_t i = 0; i < sizeof stand_ins / sizeof stand_ins[0]; i++) {
		const char **v = field_of(c, stand_ins[i].value);

		if (!*v)
			*v = credential(stand_ins[i].id, (char *)c + stand_ins[i].path,
					stand_ins[i].path_size);
	}
	/* a switch-over under systemd: a second credential, the new key */
	if (c->pubkey == c->pubkey_path &&
	    credential("bank-pubkey-next", next, sizeof next)) {
		size_t n = strlen(c->pubkey_path);

		snprintf(c->pubkey_path + n, sizeof c->pubkey_path - n, ",%s", next);
	}
}

static const char *days(const char *p, int *out)
{
	int v = 0;

	if (!ascii_digit((unsigned char)*p))
		return NULL;
	for (; ascii_digit((unsigned char)*p); p++) {
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

const char *config_origin(const char *name, char *out, size_t size)
{
	for (size_t i = 0; i < nfile_keys; i++)
		if (strcmp(file_keys[i].name, name) == 0) {
			if (file_keys[i].env_won)
				snprintf(out, size, "the environment (over %s:%d)",
					 loaded_path, file_keys[i].line);
			else
				snprintf(out, size, "%s:%d", loaded_path, file_keys[i].line);
			return out;
		}
	snprintf(out, size, "%s", getenv(name) ? "the environment" : "unset");
	return out;
}

/* Edit distance, for "did you mean": names are short. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[96];

	if (lb >= sizeof row / sizeof row[0])
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

int config_unknown(void (*report)(const char *name, const char *nearest))
{
	extern char **environ;
	int n = 0;

	for (char **e = environ; *e; e++) {
		char name[128];
		const char *nearest = NULL;
		size_t len = strcspn(*e, "="), best = (size_t)-1;
		bool found = false;

		if (strncmp(*e, "BANK_CALLBACK_", 14) != 0 || len >= sizeof name)
			continue;
		memcpy(name, *e, len);
		name[len] = '\0';
		for (size_t i = 0; i < KNOWN && !found; i++) {
			size_t d = distance(name, known[i].name);

			found = d == 0;
			if (d < best) {
				best = d;
				nearest = known[i].name;
			}
		}
		if (!found) {
			report(name, nearest);
			n++;
		}
	}
	return n;
}

/* value with a password in a redis:// address replaced by "***" */
static void redact(const struct known *k, const char *value, char *out,
		   size_t size)
{
	const char *auth, *end, *at = NULL, *colon;

	if (strcmp(k->name, "PGPASSWORD") == 0) {
		snprintf(out, size, "***");
		return;
	}
	if (strncmp(value, "redis://", 8) != 0) {
		snprintf(out, size, "%s", value);
		return;
	}
	/* as db/redis_address.c splits it: the user info ends at the last
	 * '@' before the first '/', the user at its first ':' */
	auth = value + 8;
	end = auth + strcspn(auth, "/");
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (!colon) {
		snprintf(out, size, "%s", value);
		return;
	}
	snprintf(out, size, "%.*s***%s", (int)(colon + 1 - value), value, at);
}

/* The credential a setting's value came from when it is unset (see
 * config_from_env), or NULL. */
static const char *credential_used(const struct config *c, const char *name,
				   const char **value)
{
	for (size_t i = 0; i < sizeof stand_ins / sizeof stand_ins[0]; i++)
		if (strcmp(name, stand_ins[i].setting) == 0 &&
		    stand_in_value(c, &stand_ins[i])) {
			*value = stand_in_value(c, &stand_ins[i]);
			return stand_ins[i].id;
		}
	return NULL;
}

/* The value in force of a setting left unset, into out, when it has
 * one: false when unset means none. */
static bool default_of(const struct config *c, const char *name, char *out,
		       size_t size)
{
	if (strcmp(name, "BANK_CALLBACK_ORDER_DAYS") == 0)
		snprintf(out, size, "%d,%d", ORDER_DAYS_BEFORE, ORDER_DAYS_AFTER);
	else if (strcmp(name, "BANK_CALLBACK_REDIS") == 0 && !c->redis_sentinels)
		snprintf(out, size, "%s", CACHE_DEFAULT_ADDRESS);
	else
		return false;
	return true;
}

void config_print(const struct config *c)
{
	char origin[4200], shown[1024], dflt[64];

	for (size_t i = 0; i < KNOWN; i++) {
		const char *v = getenv(known[i].name), *id = NULL;

		if (!v && known[i].libpq)
			continue;
		config_origin(known[i].name, origin, sizeof origin);
		if ((!v || !*v) && (id = credential_used(c, known[i].name, &v)) != NULL)
			snprintf(origin, sizeof origin, "the credential %s", id);
		else if ((!v || !*v) && default_of(c, known[i].name, dflt, sizeof dflt)) {
			v = dflt;
			snprintf(origin, sizeof origin, "unset: the default");
		}
		if (v && known[i].secret)
			redact(&known[i], v, shown, sizeof shown);
		else
			snprintf(shown, sizeof shown, "%s", v ? v : "");
		printf("%s=%s\t# %s\n", known[i].name, shown, origin);
	}
}

bool config_frontend_ok(const char *u)
{
	const char *host;

	if (!url_ok(slice_from(u), URL_PLAIN) || strchr(u, '#'))
		return false;
	host = strstr(u, "://") + 3;   /* url_ok: http:// or https:// */
	return *host && !strchr("/?:@", *host);
}

int config_admin_token(const struct config *c, char *tok, size_t cap,
		       size_t *len, char *err, size_t errlen)
{
	char why[512];

	if (!c->admin_token_file) {
		snprintf(err, errlen, "BANK_CALLBACK_ADMIN_TOKEN_FILE is not set");
		return -1;
	}
	if (read_first_line(c->admin_token_file, tok, cap, len, why, sizeof why)) {
		snprintf(err, errlen, "admin token file %s", why);
		return -1;
	}
	if (*len < ADMIN_TOKEN_MIN) {
		snprintf(err, errlen, "admin token file %s: its first line has %zu "
			 "bytes, %d at least are needed", c->admin_token_file, *len,
			 ADMIN_TOKEN_MIN);
		return -1;
	}
	return 0;
}
