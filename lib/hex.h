/* hex: hexadecimal digits, both ways (the one digit table, the decoder). */
#ifndef HEX_H
#define HEX_H

#include <stdbool.h>
#include <stddef.h>

#include "slice.h"

/* The digit for v & 15: upper case ("0123456789ABCDEF"), or lower case
 * when lower. */
char hex_char(unsigned v, bool lower);
/* The value of hex digit c (either case), or -1. */
int hex_digit(unsigned char c);
/* Decodes exactly 2 * n hex digits of s into out.  0, or -1 when s has
 * another length or a character that is not a hex digit. */
int hex_decode(struct slice s, unsigned char *out, size_t n);

#endif
