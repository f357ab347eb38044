/* Reading whole small files, writing whole buffers, and the temporary file
 * that a file is written to before it takes its name. */
#ifndef SB_IO_H
#define SB_IO_H

#include "util/error.h"

#include <stddef.h>

/* Reads fd to its end (at most max bytes; more is an error) into a buffer you
 * own (free(3)), NUL-terminated after *len bytes. Does not close fd. Errors
 * name `name` ("cannot read: ..."). */
int sb_read_all(int fd, const char *name, size_t max, char **out, size_t *len,
		struct sb_error *err);

/* Writes all len bytes of buf to fd, again after short writes and EINTR.
 * Errors name `name` ("cannot write: ..."); errno is then still write(2)'s,
 * for a caller that adds a hint. Does not close fd. */
int sb_write_all(int fd, const char *name, const void *buf, size_t len, struct sb_error *err);

/* Creates "PATH.XXXXXX" beside path, mode 0644, for a file renamed to path
 * once whole: *fd open for writing, *tmp its name (yours). On failure
 * nothing is left behind; errors name path. */
int sb_tmp_beside(const char *path, char **tmp, int *fd, struct sb_error *err);

/* An anonymous scratch file, open for reading and writing, in $TMPDIR (else
 * /tmp): gone when *fd is closed, nothing of it left on disk (O_TMPFILE, or
 * a named file unlinked at once where the file system has none). For bytes
 * made once and read again, too many to hold in memory. */
int sb_tmp_anon(int *fd, struct sb_error *err);

#endif
