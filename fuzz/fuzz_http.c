/* fuzz_http: http_parse_head() over arbitrary bytes.
 *
 * Beyond "no crash": a head that parses (0) must be the first CRLFCRLF of
 * the input, every slice must lie inside it and obey the grammar the
 * parser promises, the framing headers must agree with content_length,
 * and the result must not depend on the bytes after the head, on a second
 * call, or on a shorter prefix (which is always "incomplete"), nor on
 * whether it came in pieces, each call told how far the last one looked
 * (last_len).  And the other way round: a well-formed head built from
 * the input must parse. */
#include "fuzz.h"
#include "http.h"

#include <string.h>

static struct http_request req, again, piecewise;
/* a refusal's reason; every status but 0 and HTTP_INCOMPLETE gives one */
static char why[128];

static int is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int count(const struct http_request *r, const char *name)
{
	int n = 0;

	for (size_t i = 0; i < r->nheaders; i++)
		if (slice_eq_nocase(r->headers[i].name, name))
			n++;
	return n;
}

static const char *find_blank_line(const char *p, size_t len)
{
	return len < 4 ? NULL : memmem(p, len, "\r\n\r\n", 4);
}

/* Same request, possibly parsed from another copy of the bytes. */
static void check_same(const struct http_request *a, const char *abase,
		       const struct http_request *b, const char *bbase)
{
#define SAME_SLICE(x, y)                                                     \
	CHECK((x).len == (y).len && (x).p - abase == (y).p - bbase)
	SAME_SLICE(a->method, b->method);
	SAME_SLICE(a->target, b->target);
	SAME_SLICE(a->path, b->path);
	CHECK(a->minor == b->minor);
	CHECK(a->nheaders == b->nheaders);
	CHECK(a->head_len == b->head_len);
	CHECK(a->content_length == b->content_length);
	for (size_t i = 0; i < a->nheaders; i++) {
		SAME_SLICE(a->headers[i].name, b->headers[i].name);
		SAME_SLICE(a->headers[i].value, b->headers[i].value);
	}
#undef SAME_SLICE
}

