/* The outer tar of an image: indexed once (libarchive headers only), its
 * member names cleaned and checked, and each member reached again by
 * scanning to it, symlinks and hard links inside the archive followed. */
#include "image/read_priv.h"
#include "image/digest.h"
#include "util/mem.h"
#include "util/sha256.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- names ---- */

/* The digest a member's name gives: blobs/sha256/<hex>, or <hex>.json at the
 * top (docker save's config). Fills want ("sha256:<hex>") and returns 1. */
int rd_name_digest(const char *name, char want[72])
{
	size_t n = strlen(name);

	if (n == 13 + 64 && !strncmp(name, "blobs/sha256/", 13) && dg_is_hex64(name + 13, 64)) {
		snprintf(want, 72, "sha256:%s", name + 13);
		return 1;
	}
	if (n == 64 + 5 && !strcmp(name + 64, ".json") && dg_is_hex64(name, 64)) {
		snprintf(want, 72, "sha256:%.64s", name);
		return 1;
	}
	return 0;
}

/* Cleans a member name: "./" and "." components and trailing "/" dropped.
 * Fails (why set) for an absolute name or a ".." component. */
char *rd_clean_name(const char *raw, const char **why)
{
	struct sb_buf b = {0};
	const char *p = raw;

	*why = NULL;
	if (raw[0] == '/') {
		*why = "is an absolute name";
		return NULL;
	}
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 2 && !strncmp(p, "..", 2)) {
			sb_buf_release(&b);
			*why = "has a \"..\" component";
			return NULL;
		}
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if ((b.len && sb_buf_addc(&b, '/') < 0) || sb_buf_add(&b, p, n) < 0) {
				sb_buf_release(&b);
				*why = "out of memory";
				return NULL;
			}
		}
		p += n;
		if (*p == '/')
			p++;
	}
	return sb_buf_detach(&b);
}

/* Resolves rel (a manifest path, or a symlink target) from directory base
 * inside the archive. NULL when it is absolute or climbs above the top. */
static char *resolve(const char *base, const char *rel, int *oom)
{
	struct sb_buf b = {0};
	const char *p = rel;

	*oom = 0;
	if (rel[0] == '/')
		return NULL;
	if (sb_buf_adds(&b, base) < 0)
		goto nomem;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 2 && !strncmp(p, "..", 2)) {
			char *slash;

			if (b.len == 0) {
				sb_buf_release(&b);
				return NULL;
			}
			slash = strrchr(b.buf, '/');
			b.len = slash ? (size_t)(slash - b.buf) : 0;
			b.buf[b.len] = '\0';
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			if ((b.len && sb_buf_addc(&b, '/') < 0) || sb_buf_add(&b, p, n) < 0)
				goto nomem;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	return sb_buf_detach(&b);
nomem:
	sb_buf_release(&b);
	*oom = 1;
	return NULL;
}

/* ---- the outer tar ---- */

int rd_support_filters(struct archive *a)
{
	/* Only the built-in decompressors: never an external program. */
	return archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
		       archive_read_support_filter_bzip2(a) != ARCHIVE_OK ||
		       archive_read_support_filter_xz(a) != ARCHIVE_OK ||
		       archive_read_support_filter_lzma(a) != ARCHIVE_OK ||
		       archive_read_support_filter_zstd(a) != ARCHIVE_OK
		   ? -1
		   : 0;
}

static int open_outer(const char *path, struct archive **out, struct sb_error *err)
{
	struct archive *a = archive_read_new();
	int rc = -1;

	if (!a) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (rd_support_filters(a) < 0 || archive_read_support_format_tar(a) != ARCHIVE_OK) {
		sb_error_file(err, path, "libarchive cannot read tar, gzip, bzip2, xz, zstd: %s",
			      archive_error_string(a) ? archive_error_string(a) : "?");
		goto out;
	}
	if (archive_read_open_filename(a, path, BUFSZ) != ARCHIVE_OK) {
		sb_error_file(err, path, "cannot read: %s",
			      archive_error_string(a) ? archive_error_string(a) : "?");
		goto out;
	}
	rc = 0;
out:
	if (rc < 0 && a)
		archive_read_free(a);
	*out = rc < 0 ? NULL : a;
	return rc;
}

const char *rd_aerr(struct archive *a)
{
	const char *s = archive_error_string(a);

	return s ? s : "unknown libarchive error";
}

static int cmp_member(const void *x, const void *y)
{
	return strcmp(((const struct member *)x)->name, ((const struct member *)y)->name);
}

const struct member *rd_find(const struct rd_priv *p, const char *name)
{
	struct member key = {.name = (char *)name};

	if (p->nm == 0)
		return NULL;
	return bsearch(&key, p->m, p->nm, sizeof(*p->m), cmp_member);
}

const char *rd_entry_name(struct archive_entry *e)
{
	const char *s = archive_entry_pathname_utf8(e);

	return s ? s : archive_entry_pathname(e);
}

