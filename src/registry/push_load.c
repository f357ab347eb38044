/* The image on disk, made ready for a push: each image the file holds (one,
 * or one per platform of an index), its config's exact bytes, and every
 * blob's digest and size as the push sends it. A layer stored compressed as
 * asked keeps its digest without being read, and so does one whose digest
 * an earlier push remembered (push_cache.c); any other is compressed once,
 * here, into a scratch file that the upload reads again, so that the
 * registry can be asked whether it has the blob before anything is sent,
 * and no layer is compressed twice. (A remembered layer that the registry
 * lacks is compressed when it is sent: push_blob_spool.)
 */
#include "image/export.h"
#include "image/read.h"
#include "registry/push_int.h"
#include "util/io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void push_src_release(struct push_src *s)
{
	for (size_t i = 0; i < s->nplats; i++) {
		struct push_platform *p = &s->plats[i];

		img_base_free(p->base);
		free(p->config);
		free(p->blobs);
		free(p->manifest);
	}
	for (size_t i = 0; i < s->nblobs; i++)
		if (s->blobs[i].spool >= 0)
			close(s->blobs[i].spool);
	free(s->plats);
	free(s->blobs);
	free(s->index);
	memset(s, 0, sizeof(*s));
}

/* The blob b, added when its digest is new; its index in *at. b's scratch
 * file becomes s's (or is closed, the blob being there already). */
static int add_blob(struct push_src *s, struct push_blob *b, size_t *at, struct sb_error *err)
{
	struct push_blob *grown;
	int rc = 0;

	for (size_t i = 0; i < s->nblobs; i++)
		if (!strcmp(s->blobs[i].digest, b->digest)) {
			*at = i;
			goto out;
		}
	grown = realloc(s->blobs, (s->nblobs + 1) * sizeof(*grown));
	if (!grown) {
		rc = sb_errorf(err, "out of memory");
		goto out;
	}
	s->blobs = grown;
	s->blobs[s->nblobs] = *b;
	*at = s->nblobs++;
	return 0;
out:
	if (b->spool >= 0)
		close(b->spool);
	b->spool = -1;
	return rc;
}

int push_blob_spool(struct push_blob *b, const struct push_opts *o, struct sb_error *err)
{
	int from_cache = push_blob_from_cache(b);
	char digest[72];
	uint64_t size;

	if (sb_tmp_anon(&b->spool, err) < 0)
		return -1;
	if (img_layer_export(b->base, b->layer, o->compression, b->spool,
			     "the temporary file of the compressed layer", digest, &size, err) < 0)
		goto fail;
	if (from_cache && (strcmp(digest, b->digest) || size != b->size)) {
		push_cache_drop(o->cache, b->diff_id, o->compression);
		sb_errorf(err,
			  "layer %zu compressed to %s (%llu bytes), not to %s (%llu bytes) as "
			  "the cache in %s said",
			  b->layer + 1, digest, (unsigned long long)size, b->digest,
			  (unsigned long long)b->size, o->cache);
		sb_error_hint(err, "run the push again: the wrong entry is gone");
		goto fail;
	}
	snprintf(b->digest, sizeof(b->digest), "%s", digest);
	b->size = size;
	push_cache_put(o->cache, b->diff_id, o->compression, digest, size);
	return 0;
fail:
	close(b->spool);
	b->spool = -1;
	return -1;
}

/* Layer k of p as the push sends it: its digest known without reading it
 * (stored so, or remembered from an earlier push), else compressed once
 * into a scratch file. */
static int load_layer(struct push_platform *p, size_t k, const struct push_opts *o,
		      struct push_blob *b, struct sb_error *err)
{
	struct img_base_layer_info info;

	if (img_layer_export_known(p->base, k, o->compression, b->digest, &b->size))
		return 0;
	img_base_layer_info(p->base, k, &info);
	b->diff_id = info.diff_id;
	if (push_cache_get(o->cache, b->diff_id, o->compression, b->digest, &b->size))
		return 0;
	return push_blob_spool(b, o, err);
}

/* How image i of the reader is chosen again by img_base_open: its manifest's
 * digest when a blob holds it (an OCI layout), else its ID. */