static void check_ok(const char *buf, size_t len, const struct http_request *r)
{
	const char *blank = find_blank_line(buf, len);
	const char *prev_end;
	size_t hl = r->head_len;

	/* The head ends at the first blank line, within the limit. */
	CHECK(hl >= 4 && hl <= len && hl <= HTTP_MAX_HEAD);
	CHECK(blank != NULL && (size_t)(blank - buf) + 4 == hl);

	/* Request line: METHOD SP /target SP HTTP/1.x CRLF */
	CHECK(r->method.p == buf && r->method.len >= 1 && r->method.len <= 16);
	for (size_t i = 0; i < r->method.len; i++)
		CHECK(r->method.p[i] >= 'A' && r->method.p[i] <= 'Z');
	CHECK(r->target.p == buf + r->method.len + 1 && r->target.len >= 1);
	CHECK(fuzz_within(r->target.p, r->target.len, buf, hl));
	CHECK(r->target.p[0] == '/');
	for (size_t i = 0; i < r->target.len; i++) {
		unsigned char c = (unsigned char)r->target.p[i];

		CHECK(c > 0x20 && c < 0x7f && c != '#');
	}
	/* path is the prefix of target up to the first '?'. */
	CHECK(r->path.p == r->target.p && r->path.len <= r->target.len);
	CHECK(memchr(r->path.p, '?', r->path.len) == NULL);
	CHECK(r->path.len == r->target.len || r->target.p[r->path.len] == '?');
	CHECK(r->minor == 0 || r->minor == 1);
	{
		const char *v = r->target.p + r->target.len;

		CHECK(fuzz_within(v, 10, buf, hl));
		CHECK(memcmp(v, " HTTP/1.", 8) == 0 && v[8] == '0' + r->minor &&
		      v[9] == '\r' && v[10] == '\n');
		prev_end = v + 11;
	}

	/* Headers: in order, inside the head, one per line. */
	CHECK(r->nheaders <= HTTP_MAX_HEADERS);
	for (size_t i = 0; i < r->nheaders; i++) {
		struct slice n = r->headers[i].name, v = r->headers[i].value;

		CHECK(n.p == prev_end);
		CHECK(n.len >= 1 && fuzz_within(n.p, n.len + 1, buf, hl - 2));
		for (size_t k = 0; k < n.len; k++)
			CHECK(is_tchar((unsigned char)n.p[k]));
		CHECK(n.p[n.len] == ':');
		CHECK(v.p != NULL && v.p > n.p + n.len);
		CHECK(fuzz_within(v.p, v.len, buf, hl - 2));
		for (size_t k = 0; k < v.len; k++) {
			unsigned char c = (unsigned char)v.p[k];

			CHECK(c == '\t' || (c >= 0x20 && c != 0x7f));
		}
		if (v.len) {
			CHECK(v.p[0] != ' ' && v.p[0] != '\t');
			CHECK(v.p[v.len - 1] != ' ' && v.p[v.len - 1] != '\t');
		}
		/* Only blanks between the value and the CRLF. */
		prev_end = v.p + v.len;
		while (*prev_end == ' ' || *prev_end == '\t')
			prev_end++;
		CHECK(prev_end[0] == '\r' && prev_end[1] == '\n');
		prev_end += 2;
	}
	CHECK(prev_end == buf + hl - 2);   /* then the blank line */

	/* Framing: nothing ambiguous got through. */
	CHECK(count(r, "Transfer-Encoding") == 0);
	CHECK(count(r, "Content-Length") <= 1);
	CHECK(count(r, "Host") <= 1);
	CHECK(count(r, "Content-Type") <= 1);
	if (r->minor == 1)
		CHECK(count(r, "Host") == 1);
	if (count(r, "Content-Length") == 0) {
		CHECK(r->content_length == -1);
	} else {
		struct slice cl = http_header(r, "content-LENGTH");
		long v = 0;

		CHECK(cl.len >= 1 && cl.len <= 9);
		for (size_t k = 0; k < cl.len; k++) {
			CHECK(cl.p[k] >= '0' && cl.p[k] <= '9');
			v = v * 10 + (cl.p[k] - '0');
		}
		CHECK(r->content_length == v);
		CHECK(v >= 0 && v <= 999999999);
	}
}

static void check_prefix(const char *buf, size_t n)
{
	char *p = fuzz_dup(buf, n);

	CHECK(http_parse_head(p, n, 0, &again, why, sizeof why) == HTTP_INCOMPLETE);
	free(p);
}

/* Incremental: the bytes arrive in pieces (sizes drawn from the input,
 * or one at a time for a short input) and each call passes the previous
 * len as last_len, as conn_read_request() does.  The first verdict other
 * than "incomplete", or the last "incomplete", is the one a single call
 * over the same bytes gives, to the same request. */
static void check_incremental(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t len = 0, last = 0, k = 0;
	int rc;

	for (;;) {
		rc = http_parse_head(buf, len, last, &piecewise, why, sizeof why);
		if (rc != HTTP_INCOMPLETE || len == size)
			break;
		last = len;
		len += size <= 256 ? 1 : 1 + (size_t)data[k++ % size] * 131 % 512;
		if (len > size)
			len = size;
	}
	CHECK(http_parse_head(buf, len, 0, &again, why, sizeof why) == rc);
	if (rc == 0)
		check_same(&piecewise, buf, &again, buf);
}

/* Completeness: a well-formed head built from the input's bytes (method
 * forced to [A-Z], target to visible bytes, names to tchars, values to
 * field bytes, no framing header but one Host and maybe one Content-Type
 * and one Content-Length) must parse, to exactly what was built. */
static char synth[HTTP_MAX_HEAD + 64];

