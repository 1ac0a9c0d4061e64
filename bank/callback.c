/* callback: the checks shared by every ChinaPNR callback.  See callback.h. */
#include "callback.h"
#include "lib/ascii.h"
#include "chkvalue.h"
#include "lib/form.h"
#include "lib/json.h"
#include "lib/utf8.h"

#include <stdio.h>
#include <string.h>

#include <sodium/crypto_hash_sha256.h>

bool shape_cust_id(struct slice v, const struct rule_env *env)
{
	(void)env;
	return v.len == 16 && slice_all(v, ascii_digit, "");
}

bool slice_matches(struct slice v, const regex_t *re)
{
	char s[PATTERN_SUBJECT_MAX + 1];

	if (!re)
		return true;
	if (v.len > PATTERN_SUBJECT_MAX || memchr(v.p, '\0', v.len))
		return false;
	memcpy(s, v.p, v.len);
	s[v.len] = '\0';
	return regexec(re, s, 0, NULL, 0) == 0;
}

bool shape_usr_id(struct slice v, const struct rule_env *env)
{
	/* The design's pnrid: at most 25 bytes, printable, no spaces. */
	return v.len >= 1 && v.len <= 25 && slice_all(v, ascii_alnum, "_-.@") &&
	       slice_matches(v, env->usr_id_pattern);
}

bool shape_trx_id(struct slice v, const struct rule_env *env)
{
	/* Every real TrxId is 18 digits; a fixed length pins its place in
	 * the signed string. */
	(void)env;
	return v.len == 18 && slice_all(v, ascii_digit, "");
}

bool shape_resp_code(struct slice v, const struct rule_env *env)
{
	(void)env;
	return v.len == 3 && slice_all(v, ascii_alnum, "");
}

/* Whether v begins as a URL does.  The prefix is ASCII, which reads the
 * same in every charset: a piece as signed that does not begin so is no
 * URL in any reading, and the cutting walk, which tries a URL at every
 * place, need not convert it to find out. */
static bool url_prefixed(struct slice v)
{
	/* Once decoded by the form, the merchant's own encoding may remain. */
	static const char *const prefixes[] = {
		"http://", "https://", "http%3A%2F%2F", "https%3A%2F%2F",
	};

	if (v.len < 8 || ascii_lower(v.p[0]) != 'h')
		return false;
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		size_t n = strlen(prefixes[i]);

		if (v.len > n && slice_eq_nocase((struct slice){ v.p, n }, prefixes[i]))
			return true;
	}
	return false;
}

/* Its length is bounded by its rule's max_bytes, in bytes as signed: a
 * bound on the text would be another, and in GBK a longer one. */
bool shape_url(struct slice v, const struct rule_env *env)
{
	(void)env;
	if (!url_prefixed(v))
		return false;
	for (size_t i = 0; i < v.len; i++)
		if ((unsigned char)v.p[i] <= 0x20 || (unsigned char)v.p[i] == 0x7f)
			return false;
	return true;
}

static unsigned digits(const char *p, size_t n)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(p[i] - '0');
	return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

/* The calendar, not just eight digits, is what stops an OrdId's digits
 * from being signed as OrdDate's (see callback.h). */
bool shape_date(struct slice v, const struct rule_env *env)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, m, d;

	(void)env;
	if (v.len != 8 || !slice_all(v, ascii_digit, ""))
		return false;
	y = digits(v.p, 4);
	m = digits(v.p + 4, 2);
	d = digits(v.p + 6, 2);
	if (y < ORD_DATE_FIRST_YEAR || y > ORD_DATE_LAST_YEAR || m < 1 || m > 12 ||
	    d < 1 || d > mdays[m - 1])
		return false;
	return !(m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
}

bool arrival_in_order_window(struct slice v, const struct rule_env *env)
{
	long day;

	if (!shape_date(v, env))
		return false;
	day = days_from_civil(digits(v.p, 4), digits(v.p + 4, 2), digits(v.p + 6, 2));
	return day >= env->today - env->order_days_before &&
	       day <= env->today + env->order_days_after;
}

