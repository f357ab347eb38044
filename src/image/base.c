/* Opening a base image: the file opened with the image reader, one of its
 * images chosen (by tag, digest or platform), its config read as BuildKit
 * inherits it, and each layer read once for its headers into a tree of
 * entries. No layer's content is hashed here: the writer verifies every
 * digest while it copies the bytes (base_blob.c). */
#include "image/base_priv.h"
#include "util/mem.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int base_fail(struct sb_error *err, const char *what, const char *hint)
{
	char *msg;

	if (err->file) {
		msg =
		    sb_printf("%s: %s: %s", what, err->file, err->msg ? err->msg : "out of memory");
		free(err->file);
		err->file = NULL;
	} else {
		msg = sb_printf("%s: %s", what, err->msg ? err->msg : "out of memory");
	}
	if (msg) {
		free(err->msg);
		err->msg = msg;
	}
	if (!err->hint && hint)
		sb_error_hint(err, "%s", hint);
	return -1;
}

static const char hint_file[] = "check that the file is a whole image: `docker save -o FILE "
				"IMAGE`, or `skopeo copy docker-daemon:IMAGE oci:DIR:TAG`";

/* ---- choosing the image ---- */

/* The tag part of a name ("nonroot" of "registry.example/x:nonroot"), or
 * NULL when it has none. */
static const char *tag_part(const char *name)
{
	const char *slash = strrchr(name, '/'), *colon = strrchr(name, ':');

	return colon && (!slash || colon > slash) ? colon + 1 : NULL;
}

static int has_tag(const struct rd_image *img, const char *ref)
{
	for (size_t i = 0; img->tags && img->tags[i]; i++) {
		const char *t = tag_part(img->tags[i]);

		if (!strcmp(img->tags[i], ref) || (t && !strcmp(t, ref)))
			return 1;
	}
	return 0;
}

/* The digest of image i's manifest ("sha256:<hex>", from its blob's name),
 * or "" when it has none (manifest.json layouts). */
static void manifest_digest(const struct rd_image *img, char d[72])
{
	const char *m = img->manifest_member;

	d[0] = '\0';
	if (m && !strncmp(m, "blobs/sha256/", 13))
		snprintf(d, 72, "sha256:%s", m + 13);
}

/* Whether image i has digest ref: of its manifest, or its ID. */
static int has_digest(struct rd_archive *ar, size_t i, const char *ref, int *yes,
		      struct sb_error *err)
{
	struct rd_image *img = &ar->images[i];
	char d[72];

	manifest_digest(img, d);
	*yes = (d[0] && !strcmp(d, ref)) || !strcmp(img->want_config_digest, ref);
	if (*yes)
		return 0;
	if (rd_load_config(ar, i, err) < 0)
		return -1;
	*yes = !strcmp(img->image_id, ref);
	return 0;
}

/* The platform image i is for: its index descriptor's, else its config's. */
static int image_platform(struct rd_archive *ar, size_t i, struct img_platform *p,
			  struct sb_error *err)
{
	struct rd_image *img = &ar->images[i];

	if (img->platform[0]) {
		if (img_platform_parse(img->platform, p, err) < 0)
			return sb_error_prefix(err, "%s: the index's platform %s for %s", ar->path,
					       img->platform, img->manifest_member);
		return 0;
	}
	if (rd_load_config(ar, i, err) < 0)
		return -1;
	if (base_platform_of(ar->images[i].config, p, err) < 0)
		return sb_error_prefix(err, "config %s", img->config_member);
	return 0;
}

static int by_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* One image of the list: its tags, else its manifest's digest, else its ID;
 * with platforms, its platform after it. Yours, or NULL (memory). */
static char *list_item(struct rd_archive *ar, size_t i, int platforms)
{
	const struct rd_image *img = &ar->images[i];
	struct sb_buf b = {0};
	struct img_platform p;
	struct sb_error e = {0};
	char d[72] = "";
	int rc = 0;

	if (img->tags && img->tags[0]) {
		for (size_t t = 0; img->tags[t]; t++)
			rc |= sb_buf_addf(&b, "%s%s", t ? " " : "", img->tags[t]);
	} else if (manifest_digest(img, d), d[0]) {
		rc |= sb_buf_adds(&b, d);
	} else if (rd_load_config(ar, i, &e) == 0) {
		rc |= sb_buf_adds(&b, ar->images[i].image_id);
	} else {
		rc |= sb_buf_adds(&b, "(an image whose config cannot be read)");
	}
	if (platforms && image_platform(ar, i, &p, &e) == 0)
		rc |= sb_buf_addf(&b, " (%s)", p.name);
	sb_error_release(&e);
	if (rc) {
		sb_buf_release(&b);
		return NULL;
	}
	return sb_buf_detach(&b);
}

