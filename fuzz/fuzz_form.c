/* fuzz_form: form_parse() and pct_decode() over arbitrary bytes.
 *
 * form_parse: a body that decodes must give unique [A-Za-z0-9_] names
 * pointing into the body, NUL-free values packed into scratch (never more
 * than the body's size), the same values as pct_decode with '+' read as
 * a space, and the same form again once re-encoded with buf_put_pct.
 * pct_decode: never grows the text, never writes past its buffer, and
 * buf_put_pct followed by pct_decode is the identity on NUL-free bytes. */
#include "fuzz.h"
#include "lib/buf.h"
#include "lib/form.h"

#include <string.h>

static struct form form, form2;

static int is_name_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z') || c == '_';
}

/* The raw (still encoded) value of field f: after "name=", up to '&'. */
static struct slice raw_value(const char *body, size_t len,
			      const struct form_field *f)
{
	const char *v = f->name.p + f->name.len + 1;
	const char *amp = memchr(v, '&', len - (size_t)(v - body));

	return (struct slice){ v, amp ? (size_t)(amp - v) : len - (size_t)(v - body) };
}

static void check_form(const char *body, size_t len, const char *scratch)
{
	size_t total = 0, amps = 0;

	for (size_t i = 0; i < len; i++)
		amps += body[i] == '&';
	CHECK(form.n <= FORM_MAX_FIELDS);
	CHECK(len == 0 ? form.n == 0 : form.n == amps + 1);
	for (size_t i = 0; i < form.n; i++) {
		const struct form_field *f = &form.fields[i];

		/* Name: inside the body, at a pair's start, followed by '='. */
		CHECK(f->name.len >= 1);
		CHECK(fuzz_within(f->name.p, f->name.len + 1, body, len));
		CHECK(f->name.p == body || f->name.p[-1] == '&');
		CHECK(f->name.p[f->name.len] == '=');
		for (size_t k = 0; k < f->name.len; k++)
			CHECK(is_name_char((unsigned char)f->name.p[k]));
		for (size_t j = 0; j < i; j++)
			CHECK(!(form.fields[j].name.len == f->name.len &&
				memcmp(form.fields[j].name.p, f->name.p,
				       f->name.len) == 0));
		/* Value: packed into scratch in order, no NUL. */
		CHECK(f->value.p == scratch + total);
		CHECK(memchr(f->value.p, '\0', f->value.len) == NULL);
		total += f->value.len;
		CHECK(total <= len);
		/* form_get finds it (names are unique). */
		{
			char name[128];
			struct slice got;

			if (f->name.len < sizeof name) {
				memcpy(name, f->name.p, f->name.len);
				name[f->name.len] = '\0';
				got = form_get(&form, name);
				CHECK(got.p == f->value.p && got.len == f->value.len);
			}
		}
		/* The value never decodes larger than it was sent. */
		{
			struct slice raw = raw_value(body, len, f);

			CHECK(f->value.len <= raw.len);
		}
	}
	CHECK(total <= len);
}

/* pct_decode agrees with form_parse once '+' is spelled %20. */
static void check_against_pct(const char *body, size_t len)
{
	for (size_t i = 0; i < form.n; i++) {
		struct slice raw = raw_value(body, len, &form.fields[i]);
		char *spelled = malloc(3 * raw.len + 1);
		char *out = malloc(raw.len + 1);
		size_t n = 0;
		struct buf b;

		CHECK(spelled && out);
		for (size_t k = 0; k < raw.len; k++) {
			if (raw.p[k] == '+') {
				memcpy(spelled + n, "%20", 3);
				n += 3;
			} else {
				spelled[n++] = raw.p[k];
			}
		}
		buf_init(&b, out, raw.len + 1);
		CHECK(pct_decode((struct slice){ spelled, n }, &b) == 0);
		CHECK(!b.overflow);
		CHECK(b.len == form.fields[i].value.len &&
		      memcmp(out, form.fields[i].value.p, b.len) == 0);
		free(spelled);
		free(out);
	}
}

/* name=pct(value)&... parses back to the same names and values. */
static void check_reencode(size_t len)
{
	size_t cap = 3 * len + 2 * FORM_MAX_FIELDS + 1;
	char *mem = malloc(cap), *scratch2;
	struct buf b;

	CHECK(mem != NULL);
	buf_init(&b, mem, cap);
	for (size_t i = 0; i < form.n; i++) {
		if (i)
			buf_putc(&b, '&');
		buf_put_slice(&b, form.fields[i].name);
		buf_putc(&b, '=');
		buf_put_pct(&b, form.fields[i].value);
	}
	CHECK(!b.overflow);
	scratch2 = malloc(b.len ? b.len : 1);
	CHECK(scratch2 != NULL);
	CHECK(form_parse(b.p, b.len, scratch2, &form2) == 0);
	CHECK(form2.n == form.n);
	for (size_t i = 0; i < form.n; i++) {
		CHECK(form2.fields[i].name.len == form.fields[i].name.len &&
		      memcmp(form2.fields[i].name.p, form.fields[i].name.p,
			     form.fields[i].name.len) == 0);
		CHECK(form2.fields[i].value.len == form.fields[i].value.len &&
		      memcmp(form2.fields[i].value.p, form.fields[i].value.p,
			     form.fields[i].value.len) == 0);
	}
	free(scratch2);
	free(mem);
}

