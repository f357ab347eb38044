/* The plain-file reader: read(2) on an fd, after checking the file is still
 * the one that was planned. */
#include "image/image.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READAHEAD_WORTH (1u << 20)

struct fd_reader {
	int fd;
	int at_end; /* a read came back short: on a regular file, the end */
	char *name; /* for messages */
};

static int fd_read(void *self, void *buf, size_t n, size_t *got, struct sb_error *err)
{
	struct fd_reader *f = self;

	for (;;) {
		ssize_t r = read(f->fd, buf, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			/* Opened O_NONBLOCK, on a file system that heeds it. */
			int flags = fcntl(f->fd, F_GETFL);

			if (flags >= 0 && fcntl(f->fd, F_SETFL, flags & ~O_NONBLOCK) == 0)
				continue;
			errno = EAGAIN;
		}
		if (r < 0)
			return sb_error_file(err, f->name, "cannot read: %s", strerror(errno));
		*got = (size_t)r;
		f->at_end = (size_t)r < n;
		return 0;
	}
}

static void fd_close(void *self)
{
	struct fd_reader *f = self;

	close(f->fd);
	free(f->name);
	free(f);
}

int img_fd_reader(struct img_reader *r, int fd, const struct stat *st, const struct img_entry *e,
		  const char *name, struct sb_error *err)
{
	struct fd_reader *f = NULL;

	if (!S_ISREG(st->st_mode) || (uint64_t)st->st_size != e->size) {
		sb_error_file(err, name, "changed while the image was being built (%s)",
			      !S_ISREG(st->st_mode) ? "no longer a regular file"
						    : "its size changed");
		sb_error_hint(err, "build again once nothing writes to the build context");
		goto fail;
	}
	f = calloc(1, sizeof(*f));
	if (!f || !(f->name = sb_strdup(name))) {
		sb_errorf(err, "out of memory");
		goto fail;
	}
	/* Larger read-ahead pays for large files only. */
	if (e->size >= READAHEAD_WORTH)
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	f->fd = fd;
	r->read = fd_read;
	r->close = fd_close;
	r->self = f;
	r->at_end = &f->at_end;
	return 0;
fail:
	if (f)
		free(f->name);
	free(f);
	close(fd);
	return -1;
}