static void check_synthetic(const uint8_t *data, size_t size)
{
	struct {
		size_t name, nlen, value, vlen;   /* offsets into synth */
	} want[HTTP_MAX_HEADERS];
	size_t o = 0, i = 0, nh = 0, mlen, tlen, path_len;
	int minor = (int)(size & 1);
	long cl = -1;
	char *copy;

	/* Method: bytes up to the first space. */
	while (i < size && data[i] != ' ' && o < 16)
		synth[o++] = (char)('A' + data[i++] % 26);
	if (o == 0)
		synth[o++] = 'G';
	mlen = o;
	while (i < size && data[i] != ' ')
		i++;
	i += i < size;
	synth[o++] = ' ';
	/* Target: '/' then bytes up to the end of the line. */
	synth[o++] = '/';
	path_len = 0;
	while (i < size && data[i] != '\n' && o < 1024) {
		unsigned char c = data[i++];

		if (c <= 0x20 || c >= 0x7f || c == '#')
			c = (unsigned char)('a' + c % 26);
		synth[o++] = (char)c;
	}
	tlen = o - mlen - 1;
	{
		const char *q = memchr(synth + mlen + 1, '?', tlen);

		path_len = q ? (size_t)(q - (synth + mlen + 1)) : tlen;
	}
	while (i < size && data[i] != '\n')
		i++;
	i += i < size;
	memcpy(synth + o, " HTTP/1.", 8);
	o += 8;
	synth[o++] = (char)('0' + minor);
	synth[o++] = '\r';
	synth[o++] = '\n';
	/* Headers: one per input line, "name:value". */
	while (i < size && nh < HTTP_MAX_HEADERS - 3 && o < HTTP_MAX_HEAD / 2) {
		size_t vs, ve;

		want[nh].name = o;
		while (i < size && data[i] != ':' && data[i] != '\n' &&
		       o - want[nh].name < 64) {
			unsigned char c = data[i++];

			synth[o++] = is_tchar(c) ? (char)c : 'x';
		}
		if (o == want[nh].name)
			synth[o++] = 'X';
		want[nh].nlen = o - want[nh].name;
		while (i < size && data[i] != ':' && data[i] != '\n')
			i++;
		i += i < size && data[i] == ':';
		synth[o++] = ':';
		vs = o;
		while (i < size && data[i] != '\n' && o - vs < 256) {
			unsigned char c = data[i++];

			synth[o++] = (c == '\t' || (c >= 0x20 && c != 0x7f)) ?
				     (char)c : 'v';
		}
		while (i < size && data[i] != '\n')
			i++;
		i += i < size;
		ve = o;
		while (vs < ve && (synth[vs] == ' ' || synth[vs] == '\t'))
			vs++;
		while (ve > vs && (synth[ve - 1] == ' ' || synth[ve - 1] == '\t'))
			ve--;
		want[nh].value = vs;
		want[nh].vlen = ve - vs;
		synth[o++] = '\r';
		synth[o++] = '\n';
		{
			struct slice n = { synth + want[nh].name, want[nh].nlen };

			/* Framing headers are added below, once. */
			if (slice_eq_nocase(n, "Host") ||
			    slice_eq_nocase(n, "Content-Length") ||
			    slice_eq_nocase(n, "Content-Type") ||
			    slice_eq_nocase(n, "Transfer-Encoding")) {
				o = want[nh].name;
				continue;
			}
		}
		nh++;
	}
	if (minor == 1 || (size & 2)) {
		want[nh].name = o;
		want[nh].nlen = 4;
		memcpy(synth + o, "Host: bank.example\r\n", 20);
		want[nh].value = o + 6;
		want[nh].vlen = 12;
		o += 20;
		nh++;
	}
	if (size & 8) {
		static const char ct[] =
			"Content-Type: application/x-www-form-urlencoded\r\n";

		want[nh].name = o;
		want[nh].nlen = 12;
		want[nh].value = o + 14;
		want[nh].vlen = sizeof ct - 1 - 16;
		memcpy(synth + o, ct, sizeof ct - 1);
		o += sizeof ct - 1;
		nh++;
	}
	if (size & 4) {
		cl = (long)(size * 7919 % 1000000);
		want[nh].name = o;
		want[nh].nlen = 14;
		o += (size_t)sprintf(synth + o, "Content-Length: %ld", cl);
		want[nh].value = want[nh].name + 16;
		want[nh].vlen = o - want[nh].value;
		synth[o++] = '\r';
		synth[o++] = '\n';
		nh++;
	}
	synth[o++] = '\r';
	synth[o++] = '\n';
	CHECK(o <= HTTP_MAX_HEAD);

	copy = fuzz_dup(synth, o);
	CHECK(http_parse_head(copy, o, 0, &again, why, sizeof why) == 0);
	CHECK(again.head_len == o);
	CHECK(again.method.p == copy && again.method.len == mlen);
	CHECK(again.target.p == copy + mlen + 1 && again.target.len == tlen);
	CHECK(again.path.p == again.target.p && again.path.len == path_len);
	CHECK(again.minor == minor);
	CHECK(again.content_length == cl);
	CHECK(again.nheaders == nh);
	for (size_t k = 0; k < nh; k++) {
		CHECK(again.headers[k].name.p == copy + want[k].name);
		CHECK(again.headers[k].name.len == want[k].nlen);
		CHECK(again.headers[k].value.p == copy + want[k].value ||
		      want[k].vlen == 0);
		CHECK(again.headers[k].value.len == want[k].vlen);
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	int rc;

	why[0] = '\0';
	rc = http_parse_head(buf, size, 0, &req, why, sizeof why);
	CHECK((rc == 0 || rc == HTTP_INCOMPLETE) == (why[0] == '\0'));

	/* Determinism. */
	CHECK(http_parse_head(buf, size, 0, &again, why, sizeof why) == rc);
	if (rc == 0)
		check_same(&req, buf, &again, buf);

	switch (rc) {
	case 0:
		check_ok(buf, size, &req);
		{
			/* The head alone parses the same (nothing after it
			 * is read)... */
			char *head = fuzz_dup(buf, req.head_len);

			CHECK(http_parse_head(head, req.head_len, 0, &again, why, sizeof why) == 0);
			check_same(&req, buf, &again, head);
			free(head);
		}
		/* ...and any shorter prefix is incomplete, never a request. */
		check_prefix(buf, 0);
		check_prefix(buf, req.head_len - 1);
		check_prefix(buf, req.head_len - 2);
		check_prefix(buf, req.head_len - 3);
		check_prefix(buf, req.head_len / 2);
		check_prefix(buf, (size_t)data[0] % req.head_len);
		break;
	case HTTP_INCOMPLETE:
		/* Only when no blank line is in reach yet. */
		CHECK(size < HTTP_MAX_HEAD);
		CHECK(find_blank_line(buf, size) == NULL);
		break;
	case 400: case 411: case 413: case 431: case 505:
		break;
	default:
		CHECK(!"unexpected return value");
	}

	/* A verdict other than "incomplete" is final: more bytes after it
	 * (a body, a pipelined request) do not change it. */
	if (rc != HTTP_INCOMPLETE) {
		static const char tail[] = "\r\n\r\nGET / HTTP/1.1\r\n\r\n";
		char *more = malloc(size + sizeof tail);

		CHECK(more != NULL);
		if (size)
			memcpy(more, buf, size);
		memcpy(more + size, tail, sizeof tail);
		CHECK(http_parse_head(more, size + sizeof tail, 0, &again, why, sizeof why) == rc);
		if (rc == 0)
			check_same(&req, buf, &again, more);
		free(more);
	}

	check_incremental(data, size);
	check_synthetic(data, size);

	/* The log line keeps only safe bytes of the method and path. */
	if (rc == 0) {
		char mem[128];
		struct buf b;

		buf_init(&b, mem, sizeof mem);
		buf_put_safe(&b, req.method, 8);
		buf_put_safe(&b, req.path, 64);
		CHECK(!b.overflow && b.len <= 8 + 64 + 6);
		for (size_t i = 0; i < b.len; i++)
			CHECK((mem[i] != '\0' && strchr("._:/-?", mem[i])) ||
			      (mem[i] >= '0' && mem[i] <= '9') ||
			      (mem[i] >= 'A' && mem[i] <= 'Z') ||
			      (mem[i] >= 'a' && mem[i] <= 'z'));
	}
	return 0;
}