static int valid_escape(const char *s, size_t len, size_t i)
{
	static const char hex[] = "0123456789ABCDEFabcdef";

	return i + 2 < len && s[i + 1] && s[i + 2] &&
	       strchr(hex, s[i + 1]) && strchr(hex, s[i + 2]) &&
	       !(s[i + 1] == '0' && s[i + 2] == '0');
}

static void check_pct(const char *s, size_t len, size_t small)
{
	char *out = malloc(len + 1), *tiny = malloc(small + 1);
	char *enc = malloc(3 * len + 1), *back = malloc(len + 1);
	struct buf b, t, e, r;
	int rc, bad = 0;

	CHECK(out && tiny && enc && back);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (!valid_escape(s, len, i)) {
				bad = 1;
				break;
			}
			i += 2;
		}
	}
	/* Room for the whole input: never overflows, only shrinks. */
	buf_init(&b, out, len + 1);
	rc = pct_decode((struct slice){ s, len }, &b);
	CHECK(rc == (bad ? -1 : 0));
	CHECK(!b.overflow && b.len <= len && out[b.len] == '\0');
	if (rc == 0) {
		/* %00 is refused; a raw NUL (which no form value holds)
		 * is copied like any other byte. */
		if (memchr(s, '\0', len) == NULL)
			CHECK(memchr(out, '\0', b.len) == NULL);
		/* A small buffer gets a prefix of the same output. */
		buf_init(&t, tiny, small + 1);
		CHECK(pct_decode((struct slice){ s, len }, &t) == 0);
		CHECK(t.len <= small && memcmp(tiny, out, t.len) == 0);
		CHECK(t.overflow == (b.len > small));
		/* Encoding the output and decoding it gives it back. */
		if (memchr(out, '\0', b.len) == NULL) {
			buf_init(&e, enc, 3 * len + 1);
			buf_put_pct(&e, (struct slice){ out, b.len });
			CHECK(!e.overflow);
			buf_init(&r, back, len + 1);
			CHECK(pct_decode((struct slice){ enc, e.len }, &r) == 0);
			CHECK(r.len == b.len && memcmp(back, out, b.len) == 0);
		}
	}
	/* buf_put_pct then pct_decode is the identity on NUL-free bytes;
	 * a NUL is encoded as %00, which pct_decode refuses. */
	buf_init(&e, enc, 3 * len + 1);
	buf_put_pct(&e, (struct slice){ s, len });
	CHECK(!e.overflow);
	for (size_t i = 0; i < e.len; i++)
		CHECK(e.p[i] == '%' || e.p[i] == '-' || e.p[i] == '.' ||
		      e.p[i] == '_' || e.p[i] == '~' ||
		      (e.p[i] >= '0' && e.p[i] <= '9') ||
		      (e.p[i] >= 'A' && e.p[i] <= 'Z') ||
		      (e.p[i] >= 'a' && e.p[i] <= 'z'));
	buf_init(&r, back, len + 1);
	rc = pct_decode((struct slice){ enc, e.len }, &r);
	if (memchr(s, '\0', len)) {
		CHECK(rc == -1);
	} else {
		CHECK(rc == 0 && r.len == len && memcmp(back, s, len) == 0);
	}
	free(out);
	free(tiny);
	free(enc);
	free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	char *scratch = malloc(size ? size : 1);   /* exactly len bytes */
	int rc;

	CHECK(scratch != NULL);
	rc = form_parse(body, size, scratch, &form);
	CHECK(rc == 0 || rc == -1);
	if (rc == 0) {
		check_form(body, size, scratch);
		check_against_pct(body, size);
		check_reencode(size);
	}
	{
		/* Determinism. */
		char *scratch2 = malloc(size ? size : 1);

		CHECK(scratch2 != NULL);
		CHECK(form_parse(body, size, scratch2, &form2) == rc);
		if (rc == 0) {
			CHECK(form2.n == form.n);
			for (size_t i = 0; i < form.n; i++) {
				CHECK(form2.fields[i].name.p == form.fields[i].name.p);
				CHECK(form2.fields[i].value.p - scratch2 ==
				      form.fields[i].value.p - scratch);
				CHECK(form2.fields[i].value.len ==
				      form.fields[i].value.len);
				CHECK(memcmp(form2.fields[i].value.p,
					     form.fields[i].value.p,
					     form.fields[i].value.len) == 0);
			}
		}
		free(scratch2);
	}
	free(scratch);

	check_pct(body, size, size ? data[0] % 32 : 0);
	return 0;
}
