/* The build context. See context.h.
 *
 * Every file system access goes through the O_PATH descriptor of the context
 * root: paths are resolved component by component here (symlinks followed in
 * user space, clamped to the root), and each open uses openat2 with
 * RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS on the canonical path, so the kernel
 * refuses any symlink that appeared in between. Where openat2 is missing
 * (kernels before 5.6, or a tool that runs the program without knowing the
 * call) the same canonical path is opened one component at a time, each
 * O_NOFOLLOW beneath the one before, with ".." refused: the same guarantee.
 *
 * Limits: at most CTX_MAX_LINKS symlinks while resolving one path (255, as
 * BuildKit's contenthash and filepath-securejoin: checked against Docker 20.10,
 * a chain of 255 links copies and 256 fail); a walk
 * keeps at most WALK_FD_DEPTH directory descriptors open and reopens deeper
 * directories from the root by their canonical path; it goes at most
 * CTX_MAX_DEPTH levels below its start (the walk recurses, and the image's
 * tree holds no deeper paths either: IMG_MAX_DEPTH). */
#include "context/context.h"
#include "context/ignore.h"
#include "context/match.h"
#include "util/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CTX_MAX_LINKS 255
#define WALK_FD_DEPTH 32
#define CTX_MAX_DEPTH 4096

struct ctx {
	int root;		    /* O_PATH | O_DIRECTORY */
	int no_openat2;		    /* open component by component */
	char *dir;		    /* as given */
	struct ignore *ig;	    /* never NULL */
	enum ctx_ignore_source src; /* which ignore file was read */
	char *ignore_file;	    /* its name as opened, or NULL */
};

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
static int open_real(struct ctx *c, const char *real, int flags)
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
static int open_parent(struct ctx *c, const char *real, const char **name)
{
	const char *slash = strrchr(real, '/');
	char *parent;
	int fd;

	*name = slash ? slash + 1 : real;
	if (!slash)
		return open_real(c, "", O_PATH | O_DIRECTORY);
	parent = sb_strndup(real, (size_t)(slash - real));
	if (!parent)
		return -ENOMEM;
	fd = open_real(c, parent, O_PATH | O_DIRECTORY);
	free(parent);
	return fd;
}

