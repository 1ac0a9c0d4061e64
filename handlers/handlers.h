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

/* One request's context: its input, its answer and its log line. */
struct ctx {
	const struct http_request *req;
	const struct form *form;     /* the decoded body of a POST */
	const struct config *cfg;
	struct response resp;
	int prio;                    /* the log line's priority */
	struct slice trx_id, ord_id; /* for the log line */
	const char *outcome;         /* for the log line */
	char note[512];              /* why, for the log line; no personal data */
};

void ctx_init(struct ctx *x, const struct http_request *req,
	      const struct config *cfg);
/* A text/plain answer. */
void reply_text(struct ctx *x, int status, const char *text);
/* An error answer, "<code> <reason>\n"; why goes to the log only.  4xx
 * log at info (warning for 403), 5xx at err. */
void reply_error(struct ctx *x, int status, const char *why);
/* Adds to the log line's note and raises its priority to prio. */
void ctx_note(struct ctx *x, int prio, const char *what, const char *detail);
/* The bank's key, loaded once; NULL after answering 500 when it is not
 * configured or does not load. */
const struct rsa_pubkey *ctx_bank_key(struct ctx *x);
/* A setting a route needs; NULL after answering 500 when it is unset. */
const char *ctx_need(struct ctx *x, const char *value, const char *name);

/* Records a verified callback in bank_callback_audit with the answer
 * already in x->resp, in a transaction of its own.  For requests that
 * store nothing else (page returns, verified but refused); a failure is
 * a warning on the log line and does not change the answer. */
void ctx_audit(struct ctx *x, const struct callback *cb);

/* An asynchronous (BgRetUrl) callback: verified, stored in one
 * transaction, cached, then acknowledged with RECV_ORD_ID_<TrxId>. */
struct async_callback {
	const struct callback_spec *spec;
	/* Writes this callback's rows inside the open transaction; sets
	 * x->outcome.  0, or -1 with a message in err. */
	int (*store)(PGconn *c, const struct callback *cb, struct ctx *x,
		     char *err, size_t errlen);
	/* After COMMIT: brings Redis up to date.  NULL when there is nothing
	 * to cache.  0, or -1 with a message in err. */
	int (*cache)(redisContext *r, const struct callback *cb, char *err,
		     size_t errlen);
};

/* A page return (RetUrl): verified, then the browser is sent on. */
struct page_return {
	const struct callback_spec *spec;
	const char *page;            /* appended to the front-end URL */
};

void handle_async(struct ctx *x, const void *arg);       /* async_callback */
void handle_page_return(struct ctx *x, const void *arg); /* page_return */
void handle_refresh_redis(struct ctx *x, const void *arg);
void handle_health(struct ctx *x, const void *arg);

extern const struct async_callback user_register_async;
extern const struct page_return user_register_page;
extern const struct async_callback corp_register_async;
extern const struct async_callback netsave_async;
extern const struct page_return netsave_page;

#endif
