/* utf8: charset conversion for stored text.  See utf8.h. */
#include "utf8.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>

static const char replacement[] = "\xEF\xBF\xBD";   /* U+FFFD */

/* Length of the valid UTF-8 sequence at s, or 0.  Rejects overlongs,
 * surrogates and code points past U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t need;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		need = 2;
		cp = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		need = 3;
		cp = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return need;
}

static void from_utf8(struct buf *out, struct slice s)
{
	const unsigned char *p = (const unsigned char *)s.p;

	for (size_t i = 0; i < s.len;) {
		size_t n = utf8_seq(p + i, s.len - i);

		if (n) {
			buf_put(out, p + i, n);
			i += n;
		} else {
			buf_puts(out, replacement);
			i++;
		}
	}
}

static void from_gbk(struct buf *out, struct slice s)
{
	/* Opened once per process: opening costs far more than converting
	 * a field, and the ambiguity walk converts many pieces. */
	static iconv_t cd;
	static bool opened;
	char *in = (char *)s.p;   /* iconv's API is not const; it only reads */
	size_t inleft = s.len;

	if (!opened) {
		cd = iconv_open("UTF-8", "GB18030");
		opened = true;
	}
	if (cd == (iconv_t)-1) { // NOLINT(performance-no-int-to-ptr): iconv's error value
		/* No converter installed: keep what is plain ASCII. */
		from_utf8(out, s);
		return;
	}
	iconv(cd, NULL, NULL, NULL, NULL);   /* a fresh shift state */
	while (inleft && !out->overflow) {
		char tmp[256];
		char *o = tmp;
		size_t oleft = sizeof tmp;
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);

		buf_put(out, tmp, (size_t)(o - tmp));
		/* E2BIG only means tmp is full: go round again.  Anything
		 * else is a byte GB18030 cannot decode (or a sequence cut
		 * short at the end): replace it and resynchronise. */
		if (r == (size_t)-1 && errno != E2BIG) {
			buf_puts(out, replacement);
			in++;
			inleft--;
			iconv(cd, NULL, NULL, NULL, NULL);
		}
	}
}

void utf8_from(struct buf *out, struct slice s, bool gbk)
{
	if (gbk)
		from_gbk(out, s);
	else
		from_utf8(out, s);
}

size_t utf8_length(struct slice s)
{
	size_t n = 0;

	for (size_t i = 0; i < s.len; i++)
		if (((unsigned char)s.p[i] & 0xC0) != 0x80)
			n++;
	return n;
}

bool utf8_each(struct slice s, bool (*ok)(unsigned cp))
{
	const unsigned char *p = (const unsigned char *)s.p;

	for (size_t i = 0; i < s.len;) {
		size_t n = utf8_seq(p + i, s.len - i);
		unsigned cp;

		if (!n)
			return false;
		cp = n == 1 ? p[i] : p[i] & (0x7F >> n);
		for (size_t k = 1; k < n; k++)
			cp = (cp << 6) | (p[i + k] & 0x3F);
		if (!ok(cp))
			return false;
		i += n;
	}
	return true;
}
