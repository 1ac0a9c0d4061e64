/* http: a strict HTTP/1.x request-head parser, the method rules and the
 * response writer.
 *
 * http_parse_head() is a pure function over a buffer: no I/O, no
 * allocation; the request it fills points into the caller's bytes. */
#ifndef HTTP_H
#define HTTP_H

#include "lib/buf.h"

enum {
	HTTP_MAX_HEAD = 16384,    /* request line + headers + blank line */
	HTTP_MAX_BODY = 65536,
	HTTP_MAX_HEADERS = 64,
	HTTP_MAX_RESPONSE = 16384, /* status line + headers + body, as written */
	HTTP_INCOMPLETE = -1,     /* parse result: need more bytes */
};

struct http_header {
	struct slice name;
	struct slice value;
};

struct http_request {
	struct slice method;
	struct slice target;   /* as received */
	struct slice path;     /* target up to '?' */
	int minor;             /* HTTP/1.<minor> */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t nheaders;
	size_t head_len;       /* bytes of the head, blank line included */
	long content_length;   /* -1 when absent */
	struct slice body;     /* set by the reader once the body is in */
};

/* Parses the head at the start of buf.  Returns 0 when the head is
 * complete and well-formed, HTTP_INCOMPLETE when more bytes are needed,
 * or the HTTP status to answer (400, 411, 431, 505) with why in err.
 *
 * last_len is the len of the previous call over the same buffer, which
 * returned HTTP_INCOMPLETE, or 0: the bytes before it were already
 * searched for the blank line, so a head arriving a byte at a time
 * costs O(n) in all, not O(n^2) (picohttpparser's last_len).  The
 * verdict is the same as with 0. */
int http_parse_head(const char *buf, size_t len, size_t last_len,
		    struct http_request *req, char *err, size_t errlen);

/* The value of the one header called name (case-insensitive), or a NULL
 * slice when absent. */
struct slice http_header(const struct http_request *req, const char *name);

/* The method rules, all in one place, for a request (parsed, body
 * read) to a route that takes route_method ("GET" or "POST"):
 *   - HEAD is GET without the body: allowed wherever GET is;
 *   - any other method than the route's is 405, with the Allow header's
 *     value in *allow ("GET, HEAD" or the route's method);
 *   - a POST needs a Content-Length (411; the parser already answered
 *     411 to Transfer-Encoding, as no chunked body is read)
 *   - and a body of application/x-www-form-urlencoded (415).
 * In that order.  0, or the status to answer with why in err. */
int http_method_rules(const struct http_request *req, const char *route_method,
		      const char **allow, char *err, size_t errlen);

/* Whether the answer to req carries its body: not for HEAD. */
bool http_answer_has_body(const struct http_request *req);

const char *http_reason(int status);

/* A complete response: status line, Connection: close, Content-Type,
 * Content-Length (of body, whether or not it goes out), the extra header
 * lines (each ending in CRLF, may be empty), the blank line, and the
 * body when with_body (false for an answer to HEAD). */
void http_response(struct buf *out, int status, const char *content_type,
		   struct slice extra_headers, struct slice body,
		   bool with_body);

#endif
