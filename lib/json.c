/* json: a writer for flat objects of strings.  See json.h. */
#include "json.h"
#include "hex.h"

#include <string.h>

void json_put_string(struct buf *out, struct slice s)
{
	buf_putc(out, '"');
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c == '"' || c == '\\') {
			buf_putc(out, '\\');
			buf_putc(out, (char)c);
		} else if (c < 0x20 || c == 0x7f) {
			buf_puts(out, "\\u00");
			buf_putc(out, hex_char(c >> 4, true));
			buf_putc(out, hex_char(c, true));
		} else {
			buf_putc(out, (char)c);
		}
	}
	buf_putc(out, '"');
}

void json_begin(struct json *j, struct buf *out)
{
	j->out = out;
	j->first = true;
	buf_putc(out, '{');
}

void json_member(struct json *j, struct slice key, struct slice value)
{
	if (!j->first)
		buf_putc(j->out, ',');
	j->first = false;
	json_put_string(j->out, key);
	buf_putc(j->out, ':');
	json_put_string(j->out, value);
}

void json_end(struct json *j)
{
	buf_putc(j->out, '}');
}

void json_put_member(struct json *j, struct slice member)
{
	if (!member.p)
		return;
	if (!j->first)
		buf_putc(j->out, ',');
	j->first = false;
	buf_put_slice(j->out, member);
}

void json_form(struct buf *out, const struct form *f, struct form *members)
{
	struct json j;

	json_begin(&j, out);
	for (size_t i = 0; i < f->n; i++) {
		size_t start = out->len + (i > 0);   /* after the comma */
		struct slice m = { NULL, 0 };

		json_member(&j, f->fields[i].name, f->fields[i].value);
		if (!out->overflow)
			m = (struct slice){ out->p + start, out->len - start };
		if (members)
			members->fields[i] = (struct form_field){ f->fields[i].name, m };
	}
	if (members)
		members->n = f->n;
	json_end(&j);
}