/* "a:1, sha256:...": how the images at ix[0..n) can be named, sorted (the
 * order of a file's images is not always the same: docker save writes
 * several in no fixed order); with platforms, each one's platform after it. */
static char *list_images(struct rd_archive *ar, const size_t *ix, size_t n, int platforms)
{
	char **items = calloc(n + 1, sizeof(char *));
	struct sb_buf b = {0};
	char *out = NULL;
	int rc = !items;

	for (size_t k = 0; k < n && rc == 0; k++)
		rc = !(items[k] = list_item(ar, ix[k], platforms));
	if (rc == 0)
		qsort(items, n, sizeof(char *), by_name);
	for (size_t k = 0; k < n && rc == 0; k++)
		rc |= sb_buf_addf(&b, "%s%s", k ? ", " : "", items[k]);
	if (rc == 0)
		out = sb_buf_detach(&b);
	sb_buf_release(&b);
	for (size_t k = 0; items && k < n; k++)
		free(items[k]);
	free(items);
	return out;
}

/* Keeps, of the n images at ix, those for platform; *n says how many. */
static int keep_platform(struct rd_archive *ar, size_t *ix, size_t *n,
			 const struct img_platform *platform, struct sb_error *err)
{
	size_t k = 0;

	for (size_t j = 0; j < *n; j++) {
		struct img_platform p;

		if (image_platform(ar, ix[j], &p, err) < 0)
			return -1;
		if (!strcmp(p.name, platform->name))
			ix[k++] = ix[j];
	}
	*n = k;
	return 0;
}

/* The images that sel->ref names (all of them without one) into ix. */
static int matching(struct rd_archive *ar, const struct img_base_select *sel, size_t *ix, size_t *n,
		    struct sb_error *err)
{
	int digest = sel->ref && !strncmp(sel->ref, "sha256:", 7);

	*n = 0;
	for (size_t i = 0; i < ar->nimages; i++) {
		int yes = 1;

		if (digest && has_digest(ar, i, sel->ref, &yes, err) < 0)
			return -1;
		if (sel->ref && !digest)
			yes = has_tag(&ar->images[i], sel->ref);
		if (yes)
			ix[(*n)++] = i;
	}
	return 0;
}

static int choose(struct img_base *b, const struct img_base_select *sel, struct sb_error *err)
{
	struct rd_archive *ar = b->ar;
	size_t *ix = calloc(ar->nimages + 1, sizeof(size_t)), *all = NULL, n = 0, nall = 0;
	char *list = NULL;
	int rc = -1;

	if (!ix || !(all = calloc(ar->nimages + 1, sizeof(size_t)))) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ar->nimages; i++)
		all[nall++] = i;
	if (matching(ar, sel, ix, &n, err) < 0)
		goto out;
	if (n == 0) {
		list = list_images(ar, all, nall, 0);
		sb_errorf(err, "%s: no image %s %s; it holds %s", ar->path,
			  strncmp(sel->ref, "sha256:", 7) ? "tagged" : "with digest", sel->ref,
			  list ? list : "?");
		sb_error_hint(err, "name one of the images it holds");
		goto out;
	}
	if (n > 1 && sel->platform) {
		size_t before = n;

		memcpy(all, ix, n * sizeof(size_t));
		if (keep_platform(ar, ix, &n, sel->platform, err) < 0)
			goto out;
		if (n == 0) {
			list = list_images(ar, all, before, 1);
			sb_errorf(err, "%s: no image for %s; it has %s", ar->path,
				  sel->platform->name, list ? list : "?");
			sb_error_hint(err,
				      "build for one of those with --platform, or give "
				      "an image that has %s",
				      sel->platform->name);
			goto out;
		}
	}
	if (n > 1) {
		list = list_images(ar, ix, n, sel->platform != NULL);
		sb_errorf(err, "%s: %zu images fit, choose one: %s", ar->path, n,
			  list ? list : "?");
		sb_error_hint(err, "add :TAG or @sha256:DIGEST to choose one of them");
		goto out;
	}
	b->image = ix[0];
	rc = 0;
