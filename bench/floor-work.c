/* floor-work: the work floor.  Linked like bank-callback (libpq, hiredis,
 * libcrypto, libsodium) and doing only what every valid callback must:
 * read the request, connect to PostgreSQL, INSERT and COMMIT one row,
 * HSET one field, answer.  No parsing, no signature, no checks. */
#define _GNU_SOURCE
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void answer(int status)
{
	char out[256];
	int n = snprintf(out, sizeof out,
			 "HTTP/1.1 %d X\r\nConnection: close\r\nContent-Type: text/plain\r\n"
			 "Content-Length: 2\r\n\r\nok", status);

	if (write(1, out, (size_t)n) < 0)
		exit(1);
}

int main(void)
{
	char buf[81920];
	size_t len = 0;
	const char *redis = getenv("BANK_CALLBACK_REDIS");
	struct timeval tv = { 1, 0 };
	PGconn *c;
	PGresult *r;
	redisContext *rc;

	/* Keep the libraries linked, as in bank-callback. */
	if (OPENSSL_version_major() == 0 || sodium_library_version_major() < 0)
		return 1;
	while (len < sizeof buf) {
		ssize_t n = read(0, buf + len, sizeof buf - len);

		if (n <= 0)
			break;
		len += (size_t)n;
		if (memmem(buf, len, "\r\n\r\n", 4))
			break;
	}
	c = PQconnectdb("");
	if (PQstatus(c) != CONNECTION_OK) {
		answer(503);
		return 0;
	}
	r = PQexec(c, "BEGIN");
	PQclear(r);
	r = PQexecParams(c,
			 "INSERT INTO bank_netsave (cust_id, ord_id, data) "
			 "VALUES ('6000060000000001', left(gen_random_uuid()::text, 30), '{}')",
			 0, NULL, NULL, NULL, NULL, 0);
	PQclear(r);
	r = PQexec(c, "COMMIT");
	PQclear(r);
	PQfinish(c);
	rc = redis && strncmp(redis, "unix:", 5) == 0
		? redisConnectUnixWithTimeout(redis + 5, tv)
		: redisConnectWithTimeout("127.0.0.1", 6379, tv);
	if (rc && !rc->err)
		freeReplyObject(redisCommand(rc, "HSET bench-floor %d x", (int)getpid()));
	redisFree(rc);
	answer(200);
	return 0;
}
