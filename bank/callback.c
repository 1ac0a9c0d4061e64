/* callback: the checks shared by every ChinaPNR callback.  See callback.h. */
#include "callback.h"
#include "walk.h"
#include "lib/ascii.h"
#include "chkvalue.h"
#include "lib/form.h"
#include "lib/json.h"
#include "lib/utf8.h"

#include <stdio.h>
#include <string.h>

#include <sodium/crypto_hash_sha256.h>

const struct callback_spec *callback_spec_for(const struct callback_spec *const *specs,
					      const struct form *f)
{
	for (; *specs; specs++)
		if (!(*specs)->when_present || form_get(f, (*specs)->when_present).p)
			return *specs;
	return NULL;
}

bool spec_signs(const struct callback_spec *spec, struct slice name)
{
	for (const struct signed_field *sf = spec->signed_fields; sf->name; sf++)
		if (slice_eq(name, sf->name))
			return true;
	return false;
}

struct slice callback_signed_text(const struct callback *cb, const char *name)
{
	if (!cb->spec || !spec_signs(cb->spec, slice_from(name)))
		return (struct slice){ "", 0 };
	return form_get(&cb->text, name);
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

/* Finds the key and the reading of raw that the ChkValue signs, into
 * cb->key and cb->reading, and the signed string into *str; values
 * decoded once more go to decoded_mem.
 *
 * A field marked MAY_BE_DECODED_AGAIN was percent-encoded by the
 * merchant before the form encoded it again, and the bank (or the
 * merchant's SDK) may sign it decoded once more, or as it is.  Each such
 * field that holds an escape has two readings, decoded once here; every
 * combination is tried, all decoded first (the usual case), against the
 * block a key opens: one RSA operation per key, the second key's only
 * when the first's did not verify. */
static int verify(const struct callback_spec *spec, const struct form *raw,
		  const struct bank_keys *keys, struct slice chk,
		  char decoded_mem[SIGNED_MAX], struct callback *cb,
		  struct buf *str)
{
	struct buf decoded;
	struct chkvalue cv;
	struct form_field *twice[MAX_DECODED_AGAIN];
	struct slice as_received[MAX_DECODED_AGAIN], again[MAX_DECODED_AGAIN];
	unsigned n = 0;

	cb->reading = *raw;
	buf_init(&decoded, decoded_mem, SIGNED_MAX);
	for (const struct signed_field *sf = spec->signed_fields;
	     sf->name && n < MAX_DECODED_AGAIN; sf++) {
		struct form_field *f = field_named(&cb->reading, sf->name);
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
	for (int k = 0; k < keys->n; k++) {
		if (chkvalue_open(&keys->key[k], chk, &cv))
			continue;
		for (unsigned mask = (1u << n) - 1;; mask--) {
			for (unsigned i = 0; i < n; i++)
				twice[i]->value = mask & (1u << i) ? again[i] : as_received[i];
			build_signed(spec, &cb->reading, str);
			if (!str->overflow &&
			    chkvalue_signs(&cv, (struct slice){ str->p, str->len })) {
				cb->key = k;
				return 0;
			}
			if (mask == 0)
				break;
		}
	}
	return -1;
}

/* What a verified callback means: each PINNED field's name and value as
 * cut, hashed.  Two posts with one ChkValue and another meaning are two
 * cuttings of the bank's one string; where the ECHOED fields split is no
 * part of the meaning (see callback_meanings). */
static void hash_meaning(const struct callback_spec *spec,
			 const struct form *reading, unsigned char *out)
{
	crypto_hash_sha256_state h;

	crypto_hash_sha256_init(&h);
	for (const struct signed_field *sf = spec->signed_fields; sf->name; sf++) {
		struct slice v = slice_trim(form_get(reading, sf->name));

		if (sf->boundary == ECHOED)
			continue;
		/* names and values hold no NUL: the form refuses %00 */
		crypto_hash_sha256_update(&h, (const unsigned char *)sf->name,
					  strlen(sf->name) + 1);
		crypto_hash_sha256_update(&h, (const unsigned char *)v.p, v.len);
		crypto_hash_sha256_update(&h, (const unsigned char *)"", 1);
	}
	crypto_hash_sha256_final(&h, out);
}

/* Converts every value to trimmed UTF-8 (GBK when the bank says so),
 * into mem. */
static int to_text(const struct form *in, struct form *text,
		   char mem[CALLBACK_TEXT_MAX])
{
	struct buf b;
	bool gbk;
	struct slice cs = slice_trim(form_get(in, "CharSet"));

	gbk = slice_eq_nocase(cs, "GBK") || slice_eq_nocase(cs, "GB2312") ||
	      slice_eq_nocase(cs, "GB18030");
	buf_init(&b, mem, CALLBACK_TEXT_MAX);
	text->n = in->n;
	for (size_t i = 0; i < in->n; i++) {
		size_t start = b.len;

		utf8_from(&b, slice_trim(in->fields[i].value), gbk);
		text->fields[i].name = in->fields[i].name;
		text->fields[i].value = (struct slice){ b.p + start, b.len - start };
	}
	return b.overflow ? -1 : 0;
}

/* text as one JSON object into mem, and each field's member in it:
 * cb->json and cb->members. */
static void to_json(const struct form *text, char mem[CALLBACK_JSON_MAX],
		    struct callback *cb)
{
	struct buf b;

