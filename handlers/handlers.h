/* handlers: what each route does, and the request context they share. */
#ifndef HANDLERS_H
#define HANDLERS_H

#include "../buf.h"
#include "../callback.h"
#include "../config.h"
#include "../form.h"
#include "../http.h"

#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <syslog.h>   /* LOG_ERR 3, LOG_WARNING 4, LOG_INFO 6: sd-daemon(3)'s too */

struct response {
	int status;
	const char *content_type;
	struct buf headers;      /* extra header lines, each ending in CRLF */
	struct buf body;
	char headers_mem[4096];
	char body_mem[4096];
};

enum {
	/* One statement's parameters as C strings: a row's JSON (at most
	 * the callback's) and its ids, or the audit row's body and ids. */
	PARAMS_MAX = CALLBACK_JSON_MAX + 1024,
};
_Static_assert(2 * HTTP_MAX_BODY + 1024 <= PARAMS_MAX,
	       "the audit row's body and ids (no longer than the body) fit in the parameters' storage");

/* The memory a handler works in beyond its stack, sized from the HTTP
 * limits.  bank-callback.c's request_storage holds the one instance. */
struct handler_storage {
	struct callback_storage callback;  /* the verified callback points here */
	char params[PARAMS_MAX];           /* one statement's at a time: a store()'s, then the audit row's */
};

/* One request's context: its input, its answer and its log line. */
struct ctx {
	const struct http_request *req;
	const struct form *form;     /* the decoded body of a POST */
	const struct config *cfg;
	struct handler_storage *mem;
	struct response resp;
	int prio;                    /* the log line's priority */
	struct slice trx_id, ord_id; /* for the log line */
	const char *outcome;         /* for the log line */
	char note[768];              /* why, for the log line; no personal data */
	char route[64];              /* req->path as a C string, when a route's */
};

void ctx_init(struct ctx *x, const struct http_request *req,
	      const struct config *cfg, struct handler_storage *mem);
/* A text/plain answer. */
void reply_text(struct ctx *x, int status, const char *text);
/* An error answer, "<code> <reason>\n"; why goes to the log only.  4xx
 * log at info (warning for 403), 5xx at err. */
void reply_error(struct ctx *x, int status, const char *why);
/* Adds to the log line's note and raises its priority to prio. */
void ctx_note(struct ctx *x, int prio, const char *what, const char *detail);
/* BANK_CALLBACK_PUBKEY's key files (one, or two separated by a comma
 * while the bank switches keys) into paths.  Pure.  How many, or -1
 * with why (not set, or not one or two files). */
int bank_key_paths(const char *setting, char paths[BANK_KEYS_MAX][4096],
		   const char **why);

/* The one verification of a callback post: puts its TrxId and OrdId in
 * the log line, reads the settings the rules need and the bank's key (or
 * either of two during a switch-over: the log line says when the second
 * verified), and runs callback_check() once.  Returns no->status: 0
 * accepted; 400 or 403 refused, cb->verified telling whether the bank
 * signed it (and so whether to audit the refusal); 500 when a setting
 * the route needs is missing or broken, nothing checked.  Answers
 * nothing: the flow does. */
int ctx_verify(struct ctx *x, const struct callback_spec *spec,
	       struct callback *cb, struct refusal *no);
/* The rules' settings and today's date into env: 0, or -1 with a
 * message naming the broken setting in err.  Patterns are compiled once
 * per process. */
int rule_env_init(const struct config *cfg, struct rule_env *env, char *err,
		  size_t errlen);
/* Redis as the settings say (db/cache.h): NULL with err (no secret in
 * it) when they are broken or Redis cannot be reached. */
redisContext *cache_open(const struct config *cfg, char *err, size_t errlen);

struct signature;
struct sighting;
/* Opens a transaction on c and looks the verified callback cb up in the
 * audit (see db/signatures.h); fills *sig for later use.  0, or -1 with
 * a message in err. */
int ctx_note_signature(const struct ctx *x, PGconn *c, const struct callback *cb,
		       struct signature *sig, struct sighting *seen, char *err,
		       size_t errlen);

/* Inserts the audit row of the verified callback cb as posted to x,
 * answered status with verdict, and COMMITs (db/audit.h).  0, or -1
 * with a message in err. */
int ctx_audit_insert_commit(const struct ctx *x, PGconn *c,
			    const struct callback *cb, int status,
			    const char *verdict, char *err, size_t errlen);

/* Audits a verified callback's post with the answer in x, unless its
 * signed string was so answered on this route already (then only
 * counted: what one signed string costs is bounded, however often and
 * however cut it is posted), and COMMITs.  0, or -1 with a message in
 * err. */
int ctx_audit_commit(const struct ctx *x, PGconn *c, const struct callback *cb,
		     const struct signature *sig, const struct sighting *seen,
		     char *err, size_t errlen);

enum { CACHE_PAIRS_MAX = 2, CACHE_VALUE_MAX = 64 };

/* What a store did: its verdict, and the Redis pairs its rows hold now,
 * read back from them, so that the cache only ever says what the
 * database does. */
struct stored {
	/* a string literal: the log line outlives the handler */
	const char *verdict;
	size_t npairs;
	struct cache_pair {
		const char *key;                 /* the hash */
		char field[CACHE_VALUE_MAX];
		char value[CACHE_VALUE_MAX];
	} pair[CACHE_PAIRS_MAX];
};

/* Adds key's field => value to out, as the row read back says (both
 * NUL-terminated, from PQgetvalue).  A value too long for the cache is
 * left out: RefreshRedis writes it. */
void stored_pair(struct stored *out, const char *key, const char *field,
		 const char *value);

/* A background (BgRetUrl) callback: verified, stored in one
 * transaction, cached, then acknowledged with RECV_ORD_ID_<TrxId>. */
struct background_callback {
	const struct callback_spec *spec;
	/* Writes this callback's rows inside the open transaction, its
	 * statements' parameters built in params (empty, PARAMS_MAX).  0
	 * with what it did in *out; a status (409) to refuse it with, having
	 * written nothing, why in out->verdict; or -1 with a message in
	 * err.  After COMMIT, out's pairs go to Redis. */
	int (*store)(PGconn *c, const struct callback *cb, struct buf *params,
		     struct stored *out, char *err, size_t errlen);
};

/* A page return (RetUrl): verified, then the browser is sent on. */
struct page_return {
	const struct callback_spec *spec;
	const char *page;            /* appended to the front-end URL */
};

void handle_background(struct ctx *x, const void *arg);  /* background_callback */
void handle_page_return(struct ctx *x, const void *arg); /* page_return */
void handle_refresh_redis(struct ctx *x, const void *arg);

/* What RefreshRedis and `bank-callback --refresh-redis` do: rebuilds the
 * Redis hashes from PostgreSQL's live rows, and puts "KEY ROWS" lines in
 * body.  0, or -1 with err (no secret, no row's data in it). */
int refresh_redis(const struct config *cfg, struct buf *body, char *err,
		  size_t errlen);
void handle_health(struct ctx *x, const void *arg);

extern const struct background_callback user_register_background;
extern const struct page_return user_register_page;
extern const struct background_callback corp_register_background;
extern const struct background_callback netsave_background;
extern const struct page_return netsave_page;

#endif
