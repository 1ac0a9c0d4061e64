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

static bool skipped(struct slice name, const char *const *skip)
{
	for (; skip && *skip; skip++)
		if (slice_eq(name, *skip))
			return true;
	return false;
}

void json_form(struct buf *out, const struct form *f, const char *const *skip)
{
	struct json j;

	json_begin(&j, out);
	for (size_t i = 0; i < f->n; i++)
		if (!skipped(f->fields[i].name, skip))
			json_member(&j, f->fields[i].name, f->fields[i].value);
	json_end(&j);
}