/* lstat of a canonical path. Returns 0 or -errno. */
static int lstat_real(struct ctx *c, const char *real, struct stat *st)
{
	const char *name;
	int fd, rc = 0;

	if (!*real)
		return fstat(c->root, st) < 0 ? -errno : 0;
	fd = open_parent(c, real, &name);
	if (fd < 0)
		return fd;
	if (fstatat(fd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* readlinkat into a new string. Returns it, or NULL with errno set. */
static char *read_link(int dirfd, const char *name, size_t hint)
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

static int sys_error(struct sb_error *err, const char *file, const char *what, int e)
{
	if (e == ENOMEM)
		return sb_errorf(err, oom);
	return sb_error_file(err, file, "%s: %s", what, strerror(e));
}

/* "/" + src, cleaned, without the leading "/": "" for the root. */
static char *clean_source(const char *src)
{
	char *joined = sb_printf("/%s", src), *clean, *out;

	if (!joined)
		return NULL;
	clean = match_clean(joined);
	free(joined);
	if (!clean)
		return NULL;
	out = sb_strdup(clean + 1);
	free(clean);
	return out;
}

/* ---- walking ---- */

struct wentry {
	const char *rel;  /* relative to the walk's start */
	const char *real; /* canonical */
	struct stat st;
	const char *link; /* symlink target, or NULL */
	bool excluded;	  /* an excluded directory walked for possible exceptions */
	size_t depth;	  /* 1 for the start's children */
};

struct walker {
	struct ctx *c;
	const struct ignore *excl; /* COPY --exclude, on rel; or NULL */
	const struct ignore *incl; /* COPY --parents include pattern, on rel; or NULL */
	/* -1: error, 0: continue, 1: stop the walk (not an error). *descend is
	 * preset to whether the entry is a directory. */
	int (*fn)(struct walker *w, const struct wentry *e, bool *descend, struct sb_error *err);
	void *ud;
	struct sb_buf rel, real;
};

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void buf_cut(struct sb_buf *b, size_t len)
{
	b->len = len;
	if (b->buf)
		b->buf[len] = '\0';
}

/* Reads the sorted names of the directory at w->real. */
static int read_names(struct walker *w, char ***names, size_t *count, struct sb_error *err)
{
	size_t n = 0, cap = 0;
	char **v = NULL;
	struct dirent *de;
	DIR *d = NULL;
	int fd, rc = -1;

	fd = open_real(w->c, w->real.buf, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		sys_error(err, w->real.buf, "cannot open directory", -fd);
		goto out;
	}
	d = fdopendir(fd);
	if (!d) {
		sys_error(err, w->real.buf, "cannot read directory", errno);
		close(fd);
		goto out;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				sys_error(err, w->real.buf, "cannot read directory", errno);
				goto out;
			}
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (sb_grow(&v, &cap, n + 2, sizeof(*v)) < 0)
			goto nomem;
		v[n] = sb_strdup(de->d_name);
		if (!v[n])
			goto nomem;
		v[++n] = NULL;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_names);
	*names = v;
	*count = n;
	v = NULL;
	rc = 0;
	goto out;
nomem:
	sb_errorf(err, oom);
out:
	if (d)
		closedir(d);
	if (v)
		sb_strv_free(v);
	return rc;
}

static int buf_push(struct sb_buf *b, const char *name)
{
	if (b->len > 0 && sb_buf_addc(b, '/') < 0)
		return -1;
	if (sb_buf_adds(b, name) < 0)
		return -1;
	if (!b->buf)
		return sb_buf_add(b, "", 0);
	return 0;
}

/* Decides e (its rel and real are in w): sets e->excluded when it is not
 * kept (by .dockerignore on its canonical path, or by the walk's --exclude or
 * --parents patterns on its path relative to the source). Returns false when
 * the walk must skip it and everything below it: it is excluded and is not a
 * directory below which something could be kept. */
static bool keep_or_descend(const struct walker *w, struct wentry *e)
{
	bool ig = ignore_check(w->c->ig, w->real.buf, NULL);
	bool ex = w->excl && ignore_check(w->excl, w->rel.buf, NULL);
	bool in = w->incl && !ignore_check(w->incl, w->rel.buf, NULL);

	e->excluded = ig || ex || in;
	if (!e->excluded)
		return true;
	if (!S_ISDIR(e->st.st_mode))
		return false;
	if (ig && !ignore_may_reinclude_below(w->c->ig, w->real.buf))
		return false;
	if (ex && !ignore_may_reinclude_below(w->excl, w->rel.buf))
		return false;
	return !in || ignore_may_match_below(w->incl, w->rel.buf);
}

/* Walks below the directory at w->real (w->rel): depth-first, names sorted,
 * excluded entries skipped unless an exception may re-include something
 * below an excluded directory. */
static int walk_dir(struct walker *w, size_t depth, struct sb_error *err)
{
	size_t rel_len = w->rel.len, real_len = w->real.len, n = 0;
	char **names = NULL, *link = NULL;
	int dfd = -1, rc = -1;

	if (read_names(w, &names, &n, err) < 0)
		goto out;
	if (n > 0 && depth > CTX_MAX_DEPTH) {
		char *shown = sb_abbrev(w->real.buf, 120);

		if (!shown) {
			sb_errorf(err, oom);
			goto out;
		}
		sb_error_file(err, shown, "directories nested more than %d levels deep",
			      CTX_MAX_DEPTH);
		sb_error_hint(err,
			      "scratchbuild reads at most %d levels of directories below a "
			      "source",
			      CTX_MAX_DEPTH);
		free(shown);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct wentry e = {.depth = depth};
		bool descend;
		int r;

		if (dfd < 0) {
			buf_cut(&w->real, real_len);
			dfd = open_real(w->c, w->real.buf, O_PATH | O_DIRECTORY);
			if (dfd < 0) {
				sys_error(err, w->real.buf, "cannot open directory", -dfd);
				goto out;
			}
		}
		buf_cut(&w->rel, rel_len);
		buf_cut(&w->real, real_len);
		if (buf_push(&w->rel, names[i]) < 0 || buf_push(&w->real, names[i]) < 0) {
			sb_errorf(err, oom);
			goto out;
		}
		if (fstatat(dfd, names[i], &e.st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue; /* removed while we walk */
			sys_error(err, w->real.buf, "cannot stat", errno);
			goto out;
		}
		if (!keep_or_descend(w, &e))
			continue;
		if (S_ISLNK(e.st.st_mode)) {
			link = read_link(dfd, names[i], (size_t)e.st.st_size);
			if (!link) {
				sys_error(err, w->real.buf, "cannot read symbolic link", errno);
				goto out;
			}
		}
		e.rel = w->rel.buf;
		e.real = w->real.buf;
		e.link = link;
		descend = S_ISDIR(e.st.st_mode);
		r = w->fn(w, &e, &descend, err);
		free(link);
		link = NULL;
		if (r != 0) {
			rc = r;
			goto out;
		}
		if (descend && S_ISDIR(e.st.st_mode)) {
			if (depth >= WALK_FD_DEPTH) {
				close(dfd);
				dfd = -1;
			}
			r = walk_dir(w, depth + 1, err);
			if (r != 0) {
				rc = r;
				goto out;
			}
		}
	}
	rc = 0;
out:
	buf_cut(&w->rel, rel_len);
	buf_cut(&w->real, real_len);
	if (dfd >= 0)
		close(dfd);
	free(link);
	if (names)
		sb_strv_free(names);
	return rc;
}

/* Walks below the directory with canonical path real. Returns -1, 0 or 1 (a
 * callback stopped it). */
static int walk_from_opts(struct ctx *c, const char *real, const struct ignore *excl,
			  const struct ignore *incl,
			  int (*fn)(struct walker *, const struct wentry *, bool *,
				    struct sb_error *),
			  void *ud, struct sb_error *err)
{
	struct walker w = {.c = c, .excl = excl, .incl = incl, .fn = fn, .ud = ud};
	int rc;

	if (sb_buf_add(&w.rel, "", 0) < 0 || sb_buf_adds(&w.real, real) < 0 ||
	    sb_buf_add(&w.real, "", 0) < 0) {
		rc = sb_errorf(err, oom);
		goto out;
	}
	rc = walk_dir(&w, 1, err);
out:
	sb_buf_release(&w.rel);
	sb_buf_release(&w.real);
	return rc;
}

static int walk_from(struct ctx *c, const char *real,
		     int (*fn)(struct walker *, const struct wentry *, bool *, struct sb_error *),
		     void *ud, struct sb_error *err)
{
	return walk_from_opts(c, real, NULL, NULL, fn, ud, err);
}

static int found_included(struct walker *w, const struct wentry *e, bool *descend,
			  struct sb_error *err)
{
	(void)w;
	(void)descend;
	(void)err;
	return e->excluded ? 0 : 1;
}

/* Whether the excluded directory real still exists in the context that
 * BuildKit would see: it does when something below it is re-included.
 * Returns 1, 0 or -1. */
static int has_included_below(struct ctx *c, const char *real, struct sb_error *err)
{
	if (!ignore_may_reinclude_below(c->ig, real))
		return 0;
	return walk_from(c, real, found_included, NULL, err);
}

/* ---- resolving ---- */

/* Resolves the cleaned source src to its canonical path, following every
 * symlink inside the context. Returns 1 with *real (yours) and *st set when it
 * exists and is not excluded, 0 when it does not (or is excluded, or a
 * symlink on the way is), -1 on errors (err set). */
static int resolve(struct ctx *c, const char *src, char **real, struct stat *st,
		   struct sb_error *err)
{
	struct sb_buf cur = {0};
	char *rest = sb_strdup(src), *link = NULL;
	unsigned links = 0;
	int rc = -1, r;

	*real = NULL;
	if (!rest || sb_buf_add(&cur, "", 0) < 0)
		goto nomem;
	while (*rest) {
		char *slash = strchr(rest, '/'), *comp = rest, *next;
		size_t cur_len = cur.len;

		if (slash)
			*slash = '\0';
		next = slash ? slash + 1 : rest + strlen(rest);
		if (!*comp || strcmp(comp, ".") == 0) {
			memmove(rest, next, strlen(next) + 1);
			continue;
		}
		if (strcmp(comp, "..") == 0) {
			char *p = strrchr(cur.buf, '/');

			buf_cut(&cur, p ? (size_t)(p - cur.buf) : 0);
			memmove(rest, next, strlen(next) + 1);
			continue;
		}
		if (buf_push(&cur, comp) < 0)
			goto nomem;
		memmove(rest, next, strlen(next) + 1);
		r = lstat_real(c, cur.buf, st);
		if (r == -ENOENT || r == -ENOTDIR) {
			rc = 0;
			goto out;
		}
		if (r < 0) {
			sys_error(err, src, "cannot stat", -r);
			goto out;
		}
		if (S_ISLNK(st->st_mode)) {
			const char *name;
			char *nrest;
			int fd;

			if (ignore_check(c->ig, cur.buf, NULL)) {
				rc = 0; /* the link itself is not in the context */
				goto out;
			}
			if (++links > CTX_MAX_LINKS) {
				sb_error_file(err, src, "too many levels of symbolic links");
				sb_error_hint(err,
					      "a symlink loop? check the links on the way to %s",
					      cur.buf);
				goto out;
			}
			fd = open_parent(c, cur.buf, &name);
			if (fd < 0) {
				sys_error(err, src, "cannot open directory", -fd);
				goto out;
			}
			link = read_link(fd, name, (size_t)st->st_size);
			r = errno;
			close(fd);
			if (!link) {
				sys_error(err, src, "cannot read symbolic link", r);
				goto out;
			}
			buf_cut(&cur, cur_len);
			if (link[0] == '/')
				buf_cut(&cur, 0);
			nrest = sb_printf("%s/%s", link, rest);
			if (!nrest)
				goto nomem;
			free(rest);
			rest = nrest;
			free(link);
			link = NULL;
			continue;
		}
		if (*rest && !S_ISDIR(st->st_mode)) {
			/* "file/x": the remaining components might all be "."
			 * or "..", which Linux refuses on a non-directory too */
			rc = 0;
			goto out;
		}
	}
	r = lstat_real(c, cur.buf, st);
	if (r == -ENOENT || r == -ENOTDIR) {
		rc = 0;
		goto out;
	}
	if (r < 0) {
		sys_error(err, src, "cannot stat", -r);
		goto out;
	}
	if (*cur.buf && ignore_check(c->ig, cur.buf, NULL)) {
		if (!S_ISDIR(st->st_mode)) {
			rc = 0;
			goto out;
		}
		r = has_included_below(c, cur.buf, err);
		if (r <= 0) {
			rc = r;
			goto out;
		}
	}
	*real = sb_buf_detach(&cur);
	if (!*real)
		goto nomem;
	rc = 1;
	goto out;
nomem:
	sb_errorf(err, oom);
out:
	free(rest);
	free(link);
	sb_buf_release(&cur);
	return rc;
}

/* ---- public ---- */

static int read_all(int fd, const char *name, struct sb_buf *b, struct sb_error *err)
{
	char chunk[8192];

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sys_error(err, name, "cannot read", errno);
		if (n == 0)
			return 0;
		if (sb_buf_add(b, chunk, (size_t)n) < 0)
			return sb_errorf(err, oom);
	}
}

static int load_ignore(struct ctx *c, const char *dockerfile, struct sb_error *err)
{
	struct sb_buf text = {0};
	char *name = NULL, *real = NULL;
	struct stat st;
	int fd = -1, rc = -1, r;

	if (dockerfile) {
		name = sb_printf("%s.dockerignore", dockerfile);
		if (!name)
			goto nomem;
		fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0 && errno != ENOENT) {
			sys_error(err, name, "cannot open", errno);
			goto out;
		}
		if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
			sb_error_file(err, name, "not a regular file");
			goto out;
		}
	}
	if (fd < 0) {
		free(name);
		name = sb_printf("%s/.dockerignore", c->dir);
		if (!name)
			goto nomem;
		r = resolve(c, ".dockerignore", &real, &st, err); /* no rules yet */
		if (r < 0)
			goto out;
		if (r == 0) {
			rc = 0;
			goto out;
		}
		if (ctx_open_file(c, real, &fd, err) < 0) {
			sb_error_prefix(err, "reading .dockerignore");
			goto out;
		}
	}
	if (read_all(fd, name, &text, err) < 0)
		goto out;
	c->src = real ? CTX_IGNORE_CONTEXT : CTX_IGNORE_DOCKERFILE;
	c->ignore_file = name;
	name = NULL;
	rc = ignore_add_file(c->ig, c->ignore_file, text.buf ? text.buf : "", text.len, err);
	goto out;
nomem:
	sb_errorf(err, oom);
out:
	if (fd >= 0)
		close(fd);
	free(name);
	free(real);
	sb_buf_release(&text);
	return rc;
}

