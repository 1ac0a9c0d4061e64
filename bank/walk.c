/* walk: one signed string, one meaning: every cutting of the bank's
 * signed string into a CmdId's fields that its rules accept.  See walk.h. */
#include "walk.h"
#include "lib/ascii.h"
#include "lib/utf8.h"

#include <string.h>

/* The bank signs its fields glued together, so its signature covers the
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
	if (shape_takes_only_ascii(r->shape))
		return false;
	if (r->shape == shape_url_ending_in_no_digit && !shape_url_prefixed(piece))
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
		       !shape_url_prefixed((struct slice){ c->s.p + pos, end - pos });
	return shape_takes_only_ascii(r->shape) && c->next_high[pos] < end;
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

/* See walk.h. */
int callback_meanings(const struct callback_spec *spec,
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

/* The rules accepted the posted cutting, so the walk must have found it:
 * a difference is a bound the walk and the rules do not share, and the
 * callback is refused rather than trusted. */
bool posted_is_the_meaning(const struct callback_spec *spec,
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
