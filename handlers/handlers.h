/* handlers: what each route does, and the request context they share. */
#ifndef HANDLERS_H
#define HANDLERS_H

#include "lib/buf.h"
#include "bank/callback.h"
#include "config.h"
#include "lib/form.h"
#include "http.h"
#include "db/cache.h"
#include "db/pg.h"
#include "db/verdict.h"

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
	char params[PARAMS_MAX];           /* a store()'s statement's, one at a time */
	char txn[PARAMS_MAX];              /* the transaction's queued statements': the audit row's body and ids */
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
	enum verdict verdict;        /* what was done: the log line's outcome */
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
/* The one verification of a callback post: puts its TrxId and OrdId in
 * the log line, reads the settings the rules need and the bank's key (or
 * either of two during a switch-over: the log line says when the second
 * verified), and runs callback_check() once.  Returns 0 accepted; 400 or
 * 403 refused, cb->verified telling whether the bank signed it (and so
 * whether to audit the refusal); 500 when a setting the route needs is
 * missing or broken, nothing checked; why in err.  Answers nothing: the
 * flow does. */
int ctx_verify(struct ctx *x, const struct callback_spec *spec,
	       struct callback *cb, char *err, size_t errlen);
/* Redis as the settings say (db/cache.h): NULL with err (no secret in
 * it) when they are broken or Redis cannot be reached. */
struct redisContext *cache_open(const struct config *cfg, char *err, size_t errlen);

struct signature;
struct sighting;
/* The registry's key of the verified callback cb as posted to x: its
 * route and hashes (db/signatures.h). */
struct signature ctx_signature(const struct ctx *x, const struct callback *cb);

/* Queues in t the audit row of the verified callback cb as posted to x,
 * answered status with verdict (db/audit.h): it is written with t's
 * COMMIT or not at all.  Unless first is set (an acceptance: a signed
 * string is accepted once), a signed string already so answered on this
 * route is only counted, so that what one signed string costs is
 * bounded however often and however cut it is posted; the database
 * decides, under the signed string's lock.  0, or -1 with a message in
 * err. */
int ctx_audit(const struct ctx *x, struct pg_txn *t, const struct callback *cb,
	      const struct signature *sig, int status, enum verdict verdict,
	      bool first, char *err, size_t errlen);

enum { CACHE_PAIRS_MAX = 2, CACHE_VALUE_MAX = 64 };

/* What a store did: its verdict, and the Redis pairs its rows hold now,
 * read back from them, so that the cache only ever says what the
 * database does. */