/* "100.00": two decimals, as the bank sends it, and no leading zero, so
 * that a date's last digit cannot be signed as the amount's first. */
bool shape_money(struct slice v, const struct rule_env *env)
{
	(void)env;
	return v.len >= 4 && v.len <= 16 && v.p[v.len - 3] == '.' &&
	       (v.p[0] != '0' || v.len == 4) &&
	       slice_all((struct slice){ v.p, v.len - 3 }, ascii_digit, "") &&
	       slice_all((struct slice){ v.p + v.len - 2, 2 }, ascii_digit, "");
}

bool shape_amount(struct slice v, const struct rule_env *env)
{
	size_t dot = v.len;

	(void)env;
	for (size_t i = 0; i < v.len; i++)
		if (v.p[i] == '.')
			dot = i;
	if (v.len == 0 || v.len > 16 || dot == 0 ||
	    (dot < v.len && dot + 3 != v.len) || (v.p[0] == '0' && dot != 1))
		return false;
	return slice_all((struct slice){ v.p, dot }, ascii_digit, "") &&
	       (dot == v.len ||
		slice_all((struct slice){ v.p + dot + 1, 2 }, ascii_digit, ""));
}

bool shape_ord_id(struct slice v, const struct rule_env *env)
{
	return v.len >= 1 && v.len <= 30 && slice_all(v, ascii_alnum, "_-") &&
	       slice_matches(v, env->ord_id_pattern);
}

bool shape_pro_id(struct slice v, const struct rule_env *env)
{
	return v.len >= 1 && v.len <= 30 && slice_all(v, ascii_alnum, "_-") &&
	       slice_matches(v, env->pro_id_pattern);
}

bool shape_open_bank_id(struct slice v, const struct rule_env *env)
{
	(void)env;
	return v.len >= 1 && v.len <= 8 && slice_all(v, ascii_alpha, "");
}

bool shape_digits(struct slice v, const struct rule_env *env)
{
	(void)env;
	return v.len >= 1 && v.len <= 40 && slice_all(v, ascii_digit, "");
}

bool shape_acct_id(struct slice v, const struct rule_env *env)
{
	(void)env;
	return v.len == 9 && v.p[0] >= 'A' && v.p[0] <= 'Z' && v.p[1] >= 'A' &&
	       v.p[1] <= 'Z' && v.p[2] >= 'A' && v.p[2] <= 'Z' &&
	       slice_all((struct slice){ v.p + 3, 6 }, ascii_digit, "");
}

bool shape_url_ending_in_no_digit(struct slice v, const struct rule_env *env)
{
	return shape_url(v, env) && !ascii_digit((unsigned char)v.p[v.len - 1]);
}

bool shape_no_digit_first(struct slice v, const struct rule_env *env)
{
	(void)env;
	return !ascii_digit((unsigned char)v.p[0]);
}

bool shape_our_cust_id(struct slice v, const struct rule_env *env)
{
	return env->mer_cust_id && slice_eq(v, env->mer_cust_id);
}

bool shape_yes_no(struct slice v, const struct rule_env *env)
{
	(void)env;
	return slice_eq(v, "Y") || slice_eq(v, "N");
}

bool shape_in_or_out(struct slice v, const struct rule_env *env)
{
	(void)env;
	return slice_eq(v, "I") || slice_eq(v, "O");
}

bool shape_capital(struct slice v, const struct rule_env *env)
{
	(void)env;
	return v.len == 1 && v.p[0] >= 'A' && v.p[0] <= 'Z';
}

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

