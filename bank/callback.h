/* callback: what every ChinaPNR callback must pass before we act on it.
 *
 * Each CmdId is described by a table (struct callback_spec) in its own
 * handler file: the fields it signs, in signing order, and the rules for
 * its fields.  Adding a callback is adding a spec, not writing checks. */
#ifndef CALLBACK_H
#define CALLBACK_H

#include "lib/buf.h"
#include "lib/form.h"
#include "http.h"
#include "keyfile.h"
#include "shapes.h"

#include <stdint.h>

enum {
	CALLBACK_HASH_BYTES = 32,
	SIGNED_MAX = 8192,            /* longest signed string */
	MAX_SIGNED_FIELDS = 24,       /* per spec: Loans signs 21 */
	MAX_DECODED_AGAIN = 4,        /* fields per spec with two readings */
	/* Every value as UTF-8: an invalid byte becomes a 3-byte U+FFFD. */
	CALLBACK_TEXT_MAX = 3 * HTTP_MAX_BODY + 64,
	/* Every field as one JSON object: a control byte becomes \u00XX (6
	 * bytes), and each member adds quotes, a colon and a comma. */
	CALLBACK_JSON_MAX = 6 * HTTP_MAX_BODY + 6 * FORM_MAX_FIELDS + 2,
};

/* Whether a field may be empty.  A failed callback (RespCode other than
 * "000") leaves empty what only a success has: REQUIRED_ON_SUCCESS. */
enum need {
	OPTIONAL,
	REQUIRED,
	REQUIRED_ON_SUCCESS,
	/* Present exactly when the field signed just before it is: a fee's
	 * account and the customer it belongs to.  One without the other is
	 * nothing the bank sends, so it is refused, and no cutting can move
	 * an account from this field into a neighbour's. */
	WITH_PREVIOUS,
};

/* A field's rule.  shape and max_bytes never read the clock: which
 * cuttings of a signed string pass them is the same on every day, so
 * what a signed string means never depends on when it arrives. */
struct field_rule {
	const char *name;
	enum need need;
	bool (*shape)(struct slice utf8_value, const struct rule_env *env);  /* NULL: any text */
	/* The longest value in bytes as signed (0: no bound), whatever the
	 * charset: the rules refuse a longer value and the cutting walk
	 * tries no longer piece, so both use the one bound. */
	size_t max_bytes;
	/* NULL, or a check against the day the callback arrives (OrdDate
	 * within BANK_CALLBACK_ORDER_DAYS).  Applied to the one cutting once
	 * it is known: it may refuse a callback, never choose between
	 * cuttings. */
	bool (*arrival)(struct slice utf8_value, const struct rule_env *env);
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
 * string (see walk.c). */
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
	/* The signed field that names the order the callback is about
	 * (OrdId, ProId), the audit's ord_id; NULL: none. */
	const char *order_field;
	/* Where one CmdId is signed in two orders (a withdrawal's
	 * reconciliation notice signs RespType first and no CmdId): the
	 * field whose presence selects this one.  NULL: the plain order. */
	const char *when_present;
};

/* The memory callback_check() works in, sized from the HTTP limits.  The
 * caller owns it (bank-callback.c's request_storage holds the one a
 * request uses); the verified callback points into it. */
struct callback_storage {
	char decoded[SIGNED_MAX];         /* values decoded once more */
	char signed_string[SIGNED_MAX];   /* the bank's concatenation */
	char text[CALLBACK_TEXT_MAX];     /* callback.text's values */
	char json[CALLBACK_JSON_MAX];     /* callback.json */
	/* the cutting walk's dead ends (and the echoed tail's live ones): a
	 * row per field and one more, a column per position in the signed
	 * string */
	unsigned char dead[(MAX_SIGNED_FIELDS + 1) * (SIGNED_MAX + 1)];
	/* the first byte at or after each position that is not ASCII: a
	 * piece is ASCII, and reads the same in every charset, in O(1) */
	uint16_t next_high[SIGNED_MAX + 1];
	_Static_assert(SIGNED_MAX < 65536, "a position fits next_high");
};

/* A callback as the bank signed it, filled as far as the checks got.
 * The values of reading, text and members point into the form checked
 * and into the callback_storage given to callback_check(). */
struct callback {
	const struct callback_spec *spec;   /* what it was checked as */
	bool verified;           /* the bank signed it: audit it, whatever follows */
	bool ambiguous;          /* ... but more than one cutting passes the rules */
	bool success;            /* RespCode == "000" */
	/* Once verified: */
	int key;                 /* which of the keys verified it: 0, or 1 */
	struct form reading;     /* the fields as signed: the reading that verified */
	struct form text;        /* reading's values as trimmed UTF-8, for storage and display */
	/* text as one JSON object, every field in order (the audit's
	 * fields), NUL-terminated; and each field's member in it,
	 * "name":"value", for a row that keeps some of them.  Each value
	 * is escaped once.  json.p is NULL when it did not fit. */
	struct slice json;
	struct form members;
	/* SHA-256 of the signed string, and of its fields as cut (name and
	 * value each): one string, one meaning. */
	unsigned char signed_hash[CALLBACK_HASH_BYTES];
	unsigned char meaning_hash[CALLBACK_HASH_BYTES];
};

/* The spec of specs (NULL-terminated, at most a few) that a post in
 * form f is: the first whose when_present field f carries, or that has
 * none.  NULL when none is. */
const struct callback_spec *callback_spec_for(const struct callback_spec *const *specs,
					      const struct form *f);

/* Verifies raw as spec's callback, every check in order: CmdId (where
 * the spec signs one), ChkValue present, signature under one of keys
 * (each key's RSA operation at most once, the next key's only when the
 * one before did not verify), our merchant (where the spec signs a
 * MerCustId: a Transfer signs none), field rules, one cutting and that it is
 * the one posted (see walk.c),
 * and last the arrival checks (the OrdDate window).  Works in mem.  cb is filled as
 * far as the checks got: cb->verified tells whether the signature held,
 * even when a later check fails; cb->ambiguous that the signed string
 * has another meaning the rules accept too.  Returns 0, or 400 or 403
 * with why in err (for the log: no personal data). */
int callback_check(const struct callback_spec *spec, const struct form *raw,
		   const struct bank_keys *keys, const struct rule_env *env,
		   struct callback_storage *mem, struct callback *cb,
		   char *err, size_t errlen);

/* Whether spec signs the field called name. */
bool spec_signs(const struct callback_spec *spec, struct slice name);

/* A verified callback's value of name as text, when its CmdId signs
 * name; else empty.  Anything that identifies a callback (the audit's
 * ids, the log line's) is taken this way: an unsigned field is
 * whatever the poster wrote. */
struct slice callback_signed_text(const struct callback *cb, const char *name);

/* Whether an empty value breaks r: REQUIRED, or REQUIRED_ON_SUCCESS on
 * a success. */
bool field_rule_needed(const struct field_rule *r, bool success);
/* Whether r allows its value's emptiness beside the previous signed
 * field's (WITH_PREVIOUS: both empty or neither). */
bool field_rule_pair_fits(const struct field_rule *r, bool empty, bool previous_empty);

#endif