	buf_init(&b, mem, CALLBACK_JSON_MAX);
	json_form(&b, text, &cb->members);
	if (!b.overflow)
		cb->json = (struct slice){ b.p, b.len };
}

/* A refusal: status, with why in err as what and detail glued. */
static int refuse(char *err, size_t errlen, int status, const char *what,
		  const char *detail)
{
	snprintf(err, errlen, "%s%s", what, detail);
	return status;
}

bool field_rule_needed(const struct field_rule *r, bool success)
{
	return r->need == REQUIRED || (r->need == REQUIRED_ON_SUCCESS && success);
}

bool field_rule_pair_fits(const struct field_rule *r, bool empty, bool previous_empty)
{
	return r->need != WITH_PREVIOUS || empty == previous_empty;
}

/* The field spec signs just before name, or NULL. */
static const char *signed_before(const struct callback_spec *spec, const char *name)
{
	for (const struct signed_field *sf = spec->signed_fields; sf->name && sf[1].name; sf++)
		if (strcmp(sf[1].name, name) == 0)
			return sf->name;
	return NULL;
}

/* The field rules over cb->text, and each max_bytes over the value as
 * signed (the bound the cutting walk uses): 0, or 400 with why in err. */
static int check_rules(const struct callback_spec *spec,
		       const struct rule_env *env, const struct callback *cb,
		       char *err, size_t errlen)
{
	for (const struct field_rule *r = spec->rules; r->name; r++) {
		struct slice v = form_get(&cb->text, r->name);
		const char *before = r->need == WITH_PREVIOUS ? signed_before(spec, r->name) : NULL;

		if (before && !field_rule_pair_fits(r, v.len == 0,
						    form_get(&cb->text, before).len == 0)) {
			snprintf(err, errlen, "%s without %s",
				 v.len ? r->name : before, v.len ? before : r->name);
			return 400;
		}
		if (v.len == 0) {
			if (field_rule_needed(r, cb->success))
				return refuse(err, errlen, 400, "missing ", r->name);
			continue;
		}
		if (r->max_bytes &&
		    slice_trim(form_get(&cb->reading, r->name)).len > r->max_bytes)
			return refuse(err, errlen, 400, "too long: ", r->name);
		if (r->shape && !r->shape(v, env))
			return refuse(err, errlen, 400, "bad ", r->name);
	}
	return 0;
}

/* The arrival checks, on the one cutting: 0, or 400 with why in err. */
static int check_arrival(const struct callback_spec *spec,
			 const struct rule_env *env, const struct callback *cb,
			 char *err, size_t errlen)
{
	for (const struct field_rule *r = spec->rules; r->name; r++) {
		struct slice v = form_get(&cb->text, r->name);

		if (r->arrival && v.len && !r->arrival(v, env))
			return refuse(err, errlen, 400, "outside BANK_CALLBACK_ORDER_DAYS: ",
				      r->name);
	}
	return 0;
}


int callback_check(const struct callback_spec *spec, const struct form *raw,
		   const struct bank_keys *keys, const struct rule_env *env,
		   struct callback_storage *mem, struct callback *cb,
		   char *err, size_t errlen)
{
	struct slice chk = slice_trim(form_get(raw, "ChkValue"));
	struct span first[MAX_SIGNED_FIELDS];
	struct buf str;
	int meanings, rc;

	if (errlen)
		err[0] = '\0';
	cb->spec = spec;
	cb->verified = false;
	cb->ambiguous = false;
	cb->success = false;
	cb->reading.n = 0;
	cb->text.n = 0;
	cb->members.n = 0;
	cb->json = (struct slice){ NULL, 0 };
	/* An unsigned CmdId (a reconciliation notice's) decides nothing:
	 * the route and when_present chose the spec. */
	if (spec_signs(spec, slice_from("CmdId")) &&
	    !slice_eq(slice_trim(form_get(raw, "CmdId")), spec->cmd_id))
		return refuse(err, errlen, 400, "CmdId does not match the route", "");
	if (chk.len == 0)
		return refuse(err, errlen, 403, "no ChkValue", "");
	buf_init(&str, mem->signed_string, sizeof mem->signed_string);
	if (verify(spec, raw, keys, chk, mem->decoded, cb, &str))
		return refuse(err, errlen, 403, "bad ChkValue", "");
	cb->verified = true;
	crypto_hash_sha256(cb->signed_hash, (const unsigned char *)str.p, str.len);
	hash_meaning(spec, &cb->reading, cb->meaning_hash);
	if (to_text(&cb->reading, &cb->text, mem->text))
		return refuse(err, errlen, 400, "values too long", "");
	to_json(&cb->text, mem->json, cb);
	if (spec_signs(spec, slice_from("MerCustId")) &&
	    !shape_our_cust_id(slice_trim(form_get(raw, "MerCustId")), env))
		return refuse(err, errlen, 403, "MerCustId is not ours", "");
	cb->success = slice_eq(form_get(&cb->text, "RespCode"), "000");
	rc = check_rules(spec, env, cb, err, errlen);
	if (rc)
		return rc;
	meanings = callback_meanings(spec, env, (struct slice){ str.p, str.len },
				     cb->success, mem, first);
	if (meanings == 2) {
		cb->ambiguous = true;
		return refuse(err, errlen, 403, "signed string can be cut into "
			      "fields more than one way", "");
	}
	if (meanings == 0 ||
	    !posted_is_the_meaning(spec, &cb->reading, (struct slice){ str.p, str.len }, first))
		return refuse(err, errlen, 403, "the posted cutting is not the one the "
			      "rules allow", "");
	return check_arrival(spec, env, cb, err, errlen);
}
