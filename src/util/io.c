#include "util/io.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

int sb_read_all(int fd, const char *name, size_t max, char **out, size_t *len, struct sb_error *err)
{
	struct sb_buf b = {0};
	char chunk[65536];

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sb_error_file(err, name, "cannot read: %s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max) {
			sb_error_file(err, name, "larger than %zu MiB", max >> 20);
			goto fail;
		}
		if (sb_buf_add(&b, chunk, (size_t)n) < 0) {
			sb_errorf(err, "out of memory");
			goto fail;
		}
	}
	*len = b.len;
	*out = sb_buf_detach(&b);
	if (!*out)
		return sb_errorf(err, "out of memory");
	return 0;
fail:
	sb_buf_release(&b);
	return -1;
}

int sb_write_all(int fd, const char *name, const void *buf, size_t len, struct sb_error *err)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			sb_error_file(err, name, "cannot write: %s", strerror(e));
			errno = e;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int sb_tmp_beside(const char *path, char **tmp, int *fd, struct sb_error *err)
{
	*fd = -1;
	*tmp = sb_printf("%s.XXXXXX", path);
	if (!*tmp)
		return sb_errorf(err, "out of memory");
	*fd = mkstemp(*tmp);
	if (*fd < 0) {
		sb_error_file(err, path, "cannot create a file beside it: %s", strerror(errno));
		goto fail;
	}
	if (fchmod(*fd, 0644) < 0) {
		sb_error_file(err, path, "cannot write: %s", strerror(errno));
		close(*fd);
		*fd = -1;
		unlink(*tmp);
		goto fail;
	}
	return 0;
fail:
	free(*tmp);
	*tmp = NULL;
	return -1;
}

int sb_tmp_anon(int *fd, struct sb_error *err)
{
	const char *dir = getenv("TMPDIR");
	char *name = NULL;
	int e;

	if (!dir || !*dir)
		dir = "/tmp";
	*fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (*fd >= 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		goto fail;
	if (!(name = sb_printf("%s/scratchbuild.XXXXXX", dir)))
		return sb_errorf(err, "out of memory");
	*fd = mkostemp(name, O_CLOEXEC);
	if (*fd < 0)
		goto fail;
	unlink(name);
	free(name);
	return 0;
fail:
	e = errno;
	free(name);
	sb_errorf(err, "cannot make a temporary file in %s: %s", dir, strerror(e));
	return sb_error_hint(err, "set TMPDIR to a writable directory with room for the "
				  "compressed layers");
}