int ctx_open(struct ctx **out, const char *dir, const char *dockerfile, struct sb_error *err)
{
	struct ctx *c = calloc(1, sizeof(*c));
	int rc = -1;

	*out = NULL;
	if (!c)
		return sb_errorf(err, oom);
	c->root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->root < 0) {
		sys_error(err, dir, "cannot open the build context", errno);
		sb_error_hint(err, "the context must be an existing directory");
		goto out;
	}
	c->dir = sb_strdup(dir);
	c->ig = ignore_new();
	if (!c->dir || !c->ig) {
		sb_errorf(err, oom);
		goto out;
	}
	if (load_ignore(c, dockerfile, err) < 0)
		goto out;
	*out = c;
	c = NULL;
	rc = 0;
out:
	ctx_free(c);
	return rc;
}

void ctx_free(struct ctx *c)
{
	if (!c)
		return;
	if (c->root >= 0)
		close(c->root);
	free(c->dir);
	free(c->ignore_file);
	ignore_free(c->ig);
	free(c);
}

void ctx_without_openat2(struct ctx *c)
{
	c->no_openat2 = 1;
}

const char *ctx_dir(const struct ctx *c)
{
	return c->dir;
}

int ctx_open_file_stat(struct ctx *c, const char *real, int *fd, struct stat *st,
		       struct sb_error *err)
{
	int f;

