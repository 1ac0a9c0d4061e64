/* callback: the checks shared by every ChinaPNR callback.  See callback.h. */
#include "callback.h"
#include "chkvalue.h"
#include "form.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>

enum {
	SIGNED_MAX = 8192,
	MAX_DECODED_AGAIN = 4,     /* fields per spec with two readings */
};

bool shape_cust_id(struct slice v)
{
	return v.len == 16 && slice_has_only(v, "d");
}

bool shape_usr_id(struct slice v)
{
	/* The design's pnrid: at most 25 bytes, printable, no spaces. */
	return v.len >= 1 && v.len <= 25 && slice_has_only(v, "a_-.@");
}

bool shape_trx_id(struct slice v)
{
	return v.len >= 1 && v.len <= 18 && slice_has_only(v, "a");
}

bool shape_resp_code(struct slice v)
{
	return v.len == 3 && slice_has_only(v, "a");
}

bool shape_url(struct slice v)
{
	/* Once decoded by the form, the merchant's own encoding may remain. */
	static const char *const prefixes[] = {
		"http://", "https://", "http%3A%2F%2F", "https%3A%2F%2F",
	};

	if (v.len > 1024)
		return false;
	for (size_t i = 0; i < v.len; i++)
		if ((unsigned char)v.p[i] <= 0x20 || (unsigned char)v.p[i] == 0x7f)
			return false;
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		size_t n = strlen(prefixes[i]);

		if (v.len > n && slice_eq_nocase((struct slice){ v.p, n }, prefixes[i]))
			return true;
	}
	return false;
}

/* The bank's plain concatenation of the trimmed signed fields. */
static void build_signed(const struct callback_spec *spec,
			 const struct form *f, struct buf *out)
{
	buf_reset(out);
	for (const struct signed_field *sf = spec->signed_fields; sf->name; sf++)
		buf_put_slice(out, slice_trim(form_get(f, sf->name)));
}

static struct form_field *field_named(struct form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (slice_eq(f->fields[i].name, name))
			return &f->fields[i];
	return NULL;
}

/* Finds the reading of raw that the ChkValue signs, into *reading.
 *
 * A field marked MAY_BE_DECODED_AGAIN was percent-encoded by the
 * merchant before the form encoded it again, and the bank (or the
 * merchant's SDK) may sign it decoded once more, or as it is.  Each such
 * field that holds an escape has two readings; every combination is
 * tried, all decoded first (the usual case), against one RSA operation. */
static int verify(const struct callback_spec *spec, const struct form *raw,
		  const struct rsa_pubkey *key, struct slice chk,
		  struct form *reading)
{
	static char decoded_mem[SIGNED_MAX], signed_mem[SIGNED_MAX];
	struct buf decoded, str;
	struct chkvalue cv;
	struct form_field *twice[MAX_DECODED_AGAIN];
	struct slice as_received[MAX_DECODED_AGAIN], again[MAX_DECODED_AGAIN];
	unsigned n = 0;

	if (chkvalue_open(key, chk, &cv))
		return -1;
	*reading = *raw;
	buf_init(&decoded, decoded_mem, sizeof decoded_mem);
	for (const struct signed_field *sf = spec->signed_fields;
	     sf->name && n < MAX_DECODED_AGAIN; sf++) {
		struct form_field *f = field_named(reading, sf->name);
		size_t start = decoded.len;

		if (sf->reading != MAY_BE_DECODED_AGAIN || !f ||
		    !memchr(f->value.p, '%', f->value.len))
			continue;
		if (pct_decode(slice_trim(f->value), &decoded) || decoded.overflow) {
			/* not decodable: it was signed as it is, if at all */
			decoded.len = start;
			decoded.overflow = false;
			continue;
		}
		twice[n] = f;
		as_received[n] = f->value;
		again[n] = slice_trim((struct slice){ decoded.p + start, decoded.len - start });
		n++;
	}
	buf_init(&str, signed_mem, sizeof signed_mem);
	for (unsigned mask = (1u << n) - 1;; mask--) {
		for (unsigned i = 0; i < n; i++)
			twice[i]->value = mask & (1u << i) ? again[i] : as_received[i];
		build_signed(spec, reading, &str);
		if (!str.overflow && chkvalue_signs(&cv, (struct slice){ str.p, str.len }))
			return 0;
		if (mask == 0)
			return -1;
	}
}

/* Converts every value to trimmed UTF-8 (GBK when the bank says so). */
static int to_text(const struct form *in, struct form *text)
{
	/* Worst case: each invalid byte becomes a 3-byte U+FFFD. */
	static char mem[3 * 65536 + 64];
	struct buf b;
	bool gbk;
	struct slice cs = slice_trim(form_get(in, "CharSet"));

	gbk = slice_eq_nocase(cs, "GBK") || slice_eq_nocase(cs, "GB2312") ||
	      slice_eq_nocase(cs, "GB18030");
	buf_init(&b, mem, sizeof mem);
	text->n = in->n;
	for (size_t i = 0; i < in->n; i++) {
		size_t start = b.len;

		utf8_from(&b, slice_trim(in->fields[i].value), gbk);
		text->fields[i].name = in->fields[i].name;
		text->fields[i].value = (struct slice){ b.p + start, b.len - start };
	}
	return b.overflow ? -1 : 0;
}

static int check_rules(const struct callback_spec *spec, struct callback *cb,
		       const char **why)
{
	static char msg[64];

	for (const struct field_rule *r = spec->rules; r->name; r++) {
		struct slice v = form_get(&cb->text, r->name);
		bool needed = r->need == REQUIRED ||
			      (r->need == REQUIRED_ON_SUCCESS && cb->success);

		if (v.len == 0) {
			if (needed) {
				snprintf(msg, sizeof msg, "missing %s", r->name);
				*why = msg;
				return 400;
			}
			continue;
		}
		if (r->shape && !r->shape(v)) {
			snprintf(msg, sizeof msg, "bad %s", r->name);
			*why = msg;
			return 400;
		}
	}
	return 0;
}

int callback_check(const struct callback_spec *spec, const struct form *raw,
		   const struct rsa_pubkey *bank_key, const char *mer_cust_id,
		   struct callback *cb, const char **why)
{
	struct slice chk = slice_trim(form_get(raw, "ChkValue"));
	struct form reading;

	cb->raw = raw;
	cb->verified = false;
	cb->text.n = 0;
	if (!slice_eq(slice_trim(form_get(raw, "CmdId")), spec->cmd_id)) {
		*why = "CmdId does not match the route";
		return 400;
	}
	if (chk.len == 0) {
		*why = "no ChkValue";
		return 403;
	}
	if (verify(spec, raw, bank_key, chk, &reading)) {
		*why = "bad ChkValue";
		return 403;
	}
	cb->verified = true;
	if (to_text(&reading, &cb->text)) {
		*why = "values too long";
		return 400;
	}
	if (!slice_eq(slice_trim(form_get(raw, "MerCustId")), mer_cust_id)) {
		*why = "MerCustId is not ours";
		return 403;
	}
	cb->success = slice_eq(form_get(&cb->text, "RespCode"), "000");
	if (check_rules(spec, cb, why))
		return 400;
	return 0;
}
