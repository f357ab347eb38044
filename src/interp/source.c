/* The bytes of the build context as the image needs them: context files (of
 * the build context or a named one, as each entry's origin says; a file of a
 * named context that is an image is read from its layer, img_base_read) and
 * the members of the tar archives in it that ADD unpacks, opened for the image
 * writer (src_open) and for the evaluator's own reads (--chown), and archives
 * listed for ADD (src_archive_list).
 *
 * It stays in src/interp, where the context and the image meet: it implements
 * image/'s opener interface over context/'s files. In context/ it would make
 * the context depend on the image, which already uses util/match.h for
 * path cleaning; in image/ the image would open build contexts.
 */
#include "interp/source.h"
#include "image/base.h"
#include "util/mem.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARCHIVE_BLOCK (64u << 10)

/* The compressions ADD unpacks: those of Docker's BuildKit. It copies a
 * zstd-compressed tar as a plain file, and so does scratchbuild. */
static int support_formats(struct archive *a)
{
	return archive_read_support_filter_gzip(a) < ARCHIVE_WARN ||
		       archive_read_support_filter_bzip2(a) < ARCHIVE_WARN ||
		       archive_read_support_filter_xz(a) < ARCHIVE_WARN ||
		       archive_read_support_format_tar(a) != ARCHIVE_OK
		   ? -1
		   : 0;
}

/* An archive of the context, open for reading. */
static int archive_open(struct ctx *c, const char *real, struct archive **out, struct sb_error *err)
{
	struct archive *a = NULL;
	int fd;

	if (ctx_open_file(c, real, &fd, err) < 0)
		return -1;
	a = archive_read_new();
	if (!a) {
		close(fd);
		return sb_errorf(err, "out of memory");
	}
	if (support_formats(a) < 0 || archive_read_open_fd(a, fd, ARCHIVE_BLOCK) != ARCHIVE_OK) {
		sb_error_file(err, real, "cannot read as an archive: %s", archive_error_string(a));
		archive_read_free(a);
		close(fd);
		return -1;
	}
	/* archive_read_open_fd does not take the fd over: it stays with the
	 * archive and archive_close closes it. */
	*out = a;
	return fd;
}

static void archive_close(struct archive *a, int fd)
{
	if (a)
		archive_read_free(a);
	if (fd >= 0)
		close(fd);
}

int src_archive_list(struct ctx *c, const char *real, int *is_archive, src_member_fn fn, void *ud,
		     struct sb_error *err)
{
	struct archive *a = NULL;
	struct archive_entry *ae;
	uint64_t index = 0;
	int fd, r, rc = -1;

	*is_archive = 0;
	if (ctx_open_file(c, real, &fd, err) < 0)
		return -1;
	a = archive_read_new();
	if (!a) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (support_formats(a) < 0) {
		sb_errorf(err, "libarchive: %s", archive_error_string(a));
		goto out;
	}
	if (archive_read_open_fd(a, fd, ARCHIVE_BLOCK) != ARCHIVE_OK) {
		/* No tar in it, compressed or not: an ordinary file, which ADD
		 * copies as it is. */
		rc = 0;
		goto out;
	}
	for (;;) {
		struct src_member m = {0};

		r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			if (index == 0) {
				/* No tar header at the start: not an archive, an
				 * ordinary file that ADD copies as it is. */
				rc = 0;
				goto out;
			}
			sb_error_file(err, real, "the archive is damaged after member %llu: %s",
				      (unsigned long long)index, archive_error_string(a));
			goto out;
		}
		*is_archive = 1;
		m.index = ++index;
		m.path = archive_entry_pathname(ae);
		m.mode = archive_entry_mode(ae);
		m.uid = (uint32_t)archive_entry_uid(ae);
		m.gid = (uint32_t)archive_entry_gid(ae);
		m.size = archive_entry_size_is_set(ae) ? (uint64_t)archive_entry_size(ae) : 0;
		m.mtime = archive_entry_mtime(ae);
		m.symlink = archive_entry_symlink(ae);
		m.hardlink = archive_entry_hardlink(ae);
		if (!m.path) {
			sb_error_file(err, real, "member %llu of the archive has no name",
				      (unsigned long long)index);
			goto out;
		}
		if (fn(ud, &m, err) < 0)
			goto out;
		if (archive_read_data_skip(a) != ARCHIVE_OK) {
			sb_error_file(err, real, "the archive is damaged in member %llu: %s",
				      (unsigned long long)index, archive_error_string(a));
			goto out;
		}
	}
	rc = 0;
out:
	archive_close(a, fd);
	return rc;
}

struct src_opener {
	struct ctx *ctx;
	const struct ctx_named *named; /* --build-context: origin k is named[k - 1] */
	size_t nnamed;
	/* The archive being read, positioned after member `at`. */
	struct archive *a;
	int fd;
	char *path;
	uint32_t origin; /* the context that holds it */
	uint64_t at;
	int busy; /* a reader of the current member is open */
};

