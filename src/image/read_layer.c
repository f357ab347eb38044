/* The layers of an image, streamed: each goes through three libarchive
 * readers in a row (the outer tar's member data, a raw reader that undoes any
 * compression, and a tar reader over the uncompressed bytes), each hashing
 * what passes through, so that memory never grows with a layer's size. Every
 * entry is recorded with its content's digest; the layer's DiffID and blob
 * digest are checked against the config, the descriptor and the name. */
#include "image/read_priv.h"
#include "image/digest.h"
#include "util/jtree.h"
#include "util/mem.h"
#include "util/sha256.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct lstream {
	struct archive *o, *r, *t;
	struct sb_sha256 blob, diff;
	uint64_t stored, tar_bytes, max;
	struct sb_error *err;
	const char *path, *name;
	int failed;
	int hash_blob, hash_diff; /* what passes through is hashed (rd_scan_layer: not) */
	char obuf[BUFSZ], rbuf[BUFSZ], dbuf[BUFSZ];
};

static la_ssize_t raw_cb(struct archive *a, void *ud, const void **out)
{
	struct lstream *s = ud;
	la_ssize_t n = archive_read_data(s->o, s->obuf, sizeof(s->obuf));

	(void)a;
	if (n < 0) {
		s->failed = 1;
		sb_error_file(s->err, s->path, "layer %s: %s", s->name, rd_aerr(s->o));
		return -1;
	}
	if (s->hash_blob)
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
			sb_error_file(s->err, s->path, "layer %s: %s", s->name, rd_aerr(s->r));
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
	if (s->hash_diff)
		sb_sha256_update(&s->diff, (unsigned char *)s->rbuf, (size_t)n);
	*out = s->rbuf;
	return n;
}

/* Frees s and its readers (innermost first); NULL is nothing. */
static void stream_free(struct lstream *s)
{
	if (!s)
		return;
	if (s->t)
		archive_read_free(s->t);
	if (s->r)
		archive_read_free(s->r);
	if (s->o)
		archive_read_free(s->o);
	free(s);
}

/* Reads what is left of the layer once its tar reader has met the end: the
 * rest of the uncompressed stream (padding after the end-of-archive
 * blocks), then the rest of the stored bytes, each through its hash. */
static int drain_rest(struct lstream *s)
{
	const void *p;
	la_ssize_t r;

	while ((r = tar_cb(NULL, s, &p)) > 0)
		;
	if (r < 0)
		return -1;
	while ((r = raw_cb(NULL, s, &p)) > 0)
		;
	return r < 0 ? -1 : 0;
}

static int new_reader(struct archive **out, int raw, struct sb_error *err)
{
	struct archive *a = archive_read_new();

	*out = a;
	if (!a)
		return sb_errorf(err, "out of memory");
	if (raw ? rd_support_filters(a) < 0 || archive_read_support_format_raw(a) != ARCHIVE_OK
		: archive_read_support_format_tar(a) != ARCHIVE_OK)
		return sb_errorf(err, "libarchive: %s", rd_aerr(a));
	return 0;
}

/* The type of entry e (a hard link, whatever its header's type says), or -1
 * for a type a layer cannot hold. */
static int entry_type(struct archive_entry *e, int hard, enum rd_type *out)
{
	if (hard) {
		*out = RD_HARDLINK;
		return 0;
	}
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
		*out = RD_FILE;
		return 0;
	case AE_IFDIR:
		*out = RD_DIR;
		return 0;
	case AE_IFLNK:
		*out = RD_SYMLINK;
		return 0;
	case AE_IFCHR:
		*out = RD_CHAR;
		return 0;
	case AE_IFBLK:
		*out = RD_BLOCK;
		return 0;
	case AE_IFIFO:
		*out = RD_FIFO;
		return 0;
	default:
		return -1;
	}
}

/* Reads the content of file entry x (header e) from the layer's tar reader:
 * its size checked, its SHA-256 into x->sha256. */
static int hash_content(struct rd_archive *ar, struct rd_layer *l, struct rd_entry *x,
			struct archive_entry *e, struct lstream *s, struct sb_error *err)
{
	const struct rd_limits *lim = &ar->priv->lim;
	const char *path = x->path;
	unsigned char h[32];
	struct sb_sha256 cs;
	uint64_t got = 0;

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
					      rd_aerr(s->t));
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

/* Fills x (zeroed) from header e, the nth entry of layer l: its name and
 * link target cleaned and checked, *meta counting their bytes. x->path is
 * left NULL for the layer's root ("./"), which holds nothing to record. */
