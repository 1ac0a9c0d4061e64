/* fuzz_json: utf8_from() then the JSON writer, read back with jsmn.
 *
 * Input: byte 0 is a separator, the rest is key SEP value SEP key ...
 * (a missing last value is empty).  Each round converts every key and
 * value with utf8_from (round 1: as UTF-8, round 2: as GBK) and checks:
 *   - utf8_from's output is valid UTF-8 (checked here independently),
 *     is what a reference conversion gives (one U+FFFD per bad byte),
 *     equals its input when that was valid UTF-8 (or ASCII, for GBK),
 *     and a buffer too small gets a prefix of it that is still valid;
 *   - the object json_begin/json_member/json_end wrote is one jsmn
 *     (strict) object of string members, and every key and value,
 *     unescaped, is exactly the UTF-8 that was written;
 *   - json_form over the same fields as a struct form gives the same
 *     object, and its members, picked with json_put_member, make an
 *     object of just those fields. */
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "fuzz.h"
#include "lib/buf.h"
#include "tests/json_unescape.h"
#include "lib/form.h"
#include "lib/json.h"
#include "lib/utf8.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>

enum { MAX_FIELDS = 512 };

/* Unicode's table 3-7 of well-formed byte sequences. */
static int valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		unsigned char lo = 0x80, hi = 0xBF;
		size_t need;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			need = 1;
		else if (c == 0xE0)
			need = 2, lo = 0xA0;
		else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
			need = 2;
		else if (c == 0xED)
			need = 2, hi = 0x9F;
		else if (c == 0xF0)
			need = 3, lo = 0x90;
		else if (c >= 0xF1 && c <= 0xF3)
			need = 3;
		else if (c == 0xF4)
			need = 3, hi = 0x8F;
		else
			return 0;
		if (n - i - 1 < need)
			return 0;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (size_t k = 2; k <= need; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xBF)
				return 0;
		i += need + 1;
	}
	return 1;
}

static size_t count_code_points(const unsigned char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += (s[i] & 0xC0) != 0x80;
	return c;
}

struct field {
	struct slice raw;     /* fuzzer bytes */
	struct slice text;    /* utf8_from's output, in conv */
};

static struct field keys[MAX_FIELDS], vals[MAX_FIELDS];
static char conv_mem[4 * 65536 + 64];   /* 3 bytes per input byte at most */
static char json_mem[6 * 4 * 65536 + 4096], pick_mem[6 * 4 * 65536 + 4096];
static char back_mem[4 * 65536];
static jsmntok_t toks[1 + 2 * MAX_FIELDS];

/* Reference conversions, written for a big output buffer in one go:
 * each byte that does not start a valid sequence becomes U+FFFD. */
static char ref_mem[4 * 65536 + 64];

static size_t ref_utf8(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		size_t k = 1;

		/* Longest valid sequence here: 1 to 4 bytes. */
		while (k < 4 && i + k < n && (in[i + k] & 0xC0) == 0x80)
			k++;
		for (; k >= 1; k--)
			if (valid_utf8(in + i, k))
				break;
		if (k) {
			memcpy(out + o, in + i, k);
			o += k;
			i += k;
		} else {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		}
	}
	return o;
}

