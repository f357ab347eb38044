/* An image that is a directory (an OCI image layout, as `skopeo copy
 * oci:DIR:TAG` writes it), read as if it were a tar: its files are indexed
 * as members under their relative names, and a member is read by opening
 * its file, as an archive of one raw entry, so that everything else of the
 * reader stays as it is. Symlinks are kept as members: rd_lookup follows
 * them inside the directory and refuses those that leave it. */
#include "image/read_priv.h"
#include "util/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DIR_DEPTH 16

struct walk {
	struct rd_archive *ar;
	size_t cap;
};

static int cmp_name(const void *x, const void *y)
{
	return strcmp(((const struct member *)x)->name, ((const struct member *)y)->name);
}

static int add(struct walk *w, int dfd, const char *name, const char *rel, struct stat *st,
	       struct sb_error *err)
{
	struct rd_priv *p = w->ar->priv;
	struct member *m;
	char target[PATH_MAX];
	ssize_t n;

	if (p->nm >= p->lim.max_members)
		return sb_error_file(err, w->ar->path, "more than %zu files", p->lim.max_members);
	if (strlen(rel) > p->lim.max_path)
		return sb_error_file(err, w->ar->path, "a name too long under it");
	if (sb_grow(&p->m, &w->cap, p->nm + 1, sizeof(*p->m)) < 0)
		return sb_errorf(err, "out of memory");
	m = &p->m[p->nm];
	memset(m, 0, sizeof(*m));
	if (!(m->name = sb_strdup(rel)))
		return sb_errorf(err, "out of memory");
	p->nm++;
	m->ordinal = p->nm - 1;
	m->type = S_ISREG(st->st_mode)	 ? AE_IFREG
		  : S_ISDIR(st->st_mode) ? AE_IFDIR
		  : S_ISLNK(st->st_mode) ? AE_IFLNK
					 : AE_IFIFO; /* anything else: not a file to read */
	m->size = S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0;
	if (S_ISLNK(st->st_mode)) {
		n = readlinkat(dfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return sb_error_file(err, w->ar->path, "%s: %s", rel, strerror(errno));
		target[n] = '\0';
		if (!(m->link = sb_strdup(target)))
			return sb_errorf(err, "out of memory");
	}
	return 0;
}

static int walk_dir(struct walk *w, int dfd, const char *rel, unsigned depth, struct sb_error *err)
{
	DIR *d = NULL;
	struct dirent *de;
	int rc = -1;

	if (depth > MAX_DIR_DEPTH) {
		sb_error_file(err, w->ar->path, "%s: directories nested too deep", rel);
		goto out_fd;
	}
	if (!(d = fdopendir(dfd))) {
		sb_error_file(err, w->ar->path, "%s: %s", *rel ? rel : ".", strerror(errno));
		goto out_fd;
	}
	while ((errno = 0, de = readdir(d))) {
		struct stat st;
		char *sub;
		int sfd, r;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!(sub = *rel ? sb_printf("%s/%s", rel, de->d_name) : sb_strdup(de->d_name))) {
			sb_errorf(err, "out of memory");
			goto out;
		}
		r = fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW);
		if (r < 0)
			sb_error_file(err, w->ar->path, "%s: %s", sub, strerror(errno));
		else
			r = add(w, dirfd(d), de->d_name, sub, &st, err);
		if (r == 0 && S_ISDIR(st.st_mode)) {
			sfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
			r = sfd < 0
				? sb_error_file(err, w->ar->path, "%s: %s", sub, strerror(errno))
				: walk_dir(w, sfd, sub, depth + 1, err);
		}
		free(sub);
		if (r < 0)
			goto out;
	}
	if (errno) {
		sb_error_file(err, w->ar->path, "%s: %s", *rel ? rel : ".", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	closedir(d);
	return rc;
out_fd:
	close(dfd);
	return rc;
}

int rd_index_dir(struct rd_archive *ar, struct sb_error *err)
{
	struct walk w = {ar, 0};
	int fd = open(ar->path, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		return sb_error_file(err, ar->path, "cannot read: %s", strerror(errno));
	if (walk_dir(&w, fd, "", 0, err) < 0)
		return -1;
	if (ar->priv->nm)
		qsort(ar->priv->m, ar->priv->nm, sizeof(*ar->priv->m), cmp_name);
	return 0;
}

/* A file's bytes as libarchive's client: the archive owns the file and
 * closes it when freed. */
struct dfile {
	int fd;
	char buf[BUFSZ];
};

static la_ssize_t dfile_read(struct archive *a, void *ud, const void **out)
{
	struct dfile *f = ud;
	ssize_t n;

	do
		n = read(f->fd, f->buf, sizeof(f->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	*out = f->buf;
	return n;
}

static int dfile_close(struct archive *a, void *ud)
{
	struct dfile *f = ud;

	(void)a;
	close(f->fd);
	free(f);
	return ARCHIVE_OK;
}

int rd_open_dir_member(struct rd_archive *ar, const struct member *m, struct archive **out,
		       struct sb_error *err)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	struct dfile *f = NULL;
	char *file = sb_printf("%s/%s", ar->path, m->name);
	int rc = -1;

	*out = NULL;
	if (!file || !(f = calloc(1, sizeof(*f))) || !(a = archive_read_new())) {
		free(f);
		sb_errorf(err, "out of memory");
		goto out;
	}
	/* The index said it is a regular file: never follow a symlink put there
	 * since. */
	f->fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (f->fd < 0) {
		sb_error_file(err, ar->path, "%s: %s", m->name, strerror(errno));
		free(f);
		goto out;
	}
	if (archive_read_support_format_raw(a) != ARCHIVE_OK) {
		sb_error_file(err, ar->path, "%s: %s", m->name, rd_aerr(a));
		dfile_close(a, f);
		goto out;
	}
	/* From here the archive owns f, whatever happens. */
	if (archive_read_open(a, f, NULL, dfile_read, dfile_close) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		sb_error_file(err, ar->path, "%s: %s", m->name, rd_aerr(a));
		goto out;
	}
	*out = a;
	a = NULL;
	rc = 0;
out:
	if (a)
		archive_read_free(a);
	free(file);
	return rc;
}
