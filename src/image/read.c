/* Reading image tars: index the outer tar once, then stream each member by
 * scanning to it again. Layers go through three libarchive readers in a row:
 * the outer tar's member data, a raw reader that undoes any compression, and a
 * tar reader over the uncompressed bytes, each hashing what passes through. */
#include "image/read.h"
#include "image/digest.h"
#include "image/image.h"
#include "util/jtree.h"
#include "util/sha256.h"
#include "util/mem.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BUFSZ 65536

struct member {
	char *name; /* cleaned */
	char *link; /* symlink target as written, hardlink target cleaned, or NULL */
	int type;   /* AE_IFREG, AE_IFDIR, AE_IFLNK, ...; 0 for a hard link */
	uint64_t size;
	size_t ordinal; /* index of its header in the tar */
};

struct rd_priv {
	struct rd_limits lim;
	struct member *m; /* sorted by name */
	size_t nm;
};

void rd_limits_default(struct rd_limits *lim)
{
	lim->max_json = 16u << 20;
	lim->max_layer = (uint64_t)64 << 30;
	lim->max_meta = 256u << 20;
	lim->max_members = 100000;
	lim->max_entries = 1000000;
	lim->max_layers = 1000;
	lim->max_images = 1000;
	lim->max_depth = 64;
	lim->max_path = IMG_MAX_PATH; /* the longest the builder writes */
}

