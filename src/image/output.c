/* Where an image's bytes go: the output file, buffered and atomic (it appears
 * complete or not at all), and the members of the outer archive or, for
 * oci-dir, the files of the layout directory.
 */
#include "image/write.h"
#include "util/io.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the output file: buffered, atomic ---------------------------------- */

int out_flush(struct out_sink *o)
{
	if (sb_write_all(o->fd, o->name, o->buf, o->len, o->err) < 0) {
		if (errno == ENOSPC || errno == EFBIG || errno == EDQUOT)
			sb_error_hint(o->err, "free some space, or write the image "
					      "elsewhere with -o");
		o->failed = 1;
		return -1;
	}
	o->len = 0;
	return 0;
}

static int out_write(struct out_sink *o, const void *data, size_t n)
{
	if (o->failed)
		return -1;
	if (o->len + n > OUT_BUFFER) {
		if (out_flush(o) < 0)
			return -1;
	}
	if (n >= OUT_BUFFER) {
		/* Large blocks go straight through: no copy. */
		const char *p = data;
		char *saved = o->buf;
		int rc;

		o->buf = (char *)p;
		o->len = n;
		rc = out_flush(o);
		o->buf = saved;
		o->len = 0;
		if (rc < 0)
			return -1;
	} else {
		memcpy(o->buf + o->len, data, n);
		o->len += n;
	}
	o->total += n;
	return 0;
}

la_ssize_t outer_cb(struct archive *a, void *ud, const void *buf, size_t n)
{
	struct out_sink *o = ud;

	(void)a;
	return out_write(o, buf, n) < 0 ? -1 : (la_ssize_t)n;
}

static char *tmp_name_for(const char *path)
{
	char *copy = sb_strdup(path), *base, *dir, *r;

	if (!copy)
		return NULL;
	base = strrchr(copy, '/');
	if (base) {
		*base++ = '\0';
		dir = copy[0] ? copy : "/";
	} else {
		base = copy;
		dir = ".";
	}
	r = sb_printf("%s/.%s.scratchbuild-partial", dir, base);
	free(copy);
	return r;
}

