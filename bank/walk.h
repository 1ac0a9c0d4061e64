/* walk: one signed string, one meaning.  The bank signs its fields
 * glued together, so its signature covers the bytes, not where one field
 * ends: every cutting of the signed string that a CmdId's rules accept is
 * walked, and a callback is the bank's word only when all of them put
 * every PINNED field in one place. */
#ifndef WALK_H
#define WALK_H

#include "callback.h"

struct span {
	size_t start, end;
};

/* How many meanings signed_string has: the cuttings into spec's signed
 * fields with every piece trimmed and passing its field's rule (CmdId
 * the spec's, MerCustId ours), told apart by where they put the PINNED
 * fields.  0, 1, or 2 for "more than one, or too costly to tell"; with
 * 1, the spans of that meaning's first cutting in first.  Works in
 * mem's dead and next_high. */
int callback_meanings(const struct callback_spec *spec,
		      const struct rule_env *env, struct slice signed_string,
		      bool success, struct callback_storage *mem,
		      struct span first[MAX_SIGNED_FIELDS]);

/* Whether the posted reading puts every PINNED field where the walk's
 * one meaning (first, over s) does. */
bool posted_is_the_meaning(const struct callback_spec *spec,
			   const struct form *reading, struct slice s,
			   const struct span first[MAX_SIGNED_FIELDS]);

/* r's shape (not NULL) over piece (at most SIGNED_MAX bytes) as the
 * callback would store it: as UTF-8, or as GBK when CharSet says so;
 * CharSet is not signed, so either reading passing is enough. */
bool field_rule_shape_either_text(const struct field_rule *r, struct slice piece,
				  const struct rule_env *env);

#endif