static void select_ref(const struct rd_image *img, char ref[72])
{
	const char *m = img->manifest_member;

	if (m && !strncmp(m, "blobs/sha256/", 13))
		snprintf(ref, 72, "sha256:%s", m + 13);
	else
		snprintf(ref, 72, "%s", img->image_id);
}

/* Image i: its config kept, its base opened, its blobs' digests learnt. */
static int load_platform(struct push_src *s, struct rd_archive *ar, size_t i,
			 const struct push_opts *o, struct sb_error *err)
{
	struct push_platform *p = &s->plats[i];
	struct img_base_select sel = {.what = "push", .blobs_only = 1};
	struct push_blob cfg = {.media = push_config_media(o->docker), .spool = -1};
	char ref[72];

	if (rd_load_config(ar, i, err) < 0)
		return -1;
	select_ref(&ar->images[i], ref);
	sel.ref = ref;
	if (!(p->config = malloc(ar->images[i].config_len + 1)))
		return sb_errorf(err, "out of memory");
	memcpy(p->config, ar->images[i].config_raw, ar->images[i].config_len + 1);
	p->config_len = ar->images[i].config_len;
	snprintf(p->config_digest, sizeof(p->config_digest), "%s", ar->images[i].image_id);
	if (img_base_open(&p->base, ar->path, &sel, err) < 0)
		return -1;
	p->platform = *img_base_platform(p->base);
	p->nlayers = img_base_nlayers(p->base);
	if (!(p->blobs = calloc(p->nlayers + 1, sizeof(size_t))))
		return sb_errorf(err, "out of memory");
	memcpy(cfg.digest, p->config_digest, sizeof(cfg.digest));
	cfg.size = p->config_len;
	cfg.mem = p->config;
	if (add_blob(s, &cfg, &p->blobs[0], err) < 0)
		return -1;
	for (size_t k = 0; k < p->nlayers; k++) {
		struct push_blob b = {.media = push_layer_media(o->docker, o->compression),
				      .base = p->base,
				      .layer = k,
				      .spool = -1};

		if (load_layer(p, k, o, &b, err) < 0)
			return sb_error_prefix(err, "%s: layer %zu", ar->path, k + 1);
		if (add_blob(s, &b, &p->blobs[1 + k], err) < 0)
			return -1;
	}
	return push_manifest_json(s, p, o->docker, err);
}

/* Several images push as an index only when each is for a platform of its
 * own. */
static int check_platforms(const struct push_src *s, const char *path, struct sb_error *err)
{
	for (size_t i = 0; i < s->nplats; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(s->plats[i].platform.name, s->plats[j].platform.name)) {
				sb_errorf(err,
					  "%s: it holds %zu images, two of them for %s: a push "
					  "sends one image, or an index of one image per platform",
					  path, s->nplats, s->plats[i].platform.name);
				return sb_error_hint(err, "push an image file that holds one "
							  "image, e.g. one written by "
							  "scratchbuild -o");
			}
	return 0;
}

int push_src_load(struct push_src *s, const char *path, const struct push_opts *opts,
		  struct sb_error *err)
{
	struct rd_archive *ar = NULL;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (opts->docker && !push_layer_media(1, opts->compression)) {
		sb_errorf(err, "--format docker has no media type for zstd layers");
		sb_error_hint(err, "push with --compression gzip (or none), or without "
				   "--format docker (OCI's media types)");
		goto out;
	}
	if (rd_open(&ar, path, NULL, err) < 0)
		goto out;
	if (ar->nimages == 0) {
		sb_errorf(err, "%s: the file holds no image", path);
		goto out;
	}
	if (!(s->plats = calloc(ar->nimages, sizeof(*s->plats)))) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	s->nplats = ar->nimages;
	for (size_t i = 0; i < ar->nimages; i++)
		if (load_platform(s, ar, i, opts, err) < 0)
			goto out;
	if (check_platforms(s, path, err) < 0)
		goto out;
	if (s->nplats > 1 && push_index_json(s, opts->docker, err) < 0)
		goto out;
	rc = 0;
out:
	rd_close(ar);
	if (rc < 0)
		push_src_release(s);
	return rc;
}
