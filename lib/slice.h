/* slice: a read-only view of someone else's bytes, and its comparisons. */
#ifndef SLICE_H
#define SLICE_H

#include <stdbool.h>
#include <stddef.h>

#include "ascii.h"

/* A read-only view into someone else's bytes (not NUL-terminated).  An
 * absent value is { NULL, 0 }. */
struct slice {
	const char *p;
	size_t len;
};

struct slice slice_from(const char *s);
/* s without ASCII white space (ascii_space) at either end. */
struct slice slice_trim(struct slice s);
bool slice_eq(struct slice a, const char *s);
/* The same bytes (an absent slice equals an empty one). */
bool slice_equal(struct slice a, struct slice b);
/* Equal but for the case of ASCII letters. */
bool slice_eq_nocase(struct slice a, const char *s);
/* Whether every byte of s is in the class in (one of ascii.h's
 * predicates) or one of the bytes of also; a NUL byte never is.
 * slice_all(s, ascii_alnum, "_-"): letters, digits, '_' and '-'. */
bool slice_all(struct slice s, bool (*in)(unsigned char), const char *also);
/* The settings' lists ("a, b"): takes the next item of *rest, split at
 * sep and trimmed, and moves *rest past it.  Every piece is an item, an
 * empty one too: "a,,b" is "a", "", "b", "" is one empty item and "a,"
 * ends with one.  false once the last item was taken (rest.p NULL). */
bool slice_next_item(struct slice *rest, char sep, struct slice *item);

#endif
