/* form: strict application/x-www-form-urlencoded decoder.
 *
 * form_parse() is a pure function: it decodes into caller-provided
 * scratch space and fills a fixed table of slices into it. */
#ifndef FORM_H
#define FORM_H

#include "buf.h"

enum { FORM_MAX_FIELDS = 64 };

struct form_field {
	struct slice name;
	struct slice value;   /* decoded once; may hold any byte but NUL */
};

struct form {
	struct form_field fields[FORM_MAX_FIELDS];
	size_t n;
};

/* Decodes body.  scratch must hold at least len bytes.  Returns 0, or -1
 * for anything malformed: a pair without '=', an empty pair, a name
 * outside [A-Za-z0-9_], a bad or %00 escape, a raw byte that should have
 * been escaped, a duplicate name, more than FORM_MAX_FIELDS fields. */
int form_parse(const char *body, size_t len, char *scratch, struct form *f);

/* The value of name, or a slice with p == NULL when absent. */
struct slice form_get(const struct form *f, const char *name);

/* Percent-decodes s into out ('+' left alone).  Returns -1 on a bad or
 * %00 escape.  Used for the bank's doubly-encoded URL fields. */
int pct_decode(struct slice s, struct buf *out);

#endif
