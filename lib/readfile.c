/* readfile: the one reader of a whole small file.  See readfile.h. */
#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int read_file(const char *path, char *buf, size_t cap, size_t *len)
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

int read_first_line(const char *path, char *out, size_t cap, size_t *len)
{
	size_t n;
	int e = read_file(path, out, cap, &n);

	if (e && e != EFBIG)    /* only the first cap bytes count */
		return e;
	*len = 0;
	while (*len < n && out[*len] != '\n' && out[*len] != '\r')
		(*len)++;
	return 0;
}