struct stored {
	enum verdict verdict;
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

/* Rows of a signed-field table: an id, an amount, a date, a flag
 * (PINNED, signed as received), and the merchant's own text that the
 * bank echoes (ECHOED; the merchant may have percent-encoded it, and
 * SDKs sign it either way). */
#define SIGNED(name) { name, AS_RECEIVED, PINNED }
#define ECHOED_FIELD(name) { name, MAY_BE_DECODED_AGAIN, ECHOED }
/* "tail" in the bank notes: what ends most signed strings */
#define ECHOED_TAIL ECHOED_FIELD("RetUrl"), ECHOED_FIELD("BgRetUrl"), ECHOED_FIELD("MerPriv")
#define SIGNED_END { NULL, AS_RECEIVED, PINNED }
#define RULES_END { NULL, OPTIONAL, NULL, 0 }

/* Which field of a bank order's callback each bank_orders column holds
 * (NULL: none), for the one store of every order CmdId
 * (handlers/orders.c, sql/011-orders.sql).  The order is named by the
 * spec's order_field, or by the acknowledged field (a card binding's
 * TrxId). */
struct order_columns {
	const char *ord_date;
	const char *usr_cust_id, *out_cust_id, *in_cust_id;   /* the parties */
	const char *trans_amt, *fee_amt, *serv_fee;           /* exact amounts */
	/* known unsigned fields kept apart in unsigned_data, beside
	 * RespDesc, SecRespCode and SecRespDesc; NULL-terminated or NULL */
	const char *const *unsigned_fields;
};

struct background_callback;

/* A retry's Redis pairs: what the rows of a callback already stored hold
 * now, read in t and put in out (none when its row is gone or bound
 * elsewhere); its statement's parameters built in params.  0, or -1
 * with a message in err. */
typedef int cached_fn(struct pg_txn *t, const struct callback *cb, struct buf *params,
		      struct stored *out, char *err, size_t errlen);

/* Writes a verified callback's rows in the transaction t, its
 * statements' parameters built in params (empty, PARAMS_MAX).  0 with
 * what it did in *out; a status (409) to refuse it with, having written
 * nothing, what in out->verdict; or -1 with a message in err.  After
 * COMMIT, out's pairs go to Redis. */
typedef int store_fn(struct pg_txn *t, const struct background_callback *a,
		     const struct callback *cb, struct buf *params,
		     struct stored *out, char *err, size_t errlen);

/* A background (BgRetUrl) callback: verified, stored in one
 * transaction, cached, then acknowledged with RECV_ORD_ID_ and its
 * acknowledged field. */
struct background_callback {
	/* the CmdId's signed orders, NULL-terminated: callback_spec_for()
	 * picks the post's */
	const struct callback_spec *specs[3];
	store_fn *store;
	const char *ack;                 /* TrxId, OrdId or ProId */
	const struct order_columns *order;   /* for store_order */
	/* for a CmdId whose rows the cache mirrors: a retry writes the
	 * cache again from them (NULL: no cache) */
	cached_fn *cached;
};

/* The store of every bank order CmdId (handlers/orders.c). */
store_fn store_order;

/* A page return (RetUrl): verified, then the browser is sent on. */
struct page_return {
	const struct callback_spec *spec;
	const char *page;            /* appended to the front-end URL */
};

/* A CmdId whose signed order nobody knows (AddBidAttachInfo,
 * AutoTenderPlan): its background route logs it and refuses it (501,
 * never acknowledged), its page return sends the browser on carrying
 * nothing from the post. */
struct unverifiable {
	const char *cmd_id;
	const char *page;            /* NULL: the background route */
};

/* Whether BANK_CALLBACK_FRONTEND is set and an http(s) URL; if not,
 * answers 500 and says so. */
bool page_front_end_set(struct ctx *x);
/* 303 to the front end's page with RespCode=code&RespDesc=desc, each
 * percent-encoded (no CR or LF can reach a header). */
void page_redirect(struct ctx *x, const char *page, struct slice code,
		   struct slice desc);

void handle_background(struct ctx *x, const void *arg);  /* background_callback */
void handle_page_return(struct ctx *x, const void *arg); /* page_return */
void handle_unverifiable(struct ctx *x, const void *arg); /* unverifiable */
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
/* the platform's other bank flows (section 9 of the bank notes) */
extern const struct background_callback user_bind_card_background;   /* bindcard.c */
extern const struct background_callback initiative_tender_background; /* tender.c */
extern const struct page_return initiative_tender_page;
extern const struct background_callback auto_tender_background;
extern const struct page_return auto_tender_page;
extern const struct background_callback tender_cancle_background;
extern const struct page_return tender_cancle_page;
extern const struct background_callback loans_background;            /* loans.c */
extern const struct background_callback repayment_background;
extern const struct page_return transfer_page;                       /* transfer.c */
extern const struct background_callback usr_acct_pay_background;
extern const struct page_return usr_acct_pay_page;
extern const struct background_callback usr_freeze_bg_background;    /* freeze.c */
extern const struct page_return usr_freeze_bg_page;
extern const struct background_callback usr_unfreeze_background;
extern const struct page_return usr_unfreeze_page;
extern const struct background_callback cash_background;             /* cash.c */
extern const struct page_return cash_page;
extern const struct background_callback cash_audit_background;
extern const struct page_return cash_audit_page;
extern const struct background_callback mer_cash_background;
extern const struct page_return mer_cash_page;
extern const struct background_callback add_bid_info_background;     /* bidinfo.c */
extern const struct page_return add_bid_info_page;
extern const struct unverifiable add_bid_attach_info_background;
extern const struct unverifiable add_bid_attach_info_page;
extern const struct unverifiable auto_tender_plan_page;

#endif