/* Sets the refusal: status, and why as what and detail glued. */
static int set_refusal(struct refusal *no, int status, const char *what,
		       const char *detail)
{
	no->status = status;
	snprintf(no->why, sizeof no->why, "%s%s", what, detail);
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
 * signed (the bound the cutting walk uses): 0, or 400 with no->why set. */
static int check_rules(const struct callback_spec *spec,
		       const struct rule_env *env, const struct callback *cb,
		       struct refusal *no)
{
	for (const struct field_rule *r = spec->rules; r->name; r++) {
		struct slice v = form_get(&cb->text, r->name);
		const char *before = r->need == WITH_PREVIOUS ? signed_before(spec, r->name) : NULL;

		if (before && !field_rule_pair_fits(r, v.len == 0,
						    form_get(&cb->text, before).len == 0)) {
			snprintf(no->why, sizeof no->why, "%s without %s",
				 v.len ? r->name : before, v.len ? before : r->name);
			no->status = 400;
			return 400;
		}
		if (v.len == 0) {
			if (field_rule_needed(r, cb->success))
				return set_refusal(no, 400, "missing ", r->name);
			continue;
		}
		if (r->max_bytes &&
		    slice_trim(form_get(&cb->reading, r->name)).len > r->max_bytes)
			return set_refusal(no, 400, "too long: ", r->name);
		if (r->shape && !r->shape(v, env))
			return set_refusal(no, 400, "bad ", r->name);
	}
	return 0;
}

/* The arrival checks, on the one cutting: 0, or 400 with no->why set. */
static int check_arrival(const struct callback_spec *spec,
			 const struct rule_env *env, const struct callback *cb,
			 struct refusal *no)
{
	for (const struct field_rule *r = spec->rules; r->name; r++) {
		struct slice v = form_get(&cb->text, r->name);

		if (r->arrival && v.len && !r->arrival(v, env))
			return set_refusal(no, 400, "outside BANK_CALLBACK_ORDER_DAYS: ",
					   r->name);
	}
	return 0;
}

/* ---- one signed string, one meaning ----
 *
 * The bank signs its fields glued together, so its signature covers the
 * bytes, not where one field ends.  Every way of cutting the signed
 * string into the spec's fields that the rules accept is walked; when
 * two of them put a PINNED field (an id, an amount, a date, a state)
 * anywhere else, the callback is refused: which meaning the bank signed
 * cannot be known, and guessing is how a 1.00 top-up becomes 2611271.00.
 * ECHOED fields (the merchant's own URLs and MerPriv, echoed back) may
 * share their boundaries: no rule can pin those, and nothing is decided
 * on them.  Dead ends are remembered, so the walk visits few states; past
 * a budget it gives up and refuses. */

enum { CUTTING_BUDGET = 1 << 20 };

struct span {
	size_t start, end;
};

struct cutting {
	const struct callback_spec *spec;
	const struct rule_env *env;
	const struct field_rule *rule[MAX_SIGNED_FIELDS];  /* NULL: any text */
	const char *fixed[MAX_SIGNED_FIELDS];  /* a field's one value: CmdId's, MerCustId's */
	size_t nfields;
	/* From this field on every field is ECHOED: one way to finish is as
	 * good as every way, as none moves a PINNED field. */
	size_t echo_tail;
	struct slice s;
	bool success;
	/* (nfields + 1) rows of s.len + 1: DEAD no way on; in the echoed
	 * tail, ALIVE a way on */
	unsigned char *memo;
	const uint16_t *next_high;   /* see callback_storage */
	struct span cur[MAX_SIGNED_FIELDS], first[MAX_SIGNED_FIELDS];
	long budget;
	int meanings;         /* 0, 1, or 2 for "more, or too costly to tell" */
};

enum { UNKNOWN_WAY, DEAD, ALIVE };

static const struct field_rule *rule_for(const struct callback_spec *spec,
					 const char *name)
{
	for (const struct field_rule *r = spec->rules; r->name; r++)
		if (strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

/* The shared shapes that accept nothing but ASCII.  A piece as signed
 * that is not all ASCII reads as some non-ASCII character in either
 * charset (a GBK or GB18030 sequence, or U+FFFD), so none of them can
 * take it, and the walk need not convert it to learn so.  A shape not
 * listed is converted and tried: a missing entry costs time, never a
 * meaning. */
static bool ascii_only(bool (*shape)(struct slice, const struct rule_env *))
{
	static bool (*const ascii_shapes[])(struct slice, const struct rule_env *) = {
		shape_cust_id, shape_usr_id, shape_trx_id, shape_resp_code, shape_date,
		shape_money, shape_amount, shape_ord_id, shape_pro_id, shape_open_bank_id,
		shape_digits, shape_acct_id, shape_yes_no, shape_in_or_out, shape_capital,
		shape_our_cust_id,
	};

	for (size_t i = 0; i < sizeof ascii_shapes / sizeof ascii_shapes[0]; i++)
		if (shape == ascii_shapes[i])
			return true;
	return false;
}

bool shape_takes_only_ascii(bool (*shape)(struct slice, const struct rule_env *))
{
	return ascii_only(shape);
}

/* field_rule_shape_either_text, told whether piece is all ASCII. */
static bool shape_either_text(const struct field_rule *r, struct slice piece,
			      const struct rule_env *env, bool ascii)
{
	char mem[3 * SIGNED_MAX + 8];   /* an invalid byte becomes a 3-byte U+FFFD */
	struct buf b;

	/* ASCII reads the same either way.  And a URL's shape looks only at
	 * its ASCII prefix and at bytes up to 0x20 and 0x7f, which are ASCII
	 * in every reading (GBK's and GB18030's trailing bytes are 0x30 and
	 * above, and never 0x7f; an invalid byte becomes U+FFFD, all high
	 * bytes): it says the same on the bytes as signed as on either text,
	 * and the cutting walk, which tries a URL at every place, need not
	 * convert a thousand pieces to learn it. */
	if (ascii || r->shape == shape_url)
		return r->shape(piece, env);
	if (ascii_only(r->shape))
		return false;
	if (r->shape == shape_url_ending_in_no_digit && !url_prefixed(piece))
		return false;
	for (int gbk = 0; gbk < 2; gbk++) {
		buf_init(&b, mem, sizeof mem);
		utf8_from(&b, piece, gbk);
		if (!b.overflow && r->shape((struct slice){ b.p, b.len }, env))
			return true;
	}
	return false;
}

bool field_rule_shape_either_text(const struct field_rule *r, struct slice piece,
				  const struct rule_env *env)
{
	size_t i = 0;

	while (i < piece.len && (unsigned char)piece.p[i] < 0x80)
		i++;
	return shape_either_text(r, piece, env, i == piece.len);
}

/* Whether [pos, end) of the signed string can be field i's value. */
static bool piece_fits(const struct cutting *c, size_t i, size_t pos, size_t end)
{
	struct slice piece = { c->s.p + pos, end - pos };
	const struct field_rule *r = c->rule[i];

	/* each value is trimmed before it is signed */
	if (piece.len && (ascii_space((unsigned char)piece.p[0]) ||
			  ascii_space((unsigned char)piece.p[piece.len - 1])))
		return false;
	if (c->fixed[i])      /* CmdId the spec's, MerCustId ours */
		return slice_eq(piece, c->fixed[i]);
	if (!r)
		return true;
	if (i > 0 && !field_rule_pair_fits(r, piece.len == 0,
					    c->cur[i - 1].start == c->cur[i - 1].end))
		return false;
	if (piece.len == 0)
		return !field_rule_needed(r, c->success);
	return !r->shape || shape_either_text(r, piece, c->env, c->next_high[pos] >= end);
}

/* Whether, [pos, end) of the signed string not fitting field i, no
 * longer piece from pos can: a URL's prefix is its first 14 bytes at
 * most and a byte after them, and a piece with a byte that is not ASCII
 * never fits a shape that takes only ASCII.  The walk stops trying
 * longer pieces there rather than at the rule's max_bytes. */
static bool longer_pieces_fail(const struct cutting *c, size_t i, size_t pos,
			       size_t end)
{
	const struct field_rule *r = c->rule[i];

	if (!r || !r->shape)
		return false;
	if (r->shape == shape_url || r->shape == shape_url_ending_in_no_digit)
		return end - pos > 14 &&
		       !url_prefixed((struct slice){ c->s.p + pos, end - pos });
	return ascii_only(r->shape) && c->next_high[pos] < end;
}

static struct slice piece_at(struct slice s, struct span sp)
{
	return (struct slice){ s.p + sp.start, sp.end - sp.start };
}

/* A meaning is each PINNED field's value, as hash_meaning takes it: an
 * empty TrxId between two echoed fields means the same wherever it is
 * cut. */
static bool same_meaning(const struct cutting *c)
{
	for (size_t i = 0; i < c->nfields; i++)
		if (c->spec->signed_fields[i].boundary == PINNED &&
		    !slice_equal(piece_at(c->s, c->cur[i]), piece_at(c->s, c->first[i])))
			return false;
	return true;
}

/* Walks the cuttings of s from pos into fields i..; true when at least
 * one completes.  Stops once c->meanings is 2. */
/* A cutting was completed, its PINNED fields as in c->cur. */
static void complete(struct cutting *c)
{
	if (c->meanings == 0) {
		memcpy(c->first, c->cur, sizeof c->first);
		c->meanings = 1;
	} else if (!same_meaning(c)) {
		c->meanings = 2;
	}
}

static bool walk(struct cutting *c, size_t i, size_t pos)
{
	unsigned char *memo = &c->memo[i * (c->s.len + 1) + pos];
	size_t end = i + 1 == c->nfields ? c->s.len : pos;
	bool tail = i >= c->echo_tail, any = false;
	/* whether field i fits depends on how field i - 1 was cut, not
	 * only on pos: nothing is remembered for it (its pieces are few) */
	bool remember = !(c->rule[i] && c->rule[i]->need == WITH_PREVIOUS);

	if (i == c->nfields) {
		if (pos != c->s.len)
			return false;
		complete(c);
		return true;
	}
	if (remember && *memo == DEAD)
		return false;
	if (remember && *memo == ALIVE) {
		complete(c);
		return true;
	}
	if (--c->budget < 0) {
		c->meanings = 2;
		return true;
	}
	for (; end <= c->s.len && c->meanings < 2 && !(tail && any); end++) {
		if (c->rule[i] && c->rule[i]->max_bytes &&
		    end - pos > c->rule[i]->max_bytes)
			break;
		if (!piece_fits(c, i, pos, end)) {
			if (longer_pieces_fail(c, i, pos, end))
				break;
			continue;
		}
		c->cur[i] = (struct span){ pos, end };
		any |= walk(c, i + 1, end);
	}
	if (remember)
		*memo = !any ? DEAD : tail ? ALIVE : UNKNOWN_WAY;
	return any;
}

/* How many meanings signed_string has: the cuttings into spec's signed
 * fields with every piece trimmed and passing its field's rule (CmdId
 * the spec's, MerCustId ours), told apart by where they put the PINNED
 * fields.  0, 1, or 2 for "more than one, or too costly to tell"; with
 * 1, the spans of that meaning's first cutting in first. */
static int callback_meanings(const struct callback_spec *spec,
			     const struct rule_env *env, struct slice signed_string,
			     bool success, struct callback_storage *mem,
			     struct span first[MAX_SIGNED_FIELDS])
{
	struct cutting c;
	size_t high = signed_string.len;

	memset(&c, 0, sizeof c);
	c.spec = spec;
	c.env = env;
	c.s = signed_string;
	c.success = success;
	c.memo = mem->dead;
	c.next_high = mem->next_high;
	c.budget = CUTTING_BUDGET;
	for (; spec->signed_fields[c.nfields].name; c.nfields++) {
		const char *name = spec->signed_fields[c.nfields].name;

		if (c.nfields == MAX_SIGNED_FIELDS)
			return 2;
		c.rule[c.nfields] = rule_for(spec, name);
		c.fixed[c.nfields] = strcmp(name, "CmdId") == 0 ? spec->cmd_id
				     : strcmp(name, "MerCustId") == 0 ? env->mer_cust_id : NULL;
	}
	for (c.echo_tail = c.nfields;
	     c.echo_tail > 0 && spec->signed_fields[c.echo_tail - 1].boundary == ECHOED;
	     c.echo_tail--)
		;
	if (signed_string.len > SIGNED_MAX)
		return 2;
	for (size_t p = signed_string.len + 1; p-- > 0;) {
		if (p < signed_string.len && (unsigned char)signed_string.p[p] >= 0x80)
			high = p;
		mem->next_high[p] = (uint16_t)high;
	}
	memset(c.memo, UNKNOWN_WAY, (c.nfields + 1) * (signed_string.len + 1));
	walk(&c, 0, 0);
	memcpy(first, c.first, sizeof c.first);
	return c.meanings;
}

/* Whether the posted reading puts every PINNED field where the walk's
 * one meaning does.  The rules accepted the posted cutting, so the walk
 * must have found it: a difference is a bound the walk and the rules
 * do not share, and the callback is refused rather than trusted. */
static bool posted_is_the_meaning(const struct callback_spec *spec,
				  const struct form *reading, struct slice s,
				  const struct span first[MAX_SIGNED_FIELDS])
{
	size_t i = 0;

	for (const struct signed_field *sf = spec->signed_fields; sf->name; sf++, i++)
		if (sf->boundary == PINNED &&
		    !slice_equal(slice_trim(form_get(reading, sf->name)), piece_at(s, first[i])))
			return false;
	return true;
}

int callback_check(const struct callback_spec *spec, const struct form *raw,
		   const struct bank_keys *keys, const struct rule_env *env,
		   struct callback_storage *mem, struct callback *cb,
		   struct refusal *no)
{
	struct slice chk = slice_trim(form_get(raw, "ChkValue"));
	struct span first[MAX_SIGNED_FIELDS];
	struct buf str;
	int meanings;

	no->status = 0;
	no->why[0] = '\0';
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
		return set_refusal(no, 400, "CmdId does not match the route", "");
	if (chk.len == 0)
		return set_refusal(no, 403, "no ChkValue", "");
	buf_init(&str, mem->signed_string, sizeof mem->signed_string);
	if (verify(spec, raw, keys, chk, mem->decoded, cb, &str))
		return set_refusal(no, 403, "bad ChkValue", "");
	cb->verified = true;
	crypto_hash_sha256(cb->signed_hash, (const unsigned char *)str.p, str.len);
	hash_meaning(spec, &cb->reading, cb->meaning_hash);
	if (to_text(&cb->reading, &cb->text, mem->text))
		return set_refusal(no, 400, "values too long", "");
	to_json(&cb->text, mem->json, cb);
	if (spec_signs(spec, slice_from("MerCustId")) &&
	    !slice_eq(slice_trim(form_get(raw, "MerCustId")), env->mer_cust_id))
		return set_refusal(no, 403, "MerCustId is not ours", "");
	cb->success = slice_eq(form_get(&cb->text, "RespCode"), "000");
	if (check_rules(spec, env, cb, no))
		return no->status;
	meanings = callback_meanings(spec, env, (struct slice){ str.p, str.len },
				     cb->success, mem, first);
	if (meanings == 2) {
		cb->ambiguous = true;
		return set_refusal(no, 403, "signed string can be cut into "
				   "fields more than one way", "");
	}
	if (meanings == 0 ||
	    !posted_is_the_meaning(spec, &cb->reading, (struct slice){ str.p, str.len }, first))
		return set_refusal(no, 403, "the posted cutting is not the one the "
				   "rules allow", "");
	return check_arrival(spec, env, cb, no);
}
