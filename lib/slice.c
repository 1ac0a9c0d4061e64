/* slice: views of bytes and their comparisons.  See slice.h. */
#include "slice.h"
#include "ascii.h"

#include <string.h>

struct slice slice_from(const char *s)
{
	struct slice r = { s, s ? strlen(s) : 0 };
	return r;
}

struct slice slice_trim(struct slice s)
{
	while (s.len && ascii_space((unsigned char)s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && ascii_space((unsigned char)s.p[s.len - 1]))
		s.len--;
	return s;
}

bool slice_eq(struct slice a, const char *s)
{
	size_t n = strlen(s);

	/* An absent field is {NULL, 0}: memcmp must not see the NULL. */
	return a.len == n && (n == 0 || memcmp(a.p, s, n) == 0);
}

bool slice_equal(struct slice a, struct slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool slice_eq_nocase(struct slice a, const char *s)
{
	size_t n = strlen(s);

	if (a.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(a.p[i]) != ascii_lower(s[i]))
			return false;
	return true;
}

bool slice_all(struct slice s, bool (*in)(unsigned char), const char *also)
{
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (!in(c) && (c == '\0' || strchr(also, c) == NULL))
			return false;
	}
	return true;
}

bool slice_next_item(struct slice *rest, char sep, struct slice *item)
{
	const char *at;
	size_t n;

	if (!rest->p)
		return false;
	at = memchr(rest->p, sep, rest->len);
	n = at ? (size_t)(at - rest->p) : rest->len;
	*item = slice_trim((struct slice){ rest->p, n });
	*rest = at ? (struct slice){ at + 1, rest->len - n - 1 } : (struct slice){ NULL, 0 };
	return true;
}
