/* client: the client's address.  See client.h. */
#include "client.h"
#include "lib/ascii.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The peer of fd 0 as text, or "" when stdin is no IP socket. */
static void peer_of_stdin(char *out, size_t size)
{
	struct sockaddr_storage a = { .ss_family = AF_UNSPEC };
	socklen_t len = sizeof a;
	const void *ip = NULL;

	out[0] = '\0';
	if (getpeername(0, (struct sockaddr *)&a, &len) != 0)
		return;
	if (a.ss_family == AF_INET)
		ip = &((const struct sockaddr_in *)&a)->sin_addr;
	else if (a.ss_family == AF_INET6)
		ip = &((const struct sockaddr_in6 *)&a)->sin6_addr;
	/* an IPv4 client of a dual-stack socket (ListenStream=8080) comes
	 * as ::ffff:a.b.c.d: say a.b.c.d, as an operator writes it */
	if (a.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)&a)->sin6_addr)) {
		ip = ((const unsigned char *)ip) + 12;
		a.ss_family = AF_INET;
	}
	if (!ip || !inet_ntop(a.ss_family, ip, out, (socklen_t)size))
		out[0] = '\0';
}

static bool address_char(char c)
{
	return ascii_xdigit((unsigned char)c) || c == '.' || c == ':';
}

void client_last_forwarded(struct slice xff, char *out, size_t size)
{
	const char *end, *start;
	size_t n;

	out[0] = '\0';
	if (!xff.p)
		return;
	end = xff.p + xff.len;
	start = end;
	while (start > xff.p && start[-1] != ',')
		start--;
	while (start < end && (*start == ' ' || *start == '\t'))
		start++;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	n = (size_t)(end - start);
	if (n == 0 || n >= size)
		return;
	for (size_t i = 0; i < n; i++)
		if (!address_char(start[i]))
			return;
	memcpy(out, start, n);
	out[n] = '\0';
}

/* Whether addr is one of the comma-separated list (blanks around each
 * allowed). */
static bool listed(const char *addr, const char *list)
{
	struct slice rest = slice_from(list), one;

	while (list && slice_next_item(&rest, ',', &one))
		if (slice_eq(one, addr))
			return true;
	return false;
}

/* The last X-Forwarded-For header line: a proxy that adds a line of its
 * own (HAProxy's option forwardfor) adds it after the client's. */
static struct slice last_forwarded_header(const struct http_request *req)
{
	struct slice v = { NULL, 0 };

	for (size_t i = 0; i < req->nheaders; i++)
		if (slice_eq_nocase(req->headers[i].name, "X-Forwarded-For"))
			v = req->headers[i].value;
	return v;
}

void client_address(const struct http_request *req, const char *trusted,
		    char *out, size_t size)
{
	char forwarded[64];
	const char *env;

	peer_of_stdin(out, size);
	if (!out[0] && ((env = getenv("REMOTE_ADDR")) || (env = getenv("REMOTE_HOST"))))
		client_last_forwarded(slice_from(env), out, size);
	if (!out[0] || !listed(out, trusted))
		return;
	client_last_forwarded(last_forwarded_header(req), forwarded, sizeof forwarded);
	if (forwarded[0])
		snprintf(out, size, "%s", forwarded);
}

bool client_list_ok(const char *list)
{
	struct slice rest = slice_from(list), one;

	while (slice_next_item(&rest, ',', &one)) {
		char ip[INET6_ADDRSTRLEN + 1];
		unsigned char bin[sizeof(struct in6_addr)];

		if (one.len == 0 || one.len >= sizeof ip)
			return false;
		memcpy(ip, one.p, one.len);
		ip[one.len] = '\0';
		if (inet_pton(AF_INET, ip, bin) != 1 && inet_pton(AF_INET6, ip, bin) != 1)
			return false;
	}
	return true;
}