const char *rd_entry_link(struct archive_entry *e, int hard)
{
	const char *s = hard ? archive_entry_hardlink_utf8(e) : archive_entry_symlink_utf8(e);

	if (!s)
		s = hard ? archive_entry_hardlink(e) : archive_entry_symlink(e);
	return s;
}

/* m's link target: a symlink's as written, a hard link's cleaned. */
static int member_link(struct rd_archive *ar, struct member *m, struct archive_entry *e, int hard,
		       struct sb_error *err)
{
	const char *why = NULL, *lk = hard || m->type == AE_IFLNK ? rd_entry_link(e, hard) : NULL;

	if ((hard || m->type == AE_IFLNK) && (!lk || strlen(lk) > ar->priv->lim.max_path))
		return sb_error_file(err, ar->path, "member %s: link target missing or too long",
				     m->name);
	if (hard)
		m->link = rd_clean_name(lk, &why);
	else if (lk)
		m->link = sb_strdup(lk);
	if (lk && !m->link)
		return sb_error_file(err, ar->path, "member %s: hard link target \"%s\" %s",
				     m->name, lk, why ? why : "out of memory");
	return 0;
}

/* Adds the member whose header (the ord-th) a has just read as e to the
 * index, checked against the limits and, when the archive is not compressed,
 * against file_size, the bytes of the file (-1: unknown). */
static int index_member(struct rd_archive *ar, struct archive *a, struct archive_entry *e,
			size_t ord, int64_t file_size, size_t *cap, struct sb_error *err)
{
	struct rd_priv *p = ar->priv;
	const char *raw, *why;
	struct member *m;
	int hard;

	if (p->nm >= p->lim.max_members)
		return sb_error_file(err, ar->path, "more than %zu members", p->lim.max_members);
	raw = rd_entry_name(e);
	if (!raw || strlen(raw) > p->lim.max_path)
		return sb_error_file(err, ar->path, "member %zu has no name or one too long",
				     ord + 1);
	if (sb_grow(&p->m, cap, p->nm + 1, sizeof(*p->m)) < 0)
		return sb_errorf(err, "out of memory");
	m = &p->m[p->nm];
	memset(m, 0, sizeof(*m));
	m->name = rd_clean_name(raw, &why);
	if (!m->name)
		return sb_error_file(err, ar->path, "member \"%s\" %s", raw, why);
	p->nm++;
	m->ordinal = ord;
	hard = archive_entry_hardlink(e) != NULL || archive_entry_hardlink_utf8(e);
	m->type = hard ? 0 : (int)archive_entry_filetype(e);
	m->size = archive_entry_size_is_set(e) && archive_entry_size(e) > 0
		      ? (uint64_t)archive_entry_size(e)
		      : 0;
	if (member_link(ar, m, e, hard, err) < 0)
		return -1;
	if (m->size > p->lim.max_layer)
		return sb_error_file(err, ar->path,
				     "member %s claims %" PRIu64 " bytes, more than the %" PRIu64
				     " a member may have",
				     m->name, m->size, p->lim.max_layer);
	/* Uncompressed: a size that the file cannot hold is a lie. */
	if (file_size >= 0 && archive_filter_count(a) == 1 &&
	    (uint64_t)archive_read_header_position(a) + 512 + m->size > (uint64_t)file_size)
		return sb_error_file(
		    err, ar->path,
		    "member %s claims %" PRIu64
		    " bytes, but the archive ends before that: truncated or forged",
		    m->name, m->size);
	return 0;
}

int rd_index_outer(struct rd_archive *ar, struct sb_error *err)
{
	struct rd_priv *p = ar->priv;
	struct archive *a = NULL;
	struct archive_entry *e;
	size_t cap = 0;
	int64_t file_size = -1;
	struct stat st;
	int rc = -1;

	if (stat(ar->path, &st) == 0 && S_ISDIR(st.st_mode)) {
		p->dir = 1;
		return rd_index_dir(ar, err);
	}
	if (stat(ar->path, &st) == 0 && S_ISREG(st.st_mode))
		file_size = st.st_size;
	if (open_outer(ar->path, &a, err) < 0)
		goto out;
	for (size_t ord = 0;; ord++) {
		int r = archive_read_next_header(a, &e);

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			sb_error_file(err, ar->path, "not a readable tar%s%s: %s",
				      p->nm ? " after member " : "",
				      p->nm ? p->m[p->nm - 1].name : "", rd_aerr(a));
			goto out;
		}
		if (index_member(ar, a, e, ord, file_size, &cap, err) < 0)
			goto out;
	}
	if (p->nm)
		qsort(p->m, p->nm, sizeof(*p->m), cmp_member);
	for (size_t i = 1; i < p->nm; i++) {
		if (!strcmp(p->m[i - 1].name, p->m[i].name) &&
		    !(p->m[i].type == AE_IFDIR && p->m[i - 1].type == AE_IFDIR)) {
			sb_error_file(err, ar->path, "member %s appears twice", p->m[i].name);
			goto out;
		}
	}
	rc = 0;
