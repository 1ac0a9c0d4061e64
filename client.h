/* client: who sent the request, for the log line.
 *
 * The peer of the connection on stdin (getpeername), else what the
 * spawner says ($REMOTE_ADDR from systemd, $REMOTE_HOST from xinetd).
 * Behind a proxy every peer is the proxy: only when the peer is one of
 * BANK_CALLBACK_TRUSTED_PROXIES is the last X-Forwarded-For address
 * (the one that proxy appended) taken as the client. */
#ifndef CLIENT_H
#define CLIENT_H

#include "http.h"

#include <stdbool.h>
#include <stddef.h>

/* The client's address into out ("" when nobody can say: a request fed
 * from a file).  trusted: a comma-separated list of proxy addresses, or
 * NULL. */
void client_address(const struct http_request *req, const char *trusted,
		    char *out, size_t size);

/* Pure: the last address of an X-Forwarded-For value, trimmed, into
 * out ("" when it holds none or anything but an address's characters). */
void client_last_forwarded(struct slice xff, char *out, size_t size);

/* Whether list is a comma-separated list of IPv4 or IPv6 addresses
 * (blanks around each allowed), as BANK_CALLBACK_TRUSTED_PROXIES must be. */
bool client_list_ok(const char *list);

#endif
