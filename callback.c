/* callback: the checks shared by every ChinaPNR callback.  See callback.h. */
#include "callback.h"
#include "chkvalue.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>

enum { SIGNED_MAX = 8192 };

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

/* RetUrl and BgRetUrl were percent-encoded by the merchant before the
 * form encoded them again; the bank signs the decoded URL.  Returns the
 * value to sign: decoded once more when `twice` and decodable. */
static struct slice signed_value(const char *name, struct slice v, bool twice,
				 struct buf *scratch)
{
	bool is_url = strcmp(name, "RetUrl") == 0 || strcmp(name, "BgRetUrl") == 0;
	size_t start = scratch->len;

	if (!twice || !is_url || v.len == 0 || memchr(v.p, '%', v.len) == NULL)
		return v;
	if (pct_decode(v, scratch) || scratch->overflow) {
		scratch->len = start;
		scratch->overflow = false;
		return v;
	}
	return (struct slice){ scratch->p + start, scratch->len - start };
}

/* The bank's plain concatenation of the trimmed signed fields. */
static void build_signed(const struct callback_spec *spec,
			 const struct form *raw, bool twice, struct buf *out,
			 struct buf *scratch)
{
	for (const char *const *f = spec->signed_fields; *f; f++) {
		struct slice v = slice_trim(form_get(raw, *f));

		buf_put_slice(out, signed_value(*f, v, twice, scratch));
	}
}

static int verify(const struct callback_spec *spec, const struct form *raw,
		  const struct rsa_pubkey *key, struct slice chk)
{
	static char once_mem[SIGNED_MAX], twice_mem[SIGNED_MAX], scr_mem[SIGNED_MAX];
	struct buf once, twice, scratch;

	buf_init(&once, once_mem, sizeof once_mem);
	buf_init(&twice, twice_mem, sizeof twice_mem);
	buf_init(&scratch, scr_mem, sizeof scr_mem);
	build_signed(spec, raw, false, &once, &scratch);
	build_signed(spec, raw, true, &twice, &scratch);
	if (once.overflow || twice.overflow)
		return -1;
	if (chkvalue_verify(key, (struct slice){ twice.p, twice.len }, chk) == 0)
		return 0;
	if (once.len == twice.len && memcmp(once.p, twice.p, once.len) == 0)
		return -1;
	return chkvalue_verify(key, (struct slice){ once.p, once.len }, chk);
}

/* Converts every value to trimmed UTF-8 (GBK when the bank says so). */
static int to_text(const struct form *raw, struct form *text)
{
	/* Worst case: each invalid byte becomes a 3-byte U+FFFD. */
	static char mem[3 * 65536 + 64];
	struct buf b;
	bool gbk;
	struct slice cs = slice_trim(form_get(raw, "CharSet"));

	gbk = slice_eq_nocase(cs, "GBK") || slice_eq_nocase(cs, "GB2312") ||
	      slice_eq_nocase(cs, "GB18030");
	buf_init(&b, mem, sizeof mem);
	text->n = raw->n;
	for (size_t i = 0; i < raw->n; i++) {
		size_t start = b.len;

		utf8_from(&b, slice_trim(raw->fields[i].value), gbk);
		text->fields[i].name = raw->fields[i].name;
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
	if (verify(spec, raw, bank_key, chk)) {
		*why = "bad ChkValue";
		return 403;
	}
	cb->verified = true;
	if (to_text(raw, &cb->text)) {
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