int atomic_open(struct atomic_out *ao, const char *path, struct sb_error *err)
{
	char *copy = sb_strdup(path);

	memset(ao, 0, sizeof(*ao));
	ao->path = path;
	ao->fd = -1;
	if (!copy)
		return sb_errorf(err, "out of memory");
	ao->dir = sb_strdup(dirname(copy));
	free(copy);
	ao->tmpname = tmp_name_for(path);
	if (!ao->dir || !ao->tmpname)
		return sb_errorf(err, "out of memory");
	/* A partial file left by a build that was killed. */
	if (unlink(ao->tmpname) < 0 && errno != ENOENT)
		return sb_error_file(err, ao->tmpname, "cannot remove an old partial output: %s",
				     strerror(errno));
	ao->fd = open(ao->dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	if (ao->fd >= 0) {
		ao->anonymous = 1;
		return 0;
	}
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		goto fail;
	ao->fd = open(ao->tmpname, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (ao->fd >= 0)
		return 0;
fail:
	sb_error_file(err, path, "cannot create the output: %s", strerror(errno));
	if (errno == ENOENT)
		sb_error_hint(err,
			      "the directory \"%s\" does not exist; create it or choose "
			      "another path with -o",
			      ao->dir);
	else if (errno == EACCES || errno == EROFS || errno == EPERM)
		sb_error_hint(err, "choose a writable place with -o");
	return -1;
}

int atomic_commit(struct atomic_out *ao, int sync, struct sb_error *err)
{
	if (sync && fsync(ao->fd) < 0)
		return sb_error_file(err, ao->path, "cannot write: %s", strerror(errno));
	if (ao->anonymous) {
		char proc[64];

		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", ao->fd);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, ao->tmpname, AT_SYMLINK_FOLLOW) < 0)
			return sb_error_file(err, ao->path, "cannot create the output: %s",
					     strerror(errno));
	}
	if (rename(ao->tmpname, ao->path) < 0) {
		int e = errno;

		unlink(ao->tmpname);
		return sb_error_file(err, ao->path, "cannot create the output: %s", strerror(e));
	}
	if (close(ao->fd) < 0) {
		ao->fd = -1;
		return sb_error_file(err, ao->path, "cannot write: %s", strerror(errno));
	}
	ao->fd = -1;
	return 0;
}

void atomic_release(struct atomic_out *ao)
{
	if (ao->fd >= 0) {
		close(ao->fd);
		if (!ao->anonymous)
			unlink(ao->tmpname);
	}
	free(ao->dir);
	free(ao->tmpname);
	ao->fd = -1;
	ao->dir = ao->tmpname = NULL;
}

int outer_open(struct out_sink *out, struct atomic_out *ao, const char *path,
	       struct archive **outer, struct sb_error *err)
{
	if (strcmp(path, "-") == 0) {
		out->fd = STDOUT_FILENO;
		out->name = "standard output";
	} else {
		if (atomic_open(ao, path, err) < 0)
			return -1;
		out->fd = ao->fd;
		out->name = path;
	}
	*outer = tar_writer(err);
	if (!*outer)
		return -1;
	if (archive_write_open2(*outer, out, NULL, outer_cb, NULL, NULL) != ARCHIVE_OK)
		return sb_errorf(err, "libarchive: %s", archive_error_string(*outer));
	return 0;
}

int outer_close(struct archive *outer, struct out_sink *out, struct atomic_out *ao, int sync,
		struct sb_error *err)
{
	if (archive_write_close(outer) != ARCHIVE_OK) {
		if (!err->msg)
			sb_errorf(err, "libarchive: %s", archive_error_string(outer));
		return -1;
	}
	if (out_flush(out) < 0)
		return -1;
	if (ao && atomic_commit(ao, sync, err) < 0)
		return -1;
	return 0;
}

/* ---- members of the outer archive ---------------------------------------- */

/* Adds one outer entry: a file of the given size (its body follows), or a
 * directory (mode AE_IFDIR, size 0). */
static int outer_entry(struct archive *outer, struct archive_entry *ae, const char *name,
		       unsigned mode, uint64_t size, int64_t mtime, struct sb_error *err)
{
	archive_entry_clear(ae);
	archive_entry_set_pathname(ae, name);
	archive_entry_set_mode(ae, mode);
	archive_entry_set_size(ae, (la_int64_t)size);
	archive_entry_set_mtime(ae, mtime, 0);
	archive_entry_set_uname(ae, "root");
	archive_entry_set_gname(ae, "root");
	if (archive_write_header(outer, ae) != ARCHIVE_OK) {
		if (!err->msg)
			sb_errorf(err, "libarchive: %s: %s", name, archive_error_string(outer));
		return -1;
	}
	return 0;
}

int outer_header(struct archive *outer, struct archive_entry *ae, const char *name, uint64_t size,
		 int64_t mtime, struct sb_error *err)
{
	return outer_entry(outer, ae, name, AE_IFREG | 0644, size, mtime, err);
}

int outer_file(struct archive *outer, struct archive_entry *ae, const char *name, const char *data,
	       size_t len, int64_t mtime, struct sb_error *err)
{
	la_ssize_t w;

	if (outer_header(outer, ae, name, len, mtime, err) < 0)
		return -1;
	w = archive_write_data(outer, data, len);
	if (w < 0 || (size_t)w != len || archive_write_finish_entry(outer) != ARCHIVE_OK) {
		if (!err->msg)
			sb_errorf(err, "libarchive: %s: %s", name, archive_error_string(outer));
		return -1;
	}
	return 0;
}

int outer_dir(struct archive *outer, struct archive_entry *ae, const char *name, int64_t mtime,
	      struct sb_error *err)
{
	return outer_entry(outer, ae, name, AE_IFDIR | 0755, 0, mtime, err);
}

/* ---- the output of the digest-named formats ------------------------------- */

int target_file(struct target *t, const char *name, const char *data, size_t len,
		struct sb_error *err)
{
	char *path;
	int fd, rc = -1;

	if (t->outer)
		return outer_file(t->outer, t->ae, name, data, len, t->mtime, err);
	path = sb_printf("%s/%s", t->dir, name);
	if (!path)
		return sb_errorf(err, "out of memory");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		sb_error_file(err, path, "cannot create: %s", strerror(errno));
		goto out;
	}
	if (sb_write_all(fd, path, data, len, err) < 0)
		goto out;
	rc = 0;
out:
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = sb_error_file(err, path, "cannot write: %s", strerror(errno));
	free(path);
	return rc;
}

int target_layer(struct target *t, struct layer_writer *w, const struct image *img, size_t i,
		 enum img_compression comp, const char *name, const struct layer_out *planned,
		 struct sb_error *err)
{
	struct layer_sink sink = {.fd = -1};
	struct layer_out again;
	char *path = NULL;
	int rc;

	if (t->outer) {
		if (outer_header(t->outer, t->ae, name, planned->blob_size, t->mtime, err) < 0)
			return -1;
		sink.outer = t->outer;
	} else {
		path = sb_printf("%s/%s", t->dir, name);
		sink.fd = path ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : -1;
		sink.fd_name = path;
		if (sink.fd < 0) {
			sb_error_file(err, path ? path : t->dir, "cannot create: %s",
				      strerror(errno));
			free(path);
			return -1;
		}
	}
	rc = layer_make(w, img, i, comp, &sink, 0, &again, err);
	if (sink.fd >= 0 && close(sink.fd) < 0 && rc == 0)
		rc = sb_error_file(err, path, "cannot write: %s", strerror(errno));
	free(path);
	if (rc < 0 || layer_same(planned, &again, err) < 0 ||
	    (t->outer && archive_write_finish_entry(t->outer) != ARCHIVE_OK)) {
		if (!err->msg)
			sb_errorf(err, "libarchive: %s", archive_error_string(t->outer));
		return -1;
	}
	return 0;
}
