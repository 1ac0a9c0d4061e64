/* shapes: the field shapes the CmdId tables name, and the environment
 * they read: our merchant id, the platform's id patterns, the day.
 * See "Why the shapes are strict" below. */
#ifndef SHAPES_H
#define SHAPES_H

#include "lib/slice.h"

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

struct config;

enum {
	PATTERN_SUBJECT_MAX = 64,     /* longest value a pattern is tried on */
	URL_MAX = 1024,               /* longest RetUrl or BgRetUrl */
};

/* What the rules need beyond the value: our settings and the time. */
struct rule_env {
	const char *mer_cust_id;      /* ours: a callback naming another is refused */
	long today;                   /* arrival day in China (UTC+8), days since 1970-01-01 */
	int order_days_before;        /* OrdDate window around today */
	int order_days_after;
	const regex_t *ord_id_pattern;  /* the platform's own OrdId, or NULL */
	const regex_t *usr_id_pattern;  /* the platform's own UsrId, or NULL */
	const regex_t *pro_id_pattern;  /* the platform's own ProId, or NULL */
};

/* env from our settings: our MerCustId, BANK_CALLBACK_ORDER_DAYS, the
 * id patterns (compiled once per process), today in China.  0, or -1
 * with err set.  --check calls it too. */
int rule_env_init(const struct config *cfg, struct rule_env *env, char *err,
		  size_t errlen);

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil): the day an OrdDate names. */
long days_from_civil(long y, unsigned m, unsigned d);

/* One URL rule for the bank's URLs and ours: http:// or https:// (any
 * case) with something after it, and no space, control byte or DEL.
 * URL_AS_SIGNED, a RetUrl or BgRetUrl: the prefix may still be
 * percent-encoded once (http%3A%2F%2F), and any other byte may follow.
 * URL_PLAIN, BANK_CALLBACK_FRONTEND, written into a Location header as
 * it is: the plain prefix and printable ASCII only. */
enum url_form { URL_AS_SIGNED, URL_PLAIN };
bool url_ok(struct slice v, enum url_form form);
/* Whether v begins as a URL_AS_SIGNED does.  ASCII, so it reads the
 * same in every charset. */
bool shape_url_prefixed(struct slice v);

/* Whether the whole of v matches re (NULL matches everything). */
bool slice_matches(struct slice v, const regex_t *re);

/* Field shapes, shared by the specs. */
bool shape_cust_id(struct slice v, const struct rule_env *env);   /* 16 digits */
bool shape_usr_id(struct slice v, const struct rule_env *env);    /* 1..25 bytes, the pattern */
bool shape_trx_id(struct slice v, const struct rule_env *env);    /* 18 digits */
bool shape_resp_code(struct slice v, const struct rule_env *env); /* 3 of [A-Za-z0-9] */
bool shape_url(struct slice v, const struct rule_env *env);       /* an http(s) URL, maybe still encoded */
/* YYYYMMDD, a real day of the years ORD_DATE_FIRST_YEAR to
 * ORD_DATE_LAST_YEAR: a fixed range, never the clock. */
bool shape_date(struct slice v, const struct rule_env *env);
bool shape_money(struct slice v, const struct rule_env *env);     /* 100.00: no leading zero */
/* An amount as fees come: 3, 3.00 or 0.00; no leading zero, at most 16
 * bytes. */
bool shape_amount(struct slice v, const struct rule_env *env);
/* The merchant's own order id (OrdId, and the ones it names: FreezeOrdId,
 * SubOrdId, ...): 1..30 of [A-Za-z0-9_-], the OrdId pattern. */
bool shape_ord_id(struct slice v, const struct rule_env *env);
/* The merchant's own loan project id: the same, with the ProId pattern. */
bool shape_pro_id(struct slice v, const struct rule_env *env);
/* A bank code (ICBC, CIB, ...): 1..8 letters, so that it cannot run into
 * digits on either side. */
bool shape_open_bank_id(struct slice v, const struct rule_env *env);
bool shape_digits(struct slice v, const struct rule_env *env);  /* 1..40 digits: a card number, an area code */
/* A sub-account at the bank: three capital letters and six digits
 * (MDT000001), as every real one; its fixed length pins both ends. */
bool shape_acct_id(struct slice v, const struct rule_env *env);
bool shape_yes_no(struct slice v, const struct rule_env *env);    /* Y or N */
/* Who pays a loan's fee (FeeObjFlag): I the borrower (In), O the bidder
 * (Out).  Never Y or N, so that it cannot trade places with the IsDefault
 * signed after it. */
bool shape_in_or_out(struct slice v, const struct rule_env *env);
/* Our MerCustId, where a CmdId names our account by another field: a
 * Transfer pays out of the merchant's account (OutCustId) and signs no
 * MerCustId, so this is what makes another merchant's Transfer not
 * ours. */
bool shape_our_cust_id(struct slice v, const struct rule_env *env);
/* The merchant's own text where the bank signs an id right after it or
 * before it: a URL that does not end in a digit, a MerPriv that does not
 * begin with one, so that the id's digits have one place. */
bool shape_url_ending_in_no_digit(struct slice v, const struct rule_env *env);
bool shape_no_digit_first(struct slice v, const struct rule_env *env);
bool shape_capital(struct slice v, const struct rule_env *env);   /* one capital letter: a flag */
/* Whether shape takes nothing but ASCII: a piece with a byte that is
 * not ASCII never fits it, in any charset (the walk's shortcut;
 * tests/recut checks the list). */
bool shape_takes_only_ascii(bool (*shape)(struct slice, const struct rule_env *));

/* An arrival check: v (a shape_date) lies within the order window
 * around the day the callback arrives. */
bool arrival_in_order_window(struct slice v, const struct rule_env *env);

enum {
	/* Every OrdDate the bank has sent lies in 20xx.  Pinning the
	 * century keeps an OrdId's digits from reading as a date of 7079,
	 * which a window of +-7 days once hid, and which would make a real
	 * top-up ambiguous once no window chose between cuttings. */
	ORD_DATE_FIRST_YEAR = 2000,
	ORD_DATE_LAST_YEAR = 2099,
};

/* Why the shapes are strict: the bank signs its fields glued together
 * with no separator, so "UsrId=alice1&UsrCustId=600..." and
 * "UsrId=alice&UsrCustId=1600..." sign the same string.  Strict shapes
 * (fixed-length digits, a URL that must start with "http", a real date
 * of this century, an amount with no leading zero) leave the bank's
 * cutting almost always the only one; callback_check() refuses the
 * rest, and the store refuses a ChkValue seen before with another
 * meaning. */

#endif