out:
	free(list);
	free(ix);
	free(all);
	return rc;
}

/* ---- the layers ---- */

struct put {
	struct img_tree *t;
	size_t layer, count, max;
	const char *path; /* the file, for errors */
	const char *member;
};

static int put_err(const struct put *p, struct sb_error *err, const char *fmt, const char *name,
		   const char *more)
{
	char *msg = sb_printf(fmt, name, more);

	sb_errorf(err, "%s: layer %zu (%s): %s", p->path, p->layer + 1, p->member,
		  msg ? msg : "out of memory");
	free(msg);
	return -1;
}

/* Makes sure every directory above path is in the tree: one the tar leaves
 * out is added (0755, root) with member 0, as Docker makes a missing parent
 * when it applies a layer. */
static int put_parents(struct put *p, const char *path, struct sb_error *err)
{
	char *dir = sb_strdup(path);
	int rc = -1;

	if (!dir)
		return sb_errorf(err, "out of memory");
	for (char *s = strchr(dir, '/'); s; s = strchr(s + 1, '/')) {
		const struct img_entry *have;
		struct img_entry d = {.type = IMG_DIR, .mode = 0755};

		*s = '\0';
		have = img_tree_get(p->t, dir);
		if (have && have->type != IMG_DIR) {
			put_err(p, err, "%s: %s is not a directory", path, dir);
			goto out;
		}
		d.path = dir;
		if (!have && img_tree_put(p->t, &d, err) < 0)
			goto out;
		*s = '/';
	}
	rc = 0;
out:
	free(dir);
	return rc;
}

static int put_type(const struct put *p, const struct rd_entry *x, enum img_type *out,
		    struct sb_error *err)
{
	switch (x->type) {
	case RD_FILE:
		*out = IMG_REG;
		return 0;
	case RD_DIR:
		*out = IMG_DIR;
		return 0;
	case RD_SYMLINK:
		*out = IMG_SYMLINK;
		return 0;
	case RD_HARDLINK:
		*out = IMG_HARDLINK;
		return 0;
	case RD_FIFO:
		*out = IMG_FIFO;
		return 0;
	default:
		/* BuildKit's layers can hold devices (made by RUN mknod); an image
		 * scratchbuild writes cannot, so it refuses them rather than
		 * dropping them silently. */
		put_err(p, err, "%s: a %s: scratchbuild cannot copy device files", x->path,
			rd_type_name(x->type));
		return sb_error_hint(err, "use a base without device files (containers get "
					  "their /dev from the runtime)");
	}
}

/* rd_scan_layer's callback: entry x, the pos-th header of the tar, into the
 * layer's tree. */
static int put_entry(void *ud, const struct rd_entry *x, uint64_t pos, struct sb_error *err)
{
	struct put *p = ud;
	struct img_entry e = {0};
	const struct img_entry *have;

	if (++p->count > p->max)
		return put_err(p, err, "%s%s", "more entries than the reader's limit", "");
	if (put_type(p, x, &e.type, err) < 0)
		return -1;
	if (x->uid < 0 || x->uid > UINT32_MAX || x->gid < 0 || x->gid > UINT32_MAX)
		return put_err(p, err, "%s: owner %s out of range", x->path, "or group");
	if (put_parents(p, x->path, err) < 0)
		return -1;
	have = img_tree_get(p->t, x->path);
	if (have && (have->type != IMG_DIR || have->member))
		return put_err(p, err, "%s: appears twice%s", x->path, "");
	if (have && e.type != IMG_DIR)
		return put_err(p, err, "%s: comes after entries inside it, and is not a %s",
			       x->path, "directory");
	if (e.type == IMG_HARDLINK) {
		const struct img_entry *to = img_tree_get(p->t, x->link);

		if (!to || (to->type != IMG_REG && to->type != IMG_HARDLINK))
			return put_err(p, err,
				       "%s: a hard link to %s, which is not a file of the layer "
				       "before it",
				       x->path, x->link);
	}
	e.path = x->path;
	e.mode = x->mode;
	e.uid = (uint32_t)x->uid;
	e.gid = (uint32_t)x->gid;
	e.size = x->size;
	e.link = x->link;
	e.mtime = x->mtime;
	e.member = pos;
	if (e.type == IMG_REG) {
		e.source = x->path;
		e.layer = (uint32_t)p->layer;
	}
	return img_tree_put(p->t, &e, err);
}