out:
	if (a)
		archive_read_free(a);
	return rc;
}

/* The regular-file member that `name` (a path from a manifest) leads to,
 * symlinks and hard links inside the archive followed. */
int rd_lookup(struct rd_archive *ar, const char *name, const struct member **out,
	      struct sb_error *err)
{
	char *cur = NULL;
	int oom, rc = -1;

	*out = NULL;
	cur = resolve("", name, &oom);
	if (!cur) {
		if (oom)
			sb_errorf(err, "out of memory");
		else
			sb_error_file(err, ar->path, "\"%s\" points outside the archive", name);
		goto out;
	}
	for (int hops = 0;; hops++) {
		const struct member *m = rd_find(ar->priv, cur);
		char *next, *dir, *slash;

		if (!m || !*cur) {
			if (ar->priv->dir && !strcmp(name, cur))
				sb_error_file(err, ar->path, "no file %s in the directory", cur);
			else if (ar->priv->dir)
				sb_error_file(err, ar->path, "\"%s\": no file %s in the directory",
					      name, cur);
			else
				sb_error_file(err, ar->path, "\"%s\": no member %s in the archive",
					      name, cur);
			goto out;
		}
		if (m->type == AE_IFREG) {
			*out = m;
			break;
		}
		if (hops >= 16) {
			sb_error_file(err, ar->path, "\"%s\": too many links (a loop?)", name);
			goto out;
		}
		if (m->type == 0) {
			next = sb_strdup(m->link);
		} else if (m->type == AE_IFLNK) {
			dir = sb_strdup(cur);
			if (!dir) {
				sb_errorf(err, "out of memory");
				goto out;
			}
			slash = strrchr(dir, '/');
			*(slash ? slash : dir) = '\0';
			next = resolve(dir, m->link, &oom);
			free(dir);
			if (!next && !oom) {
				sb_error_file(err, ar->path,
					      "\"%s\": symlink %s -> %s points outside the archive",
					      name, cur, m->link);
				goto out;
			}
		} else {
			sb_error_file(err, ar->path, "\"%s\": member %s is not a regular file",
				      name, cur);
			goto out;
		}
		if (!next) {
			sb_errorf(err, "out of memory");
			goto out;
		}
		free(cur);
		cur = next;
	}
	rc = 0;
out:
	free(cur);
	return rc;
}

/* Opens the outer tar again, positioned at m's data. */
int rd_seek_member(struct rd_archive *ar, const struct member *m, struct archive **out,
		   struct sb_error *err)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	int rc = -1;

	if (ar->priv->dir)
		return rd_open_dir_member(ar, m, out, err);
	if (open_outer(ar->path, &a, err) < 0)
		goto out;
	for (size_t i = 0; i <= m->ordinal; i++) {
		int r = archive_read_next_header(a, &e);

		if (r < ARCHIVE_WARN || r == ARCHIVE_EOF) {
			sb_error_file(err, ar->path, "cannot reach member %s: %s", m->name,
				      r == ARCHIVE_EOF ? "the archive changed" : rd_aerr(a));
			goto out;
		}
	}
	rc = 0;
out:
	if (rc < 0 && a) {
		archive_read_free(a);
		a = NULL;
	}
	*out = a;
	return rc;
}

/* Reads a small member whole (at most max bytes), NUL-terminated, and its
 * SHA-256. */
int rd_read_small(struct rd_archive *ar, const struct member *m, uint64_t max, char **buf,
		  size_t *len, unsigned char hash[32], struct sb_error *err)
{
	struct archive *a = NULL;
	char *b = NULL;
	size_t n = 0;
	int rc = -1;

	*buf = NULL;
	*len = 0;
	if (m->size > max) {
		sb_error_file(err, ar->path, "member %s: %" PRIu64 " bytes, more than %" PRIu64,
			      m->name, m->size, max);
		goto out;
	}
	if (rd_seek_member(ar, m, &a, err) < 0)
		goto out;
	b = malloc((size_t)m->size + 1);
	if (!b) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	while (n < m->size) {
		la_ssize_t r = archive_read_data(a, b + n, (size_t)m->size - n);

		if (r < 0) {
			sb_error_file(err, ar->path, "member %s: %s", m->name, rd_aerr(a));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n != m->size) {
		sb_error_file(err, ar->path, "member %s: truncated (%zu of %" PRIu64 " bytes)",
			      m->name, n, m->size);
		goto out;
	}
	b[n] = '\0';
	sb_sha256((unsigned char *)b, n, hash);
	*buf = b;
	*len = n;
	b = NULL;
	rc = 0;
out:
	free(b);
	if (a)
		archive_read_free(a);
	return rc;
}