int src_opener_new(struct src_opener **out, struct ctx *c, struct sb_error *err)
{
	struct src_opener *o = calloc(1, sizeof(*o));

	if (!o)
		return sb_errorf(err, "out of memory");
	o->ctx = c;
	o->fd = -1;
	*out = o;
	return 0;
}

void src_opener_named(struct src_opener *o, const struct ctx_named *named, size_t n)
{
	o->named = named;
	o->nnamed = n;
}

/* The context that holds the bytes of e. */
static struct ctx *entry_ctx(const struct src_opener *o, const struct img_entry *e,
			     struct sb_error *err)
{
	if (e->origin == 0)
		return o->ctx;
	if (e->origin > o->nnamed || !o->named[e->origin - 1].ctx) {
		sb_errorf(err, "internal error: no named context %u for %s", e->origin, e->source);
		return NULL;
	}
	return o->named[e->origin - 1].ctx;
}

static void opener_drop_archive(struct src_opener *o)
{
	archive_close(o->a, o->fd);
	o->a = NULL;
	o->fd = -1;
	free(o->path);
	o->path = NULL;
	o->at = 0;
}

void src_opener_free(struct src_opener *o)
{
	if (!o)
		return;
	opener_drop_archive(o);
	free(o);
}

static int member_read(void *self, void *buf, size_t n, size_t *got, struct sb_error *err)
{
	struct src_opener *o = self;
	la_ssize_t r = archive_read_data(o->a, buf, n);

	if (r < 0)
		return sb_error_file(err, o->path, "cannot read member %llu of the archive: %s",
				     (unsigned long long)o->at, archive_error_string(o->a));
	*got = (size_t)r;
	return 0;
}

static void member_close(void *self)
{
	struct src_opener *o = self;

	o->busy = 0;
}

/* Positions the opener's archive on member e->member of e->source. */
static int seek_member(struct src_opener *o, const struct img_entry *e, struct sb_error *err)
{
	struct archive_entry *ae = NULL;

	struct ctx *c = entry_ctx(o, e, err);

	if (!c)
		return -1;
	if (o->a &&
	    (strcmp(o->path, e->source) != 0 || o->origin != e->origin || o->at >= e->member))
		opener_drop_archive(o);
	if (!o->a) {
		o->origin = e->origin;
		o->fd = archive_open(c, e->source, &o->a, err);
		if (o->fd < 0)
			return -1;
		o->path = sb_strdup(e->source);
		if (!o->path)
			return sb_errorf(err, "out of memory");
	}
	while (o->at < e->member) {
		int r = archive_read_next_header(o->a, &ae);

		if (r < ARCHIVE_WARN || r == ARCHIVE_EOF) {
			sb_error_file(err, e->source,
				      "changed while the image was being built "
				      "(member %llu is gone)",
				      (unsigned long long)e->member);
			return sb_error_hint(err, "build again once nothing writes to the build "
						  "context");
		}
		o->at++;
	}
	if (!ae || archive_entry_filetype(ae) != AE_IFREG ||
	    (uint64_t)archive_entry_size(ae) != e->size) {
		sb_error_file(err, e->source,
			      "changed while the image was being built "
			      "(member %llu is not what it was)",
			      (unsigned long long)e->member);
		return sb_error_hint(err, "build again once nothing writes to the build context");
	}
	return 0;
}

struct mem_reader {
	const char *data;
	size_t left;
};

static int mem_read(void *self, void *buf, size_t n, size_t *got, struct sb_error *err)
{
	struct mem_reader *m = self;

	(void)err;
	*got = n < m->left ? n : m->left;
	memcpy(buf, m->data, *got);
	m->data += *got;
	m->left -= *got;
	return 0;
}

int src_open(void *ud, const struct img_entry *e, struct img_reader *r, struct sb_error *err)
{
	struct src_opener *o = ud;
	int fd;

	if (e->data) {
		struct mem_reader *m = malloc(sizeof(*m));

		if (!m)
			return sb_errorf(err, "out of memory");
		m->data = e->data;
		m->left = e->size;
		r->read = mem_read;
		r->close = free;
		r->self = m;
		return 0;
	}
	if (e->origin > 0 && e->origin <= o->nnamed && o->named[e->origin - 1].image)
		return img_base_read(o->named[e->origin - 1].image, e, r, err);
	if (e->member == 0) {
		struct ctx *c = entry_ctx(o, e, err);
		struct stat st;

		if (!c || ctx_open_file_stat(c, e->source, &fd, &st, err) < 0)
			return -1;
		return img_fd_reader(r, fd, &st, e, e->source, err);
	}
	if (o->busy)
		return sb_errorf(err, "internal error: two archive members open at once");
	if (seek_member(o, e, err) < 0)
		return -1;
	o->busy = 1;
	r->read = member_read;
	r->close = member_close;
	r->self = o;
	return 0;
}
