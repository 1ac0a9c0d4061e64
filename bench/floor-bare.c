/* floor-bare: the spawn floor.  Reads one request head (bounded) and
 * answers a fixed string: what a process per connection costs with no
 * work and no libraries beyond libc. */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>

int main(void)
{
	static const char answer[] =
		"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\n"
		"Content-Length: 2\r\n\r\nok";
	char buf[16384];
	size_t len = 0;

	while (len < sizeof buf) {
		ssize_t r = read(0, buf + len, sizeof buf - len);

		if (r <= 0)
			break;
		len += (size_t)r;
		if (memmem(buf, len, "\r\n\r\n", 4))
			break;
	}
	return write(1, answer, sizeof answer - 1) < 0;
}
