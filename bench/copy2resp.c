/* copy2resp: PostgreSQL COPY text output -> Redis protocol, for bench/refresh's floor.
 *
 *   psql -f copies.sql | copy2resp [PAIRS] | redis-cli --pipe
 *
 * Input: lines "field<TAB>value" (COPY ... TO STDOUT, text format, two
 * columns), and between them lines without a tab, each naming the hash
 * the pairs that follow go into (psql's \echo KEY before each COPY: a
 * two-column data line always has its tab, tabs in the data come
 * escaped as \t).  Output: HSET KEY f1 v1 ... fPAIRS vPAIRS, as RESP
 * arrays, PAIRS pairs per command (default 500, as db/cache.c sends
 * them).  COPY's escapes are undone, so Redis gets the same bytes the
 * handler gets from libpq.  Exits 1 on a line it cannot read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { IN_SIZE = 1 << 20 };

static char *batch;
static size_t batch_len, batch_cap, batch_pairs, pairs_max;
static char key[256];
static size_t key_len;

static void out_u(size_t n)
{
	char tmp[24];
	int k = snprintf(tmp, sizeof tmp, "%zu", n);

	fwrite(tmp, 1, (size_t)k, stdout);
}

static void flush_batch(void)
{
	if (!batch_pairs)
		return;
	fputc('*', stdout);
	out_u(2 + 2 * batch_pairs);
	fputs("\r\n$4\r\nHSET\r\n$", stdout);
	out_u(key_len);
	fputs("\r\n", stdout);
	fwrite(key, 1, key_len, stdout);
	fputs("\r\n", stdout);
	fwrite(batch, 1, batch_len, stdout);
	batch_len = 0;
	batch_pairs = 0;
}

static void reserve(size_t more)
{
	if (batch_len + more <= batch_cap)
		return;
	while (batch_len + more > batch_cap)
		batch_cap = batch_cap ? 2 * batch_cap : 1 << 16;
	batch = realloc(batch, batch_cap);
	if (!batch) {
		fputs("copy2resp: out of memory\n", stderr);
		exit(1);
	}
}

/* One COPY text column, unescaped, as a RESP bulk string into the batch. */
static void put_column(const char *p, size_t n)
{
	char tmp[24];
	size_t at;
	int k;

	/* the unescaped length is not known before: write it after, at a
	 * fixed width the header reserves (RESP takes no leading zeros, so
	 * unescape first into the batch's tail, then move) */
	reserve(n + 40);
	at = batch_len + 32;
	{
		char *o = batch + at;
		size_t i = 0, m = 0;

		while (i < n) {
			char c = p[i++];

			if (c == '\\' && i < n) {
				c = p[i++];
				switch (c) {
				case 'b': c = '\b'; break;
				case 'f': c = '\f'; break;
				case 'n': c = '\n'; break;
				case 'r': c = '\r'; break;
				case 't': c = '\t'; break;
				case 'v': c = '\v'; break;
				case 'N':
					fputs("copy2resp: a NULL in the data\n", stderr);
					exit(1);
				default:
					if (c >= '0' && c <= '7') {
						int v = c - '0';

						for (int d = 0; d < 2 && i < n && p[i] >= '0' && p[i] <= '7'; d++)
							v = v * 8 + (p[i++] - '0');
						c = (char)v;
					}
					break; /* \\ and anything else: the character itself */
				}
			}
			o[m++] = c;
		}
		k = snprintf(tmp, sizeof tmp, "$%zu\r\n", m);
		memmove(batch + batch_len + (size_t)k, o, m);
		memcpy(batch + batch_len, tmp, (size_t)k);
		batch_len += (size_t)k + m;
		memcpy(batch + batch_len, "\r\n", 2);
		batch_len += 2;
	}
}

static void line(const char *p, size_t n)
{
	const char *tab = memchr(p, '\t', n);

	if (!tab) {
		if (n == 0 || n >= sizeof key) {
			fputs("copy2resp: a key line that is empty or too long\n", stderr);
			exit(1);
		}
		flush_batch();
		memcpy(key, p, n);
		key_len = n;
		return;
	}
	if (!key_len || memchr(tab + 1, '\t', n - (size_t)(tab + 1 - p))) {
		fputs("copy2resp: a data line before any key, or not two columns\n", stderr);
		exit(1);
	}
	put_column(p, (size_t)(tab - p));
	put_column(tab + 1, n - (size_t)(tab + 1 - p));
	if (++batch_pairs == pairs_max)
		flush_batch();
}

int main(int argc, char **argv)
{
	static char in[IN_SIZE];
	static char out[IN_SIZE];
	size_t have = 0, got;

	pairs_max = argc > 1 ? strtoul(argv[1], NULL, 10) : 500;
	if (pairs_max < 1 || pairs_max > 100000) {
		fputs("usage: copy2resp [PAIRS-PER-HSET]\n", stderr);
		return 2;
	}
	setvbuf(stdout, out, _IOFBF, sizeof out);
	while ((got = fread(in + have, 1, sizeof in - have, stdin)) > 0) {
		size_t start = 0, end = have + got;
		char *nl;

		while ((nl = memchr(in + start, '\n', end - start))) {
			line(in + start, (size_t)(nl - (in + start)));
			start = (size_t)(nl - in) + 1;
		}
		if (start == 0 && end == sizeof in) {
			fputs("copy2resp: a line longer than 1 MiB\n", stderr);
			return 1;
		}
		memmove(in, in + start, end - start);
		have = end - start;
	}
	if (have) {
		fputs("copy2resp: the input ends inside a line\n", stderr);
		return 1;
	}
	flush_batch();
	if (ferror(stdin) || fflush(stdout) || ferror(stdout)) {
		perror("copy2resp");
		return 1;
	}
	return 0;
}