	*fd = -1;
	/* O_NONBLOCK so that a FIFO put in its place cannot hang us, O_NOCTTY so
	 * that a terminal cannot become ours */
	f = open_real(c, real, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (f < 0) {
		sys_error(err, real, "cannot open", -f);
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
		sys_error(err, real, "fcntl", errno);
		close(f);
		return -1;
	}
	*fd = f;
	return 0;
}

/* ctx_match */

struct glob {
	const char *pat;
	size_t maxdepth;
	char **v;
	size_t n, cap;
};

static int glob_add(struct glob *g, const char *s)
{
	if (sb_grow(&g->v, &g->cap, g->n + 2, sizeof(*g->v)) < 0)
		return -1;
	g->v[g->n] = sb_strdup(s);
	if (!g->v[g->n])
		return -1;
	g->v[++g->n] = NULL;
	return 0;
}

static int glob_visit(struct walker *w, const struct wentry *e, bool *descend, struct sb_error *err)
{
	struct glob *g = w->ud;
	int m = match_glob(g->pat, e->rel, err);

	if (m < 0)
		return -1;
	if (m) {
		*descend = false;
		if (e->excluded) {
			int r = has_included_below(w->c, e->real, err);

			if (r <= 0)
				return r;
		}
		if (glob_add(g, e->real) < 0)
			return sb_errorf(err, oom);
		return 0;
	}
	if (e->depth >= g->maxdepth)
		*descend = false;
	return 0;
}

int ctx_match(struct ctx *c, const char *src, char ***paths, size_t *n, struct sb_error *err)
{
	struct glob g = {0};
	char *clean = clean_source(src), *real = NULL, *base = NULL;
	const char *pat;
	struct stat st;
	int rc = -1, r;

	*paths = NULL;
	*n = 0;
	if (!clean)
		goto nomem;
	if (!match_has_wildcards(clean)) {
		r = resolve(c, clean, &real, &st, err);
		if (r < 0)
			goto out;
		if (r > 0 && glob_add(&g, clean) < 0)
			goto nomem;
	} else {
		/* split before the first component with a wildcard */
		size_t cut = 0;

		for (size_t i = 0;; i++) {
			if (clean[i] == '/' || !clean[i]) {
				char save = clean[i];
				bool wild;

				clean[i] = '\0';
				wild = match_has_wildcards(clean + cut);
				clean[i] = save;
				if (wild)
					break;
				cut = i + 1;
			}
		}
		base = sb_strndup(clean, cut ? cut - 1 : 0);
		if (!base)
			goto nomem;
		pat = clean + cut;
		if (match_validate(pat, err) < 0) {
			sb_error_file(err, src, "syntax error in pattern");
			sb_error_hint(err,
				      "close every '[' with ']', write ranges as a-z; escape a "
				      "literal '[' as \\[");
			goto out;
		}
		g.pat = pat;
		g.maxdepth = 1;
		for (const char *p = pat; *p; p++)
			g.maxdepth += *p == '/' || *p == '[';
		r = resolve(c, base, &real, &st, err);
		if (r < 0)
			goto out;
		if (r > 0 && S_ISDIR(st.st_mode)) {
			if (walk_from(c, real, glob_visit, &g, err) < 0)
				goto out;
		}
	}
	if (!g.v) {
		g.v = calloc(1, sizeof(*g.v));
		if (!g.v)
			goto nomem;
	}
	*paths = g.v;
	*n = g.n;
	g.v = NULL;
	rc = 0;
	goto out;
nomem:
	sb_errorf(err, oom);
out:
	if (g.v)
		sb_strv_free(g.v);
	free(clean);
	free(real);
	free(base);
	return rc;
}

/* ctx_walk */

struct pending {
	char *path, *real;
	struct stat st;
	size_t depth;
};

struct walk_state {
	ctx_visit visit;
	void *ud;
	size_t kept;	      /* entries below the source visited as kept */
	struct pending *pend; /* excluded directories not yet visited */
	size_t npend, cap;
};

static enum ctx_type type_of(mode_t m)
{
	if (S_ISDIR(m))
		return CTX_DIR;
	if (S_ISREG(m))
		return CTX_REG;
	if (S_ISLNK(m))
		return CTX_LNK;
	return CTX_OTHER;
}

static int emit(struct walk_state *s, const char *path, const char *real, const struct stat *st,
		const char *link, struct sb_error *err)
{
	struct ctx_entry e = {
	    .path = path,
	    .real = real,
	    .type = type_of(st->st_mode),
	    .mode = st->st_mode,
	    .size = S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0,
	    .link = link,
	    .dev = st->st_dev,
	    .ino = st->st_ino,
	    .nlink = st->st_nlink,
	    .mtime = st->st_mtim.tv_sec,
	};

	return s->visit(s->ud, &e, err) < 0 ? -1 : 0;
}

static void pend_pop(struct walk_state *s)
{
	s->npend--;
	free(s->pend[s->npend].path);
	free(s->pend[s->npend].real);
}

static int walk_visit(struct walker *w, const struct wentry *e, bool *descend, struct sb_error *err)
{
	struct walk_state *s = w->ud;
	struct pending *p;

	(void)descend;
	while (s->npend > 0 && s->pend[s->npend - 1].depth >= e->depth)
		pend_pop(s);
	if (e->excluded) {
		if (sb_grow(&s->pend, &s->cap, s->npend + 1, sizeof(*s->pend)) < 0)
			return sb_errorf(err, oom);
		p = &s->pend[s->npend];
		p->path = sb_strdup(e->rel);
		p->real = sb_strdup(e->real);
		p->st = e->st;
		p->depth = e->depth;
		s->npend++;
		if (!p->path || !p->real)
			return sb_errorf(err, oom);
		return 0;
	}
	for (size_t i = 0; i < s->npend; i++) {
		p = &s->pend[i];
		if (emit(s, p->path, p->real, &p->st, NULL, err) < 0)
			return -1;
	}
	while (s->npend > 0)
		pend_pop(s);
	s->kept++;
	return emit(s, e->rel, e->real, &e->st, e->link, err);
}

/* Compiles the patterns of opts into *excl and *incl (NULL when absent). */
static int compile_opts(const struct ctx_walk_opts *opts, struct ignore **excl,
			struct ignore **incl, struct sb_error *err)
{
	*excl = NULL;
	*incl = NULL;
	if (!opts)
		return 0;
	if (opts->nexclude > 0) {
		*excl = ignore_new();
		if (!*excl)
			return sb_errorf(err, oom);
	}
	for (size_t i = 0; i < opts->nexclude; i++) {
		if (ignore_add_pattern(*excl, opts->exclude[i], err) < 0)
			return sb_error_prefix(err, "--exclude=%s", opts->exclude[i]);
	}
	if (opts->include) {
		*incl = ignore_new();
		if (!*incl)
			return sb_errorf(err, oom);
		if (ignore_add_pattern(*incl, opts->include, err) < 0)
			return sb_error_prefix(err, "--parents source %s", opts->include);
	}
	return 0;
}

int ctx_walk2(struct ctx *c, const char *path, const struct ctx_walk_opts *opts, ctx_visit visit,
	      void *ud, struct sb_error *err)
{
	struct walk_state s = {.visit = visit, .ud = ud};
	struct ignore *excl = NULL, *incl = NULL;
	char *clean = clean_source(path), *real = NULL;
	struct stat st;
	int rc = -1, r;

	if (!clean) {
		sb_errorf(err, oom);
		goto out;
	}
	if (compile_opts(opts, &excl, &incl, err) < 0)
		goto out;
	r = resolve(c, clean, &real, &st, err);
	if (r < 0)
		goto out;
	if (r == 0) {
		sb_error_file(err, *clean ? clean : ".",
			      "not found in the build context (or excluded by .dockerignore)");
		sb_error_hint(err, "paths are relative to the context directory %s", c->dir);
		goto out;
	}
	if (emit(&s, "", real, &st, NULL, err) < 0)
		goto out;
	if (S_ISDIR(st.st_mode) && walk_from_opts(c, real, excl, incl, walk_visit, &s, err) < 0)
		goto out;
	if (incl && opts->require_match && s.kept == 0) {
		sb_error_file(err, opts->include,
			      "not found in the build context (or excluded by .dockerignore)");
		sb_error_hint(err, "COPY --parents: the path after \"%s\" must exist below it",
			      *clean ? clean : ".");
		goto out;
	}
	rc = 0;
out:
	while (s.npend > 0)
		pend_pop(&s);
	free(s.pend);
	ignore_free(excl);
	ignore_free(incl);
	free(clean);
	free(real);
	return rc;
}

int ctx_walk(struct ctx *c, const char *path, ctx_visit visit, void *ud, struct sb_error *err)
{
	return ctx_walk2(c, path, NULL, visit, ud, err);
}

/* ctx_parents_split */

int ctx_parents_split(const char *src, char **base, char **include, bool *required,
		      struct sb_error *err)
{
	const char *pivot = strstr(src, "/./");
	char *before = NULL;
	int rc = -1;

