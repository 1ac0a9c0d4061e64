/* utf8: turn what the bank sent into valid UTF-8 for storage. */
#ifndef UTF8_H
#define UTF8_H

#include "buf.h"

/* Appends s to out as UTF-8.  gbk: s is GBK (decoded as GB18030, its
 * superset); otherwise s should be UTF-8 already.  Either way, a byte that
 * does not decode becomes U+FFFD, so the output is always valid. */
void utf8_from(struct buf *out, struct slice s, bool gbk);

/* Whether s is valid UTF-8 and ok() holds for each of its code points. */
bool utf8_each(struct slice s, bool (*ok)(unsigned cp));

/* Number of code points in valid UTF-8 s. */
size_t utf8_length(struct slice s);

#endif
