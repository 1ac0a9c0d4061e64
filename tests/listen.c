/* listen: the LISTEN client of tests/notify.bats.
 *
 * listen CHANNEL SECONDS: LISTEN on CHANNEL (libpq's environment says
 * where), print "listening" once it is, then each notification's payload
 * on a line of its own as it arrives; exit 0 after the payload "end" or
 * after SECONDS. */
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	PGconn *c;
	PGresult *r;
	char *channel, sql[256];
	double end;

	if (argc != 3) {
		fprintf(stderr, "usage: listen CHANNEL SECONDS\n");
		return 2;
	}
	c = PQconnectdb("");
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "listen: %s", PQerrorMessage(c));
		return 1;
	}
	channel = PQescapeIdentifier(c, argv[1], strlen(argv[1]));
	if (!channel) {
		fprintf(stderr, "listen: %s", PQerrorMessage(c));
		return 1;
	}
	snprintf(sql, sizeof sql, "LISTEN %s", channel);
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "listen: %s", PQerrorMessage(c));
		return 1;
	}
	PQclear(r);
	PQfreemem(channel);
	printf("listening\n");
	fflush(stdout);
	end = now() + atof(argv[2]);
	for (;;) {
		struct pollfd p = { PQsocket(c), POLLIN, 0 };
		PGnotify *n;
		double left = end - now();

		if (left <= 0)
			break;
		if (poll(&p, 1, (int)(left * 1000) + 1) < 0 || !PQconsumeInput(c)) {
			fprintf(stderr, "listen: %s", PQerrorMessage(c));
			return 1;
		}
		while ((n = PQnotifies(c))) {
			int last = strcmp(n->extra, "end") == 0;

			printf("%s\n", n->extra);
			fflush(stdout);
			PQfreemem(n);
			if (last) {
				PQfinish(c);
				return 0;
			}
		}
	}
	PQfinish(c);
	return 0;
}
