/* readfile: the one reader of a whole small file.  See readfile.h. */
#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Reads path into buf, at most cap bytes, *len of them: 0, or an errno
 * (open()'s or read()'s, or EFBIG when the file has cap bytes or
 * more). */
static int read_upto(const char *path, char *buf, size_t cap, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int e = 0;

	*len = 0;
	if (fd < 0)
		return errno;
	for (;;) {
		ssize_t r = read(fd, buf + *len, cap - *len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			break;
		}
		if (r == 0)
			break;
		*len += (size_t)r;
		if (*len == cap) {
			e = EFBIG;
			break;
		}
	}
	close(fd);
	return e;
}

int read_file(const char *path, char *buf, size_t cap, size_t *len,
	      char *err, size_t errlen)
{
	int e = read_upto(path, buf, cap, len);

	if (e == EFBIG)
		snprintf(err, errlen, "%s: larger than %zu bytes", path, cap - 1);
	else if (e)
		snprintf(err, errlen, "%s: %s", path, strerror(e));
	return e ? -1 : 0;
}

int read_first_line(const char *path, char *out, size_t cap, size_t *len,
		    char *err, size_t errlen)
{
	size_t n;
	int e = read_upto(path, out, cap, &n);

	if (e && e != EFBIG) {   /* only the first cap bytes count */
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -1;
	}
	*len = 0;
	while (*len < n && out[*len] != '\n' && out[*len] != '\r')
		(*len)++;
	return 0;
}
