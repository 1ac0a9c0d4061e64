/* json: the writer for flat objects of strings: the audit's fields,
 * bank_netsave's data and unsigned_data. */
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

/* A JSON object of every field of f (values already UTF-8), in order.
 * When members is not NULL, it gets each field's name and the bytes of
 * out that hold its member ("name":"value"), for json_put_member. */
void json_form(struct buf *out, const struct form *f, struct form *members);

/* Appends a member already written (one of json_form's members), so
 * that an object of some fields costs no second escaping.  Nothing for
 * an absent member (p NULL). */
void json_put_member(struct json *j, struct slice member);

/* A JSON string literal with its quotes. */
void json_put_string(struct buf *out, struct slice s);

#endif
