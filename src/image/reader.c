/* Reading an entry's bytes: the plain-file reader (read(2) on an fd, after
 * checking the file is still the one that was planned), and a whole entry
 * read into memory through an opener. */
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

int img_entry_read(img_open_fn open, void *ud, const struct img_entry *e, size_t max, char **out,
		   struct sb_error *err)
{
	const char *name = e->source ? e->source : e->path;
	struct img_reader r = {0};
	size_t have = 0, got = 0;
	char *buf = NULL;
	int rc = -1;

	*out = NULL;
	if (e->type != IMG_REG)
		return sb_errorf(err, "internal error: /%s is not a regular file", e->path);
	if (e->size > max)
		return sb_error_file(err, name, "larger than %zu MiB", max >> 20);
	buf = malloc((size_t)e->size + 1);
	if (!buf)
		return sb_errorf(err, "out of memory");
	if (e->size > 0 && open(ud, e, &r, err) < 0)
		goto out;
	while (have < e->size) {
		if (r.read(r.self, buf + have, (size_t)e->size - have, &got, err) < 0)
			goto out;
		if (got == 0) {
			sb_error_file(
			    err, name,
			    "changed while the image was being built (it became shorter)");
			sb_error_hint(err, "build again once nothing writes to the build context");
			goto out;
		}
		have += got;
	}
	buf[have] = '\0';
	*out = buf;
	buf = NULL;
	rc = 0;
out:
	if (r.close)
		r.close(r.self);
	free(buf);
	return rc;
}
