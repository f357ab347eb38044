/* The manifests of an image tar: manifest.json (scratchbuild's and docker
 * save's layouts), or oci-layout, index.json and the indexes and manifests
 * they name; then each image's config. Every blob a descriptor or a name
 * gives a digest to is checked against its bytes. */
#include "image/read_priv.h"
#include "image/digest.h"
#include "util/jtree.h"
#include "util/mem.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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
	if (rd_lookup(ar, name, &m, err) < 0 ||
	    rd_read_small(ar, m, ar->priv->lim.max_json, &b, &n, hash, err) < 0)
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

int rd_read_manifest_json(struct rd_archive *ar, struct sb_error *err)
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

static int read_index(struct rd_archive *ar, yajl_val idx, const char *where, const char *tag,
		      int depth, size_t *icap, struct sb_error *err);

/* The platform a descriptor gives, "os/architecture[/variant]", or "". */
static void desc_platform(yajl_val desc, char out[100])
{
	yajl_val p = jt_get(desc, "platform");
	const char *os = jt_str(p, "os"), *arch = jt_str(p, "architecture"),
		   *variant = jt_str(p, "variant");

	out[0] = '\0';
	if (os && arch)
		snprintf(out, 100, "%s/%s%s%s", os, arch, variant && *variant ? "/" : "",
			 variant && *variant ? variant : "");
}

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
	desc_platform(desc, img->platform);
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

/* Reads the index idx (named `where`); tag is the name the descriptor that
 * led to it gives (a nested index's images take it when they have none). */
static int read_index(struct rd_archive *ar, yajl_val idx, const char *where, const char *tag,
		      int depth, size_t *icap, struct sb_error *err)
{
	const char *outer = tag;

	yajl_val ms = jt_get(idx, "manifests");

	if (depth > 4)
		return sb_error_file(err, ar->path, "%s: indexes nested too deep", where);
	if (!YAJL_IS_ARRAY(ms))
		return sb_error_file(err, ar->path, "%s: no \"manifests\" array", where);
	for (size_t i = 0; i < ms->u.array.len; i++) {
		yajl_val d = ms->u.array.values[i], ann = jt_get(d, "annotations");
		const char *mt = jt_str(d, "mediaType");
		const char *rt = jt_str(ann, "vnd.docker.reference.type");

		tag = jt_str(ann, "io.containerd.image.name");
		if (!tag)
			tag = jt_str(ann, "org.opencontainers.image.ref.name");
		if (!tag)
			tag = outer;
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
				rc = read_index(ar, sub, path, tag, depth + 1, icap, err);
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

int rd_read_oci(struct rd_archive *ar, struct sb_error *err)
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
	    read_index(ar, v, "index.json", NULL, 0, &icap, err) < 0)
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
	if (rd_name_digest(m->name, want)) {
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