static int fill_entry(struct rd_archive *ar, struct rd_layer *l, size_t n, uint64_t *meta,
		      struct archive_entry *e, struct rd_entry *x, struct sb_error *err)
{
	const struct rd_limits *lim = &ar->priv->lim;
	const char *raw = rd_entry_name(e), *why, *lk;
	int hard = archive_entry_hardlink(e) != NULL || archive_entry_hardlink_utf8(e);
	char *path;

	if (!raw || strlen(raw) > lim->max_path)
		return sb_error_file(err, ar->path, "layer %s: entry %zu: no name, or one too long",
				     l->member, n);
	path = rd_clean_name(raw, &why);
	if (!path)
		return sb_error_file(err, ar->path, "layer %s: entry \"%s\" %s", l->member, raw,
				     why);
	if (!*path) { /* the layer's root, "./": nothing to record */
		free(path);
		return 0;
	}
	x->path = path;
	x->mode = (uint32_t)archive_entry_perm(e) & 07777;
	x->uid = archive_entry_uid(e);
	x->gid = archive_entry_gid(e);
	x->mtime = archive_entry_mtime(e);
	if (entry_type(e, hard, &x->type) < 0)
		return sb_error_file(err, ar->path, "layer %s: %s: unknown entry type", l->member,
				     path);
	*meta += strlen(path);
	if (x->type == RD_SYMLINK || x->type == RD_HARDLINK) {
		lk = rd_entry_link(e, hard);
		if (!lk || strlen(lk) > lim->max_path)
			return sb_error_file(err, ar->path,
					     "layer %s: %s: link target missing or too long",
					     l->member, path);
		x->link = hard ? rd_clean_name(lk, &why) : sb_strdup(lk);
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
	return 0;
}

static int add_entry(struct rd_archive *ar, struct rd_layer *l, size_t *cap, uint64_t *meta,
		     struct archive_entry *e, struct lstream *s, struct sb_error *err)
{
	const struct rd_limits *lim = &ar->priv->lim;
	struct rd_entry x = {0};

	if (fill_entry(ar, l, l->nentries + 1, meta, e, &x, err) < 0)
		goto fail;
	if (!x.path) /* the layer's root */
		return 0;
	if (l->nentries >= lim->max_entries ||
	    sb_grow(&l->entries, cap, l->nentries + 1, sizeof(*l->entries)) < 0) {
		sb_error_file(err, ar->path, "layer %s: more than %zu entries", l->member,
			      lim->max_entries);
		goto fail;
	}
	l->entries[l->nentries++] = x;
	if (x.type != RD_FILE)
		return 0;
	return hash_content(ar, l, &l->entries[l->nentries - 1], e, s, err);
fail:
	free(x.path);
	free(x.link);
	return -1;
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

/* A stream over layer l (member m), hashing its stored bytes (hash_blob)
 * and its uncompressed ones (hash_diff) as they pass: the three readers
 * opened, the outer tar at m, the raw reader over it, whose first header
 * tells the compression (into l->compression), and the tar reader over that.
 * *out is yours (stream_free), also when this fails. */
static int stream_new(struct rd_archive *ar, struct rd_layer *l, const struct member *m,
		      int hash_blob, int hash_diff, struct lstream **out, struct sb_error *err)
{
	struct lstream *s = calloc(1, sizeof(*s));
	struct archive_entry *e;
	int r;

	*out = s;
	if (!s)
		return sb_errorf(err, "out of memory");
	s->err = err;
	s->path = ar->path;
	s->name = l->member;
	s->max = ar->priv->lim.max_layer;
	s->hash_blob = hash_blob;
	s->hash_diff = hash_diff;
	sb_sha256_init(&s->blob);
	sb_sha256_init(&s->diff);
	if (rd_seek_member(ar, m, &s->o, err) < 0 || new_reader(&s->r, 1, err) < 0 ||
	    new_reader(&s->t, 0, err) < 0)
		return -1;
	if (archive_read_open(s->r, s, NULL, raw_cb, NULL) != ARCHIVE_OK ||
	    (r = archive_read_next_header(s->r, &e)) < ARCHIVE_WARN || r == ARCHIVE_EOF) {
		if (!s->failed)
			sb_error_file(err, ar->path, "layer %s: %s", l->member,
				      archive_error_string(s->r) ? rd_aerr(s->r) : "empty");
		return -1;
	}
	snprintf(l->compression, sizeof(l->compression), "%s",
		 archive_filter_count(s->r) > 1 ? archive_filter_name(s->r, 0) : "none");
	if (archive_read_open(s->t, s, NULL, tar_cb, NULL) != ARCHIVE_OK) {
		if (!s->failed)
			sb_error_file(err, ar->path, "layer %s: not a tar: %s", l->member,
				      rd_aerr(s->t));
		return -1;
	}
	return 0;
}

/* Checks what was read of layer l (member m) against the member's size, the
 * descriptor's digest and size, and the digest its name gives. */
static int check_blob(struct rd_archive *ar, struct rd_layer *l, const struct member *m,
		      struct sb_error *err)
{
	char want[72];

