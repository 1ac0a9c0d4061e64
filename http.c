/* http: strict request-head parser, method rules and response writer.  See http.h.
 *
 * Strict on purpose: the only legitimate clients are the bank's servers,
 * browsers following the bank's auto-submitted form, and operators with
 * curl.  Anything ambiguous (folded headers, bare LF, two lengths,
 * Transfer-Encoding) is refused rather than interpreted, because a
 * proxy in front of us might interpret it differently. */
#include "http.h"
#include "lib/ascii.h"

#include <stdio.h>
#include <string.h>

/* A refusal: the status, and why in err for the log line. */
static int refuse(char *err, size_t errlen, int status, const char *why)
{
	snprintf(err, errlen, "%s", why);
	return status;
}

static bool is_tchar(unsigned char c)
{
	return ascii_alnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Field values: visible ASCII, space, tab, and obs-text; no controls. */
static bool is_field_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static const char *find_crlf(const char *p, const char *end)
{
	for (; p < end; p++) {
		if (*p == '\n')
			return NULL;         /* bare LF */
		if (*p == '\r')
			return (p + 1 < end && p[1] == '\n') ? p : NULL;
	}
	return NULL;
}

static int parse_request_line(const char *p, const char *eol,
			      struct http_request *req, char *err, size_t errlen)
{
	const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
	const char *sp2;
	static const char version[] = "HTTP/1.";

	if (!sp1 || sp1 == p || sp1 - p > 16)
		return refuse(err, errlen, 400, "no method in the request line");
	for (const char *q = p; q < sp1; q++)
		if (*q < 'A' || *q > 'Z')
			return refuse(err, errlen, 400, "a method of other than A-Z");
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1 || sp1[1] != '/')
		return refuse(err, errlen, 400, "no /path in the request line");
	for (const char *q = sp1 + 1; q < sp2; q++)
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f ||
		    *q == '#')
			return refuse(err, errlen, 400, "a control, non-ASCII or # byte in the target");
	req->method = (struct slice){ p, (size_t)(sp1 - p) };
	req->target = (struct slice){ sp1 + 1, (size_t)(sp2 - sp1 - 1) };
	{
		const char *q = memchr(req->target.p, '?', req->target.len);

		req->path = (struct slice){
			req->target.p,
			q ? (size_t)(q - req->target.p) : req->target.len
		};
	}
	p = sp2 + 1;
	if ((size_t)(eol - p) != sizeof version ||
	    memcmp(p, "HTTP/", 5) != 0)
		return refuse(err, errlen, 400, "no HTTP/1.x version in the request line");
	if (p[5] != '1' || p[6] != '.')
		return ascii_digit((unsigned char)p[5])
		       ? refuse(err, errlen, 505, "an HTTP version other than 1")
		       : refuse(err, errlen, 400, "no HTTP/1.x version in the request line");
	/* Only 1.0 and 1.1 exist.  RFC 9112 would serve an unknown 1.x as
	 * 1.1, but no client of ours sends one: refuse it like any other
	 * request nobody legitimate makes.  Another major version is 505. */
	if (p[7] != '0' && p[7] != '1')
		return refuse(err, errlen, 400, "HTTP/1.x other than 1.0 and 1.1");
	req->minor = p[7] - '0';
	return 0;
}

static int parse_header_line(const char *p, const char *eol,
			     struct http_request *req, char *err, size_t errlen)
{
	const char *colon = p;
	struct slice v;

	if (*p == ' ' || *p == '\t')
		return refuse(err, errlen, 400, "a folded header line");
	while (colon < eol && is_tchar((unsigned char)*colon))
		colon++;
	if (colon == p || colon == eol || *colon != ':')
		return refuse(err, errlen, 400, "a header line that is not NAME: value");
	v = (struct slice){ colon + 1, (size_t)(eol - colon - 1) };
	for (size_t i = 0; i < v.len; i++)
		if (!is_field_char((unsigned char)v.p[i]))
			return refuse(err, errlen, 400, "a control byte in a header value");
	while (v.len && (v.p[0] == ' ' || v.p[0] == '\t')) {
		v.p++;
		v.len--;
	}
	while (v.len && (v.p[v.len - 1] == ' ' || v.p[v.len - 1] == '\t'))
		v.len--;
	if (req->nheaders == HTTP_MAX_HEADERS)
		return refuse(err, errlen, 431, "too many header lines");
	req->headers[req->nheaders].name =
		(struct slice){ p, (size_t)(colon - p) };
	req->headers[req->nheaders].value = v;
	req->nheaders++;
	return 0;
}

static int count_headers(const struct http_request *req, const char *name)
{
	int n = 0;

	for (size_t i = 0; i < req->nheaders; i++)
		if (slice_eq_nocase(req->headers[i].name, name))
			n++;
	return n;
}

/* Content-Length, Transfer-Encoding, Host and Content-Type: the headers
 * whose ambiguity lets a request mean one thing to a proxy and another
 * to us.  Two of any is refused. */
