/* ascii: the character classes the parsers test, ASCII only, the same in
 * every locale (unlike <ctype.h>), and safe for any byte. */
#ifndef ASCII_H
#define ASCII_H

#include <stdbool.h>

static inline bool ascii_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool ascii_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static inline bool ascii_alnum(unsigned char c)
{
	return ascii_digit(c) || ascii_alpha(c);
}

static inline bool ascii_xdigit(unsigned char c)
{
	return ascii_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

/* What isspace() is in the C locale: ' ', '\t', '\n', '\v', '\f', '\r'. */
static inline bool ascii_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

#endif