	if (l->stored_size != m->size) {
		sb_error_file(err, ar->path, "layer %s: %" PRIu64 " bytes read of %" PRIu64,
			      l->member, l->stored_size, m->size);
		return -1;
	}
	if (l->want_digest[0]) {
		if (strcmp(l->want_digest, l->blob_digest) || l->want_size != l->stored_size) {
			sb_error_file(err, ar->path,
				      "layer %s: the manifest says %s, %" PRIu64
				      " bytes; it is %s, %" PRIu64 " bytes",
				      l->member, l->want_digest, l->want_size, l->blob_digest,
				      l->stored_size);
			return -1;
		}
		l->blob_named = 1;
	}
	if (rd_name_digest(m->name, want)) {
		if (strcmp(want, l->blob_digest)) {
			sb_error_file(err, ar->path, "layer %s: its name says %s, its bytes are %s",
				      m->name, want, l->blob_digest);
			return -1;
		}
		l->blob_named = 1;
	}
	return 0;
}

static int stream_layer(struct rd_archive *ar, struct rd_layer *l, uint64_t *meta,
			struct sb_error *err)
{
	const struct member *m;
	struct lstream *s = NULL;
	struct archive_entry *e;
	size_t cap = 0;
	unsigned char h[32];
	int r, rc = -1;

