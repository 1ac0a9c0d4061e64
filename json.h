/* json: the writer for bank_netsave.data, a flat object of strings. */
#ifndef JSON_H
#define JSON_H

#include "buf.h"
#include "form.h"

struct json {
	struct buf *out;
	bool first;
};

void json_begin(struct json *j, struct buf *out);
/* key and value must be valid UTF-8 (see utf8_from). */
void json_member(struct json *j, struct slice key, struct slice value);
void json_end(struct json *j);

/* A JSON object of every field of f (values already UTF-8) but those
 * named in skip (NULL-terminated; skip itself may be NULL), in order. */
void json_form(struct buf *out, const struct form *f, const char *const *skip);

/* A JSON string literal with its quotes. */
void json_put_string(struct buf *out, struct slice s);

#endif
