/* Reading whole small files. */
#ifndef SB_IO_H
#define SB_IO_H

#include "util/error.h"

#include <stddef.h>

/* Reads fd to its end (at most max bytes; more is an error) into a buffer you
 * own (free(3)), NUL-terminated after *len bytes. Does not close fd. Errors
 * name `name` ("cannot read: ..."). */
int sb_read_all(int fd, const char *name, size_t max, char **out, size_t *len,
		struct sb_error *err);

#endif