	*base = NULL;
	*include = NULL;
	*required = false;
	if (pivot) {
		before = sb_strndup(src, (size_t)(pivot - src));
		if (!before)
			goto out;
		*base = clean_source(before);
		*include = clean_source(pivot + 3);
	} else {
		*base = sb_strdup("");
		*include = clean_source(src);
	}
	if (!*base || !*include)
		goto out;
	/* an empty include matches nothing, and BuildKit then requires only the
	 * base, which ctx_match reports */
	*required = **include && !match_has_wildcards(*base) && !match_has_wildcards(*include);
	rc = 0;
out:
	if (rc < 0) {
		free(*base);
		free(*include);
		*base = NULL;
		*include = NULL;
		sb_errorf(err, oom);
	}
	free(before);
	return rc;
}

/* ctx_explain_ignore */

void ctx_ignore_verdict_release(struct ctx_ignore_verdict *v)
{
	if (!v)
		return;
	free(v->path);
	free(v->pattern);
	free(v->file);
	free(v->parent);
	free(v->ignore_file);
	memset(v, 0, sizeof(*v));
}

/* Sets *parent to a copy of the shortest parent directory of path that p
 * matches, or NULL when p matches path itself. Returns 0, or -1 when out of
 * memory. */
static int deciding_parent(const struct ignore_pattern *p, const char *path, char **parent)
{
	*parent = NULL;
	if (ignore_pattern_match(p, path))
		return 0;
	for (const char *q = strchr(path, '/'); q; q = strchr(q + 1, '/')) {
		char *prefix = sb_strndup(path, (size_t)(q - path));

		if (!prefix)
			return -1;
		if (ignore_pattern_match(p, prefix)) {
			*parent = prefix;
			return 0;
		}
		free(prefix);
	}
	return 0;
}

int ctx_explain_ignore(struct ctx *c, const char *path, struct ctx_ignore_verdict *out,
		       struct sb_error *err)
{
	struct ctx_ignore_verdict v = {.source = c->src};
	const struct ignore_pattern *why;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	v.path = clean_source(path);
	if (!v.path || (c->ignore_file && !(v.ignore_file = sb_strdup(c->ignore_file))))
		goto out;
	v.excluded = ignore_check(c->ig, v.path, &why);
	if (why) {
		v.matched = true;
		v.exception = why->exception;
		v.line = why->line;
		v.pattern = sb_strdup(why->text);
		v.file = why->file ? sb_strdup(why->file) : NULL;
		if (!v.pattern || (why->file && !v.file) ||
		    deciding_parent(why, v.path, &v.parent) < 0)
			goto out;
	}
	*out = v;
	memset(&v, 0, sizeof(v));
	rc = 0;
out:
	if (rc < 0)
		sb_errorf(err, oom);
	ctx_ignore_verdict_release(&v);
	return rc;
}