	if (rd_lookup(ar, l->member, &m, err) < 0)
		goto out;
	if (!(l->resolved = sb_strdup(m->name))) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (stream_new(ar, l, m, 1, 1, &s, err) < 0)
		goto out;
	for (;;) {
		r = archive_read_next_header(s->t, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			if (!s->failed)
				sb_error_file(err, ar->path, "layer %s: %s%s%s", l->member,
					      rd_aerr(s->t), l->nentries ? " after entry " : "",
					      l->nentries ? l->entries[l->nentries - 1].path : "");
			goto out;
		}
		if (add_entry(ar, l, &cap, meta, e, s, err) < 0)
			goto out;
	}
	/* What follows the end-of-archive blocks belongs to the DiffID too. */
	if (drain_rest(s) < 0)
		goto out;
	l->stored_size = s->stored;
	l->tar_size = s->tar_bytes;
	sb_sha256_final(&s->diff, h);
	dg_string(h, l->diff_id);
	sb_sha256_final(&s->blob, h);
	dg_string(h, l->blob_digest);
	if (check_blob(ar, l, m, err) < 0 || check_duplicates(ar, l, err) < 0)
		goto out;
	rc = 0;
out:
	stream_free(s);
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

/* ---- headers only ---- */

/* Takes layer l's DiffID from the config's rootfs.diff_ids[k], and its blob
 * digest from what names the member m: the descriptor, the member's name, or
 * (nothing names it) the DiffID when the layer turns out uncompressed. */
static int scan_digests(struct rd_archive *ar, struct rd_image *img, size_t k,
			const struct member *m, struct sb_error *err)
{
	struct rd_layer *l = &img->layers[k];
	yajl_val ids = jt_get(jt_get(img->config, "rootfs"), "diff_ids"), id;

	if (!YAJL_IS_ARRAY(ids) || ids->u.array.len != img->nlayers)
		return sb_error_file(
		    err, ar->path, "config %s: rootfs.diff_ids lists %zu layers, the manifest %zu",
		    img->config_member, YAJL_IS_ARRAY(ids) ? ids->u.array.len : 0, img->nlayers);
	id = ids->u.array.values[k];
	if (!YAJL_IS_STRING(id) || strncmp(id->u.string, "sha256:", 7) ||
	    !dg_is_hex64(id->u.string + 7, strlen(id->u.string + 7)))
		return sb_error_file(err, ar->path,
				     "config %s: rootfs.diff_ids[%zu] is not a sha256 digest",
				     img->config_member, k);
	snprintf(l->diff_id, sizeof(l->diff_id), "%s", id->u.string);
	if (l->want_digest[0]) {
		if (l->has_want_size && l->want_size != m->size)
			return sb_error_file(err, ar->path,
					     "layer %s: the manifest says %" PRIu64
					     " bytes; it is %" PRIu64 " bytes",
					     l->member, l->want_size, m->size);
		memcpy(l->blob_digest, l->want_digest, sizeof(l->blob_digest));
	} else if (!rd_name_digest(m->name, l->blob_digest)) {
		l->blob_digest[0] = '\0';
	}
	return 0;
}

int rd_scan_layer(struct rd_archive *ar, size_t i, size_t k, uint64_t *meta, rd_entry_fn fn,
		  void *ud, struct sb_error *err)
{
	struct rd_image *img = &ar->images[i];
	struct rd_layer *l = &img->layers[k];
	const struct member *m;
	struct lstream *s = NULL;
	struct archive_entry *e;
	struct rd_entry x;
	unsigned char h[32];
	uint64_t pos = 0;
	int r, rc = -1;

	memset(&x, 0, sizeof(x));
	if (rd_load_config(ar, i, err) < 0 || rd_lookup(ar, l->member, &m, err) < 0 ||
	    scan_digests(ar, img, k, m, err) < 0)
		goto out;
	free(l->resolved);
	if (!(l->resolved = sb_strdup(m->name))) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (stream_new(ar, l, m, !l->blob_digest[0], 0, &s, err) < 0)
		goto out;
	if (!strcmp(l->compression, "none")) /* the blob is the tar: its digest the DiffID */
		s->hash_blob = 0;
	for (;; pos++) {
		r = archive_read_next_header(s->t, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			if (!s->failed)
				sb_error_file(err, ar->path, "layer %s: %s%s%s", l->member,
					      rd_aerr(s->t), x.path ? " after entry " : "",
					      x.path ? x.path : "");
			goto out;
		}
		free(x.path);
		free(x.link);
		memset(&x, 0, sizeof(x));
		if (fill_entry(ar, l, (size_t)pos + 1, meta, e, &x, err) < 0)
			goto out;
		if (x.type == RD_FILE)
			x.size = archive_entry_size(e) > 0 ? (uint64_t)archive_entry_size(e) : 0;
		if (x.size > ar->priv->lim.max_layer) {
			sb_error_file(err, ar->path,
				      "layer %s: %s claims %" PRIu64
				      " bytes, more than the %" PRIu64 " a layer may hold",
				      l->member, x.path, x.size, ar->priv->lim.max_layer);
			goto out;
		}
		if (x.path && fn(ud, &x, pos + 1, err) < 0)
			goto out;
		if (archive_read_data_skip(s->t) < ARCHIVE_WARN) {
			if (!s->failed)
				sb_error_file(err, ar->path, "layer %s: %s: %s", l->member,
					      x.path ? x.path : ".", rd_aerr(s->t));
			goto out;
		}
	}
	/* What follows the end-of-archive blocks belongs to the tar too. */
	if (drain_rest(s) < 0)
		goto out;
	l->stored_size = s->stored;
	l->tar_size = s->tar_bytes;
	if (l->stored_size != m->size) {
		sb_error_file(err, ar->path, "layer %s: %" PRIu64 " bytes read of %" PRIu64,
			      l->member, l->stored_size, m->size);
		goto out;
	}
	if (!l->blob_digest[0] && s->hash_blob) {
		sb_sha256_final(&s->blob, h);
		dg_string(h, l->blob_digest);
	} else if (!l->blob_digest[0]) {
		memcpy(l->blob_digest, l->diff_id, sizeof(l->blob_digest));
	}
	rc = 0;
out:
	free(x.path);
	free(x.link);
	stream_free(s);
	return rc;
}

static int skip_entry(void *ud, const struct rd_entry *x, uint64_t pos, struct sb_error *err)
{
	(void)ud;
	(void)x;
	(void)pos;
	(void)err;
	return 0;
}

int rd_probe_layer(struct rd_archive *ar, size_t i, size_t k, struct sb_error *err)
{
	struct rd_image *img = &ar->images[i];
	struct rd_layer *l = &img->layers[k];
	const struct member *m;
	struct lstream *s = NULL;
	struct archive_entry *e;
	uint64_t meta = 0;
	int r, rc = -1;

	if (rd_load_config(ar, i, err) < 0 || rd_lookup(ar, l->member, &m, err) < 0 ||
	    scan_digests(ar, img, k, m, err) < 0 || stream_new(ar, l, m, 0, 0, &s, err) < 0)
		goto out;
	if (strcmp(l->compression, "none")) {
		/* only reading it through tells its tar's size */
		stream_free(s);
		s = NULL;
		rc = rd_scan_layer(ar, i, k, &meta, skip_entry, NULL, err);
		goto out;
	}
	/* one header: the stored bytes are a tar */
	r = archive_read_next_header(s->t, &e);
	if (r < ARCHIVE_WARN) {
		if (!s->failed)
			sb_error_file(err, ar->path, "layer %s: %s", l->member, rd_aerr(s->t));
		goto out;
	}
	free(l->resolved);
	if (!(l->resolved = sb_strdup(m->name))) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	l->stored_size = l->tar_size = m->size;
	if (!l->blob_digest[0])
		memcpy(l->blob_digest, l->diff_id, sizeof(l->blob_digest));
	rc = 0;
out:
	stream_free(s);
	return rc;
}

/* ---- a cursor in one layer ---- */

struct rd_cursor {
	struct rd_archive *ar;
	struct rd_layer *l;
	const struct member *m;
	struct lstream *s;
	uint64_t pos; /* headers read */
	uint64_t meta;
};

static void cursor_close(struct rd_cursor *c)
{
	stream_free(c->s);
	c->s = NULL;
	c->pos = 0;
}

int rd_cursor_open(struct rd_archive *ar, size_t i, size_t k, struct rd_cursor **out,
		   struct sb_error *err)
{
	struct rd_cursor *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return sb_errorf(err, "out of memory");
	c->ar = ar;
	c->l = &ar->images[i].layers[k];
	if (rd_lookup(ar, c->l->member, &c->m, err) < 0) {
		free(c);
		return -1;
	}
	*out = c;
	return 0;
}

static int cursor_start(struct rd_cursor *c, struct sb_error *err)
{
	char comp[sizeof(c->l->compression)];

	cursor_close(c);
	memcpy(comp, c->l->compression, sizeof(comp));
	if (stream_new(c->ar, c->l, c->m, 0, 0, &c->s, err) < 0)
		return -1;
	if (comp[0] && strcmp(comp, c->l->compression))
		return sb_error_file(err, c->ar->path, "layer %s: was %s, is now %s: it changed",
				     c->l->member, comp, c->l->compression);
	return 0;
}

int rd_cursor_seek(struct rd_cursor *c, uint64_t pos, struct rd_entry *x, struct sb_error *err)
{
	struct archive_entry *e = NULL;

	free(x->path);
	free(x->link);
	memset(x, 0, sizeof(*x));
	if (pos == 0)
		return sb_errorf(err, "layer %s: no entry 0", c->l->member);
	if ((!c->s || c->pos >= pos) && cursor_start(c, err) < 0)
		goto fail;
	c->s->err = err;
	while (c->pos < pos) {
		int r = archive_read_next_header(c->s->t, &e);

		if (r == ARCHIVE_EOF || r < ARCHIVE_WARN) {
			if (!c->s->failed)
				sb_error_file(err, c->ar->path, "layer %s: entry %" PRIu64 ": %s",
					      c->l->member, pos,
					      r == ARCHIVE_EOF ? "not there: the layer changed"
							       : rd_aerr(c->s->t));
			goto fail;
		}
		c->pos++;
	}
	if (!e) /* the header at pos was read before, its data partly: start again */
		return rd_cursor_seek(c, pos, x, err);
	if (fill_entry(c->ar, c->l, (size_t)pos, &c->meta, e, x, err) < 0)
		goto fail;
	if (x->type == RD_FILE)
		x->size = archive_entry_size(e) > 0 ? (uint64_t)archive_entry_size(e) : 0;
	return 0;
fail:
	cursor_close(c);
	return -1;
}

int rd_cursor_read(struct rd_cursor *c, void *buf, size_t n, size_t *got, struct sb_error *err)
{
	la_ssize_t r;

	*got = 0;
	if (!c->s)
		return sb_errorf(err, "layer %s: read after an error", c->l->member);
	c->s->err = err;
	r = archive_read_data(c->s->t, buf, n);
	if (r < 0) {
		if (!c->s->failed)
			sb_error_file(err, c->ar->path, "layer %s: %s", c->l->member,
				      rd_aerr(c->s->t));
		cursor_close(c);
		return -1;
	}
	*got = (size_t)r;
	return 0;
}

void rd_cursor_free(struct rd_cursor *c)
{
	if (!c)
		return;
	cursor_close(c);
	free(c);
}
