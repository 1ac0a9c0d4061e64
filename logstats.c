/* logstats: counting log lines.  See logstats.h. */
#include "logstats.h"

#include <stdlib.h>
#include <string.h>

bool logstats_key(const char *line, char *key, size_t size)
{
	const char *p = line, *path, *status, *outcome, *end;
	size_t plen;

	/* syslog's and journalctl's own prefix ends in "]: ", before ours */
	if (strstr(p, "]: ") && (!strstr(p, " status=") ||
				 strstr(p, "]: ") < strstr(p, " status=")))
		p = strstr(p, "]: ") + 3;
	if (p[0] == '<' && p[1] >= '0' && p[1] <= '7' && p[2] == '>')
		p += 3;
	/* METHOD PATH status=NNN ... outcome="..." */
	path = strchr(p, ' ');
	if (!path || path == p)
		return false;
	path++;
	plen = strcspn(path, " ");
	if (path[0] != '/' && !(path[0] == '-' && plen == 1))
		return false;
	status = strstr(path + plen, " status=");
	outcome = strstr(path + plen, " outcome=\"");
	if (!status || !outcome || strspn(status + 8, "0123456789") != 3)
		return false;
	outcome += 10;
	end = strchr(outcome, '"');
	if (!end)
		return false;
	return snprintf(key, size, "%.*s %.3s %.*s", (int)plen, path, status + 8,
			(int)(end - outcome), outcome) < (int)size;
}

static void count(struct logstats *s, const char *key)
{
	for (size_t i = 0; i < s->nrows; i++)
		if (strcmp(s->rows[i].key, key) == 0) {
			s->rows[i].n++;
			return;
		}
	if (s->nrows == LOGSTATS_MAX) {
		s->other++;
		return;
	}
	snprintf(s->rows[s->nrows].key, sizeof s->rows[0].key, "%s", key);
	s->rows[s->nrows++].n = 1;
}

int logstats_read(FILE *f, struct logstats *s)
{
	char line[2048], key[LOGSTATS_KEY];

	memset(s, 0, sizeof *s);
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (logstats_key(line, key, sizeof key))
			count(s, key);
		else
			s->other++;
	}
	return ferror(f) ? -1 : 0;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(a, b);   /* rows begin with their key */
}

void logstats_print(struct logstats *s)
{
	qsort(s->rows, s->nrows, sizeof s->rows[0], by_key);
	printf("%-24s %-6s %-40s %s\n", "path", "status", "outcome", "requests");
	for (size_t i = 0; i < s->nrows; i++) {
		char path[LOGSTATS_KEY], outcome[LOGSTATS_KEY];
		const char *k = s->rows[i].key;
		size_t plen = strcspn(k, " ");

		snprintf(path, sizeof path, "%.*s", (int)plen, k);
		snprintf(outcome, sizeof outcome, "%s", k + plen + 5);
		printf("%-24s %-6.3s %-40s %lu\n", path, k + plen + 1, outcome,
		       s->rows[i].n);
	}
	if (s->other)
		printf("(%lu lines that are not bank-callback's, or beyond %d kinds)\n",
		       s->other, LOGSTATS_MAX);
}