const char *rd_type_name(enum rd_type t)
{
	static const char *const names[] = {"file",    "dir",	   "symlink", "hardlink",
					    "chardev", "blockdev", "fifo"};

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

/* The digest a member's name gives: blobs/sha256/<hex>, or <hex>.json at the
 * top (docker save's config). Fills want ("sha256:<hex>") and returns 1. */
static int name_digest(const char *name, char want[72])
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

/* ---- names ---- */

/* Cleans a member name: "./" and "." components and trailing "/" dropped.
 * Fails (why set) for an absolute name or a ".." component. */
static char *clean_name(const char *raw, const char **why)
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

static int support_filters(struct archive *a)
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
	if (support_filters(a) < 0 || archive_read_support_format_tar(a) != ARCHIVE_OK) {
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

static const char *aerr(struct archive *a)
{
	const char *s = archive_error_string(a);

	return s ? s : "unknown libarchive error";
}

static int cmp_member(const void *x, const void *y)
{
	return strcmp(((const struct member *)x)->name, ((const struct member *)y)->name);
}

static const struct member *find(const struct rd_priv *p, const char *name)
{
	struct member key = {.name = (char *)name};

	if (p->nm == 0)
		return NULL;
	return bsearch(&key, p->m, p->nm, sizeof(*p->m), cmp_member);
}

static const char *entry_name(struct archive_entry *e)
{
	const char *s = archive_entry_pathname_utf8(e);

	return s ? s : archive_entry_pathname(e);
}

static const char *entry_link(struct archive_entry *e, int hard)
{
	const char *s = hard ? archive_entry_hardlink_utf8(e) : archive_entry_symlink_utf8(e);

	if (!s)
		s = hard ? archive_entry_hardlink(e) : archive_entry_symlink(e);
	return s;
}

static int index_outer(struct rd_archive *ar, struct sb_error *err)
{
	struct rd_priv *p = ar->priv;
	struct archive *a = NULL;
	struct archive_entry *e;
	size_t cap = 0;
	int64_t file_size = -1;
	struct stat st;
	int rc = -1;

	if (stat(ar->path, &st) == 0 && S_ISREG(st.st_mode))
		file_size = st.st_size;
	if (open_outer(ar->path, &a, err) < 0)
		goto out;
	for (size_t ord = 0;; ord++) {
		int r = archive_read_next_header(a, &e);
		const char *raw, *why, *lk;
		struct member *m;
		int hard;

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			sb_error_file(err, ar->path, "not a readable tar%s%s: %s",
				      p->nm ? " after member " : "",
				      p->nm ? p->m[p->nm - 1].name : "", aerr(a));
			goto out;
		}
		if (p->nm >= p->lim.max_members) {
			sb_error_file(err, ar->path, "more than %zu members", p->lim.max_members);
			goto out;
		}
		raw = entry_name(e);
		if (!raw || strlen(raw) > p->lim.max_path) {
			sb_error_file(err, ar->path, "member %zu has no name or one too long",
				      ord + 1);
			goto out;
		}
		if (sb_grow(&p->m, &cap, p->nm + 1, sizeof(*p->m)) < 0) {
			sb_errorf(err, "out of memory");
			goto out;
		}
		m = &p->m[p->nm];
		memset(m, 0, sizeof(*m));
		m->name = clean_name(raw, &why);
		if (!m->name) {
			sb_error_file(err, ar->path, "member \"%s\" %s", raw, why);
			goto out;
		}
		p->nm++;
		m->ordinal = ord;
		hard = archive_entry_hardlink(e) != NULL || archive_entry_hardlink_utf8(e);
		m->type = hard ? 0 : (int)archive_entry_filetype(e);
		m->size = archive_entry_size_is_set(e) && archive_entry_size(e) > 0
			      ? (uint64_t)archive_entry_size(e)
			      : 0;
		lk = hard || m->type == AE_IFLNK ? entry_link(e, hard) : NULL;
		if ((hard || m->type == AE_IFLNK) && (!lk || strlen(lk) > p->lim.max_path)) {
			sb_error_file(err, ar->path, "member %s: link target missing or too long",
				      m->name);
			goto out;
		}
		if (hard)
			m->link = clean_name(lk, &why);
		else if (lk)
			m->link = sb_strdup(lk);
		if (lk && !m->link) {
			sb_error_file(err, ar->path, "member %s: hard link target \"%s\" %s",
				      m->name, lk, why ? why : "out of memory");
			goto out;
		}
		if (m->size > p->lim.max_layer) {
			sb_error_file(err, ar->path,
				      "member %s claims %" PRIu64 " bytes, more than the %" PRIu64
				      " a member may have",
				      m->name, m->size, p->lim.max_layer);
			goto out;
		}
		/* Uncompressed: a size that the file cannot hold is a lie. */
		if (file_size >= 0 && archive_filter_count(a) == 1 &&
		    (uint64_t)archive_read_header_position(a) + 512 + m->size >
			(uint64_t)file_size) {
			sb_error_file(
			    err, ar->path,
			    "member %s claims %" PRIu64
			    " bytes, but the archive ends before that: truncated or forged",
			    m->name, m->size);
			goto out;
		}
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
static int lookup(struct rd_archive *ar, const char *name, const struct member **out,
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
		const struct member *m = find(ar->priv, cur);
		char *next, *dir, *slash;

		if (!m || !*cur) {
			sb_error_file(err, ar->path, "\"%s\": no member %s in the archive", name,
				      cur);
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
static int seek_member(struct rd_archive *ar, const struct member *m, struct archive **out,
		       struct sb_error *err)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	int rc = -1;

	if (open_outer(ar->path, &a, err) < 0)
		goto out;
	for (size_t i = 0; i <= m->ordinal; i++) {
		int r = archive_read_next_header(a, &e);

		if (r < ARCHIVE_WARN || r == ARCHIVE_EOF) {
			sb_error_file(err, ar->path, "cannot reach member %s: %s", m->name,
				      r == ARCHIVE_EOF ? "the archive changed" : aerr(a));
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
static int read_small(struct rd_archive *ar, const struct member *m, uint64_t max, char **buf,
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
	if (seek_member(ar, m, &a, err) < 0)
		goto out;
	b = malloc((size_t)m->size + 1);
	if (!b) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	while (n < m->size) {
		la_ssize_t r = archive_read_data(a, b + n, (size_t)m->size - n);

		if (r < 0) {
			sb_error_file(err, ar->path, "member %s: %s", m->name, aerr(a));
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

/* Reads and parses a JSON member by its name in a manifest. */
static int read_json(struct rd_archive *ar, const char *name, char **raw, size_t *len,
		     unsigned char hash[32], yajl_val *val, const struct member **mout,
		     struct sb_error *err)
{
	const struct member *m;
	char *b = NULL;
	size_t n;
	char *what = NULL;
	int rc = -1;

	*val = NULL;
	if (lookup(ar, name, &m, err) < 0 ||
	    read_small(ar, m, ar->priv->lim.max_json, &b, &n, hash, err) < 0)
		goto out;
	what = sb_printf("%s: %s", ar->path, m->name);
	if (!what) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (jt_parse(b, n, ar->priv->lim.max_depth, what, val, err) < 0)
		goto out;
	if (mout)
		*mout = m;
	if (raw) {
		*raw = b;
		*len = n;
		b = NULL;
	}
	rc = 0;
out:
	free(what);
	free(b);
	return rc;
}

/* ---- manifests ---- */

static struct rd_image *new_image(struct rd_archive *ar, size_t *cap, struct sb_error *err)
{
	struct rd_image *img;

	if (ar->nimages >= ar->priv->lim.max_images) {
		sb_error_file(err, ar->path, "more than %zu images", ar->priv->lim.max_images);
		return NULL;
	}
	if (sb_grow(&ar->images, cap, ar->nimages + 1, sizeof(*ar->images)) < 0) {
		sb_errorf(err, "out of memory");
		return NULL;
	}
	img = &ar->images[ar->nimages++];
	memset(img, 0, sizeof(*img));
	return img;
}

static int add_layer(struct rd_archive *ar, struct rd_image *img, size_t *cap, const char *member,
		     struct sb_error *err)
{
	struct rd_layer *l;

	if (img->nlayers >= ar->priv->lim.max_layers) {
		sb_error_file(err, ar->path, "an image has more than %zu layers",
			      ar->priv->lim.max_layers);
		return -1;
	}
	if (sb_grow(&img->layers, cap, img->nlayers + 1, sizeof(*img->layers)) < 0)
		return sb_errorf(err, "out of memory");
	l = &img->layers[img->nlayers];
	memset(l, 0, sizeof(*l));
	l->member = sb_strdup(member);
	if (!l->member)
		return sb_errorf(err, "out of memory");
	img->nlayers++;
	return 0;
}

static int set_tags(struct rd_image *img, yajl_val arr, const char *one, struct sb_error *err)
{
	size_t n = YAJL_IS_ARRAY(arr) ? arr->u.array.len : 0, k = 0;

	img->tags = calloc(n + 2, sizeof(char *));
	if (!img->tags)
		return sb_errorf(err, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (!YAJL_IS_STRING(arr->u.array.values[i]))
			return sb_errorf(err, "RepoTags holds something that is not a string");
		if (!(img->tags[k++] = sb_strdup(arr->u.array.values[i]->u.string)))
			return sb_errorf(err, "out of memory");
	}
	if (one && !(img->tags[k++] = sb_strdup(one)))
		return sb_errorf(err, "out of memory");
	return 0;
}

static int read_manifest_json(struct rd_archive *ar, struct sb_error *err)
{
	yajl_val v = NULL;
	unsigned char h[32];
	size_t icap = 0;
	int rc = -1;

	if (read_json(ar, "manifest.json", NULL, NULL, h, &v, NULL, err) < 0)
		goto out;
	if (!YAJL_IS_ARRAY(v) || v->u.array.len == 0) {
		sb_error_file(err, ar->path, "manifest.json: not a non-empty JSON array");
		goto out;
	}
	for (size_t i = 0; i < v->u.array.len; i++) {
		yajl_val o = v->u.array.values[i], layers = jt_get(o, "Layers"),
			 tags = jt_get(o, "RepoTags");
		const char *config = jt_str(o, "Config");
		struct rd_image *img;
		size_t lcap = 0;

		if (!config || !YAJL_IS_ARRAY(layers) ||
		    !(tags == NULL || YAJL_IS_NULL(tags) || YAJL_IS_ARRAY(tags))) {
			sb_error_file(err, ar->path,
				      "manifest.json: entry %zu needs \"Config\" (a string), "
				      "\"Layers\" (an array) and at most \"RepoTags\" (an array)",
				      i);
			goto out;
		}
		img = new_image(ar, &icap, err);
		if (!img)
			goto out;
		img->config_member = sb_strdup(config);
		if (!img->config_member) {
			sb_errorf(err, "out of memory");
			goto out;
		}
		if (set_tags(img, tags, NULL, err) < 0) {
			sb_error_prefix(err, "%s: manifest.json", ar->path);
			goto out;
		}
		for (size_t k = 0; k < layers->u.array.len; k++) {
			yajl_val s = layers->u.array.values[k];

			if (!YAJL_IS_STRING(s)) {
				sb_error_file(
				    err, ar->path,
				    "manifest.json: entry %zu: Layers[%zu] is not a string", i, k);
				goto out;
			}
			if (add_layer(ar, img, &lcap, s->u.string, err) < 0)
				goto out;
		}
	}
	rc = 0;
out:
	yajl_tree_free(v);
	return rc;
}

/* A descriptor's digest and size; *path gets "blobs/sha256/<hex>". */
static int descriptor(struct rd_archive *ar, yajl_val d, const char *where, char digest[72],
		      uint64_t *size, char **path, struct sb_error *err)
{
	const char *dg = jt_str(d, "digest");
	yajl_val sz = jt_get(d, "size");

	if (!dg || strncmp(dg, "sha256:", 7) || !dg_is_hex64(dg + 7, strlen(dg + 7)))
		return sb_error_file(err, ar->path, "%s: a descriptor without a sha256 digest",
				     where);
	if (!YAJL_IS_INTEGER(sz) || YAJL_GET_INTEGER(sz) < 0)
		return sb_error_file(err, ar->path, "%s: descriptor %s has no valid size", where,
				     dg);
	snprintf(digest, 72, "%s", dg);
	*size = (uint64_t)YAJL_GET_INTEGER(sz);
	*path = sb_printf("blobs/sha256/%s", dg + 7);
	return *path ? 0 : sb_errorf(err, "out of memory");
}

/* Reads a JSON blob that a descriptor names, checking its size and digest. */
static int read_blob_json(struct rd_archive *ar, const char *path, const char *digest,
			  uint64_t size, yajl_val *v, struct sb_error *err)
{
	unsigned char h[32];
	char got[72];
	const struct member *m;

	if (read_json(ar, path, NULL, NULL, h, v, &m, err) < 0)
		return -1;
	dg_string(h, got);
	if (strcmp(got, digest) || m->size != size) {
		yajl_tree_free(*v);
		*v = NULL;
		return sb_error_file(err, ar->path,
				     "%s: the descriptor says %s, %" PRIu64
				     " bytes; the blob is %s, %" PRIu64 " bytes",
				     path, digest, size, got, m->size);
	}
	return 0;
}

static int is_index_type(const char *mt)
{
	return mt && (!strcmp(mt, "application/vnd.oci.image.index.v1+json") ||
		      !strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json"));
}

static int read_index(struct rd_archive *ar, yajl_val idx, const char *where, int depth,
		      size_t *icap, struct sb_error *err);

static int read_oci_manifest(struct rd_archive *ar, yajl_val desc, const char *where,
			     const char *tag, size_t *icap, struct sb_error *err)
{
	char digest[72];
	uint64_t size;
	char *path = NULL, *cpath = NULL;
	yajl_val man = NULL, layers;
	struct rd_image *img;
	size_t lcap = 0;
	int rc = -1;

	if (descriptor(ar, desc, where, digest, &size, &path, err) < 0 ||
	    read_blob_json(ar, path, digest, size, &man, err) < 0)
		goto out;
	layers = jt_get(man, "layers");
	if (!YAJL_IS_OBJECT(jt_get(man, "config")) ||
	    !(layers == NULL || YAJL_IS_NULL(layers) || YAJL_IS_ARRAY(layers))) {
		sb_error_file(err, ar->path,
			      "%s: an image manifest needs \"config\" and \"layers\"", path);
		goto out;
	}
	img = new_image(ar, icap, err);
	if (!img)
		goto out;
	img->manifest_member = path;
	path = NULL;
	if (descriptor(ar, jt_get(man, "config"), img->manifest_member, img->want_config_digest,
		       &img->want_config_size, &cpath, err) < 0)
		goto out;
	img->has_want_config_size = 1;
	img->config_member = cpath;
	if (set_tags(img, NULL, tag, err) < 0)
		goto out;
	for (size_t i = 0; layers && YAJL_IS_ARRAY(layers) && i < layers->u.array.len; i++) {
		yajl_val d = layers->u.array.values[i];
		struct rd_layer *l;
		char *lpath = NULL;
		const char *mt = jt_str(d, "mediaType");
		char ldg[72];
		uint64_t lsz;

		if (descriptor(ar, d, img->manifest_member, ldg, &lsz, &lpath, err) < 0)
			goto out;
		rc = add_layer(ar, img, &lcap, lpath, err);
		free(lpath);
		if (rc < 0)
			goto out;
		rc = -1;
		l = &img->layers[img->nlayers - 1];
		memcpy(l->want_digest, ldg, sizeof(ldg));
		l->want_size = lsz;
		l->has_want_size = 1;
		if (mt && !(l->media_type = sb_strdup(mt))) {
			sb_errorf(err, "out of memory");
			goto out;
		}
	}
	rc = 0;
out:
	free(path);
	yajl_tree_free(man);
	return rc;
}

static int read_index(struct rd_archive *ar, yajl_val idx, const char *where, int depth,
		      size_t *icap, struct sb_error *err)
{
	yajl_val ms = jt_get(idx, "manifests");

	if (depth > 4)
		return sb_error_file(err, ar->path, "%s: indexes nested too deep", where);
	if (!YAJL_IS_ARRAY(ms))
		return sb_error_file(err, ar->path, "%s: no \"manifests\" array", where);
	for (size_t i = 0; i < ms->u.array.len; i++) {
		yajl_val d = ms->u.array.values[i], ann = jt_get(d, "annotations");
		const char *mt = jt_str(d, "mediaType");
		const char *tag = jt_str(ann, "io.containerd.image.name");
		const char *rt = jt_str(ann, "vnd.docker.reference.type");

		if (!tag)
			tag = jt_str(ann, "org.opencontainers.image.ref.name");
		if (rt && !strcmp(rt, "attestation-manifest"))
			continue;
		if (is_index_type(mt)) {
			char digest[72];
			uint64_t size;
			char *path = NULL;
			yajl_val sub = NULL;
			int rc = descriptor(ar, d, where, digest, &size, &path, err);

			if (rc == 0)
				rc = read_blob_json(ar, path, digest, size, &sub, err);
			if (rc == 0)
				rc = read_index(ar, sub, path, depth + 1, icap, err);
			free(path);
			yajl_tree_free(sub);
			if (rc < 0)
				return -1;
		} else if (read_oci_manifest(ar, d, where, tag, icap, err) < 0) {
			return -1;
		}
	}
	return 0;
}

static int read_oci(struct rd_archive *ar, struct sb_error *err)
{
	yajl_val v = NULL;
	unsigned char h[32];
	size_t icap = 0;
	int rc = -1;

	if (read_json(ar, "oci-layout", NULL, NULL, h, &v, NULL, err) < 0)
		goto out;
	yajl_tree_free(v);
	v = NULL;
	if (read_json(ar, "index.json", NULL, NULL, h, &v, NULL, err) < 0 ||
	    read_index(ar, v, "index.json", 0, &icap, err) < 0)
		goto out;
	if (ar->nimages == 0) {
		sb_error_file(err, ar->path, "index.json lists no image");
		goto out;
	}
	rc = 0;
out:
	yajl_tree_free(v);
	return rc;
}

int rd_open(const char *path, const struct rd_limits *lim, struct rd_archive **out,
	    struct sb_error *err)
{
	struct rd_archive *ar = calloc(1, sizeof(*ar));
	int rc = -1;

	*out = NULL;
	if (!ar || !(ar->priv = calloc(1, sizeof(*ar->priv))) || !(ar->path = sb_strdup(path))) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (lim)
		ar->priv->lim = *lim;
	else
		rd_limits_default(&ar->priv->lim);
	if (index_outer(ar, err) < 0)
		goto out;
	if (find(ar->priv, "manifest.json")) {
		ar->layout = find(ar->priv, "oci-layout")     ? "docker-save+oci"
			     : find(ar->priv, "repositories") ? "docker-save"
							      : "manual";
		if (read_manifest_json(ar, err) < 0)
			goto out;
	} else if (find(ar->priv, "oci-layout") && find(ar->priv, "index.json")) {
		ar->layout = "oci";
		if (read_oci(ar, err) < 0)
			goto out;
	} else {
		sb_error_file(err, path,
			      "no manifest.json, nor oci-layout and index.json: "
			      "not an image tar");
		goto out;
	}
	/* Every member a manifest names must be there, inside the archive. */
	for (size_t i = 0; i < ar->nimages; i++) {
		const struct member *m;

		if (lookup(ar, ar->images[i].config_member, &m, err) < 0)
			goto out;
		for (size_t k = 0; k < ar->images[i].nlayers; k++)
			if (lookup(ar, ar->images[i].layers[k].member, &m, err) < 0)
				goto out;
	}
	*out = ar;
	ar = NULL;
	rc = 0;
out:
	rd_close(ar);
	return rc;
}

/* ---- configs ---- */

int rd_load_config(struct rd_archive *ar, size_t i, struct sb_error *err)
{
	struct rd_image *img = &ar->images[i];
	unsigned char h[32];
	const struct member *m;
	char want[72];
	int rc = -1;

	if (img->config)
		return 0;
	if (read_json(ar, img->config_member, &img->config_raw, &img->config_len, h, &img->config,
		      &m, err) < 0)
		goto out;
	dg_string(h, img->image_id);
	if (!YAJL_IS_OBJECT(img->config)) {
		sb_error_file(err, ar->path, "config %s is not a JSON object", m->name);
		goto out;
	}
	if (img->want_config_digest[0]) {
		if (strcmp(img->want_config_digest, img->image_id) ||
		    img->want_config_size != img->config_len) {
			sb_error_file(err, ar->path,
				      "config %s: the manifest says %s, %" PRIu64
				      " bytes; it is %s, %zu bytes",
				      m->name, img->want_config_digest, img->want_config_size,
				      img->image_id, img->config_len);
			goto out;
		}
		img->config_named = 1;
	}
	if (name_digest(m->name, want)) {
		if (strcmp(want, img->image_id)) {
			sb_error_file(err, ar->path,
				      "config %s: its name says %s, its bytes are %s", m->name,
				      want, img->image_id);
			goto out;
		}
		img->config_named = 1;
	}
	rc = 0;
out:
	if (rc < 0 && img->config) {
		yajl_tree_free(img->config);
		img->config = NULL;
	}
	return rc;
}

/* ---- layers ---- */

struct lstream {
	struct archive *o, *r, *t;
	struct sb_sha256 blob, diff;
	uint64_t stored, tar_bytes, max;
	struct sb_error *err;
	const char *path, *name;
	int failed;
	char obuf[BUFSZ], rbuf[BUFSZ], dbuf[BUFSZ];
};

static la_ssize_t raw_cb(struct archive *a, void *ud, const void **out)
{
	struct lstream *s = ud;
	la_ssize_t n = archive_read_data(s->o, s->obuf, sizeof(s->obuf));

	(void)a;
	if (n < 0) {
		s->failed = 1;
		sb_error_file(s->err, s->path, "layer %s: %s", s->name, aerr(s->o));
		return -1;
	}
	sb_sha256_update(&s->blob, (unsigned char *)s->obuf, (size_t)n);
	s->stored += (uint64_t)n;
	*out = s->obuf;
	return n;
}

static la_ssize_t tar_cb(struct archive *a, void *ud, const void **out)
{
	struct lstream *s = ud;
	la_ssize_t n;

	(void)a;
	if (s->failed)
		return -1;
	n = archive_read_data(s->r, s->rbuf, sizeof(s->rbuf));
	if (n < 0) {
		if (!s->failed)
			sb_error_file(s->err, s->path, "layer %s: %s", s->name, aerr(s->r));
		s->failed = 1;
		return -1;
	}
	s->tar_bytes += (uint64_t)n;
	if (s->tar_bytes > s->max) {
		s->failed = 1;
		sb_error_file(s->err, s->path,
			      "layer %s: more than %" PRIu64
			      " bytes once uncompressed (a decompression bomb?)",
			      s->name, s->max);
		sb_error_hint(s->err, "the limit is rd_limits.max_layer");
		return -1;
	}
	sb_sha256_update(&s->diff, (unsigned char *)s->rbuf, (size_t)n);
	*out = s->rbuf;
	return n;
}

static int new_reader(struct archive **out, int raw, struct sb_error *err)
{
	struct archive *a = archive_read_new();

	*out = a;
	if (!a)
		return sb_errorf(err, "out of memory");
	if (raw ? support_filters(a) < 0 || archive_read_support_format_raw(a) != ARCHIVE_OK
		: archive_read_support_format_tar(a) != ARCHIVE_OK)
		return sb_errorf(err, "libarchive: %s", aerr(a));
	return 0;
}

static int add_entry(struct rd_archive *ar, struct rd_layer *l, size_t *cap, uint64_t *meta,
		     struct archive_entry *e, struct lstream *s, struct sb_error *err)
{
	const struct rd_limits *lim = &ar->priv->lim;
	const char *raw = entry_name(e), *why, *lk;
	struct rd_entry *x;
	int hard = archive_entry_hardlink(e) != NULL || archive_entry_hardlink_utf8(e);
	char *path;
	unsigned char h[32];
	struct sb_sha256 cs;
	uint64_t got = 0;

	if (!raw || strlen(raw) > lim->max_path)
		return sb_error_file(err, ar->path, "layer %s: entry %zu: no name, or one too long",
				     l->member, l->nentries + 1);
	path = clean_name(raw, &why);
	if (!path)
		return sb_error_file(err, ar->path, "layer %s: entry \"%s\" %s", l->member, raw,
				     why);
	if (!*path) { /* the layer's root, "./": nothing to record */
		free(path);
		return 0;
	}
	if (l->nentries >= lim->max_entries ||
	    sb_grow(&l->entries, cap, l->nentries + 1, sizeof(*l->entries)) < 0) {
		free(path);
		return sb_error_file(err, ar->path, "layer %s: more than %zu entries", l->member,
				     lim->max_entries);
	}
	x = &l->entries[l->nentries++];
	memset(x, 0, sizeof(*x));
	x->path = path;
	x->mode = (uint32_t)archive_entry_perm(e) & 07777;
	x->uid = archive_entry_uid(e);
	x->gid = archive_entry_gid(e);
	x->mtime = archive_entry_mtime(e);
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
		x->type = RD_FILE;
		break;
	case AE_IFDIR:
		x->type = RD_DIR;
		break;
	case AE_IFLNK:
		x->type = RD_SYMLINK;
		break;
	case AE_IFCHR:
		x->type = RD_CHAR;
		break;
	case AE_IFBLK:
		x->type = RD_BLOCK;
		break;
	case AE_IFIFO:
		x->type = RD_FIFO;
		break;
	default:
		if (!hard)
			return sb_error_file(err, ar->path, "layer %s: %s: unknown entry type",
					     l->member, path);
	}
	if (hard)
		x->type = RD_HARDLINK;
	*meta += strlen(path);
	if (x->type == RD_SYMLINK || x->type == RD_HARDLINK) {
		lk = entry_link(e, hard);
		if (!lk || strlen(lk) > lim->max_path)
			return sb_error_file(err, ar->path,
					     "layer %s: %s: link target missing or too long",
					     l->member, path);
		x->link = hard ? clean_name(lk, &why) : sb_strdup(lk);
		if (!x->link)
			return sb_error_file(err, ar->path,
					     "layer %s: %s: hard link target \"%s\" %s", l->member,
					     path, lk, why ? why : "out of memory");
		*meta += strlen(x->link);
	}
	if (*meta > lim->max_meta)
		return sb_error_file(err, ar->path,
				     "layer %s: more than %" PRIu64 " bytes of names in the image",
				     l->member, lim->max_meta);
	if (x->type != RD_FILE)
		return 0;
	if (archive_entry_size(e) < 0 || (uint64_t)archive_entry_size(e) > lim->max_layer)
		return sb_error_file(err, ar->path,
				     "layer %s: %s claims %" PRId64 " bytes, more than the %" PRIu64
				     " a layer may hold",
				     l->member, path, (int64_t)archive_entry_size(e),
				     lim->max_layer);
	x->size = (uint64_t)archive_entry_size(e);
	sb_sha256_init(&cs);
	for (;;) {
		la_ssize_t n = archive_read_data(s->t, s->dbuf, sizeof(s->dbuf));

		if (n < 0) {
			if (!s->failed)
				sb_error_file(err, ar->path, "layer %s: %s: %s", l->member, path,
					      aerr(s->t));
			return -1;
		}
		if (n == 0)
			break;
		sb_sha256_update(&cs, (unsigned char *)s->dbuf, (size_t)n);
		got += (uint64_t)n;
	}
	if (got != x->size)
		return sb_error_file(err, ar->path,
				     "layer %s: %s: truncated (%" PRIu64 " of %" PRIu64 " bytes)",
				     l->member, path, got, x->size);
	sb_sha256_final(&cs, h);
	dg_hex(h, x->sha256);
	return 0;
}

static int cmp_entry_idx(const void *x, const void *y, void *ud)
{
	const struct rd_entry *e = ud;

	return strcmp(e[*(const size_t *)x].path, e[*(const size_t *)y].path);
}

static int check_duplicates(struct rd_archive *ar, struct rd_layer *l, struct sb_error *err)
{
	size_t *ix = calloc(l->nentries + 1, sizeof(size_t));
	int rc = -1;

	if (!ix)
		return sb_errorf(err, "out of memory");
	for (size_t i = 0; i < l->nentries; i++)
		ix[i] = i;
	qsort_r(ix, l->nentries, sizeof(size_t), cmp_entry_idx, l->entries);
	for (size_t i = 1; i < l->nentries; i++) {
		if (!strcmp(l->entries[ix[i - 1]].path, l->entries[ix[i]].path)) {
			sb_error_file(err, ar->path, "layer %s: entry %s appears twice", l->member,
				      l->entries[ix[i]].path);
			goto out;
		}
	}
	rc = 0;
out:
	free(ix);
	return rc;
}

static int stream_layer(struct rd_archive *ar, struct rd_layer *l, uint64_t *meta,
			struct sb_error *err)
{
	const struct member *m;
	struct lstream *s = NULL;
	struct archive_entry *e;
	size_t cap = 0;
	const void *p;
	unsigned char h[32];
	char want[72];
	int r, rc = -1;

	if (lookup(ar, l->member, &m, err) < 0)
		goto out;
	if (!(l->resolved = sb_strdup(m->name)) || !(s = calloc(1, sizeof(*s)))) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	s->err = err;
	s->path = ar->path;
	s->name = l->member;
	s->max = ar->priv->lim.max_layer;
	sb_sha256_init(&s->blob);
	sb_sha256_init(&s->diff);
	if (seek_member(ar, m, &s->o, err) < 0 || new_reader(&s->r, 1, err) < 0 ||
	    new_reader(&s->t, 0, err) < 0)
		goto out;
	if (archive_read_open(s->r, s, NULL, raw_cb, NULL) != ARCHIVE_OK ||
	    (r = archive_read_next_header(s->r, &e)) < ARCHIVE_WARN || r == ARCHIVE_EOF) {
		if (!s->failed)
			sb_error_file(err, ar->path, "layer %s: %s", l->member,
				      archive_error_string(s->r) ? aerr(s->r) : "empty");
		goto out;
	}
	snprintf(l->compression, sizeof(l->compression), "%s",
		 archive_filter_count(s->r) > 1 ? archive_filter_name(s->r, 0) : "none");
	if (archive_read_open(s->t, s, NULL, tar_cb, NULL) != ARCHIVE_OK) {
		if (!s->failed)
			sb_error_file(err, ar->path, "layer %s: not a tar: %s", l->member,
				      aerr(s->t));
		goto out;
	}
	for (;;) {
		r = archive_read_next_header(s->t, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			if (!s->failed)
				sb_error_file(err, ar->path, "layer %s: %s%s%s", l->member,
					      aerr(s->t), l->nentries ? " after entry " : "",
					      l->nentries ? l->entries[l->nentries - 1].path : "");
			goto out;
		}
		if (add_entry(ar, l, &cap, meta, e, s, err) < 0)
			goto out;
	}
	/* What follows the end-of-archive blocks belongs to the DiffID too. */
	while ((r = (int)tar_cb(NULL, s, &p)) > 0)
		;
	if (r < 0)
		goto out;
	while ((r = (int)raw_cb(NULL, s, &p)) > 0)
		;
	if (r < 0)
		goto out;
	l->stored_size = s->stored;
	l->tar_size = s->tar_bytes;
	sb_sha256_final(&s->diff, h);
	dg_string(h, l->diff_id);
	sb_sha256_final(&s->blob, h);
	dg_string(h, l->blob_digest);
	if (l->stored_size != m->size) {
		sb_error_file(err, ar->path, "layer %s: %" PRIu64 " bytes read of %" PRIu64,
			      l->member, l->stored_size, m->size);
		goto out;
	}
	if (l->want_digest[0]) {
		if (strcmp(l->want_digest, l->blob_digest) || l->want_size != l->stored_size) {
			sb_error_file(err, ar->path,
				      "layer %s: the manifest says %s, %" PRIu64
				      " bytes; it is %s, %" PRIu64 " bytes",
				      l->member, l->want_digest, l->want_size, l->blob_digest,
				      l->stored_size);
			goto out;
		}
		l->blob_named = 1;
	}
	if (name_digest(m->name, want)) {
		if (strcmp(want, l->blob_digest)) {
			sb_error_file(err, ar->path, "layer %s: its name says %s, its bytes are %s",
				      m->name, want, l->blob_digest);
			goto out;
		}
		l->blob_named = 1;
	}
	if (check_duplicates(ar, l, err) < 0)
		goto out;
	rc = 0;
out:
	if (s) {
		if (s->t)
			archive_read_free(s->t);
		if (s->r)
			archive_read_free(s->r);
		if (s->o)
			archive_read_free(s->o);
		free(s);
	}
	return rc;
}

int rd_load_layers(struct rd_archive *ar, size_t i, struct sb_error *err)
{
	struct rd_image *img = &ar->images[i];
	yajl_val ids;
	uint64_t meta = 0;

	if (img->layers_loaded)
		return 0;
	if (rd_load_config(ar, i, err) < 0)
		return -1;
	ids = jt_get(jt_get(img->config, "rootfs"), "diff_ids");
	if (!YAJL_IS_ARRAY(ids) || ids->u.array.len != img->nlayers)
		return sb_error_file(
		    err, ar->path, "config %s: rootfs.diff_ids lists %zu layers, the manifest %zu",
		    img->config_member, YAJL_IS_ARRAY(ids) ? ids->u.array.len : 0, img->nlayers);
	for (size_t k = 0; k < img->nlayers; k++) {
		struct rd_layer *l = &img->layers[k];
		yajl_val id = ids->u.array.values[k];

		if (stream_layer(ar, l, &meta, err) < 0)
			return -1;
		if (!YAJL_IS_STRING(id) || strcmp(id->u.string, l->diff_id))
			return sb_error_file(err, ar->path,
					     "layer %zu (%s): its DiffID is %s, but the config's "
					     "rootfs.diff_ids[%zu] says %s",
					     k, l->member, l->diff_id, k,
					     YAJL_IS_STRING(id) ? id->u.string : "(not a string)");
		l->verified = 1;
	}
	img->layers_loaded = 1;
	return 0;
}

static void layer_release(struct rd_layer *l)
{
	for (size_t i = 0; i < l->nentries; i++) {
		free(l->entries[i].path);
		free(l->entries[i].link);
	}
	free(l->entries);
	free(l->member);
	free(l->resolved);
	free(l->media_type);
}

void rd_close(struct rd_archive *ar)
{
	if (!ar)
		return;
	for (size_t i = 0; i < ar->nimages; i++) {
		struct rd_image *img = &ar->images[i];

		for (size_t k = 0; k < img->nlayers; k++)
			layer_release(&img->layers[k]);
		free(img->layers);
		free(img->config_member);
		free(img->manifest_member);
		sb_strv_free(img->tags);
		free(img->config_raw);
		yajl_tree_free(img->config);
	}
	free(ar->images);
	if (ar->priv) {
		for (size_t i = 0; i < ar->priv->nm; i++) {
			free(ar->priv->m[i].name);
			free(ar->priv->m[i].link);
		}
		free(ar->priv->m);
		free(ar->priv);
	}
	free(ar->path);
	free(ar);
}
