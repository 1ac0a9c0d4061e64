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
	bool (*shape)(struct slice utf8_value);   /* NULL: any text */
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

struct signed_field {
	const char *name;
	enum reading reading;
};

struct callback_spec {
	const char *cmd_id;
	const struct signed_field *signed_fields;  /* in signing order; name == NULL ends it */
	const struct field_rule *rules;            /* name == NULL ends it */
};

/* A verified callback: the form as received, and every value of the
 * reading the signature verified converted to trimmed UTF-8, for
 * storage and display. */
struct callback {
	const struct form *raw;
	struct form text;        /* filled once the signature holds */
	bool verified;           /* the bank signed it: audit it, whatever follows */
	bool success;            /* RespCode == "000" */
};

/* Runs every check in order: CmdId, ChkValue present, signature, our
 * merchant, field rules.  cb->verified tells whether the signature held,
 * even when a later check fails.  Returns 0, or the HTTP status to answer (400 or
 * 403) with *why set for the log. */
int callback_check(const struct callback_spec *spec, const struct form *raw,
		   const struct rsa_pubkey *bank_key, const char *mer_cust_id,
		   struct callback *cb, const char **why);

/* Field shapes, shared by the specs. */
bool shape_cust_id(struct slice v);       /* 16 digits */
bool shape_usr_id(struct slice v);        /* 1..25 bytes */
bool shape_trx_id(struct slice v);        /* 1..18 of [A-Za-z0-9] */
bool shape_resp_code(struct slice v);     /* 3 of [A-Za-z0-9] */
bool shape_url(struct slice v);           /* an http(s) URL, maybe still encoded */

/* Why the shapes are strict: the bank signs its fields glued together
 * with no separator, so "UsrId=alice1&UsrCustId=600..." and
 * "UsrId=alice&UsrCustId=1600..." sign the same string.  Only fields
 * whose shapes cannot absorb a neighbour's characters (fixed-length
 * digits, a URL that must start with "http", a real date, an amount with
 * no leading zero) pin every boundary where it was signed. */

#endif
