/* conn: bounded, time-limited reading of one request.  See conn.h.
 *
 * The deadline covers the whole request, so a client sending one byte a
 * second cannot keep a process alive past it. */
#include "conn.h"
#include "deadline.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Reads more into buf[*len .. want).  1 read something, 0 end of input,
 * -1 error, -2 deadline passed. */
static int read_more(int fd, char *buf, size_t *len, size_t want,
		     long long deadline)
{
	for (;;) {
		long long left = deadline - now_ms();
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t r;
		int pr;

		if (left <= 0)
			return -2;
		pr = poll(&p, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return -1;
		if (pr == 0)
			return -2;
		r = read(fd, buf + *len, want - *len);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return -1;
		*len += (size_t)r;
		return r > 0;
	}
}

/* The status for a read that ended the request early (r from
 * read_more), with why in err: the deadline, or the client gone. */
static int cut_short(int r, const char *buf, size_t len, bool in_head,
		     char *err, size_t errlen)
{
	const char *why;
	int status = 400;

	if (r == -2) {
		why = "the request was not complete within 10 s";
		status = 408;
	} else if (r < 0) {
		why = "reading the request failed";
	} else if (in_head && memmem(buf, len, "\n\n", 2) && !memmem(buf, len, "\r\n", 2)) {
		why = "bare LF line ends: HTTP (and a saved request) needs CRLF";
	} else if (in_head) {
		why = "the connection closed inside the head";
	} else {
		why = "the body was shorter than its Content-Length";
	}
	snprintf(err, errlen, "%s", why);
	return status;
}

int conn_read_request(int fd, char *buf, struct http_request *req,
		      int timeout_ms, char *err, size_t errlen)
{
	long long deadline = now_ms() + timeout_ms;
	size_t len = 0, searched = 0, need;
	int rc, r;

	/* The parser looks for the blank line only in what came since the
	 * last try: a client sending a byte at a time costs O(n). */
	for (;;) {
		rc = http_parse_head(buf, len, searched, req, err, errlen);
		if (rc != HTTP_INCOMPLETE)
			break;
		searched = len;
		r = read_more(fd, buf, &len, HTTP_MAX_HEAD, deadline);
		if (r <= 0)
			return cut_short(r, buf, len, true, err, errlen);
	}
	if (rc)
		return rc;
	if (req->content_length > HTTP_MAX_BODY) {
		snprintf(err, errlen, "a body of more than 64 KiB");
		return 413;
	}
	/* A POST without Content-Length has no body here; the method rules
	 * (http_method_rules) answer 411 once the route is known. */
	need = req->head_len + (req->content_length > 0 ? (size_t)req->content_length : 0);
	while (len < need) {
		r = read_more(fd, buf, &len, need, deadline);
		if (r <= 0)
			return cut_short(r, buf, len, false, err, errlen);
	}
	req->body = (struct slice){ buf + req->head_len, need - req->head_len };
	return 0;
}

int conn_write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}
