/* logstats: counting our own log lines (bank-callback --stats --log FILE).
 *
 * The database knows only the posts whose signature verified; forgeries,
 * malformed requests and 503s are in the log alone.  This reads log lines
 * as bank-callback writes them (with or without the "<N>" priority, as
 * `journalctl -o cat` prints them) and counts them by path, status and
 * outcome. */
#ifndef LOGSTATS_H
#define LOGSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum { LOGSTATS_MAX = 256, LOGSTATS_KEY = 160 };

struct logstats {
	struct {
		char key[LOGSTATS_KEY];   /* "path status outcome" */
		unsigned long n;
	} rows[LOGSTATS_MAX];
	size_t nrows;
	unsigned long other;             /* lines that are not ours */
};

/* Pure: the path, status and outcome of one log line into key; false
 * when the line is not one of ours. */
bool logstats_key(const char *line, char *key, size_t size);

/* Counts every line of f.  0, or -1 on a read error. */
int logstats_read(FILE *f, struct logstats *s);

/* Prints the counts, sorted, one per line. */
void logstats_print(struct logstats *s);

#endif
