/* slice: a read-only view of someone else's bytes, and its comparisons. */
#ifndef SLICE_H
#define SLICE_H

#include <stdbool.h>
#include <stddef.h>

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
/* Equal but for the case of ASCII letters. */
bool slice_eq_nocase(struct slice a, const char *s);
/* allowed_class: "d" digits, "a" alnum, or a literal set of extra bytes
 * after the first char, e.g. "a_-" = alnum plus '_' and '-'. */
bool slice_has_only(struct slice s, const char *allowed_class);

#endif
