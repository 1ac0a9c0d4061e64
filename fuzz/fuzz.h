/* fuzz: what the libFuzzer targets in fuzz/ share: the entry point's prototype
 * and CHECK, an assertion that stays on whatever NDEBUG says and makes
 * libFuzzer save the input as a crash. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
				__LINE__, #cond);                            \
			abort();                                             \
		}                                                            \
	} while (0)

/* A heap copy of exactly n bytes (at least one allocated), so that ASan
 * reports any read past what the code under test was given. */
static inline char *fuzz_dup(const void *p, size_t n)
{
	char *c = malloc(n ? n : 1);

	CHECK(c != NULL);
	for (size_t i = 0; i < n; i++)
		c[i] = ((const char *)p)[i];
	return c;
}

/* Does [p, p+n) lie inside [base, base+len)? */
static inline int fuzz_within(const char *p, size_t n, const char *base,
			      size_t len)
{
	return p != NULL && p >= base && p <= base + len &&
	       n <= len - (size_t)(p - base);
}

#endif
