/* Opening beneath the root of the build context. See context_int.h.
 *
 * Every file system access goes through the O_PATH descriptor of the context
 * root: paths are resolved component by component in resolve.c (symlinks
 * followed in user space, clamped to the root), and each open here uses
 * openat2 with RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS on the canonical path, so
 * the kernel refuses any symlink that appeared in between. Where openat2 is
 * missing (kernels before 5.6, or a tool that runs the program without knowing
 * the call) the same canonical path is opened one component at a time, each
 * O_NOFOLLOW beneath the one before, with ".." refused: the same guarantee. */
#include "context/context_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char oom[] = "out of memory";

/* -errno of a failed openat of name in dirfd, a symlink found where a
 * directory was wanted reported as openat2 reports it (ELOOP). */
static int open_errno(int dirfd, const char *name, int e)
{
	struct stat st;

	if (e == ENOTDIR && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		return -ELOOP;
	return -e;
}

/* Without openat2: path opened one component at a time beneath dirfd, each
 * O_NOFOLLOW, the directories on the way O_PATH. Refuses ".." (a canonical
 * path has none) and any symlink, as openat2 with RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS does. Returns the fd or -errno. */
static int open_components(int dirfd, const char *path, int flags)
{
	char name[NAME_MAX + 1];
	int cur = dirfd, fd = -1;

	for (;;) {
		size_t n = strcspn(path, "/");
		const char *next = path + n;
		struct stat st;

		while (*next == '/')
			next++;
		if (n > NAME_MAX) {
			fd = -ENAMETOOLONG;
			break;
		}
		memcpy(name, n ? path : ".", n ? n : 1);
		name[n ? n : 1] = '\0';
		if (strcmp(name, "..") == 0) {
			fd = -EXDEV;
			break;
		}
		if (!*next) {
			fd = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0) {
				fd = open_errno(cur, name, errno);
			} else if ((flags & O_PATH) &&
				   (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode))) {
				close(fd); /* O_PATH | O_NOFOLLOW opens a symlink itself */
				fd = -ELOOP;
			}
			break;
		}
		fd = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			fd = open_errno(cur, name, errno);
			break;
		}
		if (cur != dirfd)
			close(cur);
		cur = fd;
		fd = -1;
		path = next;
	}
	if (cur != dirfd)
		close(cur);
	return fd;
}

static int openat2_retry(struct ctx *c, int dirfd, const char *path, int flags, uint64_t resolve)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
	    .resolve = resolve | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (c->no_openat2)
		return open_components(dirfd, path, flags);
	do {
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	} while (fd < 0 && (errno == EAGAIN || errno == EINTR));
	if (fd < 0 && errno == ENOSYS) {
		c->no_openat2 = 1;
		return open_components(dirfd, path, flags);
	}
	return fd < 0 ? -errno : (int)fd;
}

/* openat2 beneath the root, refusing every symlink. Returns the fd or -errno.
 * A path longer than the kernel takes at once (PATH_MAX) is opened a slice of
 * whole components at a time, each slice beneath the directory before it. */
int ctx_open_real(struct ctx *c, const char *real, int flags)
{
	const size_t slice = 2048;
	int dirfd = c->root, fd;

	while (strlen(real) >= slice) {
		const char *cut = real + slice;
		char *part;

		while (cut > real && *cut != '/')
			cut--;
		if (cut == real) {
			fd = -ENAMETOOLONG;
			goto out;
		}
		part = sb_strndup(real, (size_t)(cut - real));
		if (!part) {
			fd = -ENOMEM;
			goto out;
		}
		fd = openat2_retry(c, dirfd, part, O_PATH | O_DIRECTORY, RESOLVE_BENEATH);
		free(part);
		if (fd < 0)
			goto out;
		if (dirfd != c->root)
			close(dirfd);
		dirfd = fd;
		real = cut + 1;
	}
	fd = openat2_retry(c, dirfd, *real ? real : ".", flags,
			   dirfd == c->root ? RESOLVE_IN_ROOT : RESOLVE_BENEATH);
out:
	if (dirfd != c->root)
		close(dirfd);
	return fd;
}

/* Opens the parent directory of real (O_PATH) and points *name at its last
 * component. Returns the fd or -errno. real must not be "". */
int ctx_open_parent(struct ctx *c, const char *real, const char **name)
{
	const char *slash = strrchr(real, '/');
	char *parent;
	int fd;

	*name = slash ? slash + 1 : real;
	if (!slash)
		return ctx_open_real(c, "", O_PATH | O_DIRECTORY);
	parent = sb_strndup(real, (size_t)(slash - real));
	if (!parent)
		return -ENOMEM;
	fd = ctx_open_real(c, parent, O_PATH | O_DIRECTORY);
	free(parent);
	return fd;
}

/* lstat of a canonical path. Returns 0 or -errno. */
int ctx_lstat_real(struct ctx *c, const char *real, struct stat *st)
{
	const char *name;
	int fd, rc = 0;

	if (!*real)
		return fstat(c->root, st) < 0 ? -errno : 0;
	fd = ctx_open_parent(c, real, &name);
	if (fd < 0)
		return fd;
	if (fstatat(fd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* readlinkat into a new string. Returns it, or NULL with errno set. */
char *ctx_read_link(int dirfd, const char *name, size_t hint)
{
	size_t cap = hint + 1 > 64 ? hint + 1 : 64;

	for (;;) {
		char *buf = malloc(cap);
		ssize_t n;

		if (!buf)
			return NULL;
		n = readlinkat(dirfd, name, buf, cap);
		if (n < 0) {
			int e = errno;

			free(buf);
			errno = e;
			return NULL;
		}
		if ((size_t)n < cap) {
			buf[n] = '\0';
			return buf;
		}
		free(buf);
		cap *= 2;
	}
}

int ctx_sys_error(struct sb_error *err, const char *file, const char *what, int e)
{
	if (e == ENOMEM)
		return sb_errorf(err, oom);
	return sb_error_file(err, file, "%s: %s", what, strerror(e));
}

void ctx_without_openat2(struct ctx *c)
{
	c->no_openat2 = 1;
}

int ctx_open_file_stat(struct ctx *c, const char *real, int *fd, struct stat *st,
		       struct sb_error *err)
{
	int f;

	*fd = -1;
	/* O_NONBLOCK so that a FIFO put in its place cannot hang us, O_NOCTTY so
	 * that a terminal cannot become ours */
	f = ctx_open_real(c, real, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (f < 0) {
		ctx_sys_error(err, real, "cannot open", -f);
		if (f == -ELOOP || f == -EXDEV)
			sb_error_hint(err,
				      "the path changed into a symbolic link during the build");
		return -1;
	}
	if (fstat(f, st) < 0 || !S_ISREG(st->st_mode)) {
		close(f);
		return sb_error_file(err, real, "no longer a regular file");
	}
	*fd = f;
	return 0;
}

int ctx_open_file(struct ctx *c, const char *real, int *fd, struct sb_error *err)
{
	struct stat st;
	int f, flags;

	*fd = -1;
	if (ctx_open_file_stat(c, real, &f, &st, err) < 0)
		return -1;
	flags = fcntl(f, F_GETFL);
	if (flags < 0 || fcntl(f, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		ctx_sys_error(err, real, "fcntl", errno);
		close(f);
		return -1;
	}
	*fd = f;
	return 0;
}
