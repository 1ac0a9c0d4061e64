/* config: settings from the environment and an EnvironmentFile. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct config {
	const char *redis;             /* see db/redis_address.h; NULL: default */
	const char *redis_password_file;
	const char *redis_sentinels;   /* "host:port,..." */
	const char *redis_master;      /* Sentinel's name of the master */
	const char *pubkey;            /* the bank's key file */
	const char *mer_cust_id;       /* our MerCustId */
	const char *frontend;          /* front-end base URL */
	const char *admin_token_file;  /* RefreshRedis token */
	const char *order_days;        /* OrdDate window: "BEFORE[,AFTER]" days */
	const char *ord_id_pattern;    /* POSIX ERE the platform's OrdIds match */
	const char *usr_id_pattern;    /* POSIX ERE the platform's UsrIds match */
	const char *pro_id_pattern;    /* POSIX ERE the platform's loan project ids match */
	const char *trusted_proxies;   /* "addr,addr": their X-Forwarded-For counts */
	char pubkey_path[4096];        /* storage for credential paths */
	char token_path[4096];
	char redis_password_path[4096];
};

/* Reads KEY=VALUE lines (systemd EnvironmentFile syntax: blank lines,
 * '#' and ';' comments, values bare, "double" or 'single' quoted) into
 * the environment.  As in systemd, the last assignment of a key wins;
 * a variable already in the environment wins over the file.  Returns 0,
 * or -1 with a message in err. */
int config_load_file(const char *path, char *err, size_t errlen);

/* Parses one file's text, calling set(key, value, line) per assignment
 * (line: its 1-based line number).  Pure
 * apart from the callback; modifies text in place, which must have room
 * for len + 1 bytes (a NUL is written after a last line with no LF).
 * Returns 0, or the 1-based number of the first bad line (a line with a
 * NUL byte is bad). */
int config_parse(char *text, size_t len,
		 void (*set)(const char *key, const char *value, int line));

/* Fills c from the environment.  Without BANK_CALLBACK_PUBKEY,
 * BANK_CALLBACK_ADMIN_TOKEN_FILE or BANK_CALLBACK_REDIS_PASSWORD_FILE,
 * the credentials "bank-pubkey", "admin-token" and "redis-password" in
 * $CREDENTIALS_DIRECTORY are used when present; "bank-pubkey-next"
 * beside "bank-pubkey" is the second key of a switch-over. */
void config_from_env(struct config *c);

enum {
	ORDER_DAYS_BEFORE = 7,         /* default OrdDate window */
	ORDER_DAYS_AFTER = 1,
	ORDER_DAYS_MAX = 36600,        /* a century */
	PATTERN_MAX = 256,
};

/* Parses BANK_CALLBACK_ORDER_DAYS ("BEFORE" or "BEFORE,AFTER", each 0 to
 * ORDER_DAYS_MAX; NULL gives the defaults).  Pure.  0, or -1. */
int config_order_days(const char *v, int *before, int *after);

/* Where name's value came from: "FILE:LINE", "the environment", or
 * "the environment (over FILE:LINE)", or "unset", into out. */
const char *config_origin(const char *name, char *out, size_t size);

/* Calls report for each BANK_CALLBACK_ variable in the environment (the
 * file's included) that the program does not know, with the known name
 * nearest to it.  Returns how many. */
int config_unknown(void (*report)(const char *name, const char *nearest));

/* --config: every setting's effective value and origin on stdout, one
 * per line; passwords shown as "***". */
void config_print(const struct config *c);

/* The front end is a plain http(s) URL of printable ASCII (shapes.h's
 * url_ok, the rule the bank's URLs pass too) with a host, and without a
 * fragment: each page return appends its own "#/route?RespCode=...". */
bool config_frontend_ok(const char *url);

enum { ADMIN_TOKEN_MIN = 16 };   /* bytes of the RefreshRedis token, at least */

/* The RefreshRedis token: the first line of BANK_CALLBACK_ADMIN_TOKEN_FILE
 * (at most cap bytes) into tok, *len bytes.  0, or -1 with why in err
 * (not set, unreadable, shorter than ADMIN_TOKEN_MIN; no secret).
 * The caller wipes tok. */
int config_admin_token(const struct config *c, char *tok, size_t cap,
		       size_t *len, char *err, size_t errlen);

#endif
