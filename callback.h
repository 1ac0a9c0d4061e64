/* callback: what every ChinaPNR callback must pass before we act on it.
 *
 * Each CmdId is described by a table (struct callback_spec) in its own
 * handler file: the fields it signs, in signing order, and the rules for
 * its fields.  Adding a callback is adding a spec, not writing checks. */
#ifndef CALLBACK_H
#define CALLBACK_H

#include "buf.h"
#include "form.h"

#include "keyfile.h"

#include <regex.h>
#include <stdint.h>
#include <time.h>

enum {
	PATTERN_SUBJECT_MAX = 64,     /* longest value a pattern is tried on */
	URL_MAX = 1024,               /* longest RetUrl or BgRetUrl */
	CALLBACK_HASH_BYTES = 32,
};

/* What the rules need beyond the value: our settings and the time. */
struct rule_env {
	const char *mer_cust_id;      /* ours: a callback naming another is refused */
	long today;                   /* arrival day in China (UTC+8), days since 1970-01-01 */
	int order_days_before;        /* OrdDate window around today */
	int order_days_after;
	const regex_t *ord_id_pattern;  /* the platform's own OrdId, or NULL */
	const regex_t *usr_id_pattern;  /* the platform's own UsrId, or NULL */
};

/* Whether a field may be empty.  A failed callback (RespCode other than
 * "000") leaves empty what only a success has: REQUIRED_ON_SUCCESS. */
enum need {
	OPTIONAL,
	REQUIRED,
	REQUIRED_ON_SUCCESS,
};

struct field_rule {
	const char *name;
	enum need need;
	bool (*shape)(struct slice utf8_value, const struct rule_env *env);  /* NULL: any text */
	/* The longest value the shape accepts, in bytes as received (0: no
	 * bound): where the ambiguity walk stops trying longer pieces. */
	size_t max_bytes;
};

/* How the bank may have signed a field's value. */
enum reading {
	AS_RECEIVED,
	/* The merchant percent-encoded the value before the form encoded it
	 * again; the bank's signed string has it either as received or
	 * decoded once more (SDKs differ), so both readings are tried and
	 * the one that verified is the one kept. */
	MAY_BE_DECODED_AGAIN,
};

/* Whether the rules must pin where a field's value lies in the signed
 * string (see callback_meanings). */
enum boundary {
	PINNED,
	/* The merchant's own text, echoed back by the bank (RetUrl, BgRetUrl,
	 * MerPriv, RespExt): free text whose end no rule can pin, and nothing
	 * is decided on it. */
	ECHOED,
};

struct signed_field {
	const char *name;
	enum reading reading;
	enum boundary boundary;
};

struct callback_spec {
	const char *cmd_id;
	const struct signed_field *signed_fields;  /* in signing order; name == NULL ends it */
	const struct field_rule *rules;            /* name == NULL ends it */
};

enum { REFUSAL_WHY_MAX = 512 };

/* A callback as the bank signed it, filled as far as the checks got.
 * The values of reading and text point into the form checked and into
 * callback.c's scratch: good until the next callback_check(). */
struct callback {
	bool verified;           /* the bank signed it: audit it, whatever follows */
	bool ambiguous;          /* ... but more than one cutting passes the rules */
	bool success;            /* RespCode == "000" */
	/* Once verified: */
	int key;                 /* which of the keys verified it: 0, or 1 */
	struct form reading;     /* the fields as signed: the reading that verified */
	struct form text;        /* reading's values as trimmed UTF-8, for storage and display */
	/* SHA-256 of the signed string, and of its fields as cut (name and
	 * value each): one string, one meaning. */
	unsigned char signed_hash[CALLBACK_HASH_BYTES];
	unsigned char meaning_hash[CALLBACK_HASH_BYTES];
};

/* Why a callback is refused, in storage the caller owns. */
struct refusal {
	int status;              /* 0: not refused; else the HTTP status to answer */
	char why[REFUSAL_WHY_MAX];   /* for the log; no personal data */
};

/* Verifies raw as spec's callback, every check in order: CmdId,
 * ChkValue present, signature under one of keys[0..nkeys) (each key's
 * RSA operation at most once, the next key's only when the one before
 * did not verify), our merchant, field rules, one cutting.  cb is filled as
 * far as the checks got: cb->verified tells whether the signature held,
 * even when a later check fails; cb->ambiguous that the signed string
 * has another meaning the rules accept too.  Returns no->status: 0, or
 * 400 or 403 with no->why set. */
int callback_check(const struct callback_spec *spec, const struct form *raw,
		   const struct rsa_pubkey *const *keys, int nkeys,
		   const struct rule_env *env, struct callback *cb,
		   struct refusal *no);

/* How many meanings signed_string has: the cuttings into spec's signed
 * fields with every piece trimmed and passing its field's rule (CmdId
 * the spec's, MerCustId ours), told apart by where they put the PINNED
 * fields.  0, 1, or 2 for "more than one, or too costly to tell".
 * Pure apart from static scratch. */
int callback_meanings(const struct callback_spec *spec,
		      const struct rule_env *env, struct slice signed_string,
		      bool success);

/* Whether an empty value breaks r: REQUIRED, or REQUIRED_ON_SUCCESS on
 * a success. */
bool field_rule_needed(const struct field_rule *r, bool success);

/* r's shape (not NULL) over piece as the callback would store it: as
 * UTF-8, or as GBK when CharSet says so; CharSet is not signed, so
 * either reading passing is enough.  Static scratch. */
bool field_rule_shape_either_text(const struct field_rule *r, struct slice piece,
				  const struct rule_env *env);

/* Whether the whole of v matches re (NULL matches everything). */
bool slice_matches(struct slice v, const regex_t *re);

/* Field shapes, shared by the specs. */
bool shape_cust_id(struct slice v, const struct rule_env *env);   /* 16 digits */
bool shape_usr_id(struct slice v, const struct rule_env *env);    /* 1..25 bytes, the pattern */
bool shape_trx_id(struct slice v, const struct rule_env *env);    /* 18 digits */
bool shape_resp_code(struct slice v, const struct rule_env *env); /* 3 of [A-Za-z0-9] */
bool shape_url(struct slice v, const struct rule_env *env);       /* an http(s) URL, maybe still encoded */

/* Why the shapes are strict: the bank signs its fields glued together
 * with no separator, so "UsrId=alice1&UsrCustId=600..." and
 * "UsrId=alice&UsrCustId=1600..." sign the same string.  Strict shapes
 * (fixed-length digits, a URL that must start with "http", a real date
 * near today, an amount with no leading zero) leave the bank's cutting
 * almost always the only one; callback_meanings() refuses the rest, and
 * the store refuses a ChkValue seen before with another meaning. */

#endif
