/* Reading image tars: the limits, opening (index the outer tar once, then read
 * the manifests: read_archive.c, read_manifest.c) and closing. Layers are
 * streamed by read_layer.c. */
#include "image/read.h"
#include "image/image.h"
#include "image/read_priv.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

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

int rd_open(struct rd_archive **out, const char *path, const struct rd_limits *lim,
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
	if (rd_index_outer(ar, err) < 0)
		goto out;
	if (rd_find(ar->priv, "manifest.json")) {
		ar->layout = rd_find(ar->priv, "oci-layout")	 ? "docker-save+oci"
			     : rd_find(ar->priv, "repositories") ? "docker-save"
								 : "manual";
		if (rd_read_manifest_json(ar, err) < 0)
			goto out;
	} else if (rd_find(ar->priv, "oci-layout") && rd_find(ar->priv, "index.json")) {
		ar->layout = "oci";
		if (rd_read_oci(ar, err) < 0)
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

		if (rd_lookup(ar, ar->images[i].config_member, &m, err) < 0)
			goto out;
		for (size_t k = 0; k < ar->images[i].nlayers; k++)
			if (rd_lookup(ar, ar->images[i].layers[k].member, &m, err) < 0)
				goto out;
	}
	*out = ar;
	ar = NULL;
	rc = 0;
out:
	rd_close(ar);
	return rc;
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
