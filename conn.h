/* conn: the connection, which is stdin and stdout. */
#ifndef CONN_H
#define CONN_H

#include "http.h"

enum {
	CONN_BUF = HTTP_MAX_HEAD + HTTP_MAX_BODY,
	CONN_TIMEOUT_MS = 10000,   /* the whole request, head and body */
};

/* Reads one request from fd into buf (CONN_BUF bytes) within timeout_ms.
 * Returns 0 with req filled, body included, or the HTTP status to
 * answer, 400 (malformed or cut short), 408, 411, 413, 431 or 505, with
 * why in err. */
int conn_read_request(int fd, char *buf, struct http_request *req,
		      int timeout_ms, char *err, size_t errlen);

/* Writes all of p.  0, or -1 (the client is gone: nothing to do). */
int conn_write_all(int fd, const char *p, size_t n);

#endif
