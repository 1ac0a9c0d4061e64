/* readfile: the one reader of a whole small file (the configuration, the
 * bank's key, a token or password) into the caller's storage, and of
 * its first line. */
#ifndef READFILE_H
#define READFILE_H

#include <stddef.h>

/* Reads path into buf, at most cap bytes, *len of them (also on an
 * error).  0, or -1 with "PATH: reason" in err: open()'s or read()'s
 * error, or "larger than cap - 1 bytes" when the file has cap bytes or
 * more (buf then holds its first cap bytes). */
int read_file(const char *path, char *buf, size_t cap, size_t *len,
	      char *err, size_t errlen);

/* Reads the first line of path (at most cap bytes, without its line
 * end) into out: *len bytes, not NUL-terminated.  0, or -1 with
 * "PATH: reason" in err. */
int read_first_line(const char *path, char *out, size_t cap, size_t *len,
		    char *err, size_t errlen);

#endif