static int check_framing(struct http_request *req, char *err, size_t errlen)
{
	int ncl = count_headers(req, "Content-Length");
	int nte = count_headers(req, "Transfer-Encoding");
	struct slice cl;

	if (ncl > 1 || (ncl && nte) || count_headers(req, "Host") > 1 ||
	    count_headers(req, "Content-Type") > 1)
		return refuse(err, errlen, 400, "Content-Length, Transfer-Encoding, Host or "
			      "Content-Type twice, or a length and chunks");
	if (req->minor == 1 && count_headers(req, "Host") == 0)
		return refuse(err, errlen, 400, "HTTP/1.1 without Host");
	if (nte)             /* no chunked bodies: send a length */
		return refuse(err, errlen, 411, "Transfer-Encoding: chunked bodies are not read");
	req->content_length = -1;
	if (!ncl)
		return 0;
	cl = http_header(req, "Content-Length");
	if (cl.len == 0 || cl.len > 9 || !slice_all(cl, ascii_digit, ""))
		return cl.len > 9 && slice_all(cl, ascii_digit, "")
		       ? refuse(err, errlen, 413, "Content-Length beyond any body we take")
		       : refuse(err, errlen, 400, "a Content-Length that is not digits");
	req->content_length = 0;
	for (size_t i = 0; i < cl.len; i++)
		req->content_length = req->content_length * 10 + (cl.p[i] - '0');
	return 0;
}

int http_parse_head(const char *buf, size_t len, size_t last_len,
		    struct http_request *req, char *err, size_t errlen)
{
	const char *end, *p = buf, *eol;
	int rc;

	memset(req, 0, sizeof *req);
	req->content_length = -1;
	/* Find the blank line first, so that a head cut short is
	 * "incomplete", never a half-checked request.  None lies wholly
	 * before last_len (the previous call said "incomplete"); one may
	 * start in its last 3 bytes. */
	if (last_len > len)
		last_len = len;
	for (size_t i = last_len < 3 ? 0 : last_len - 3;; i++) {
		if (i + 4 > len || i + 4 > HTTP_MAX_HEAD)
			return len >= HTTP_MAX_HEAD
			       ? refuse(err, errlen, 431, "a head of more than 16 KiB")
			       : HTTP_INCOMPLETE;
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
			req->head_len = i + 4;
			end = buf + i + 2;   /* keep the last header's CRLF */
			break;
		}
	}
	eol = find_crlf(p, end);
	if (!eol)
		return refuse(err, errlen, 400, "a bare CR or LF in the head: lines end in CRLF");
	rc = parse_request_line(p, eol, req, err, errlen);
	if (rc)
		return rc;
	for (p = eol + 2; p < end; p = eol + 2) {
		eol = find_crlf(p, end);
		if (!eol)
			return refuse(err, errlen, 400, "a bare CR or LF in the head: lines end in CRLF");
		rc = parse_header_line(p, eol, req, err, errlen);
		if (rc)
			return rc;
	}
	return check_framing(req, err, errlen);
}

struct slice http_header(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->nheaders; i++)
		if (slice_eq_nocase(req->headers[i].name, name))
			return req->headers[i].value;
	return (struct slice){ NULL, 0 };
}

static bool is_form(struct slice ctype)
{
	static const char want[] = "application/x-www-form-urlencoded";
	size_t n = sizeof want - 1;

	/* Parameters (charset) may follow after ';'. */
	return ctype.len >= n &&
	       slice_eq_nocase((struct slice){ ctype.p, n }, want) &&
	       (ctype.len == n || ctype.p[n] == ';' || ctype.p[n] == ' ');
}

int http_method_rules(const struct http_request *req, const char *route_method,
		      const char **allow, char *err, size_t errlen)
{
	bool get_route = strcmp(route_method, "GET") == 0;

	if (!slice_eq(req->method, route_method) &&
	    !(get_route && slice_eq(req->method, "HEAD"))) {
		*allow = get_route ? "GET, HEAD" : route_method;
		return refuse(err, errlen, 405, "wrong method");
	}
	if (!slice_eq(req->method, "POST"))
		return 0;
	if (req->content_length < 0)
		return refuse(err, errlen, 411, "POST without Content-Length");
	if (!is_form(http_header(req, "Content-Type")))
		return refuse(err, errlen, 415, "body is not application/x-www-form-urlencoded");
	return 0;
}

bool http_answer_has_body(const struct http_request *req)
{
	return !slice_eq(req->method, "HEAD");
}

static const struct {
	int status;
	const char *reason;
} reasons[] = {
	{ 200, "OK" },
	{ 303, "See Other" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 409, "Conflict" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 408, "Request Timeout" },
	{ 411, "Length Required" },
	{ 413, "Content Too Large" },
	{ 415, "Unsupported Media Type" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 503, "Service Unavailable" },
	{ 505, "HTTP Version Not Supported" },
};

const char *http_reason(int status)
{
	for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Error";
}

void http_response(struct buf *out, int status, const char *content_type,
		   struct slice extra_headers, struct slice body,
		   bool with_body)
{
	buf_puts(out, "HTTP/1.1 ");
	buf_put_u64(out, (unsigned)status);
	buf_putc(out, ' ');
	buf_puts(out, http_reason(status));
	buf_puts(out, "\r\nConnection: close\r\nContent-Type: ");
	buf_puts(out, content_type);
	buf_puts(out, "\r\nContent-Length: ");
	buf_put_u64(out, body.len);
	buf_puts(out, "\r\nCache-Control: no-store\r\n");
	buf_put_slice(out, extra_headers);
	buf_puts(out, "\r\n");
	if (with_body)
		buf_put_slice(out, body);
}