static int index_layers(struct img_base *b, int blobs_only, struct sb_error *err)
{
	struct rd_image *img = &b->ar->images[b->image];
	struct rd_limits lim;
	uint64_t meta = 0;

	rd_limits_default(&lim);
	b->trees = calloc(img->nlayers + 1, sizeof(*b->trees));
	b->compression = calloc(img->nlayers + 1, sizeof(*b->compression));
	b->cursors = calloc(img->nlayers + 1, sizeof(*b->cursors));
	if (!b->trees || !b->compression || !b->cursors)
		return sb_errorf(err, "out of memory");
	for (size_t k = 0; k < img->nlayers; k++) {
		struct rd_layer *l = &img->layers[k];
		struct put p = {
		    .layer = k, .max = lim.max_entries, .path = b->ar->path, .member = l->member};

		if (blobs_only) {
			if (rd_probe_layer(b->ar, b->image, k, err) < 0)
				return -1;
		} else {
			if (!(b->trees[k] = p.t = img_tree_new()))
				return sb_errorf(err, "out of memory");
			if (rd_scan_layer(b->ar, b->image, k, &meta, put_entry, &p, err) < 0)
				return -1;
		}
		if (!strcmp(l->compression, "none")) {
			b->compression[k] = IMG_COMPRESS_NONE;
		} else if (!strcmp(l->compression, "gzip")) {
			b->compression[k] = IMG_COMPRESS_GZIP;
		} else if (!strcmp(l->compression, "zstd")) {
			b->compression[k] = IMG_COMPRESS_ZSTD;
		} else {
			sb_errorf(err, "%s: layer %zu (%s): compressed with %s", b->ar->path, k + 1,
				  l->member, l->compression);
			return sb_error_hint(err, "an image layer is uncompressed, gzip or zstd: "
						  "recompress the image (skopeo copy "
						  "--dest-compress-format gzip)");
		}
	}
	return 0;
}

/* ---- opening ---- */

/* Checks that the chosen image is for the build's platform. */
static int check_platform(const struct img_base *b, const struct img_base_select *sel,
			  struct sb_error *err)
{
	if (!sel->platform || !strcmp(b->platform.name, sel->platform->name))
		return 0;
	sb_errorf(err, "%s: the image is for %s, the build for %s", b->ar->path, b->platform.name,
		  sel->platform->name);
	return sb_error_hint(err,
			     "build for its platform with --platform %s, or give an image "
			     "for %s",
			     b->platform.name, sel->platform->name);
}

int img_base_open(struct img_base **out, const char *path, const struct img_base_select *sel,
		  struct sb_error *err)
{
	struct img_base *b = calloc(1, sizeof(*b));
	struct rd_image *img;
	int rc = -1;

	*out = NULL;
	if (!b || !(b->what = sb_strdup(sel->what ? sel->what : path))) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (rd_open(&b->ar, path, NULL, err) < 0 || choose(b, sel, err) < 0)
		goto fail;
	img = &b->ar->images[b->image];
	if (rd_load_config(b->ar, b->image, err) < 0)
		goto fail;
	if (base_config_parse(img->config, &b->config, &b->platform, err) < 0) {
		sb_error_prefix(err, "%s: config %s", path, img->config_member);
		goto fail;
	}
	if (check_platform(b, sel, err) < 0 || index_layers(b, sel->blobs_only, err) < 0)
		goto fail;
	*out = b;
	b = NULL;
	rc = 0;
	goto out;
fail:
	base_fail(err, sel->what ? sel->what : path, hint_file);
out:
	img_base_free(b);
	return rc;
}

void img_base_free(struct img_base *b)
{
	if (!b)
		return;
	if (b->ar) {
		base_cursors_free(b);
		for (size_t k = 0; b->trees && k < b->ar->images[b->image].nlayers; k++)
			img_tree_free(b->trees[k]);
	}
	free(b->trees);
	free(b->compression);
	free(b->cursors);
	img_config_release(&b->config);
	rd_close(b->ar);
	free(b->what);
	free(b);
}

const struct img_config *img_base_config(const struct img_base *b)
{
	return &b->config;
}

const struct img_platform *img_base_platform(const struct img_base *b)
{
	return &b->platform;
}

size_t img_base_nlayers(const struct img_base *b)
{
	return b->ar->images[b->image].nlayers;
}

const struct img_tree *img_base_layer(const struct img_base *b, size_t i)
{
	return b->trees[i];
}