static size_t ref_gbk(const char *in, size_t n, char *out, size_t cap)
{
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	char *ip = (char *)in, *op = out;
	size_t il = n, ol = cap;

	CHECK(cd != (iconv_t)-1);
	while (il) {
		if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
			break;
		CHECK(errno != E2BIG);
		CHECK(ol >= 3);
		memcpy(op, "\xEF\xBF\xBD", 3);
		op += 3;
		ol -= 3;
		ip++;
		il--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	iconv_close(cd);
	return (size_t)(op - out);
}

static void convert(struct buf *conv, struct field *f, bool gbk)
{
	size_t start = conv->len;
	const unsigned char *in = (const unsigned char *)f->raw.p;
	const unsigned char *out;

	utf8_from(conv, f->raw, gbk);
	CHECK(!conv->overflow);
	f->text = (struct slice){ conv->p + start, conv->len - start };
	out = (const unsigned char *)f->text.p;
	CHECK(valid_utf8(out, f->text.len));
	CHECK(utf8_length(f->text) == count_code_points(out, f->text.len));
	/* At most one U+FFFD (3 bytes) per input byte; GB18030 never
	 * takes more than 4 UTF-8 bytes for its 2 or 4. */
	CHECK(f->text.len <= 3 * f->raw.len);
	/* Exactly what the reference makes of it. */
	{
		size_t rl = gbk ? ref_gbk(f->raw.p, f->raw.len, ref_mem, sizeof ref_mem)
				: ref_utf8(in, f->raw.len, ref_mem);

		CHECK(rl == f->text.len && memcmp(ref_mem, f->text.p, rl) == 0);
	}
	if (!gbk && valid_utf8(in, f->raw.len))
		CHECK(f->text.len == f->raw.len &&
		      memcmp(f->text.p, in, f->raw.len) == 0);
	if (gbk) {
		int ascii = 1;

		for (size_t i = 0; i < f->raw.len; i++)
			ascii &= in[i] < 0x80;
		if (ascii)
			CHECK(f->text.len == f->raw.len &&
			      memcmp(f->text.p, in, f->raw.len) == 0);
	}
	/* A buffer too small: a prefix, still valid UTF-8, flagged. */
	if (f->text.len) {
		size_t cap = f->text.len % 17 + 1;   /* 1..17 */
		char *small = malloc(cap);           /* exact: ASan sees overruns */
		struct buf b;

		CHECK(small != NULL);
		buf_init(&b, small, cap);
		utf8_from(&b, f->raw, gbk);
		CHECK(b.len < cap && small[b.len] == '\0');
		CHECK(b.overflow == (f->text.len >= cap));
		CHECK(memcmp(small, f->text.p, b.len) == 0);
		CHECK(valid_utf8((const unsigned char *)small, b.len));
		free(small);
	}
}

static void check_string(const char *js, const jsmntok_t *t, struct slice want)
{
	struct buf back;

	CHECK(t->type == JSMN_STRING && t->size <= 1);
	buf_init(&back, back_mem, sizeof back_mem);
	CHECK(json_unescape(js + t->start, js + t->end, &back) == 0);
	CHECK(!back.overflow);
	CHECK(back.len == want.len && memcmp(back.p, want.p, want.len) == 0);
}

static void round_trip(size_t n, bool gbk)
{
	struct buf conv, out;
	struct json j;
	jsmn_parser parser;
	int ntok;

	buf_init(&conv, conv_mem, sizeof conv_mem);
	for (size_t i = 0; i < n; i++) {
		convert(&conv, &keys[i], gbk);
		convert(&conv, &vals[i], gbk);
	}
	buf_init(&out, json_mem, sizeof json_mem);
	json_begin(&j, &out);
	for (size_t i = 0; i < n; i++)
		json_member(&j, keys[i].text, vals[i].text);
	json_end(&j);
	CHECK(!out.overflow);
	CHECK(valid_utf8((const unsigned char *)out.p, out.len));
	for (size_t i = 0; i < out.len; i++)
		CHECK((unsigned char)out.p[i] >= 0x20 &&
		      (unsigned char)out.p[i] != 0x7f);

	jsmn_init(&parser);
	ntok = jsmn_parse(&parser, out.p, out.len, toks,
			  sizeof toks / sizeof toks[0]);
	CHECK(ntok == (int)(1 + 2 * n));
	CHECK(parser.pos == out.len);   /* nothing after the object */
	CHECK(toks[0].type == JSMN_OBJECT && toks[0].size == (int)n);
	CHECK(toks[0].start == 0 && toks[0].end == (int)out.len);
	for (size_t i = 0; i < n; i++) {
		check_string(out.p, &toks[1 + 2 * i], keys[i].text);
		check_string(out.p, &toks[2 + 2 * i], vals[i].text);
	}

	/* json_form: the same object from a struct form, byte for byte, and
	 * its members; an object of some members (the first key's and
	 * "ChkValue" left out here, order kept) through json_put_member. */
	if (n <= FORM_MAX_FIELDS) {
		static struct form f, members;
		struct buf fb, pb;
		struct json pj;
		size_t kept = 0, t = 1;

		f.n = n;
		for (size_t i = 0; i < n; i++) {
			f.fields[i].name = keys[i].text;
			f.fields[i].value = vals[i].text;
		}
		buf_init(&fb, pick_mem, sizeof pick_mem);
		json_form(&fb, &f, &members);
		CHECK(!fb.overflow);
		CHECK(fb.len == out.len && memcmp(fb.p, out.p, out.len) == 0);
		CHECK(members.n == n);
		buf_init(&pb, json_mem, sizeof json_mem);   /* out is done with */
		json_begin(&pj, &pb);
		for (size_t i = 0; i < n; i++) {
			CHECK(members.fields[i].value.p >= fb.p &&
			      members.fields[i].value.p + members.fields[i].value.len <= fb.p + fb.len);
			if (i == 0 || slice_eq(keys[i].text, "ChkValue"))
				continue;
			json_put_member(&pj, members.fields[i].value);
			kept++;
		}
		json_end(&pj);
		CHECK(!pb.overflow);
		jsmn_init(&parser);
		ntok = jsmn_parse(&parser, pb.p, pb.len, toks,
				  sizeof toks / sizeof toks[0]);
		CHECK(ntok == (int)(1 + 2 * kept));
		CHECK(parser.pos == pb.len);
		CHECK(toks[0].type == JSMN_OBJECT && toks[0].size == (int)kept);
		for (size_t i = 1; i < n; i++) {
			if (slice_eq(keys[i].text, "ChkValue"))
				continue;
			check_string(pb.p, &toks[t++], keys[i].text);
			check_string(pb.p, &toks[t++], vals[i].text);
		}
		CHECK(t == 1 + 2 * kept);
	}

	/* json_put_string alone: one string token, same content. */
	if (n) {
		struct slice s = vals[0].text;
		struct buf one;

		buf_init(&one, json_mem, sizeof json_mem);
		json_put_string(&one, s);
		CHECK(!one.overflow && one.len >= 2 + s.len);
		CHECK(one.p[0] == '"' && one.p[one.len - 1] == '"');
		{
			struct buf back;

			buf_init(&back, back_mem, sizeof back_mem);
			CHECK(json_unescape(one.p + 1, one.p + one.len - 1, &back) == 0);
			CHECK(back.len == s.len && memcmp(back.p, s.p, s.len) == 0);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p, *end;
	char sep;
	size_t n = 0;

	if (size < 1 || size > 65536)
		return 0;
	sep = (char)data[0];
	p = (const char *)data + 1;
	end = (const char *)data + size;
	while (p < end && n < MAX_FIELDS) {
		const char *s1 = memchr(p, sep, (size_t)(end - p));
		const char *k_end = s1 ? s1 : end;
		const char *v = s1 ? s1 + 1 : end;
		const char *s2 = memchr(v, sep, (size_t)(end - v));
		const char *v_end = s2 ? s2 : end;

		keys[n].raw = (struct slice){ p, (size_t)(k_end - p) };
		vals[n].raw = (struct slice){ v, (size_t)(v_end - v) };
		n++;
		p = s2 ? s2 + 1 : end;
	}
	round_trip(n, false);
	round_trip(n, true);
	return 0;
}
