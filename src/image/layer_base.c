/* A layer copied from a base image (FROM an image): its bytes come from the
 * base's file through img_base_blob, never from its tree, and go through the
 * same layer sink as a layer the build makes.
 *
 * BuildKit keeps a base layer's blob when the export's compression is the
 * blob's (its compression type needs no conversion), so the OCI formats copy
 * the stored bytes as they are: the same digest, the same size. Otherwise the
 * tar is decompressed and, for gzip or zstd, compressed again as scratchbuild
 * compresses its own layers. The manual and docker formats take the tar.
 *
 *   base file --img_base_blob (verified)--> [compressor] --> layer sink
 */
#include "image/base.h"
#include "image/digest.h"
#include "image/write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPY_CHUNK (256u << 10)

static const struct img_layer_src *base_src(const struct image *img, size_t i)
{
	return img->layer_src && img->layer_src[i].base ? &img->layer_src[i] : NULL;
}

/* Whether the base's stored bytes go out as they are. */
static int kept(const struct img_base_layer_info *info, enum img_compression comp)
{
	return info->compression == comp;
}

int base_layer_known(const struct image *img, size_t i, enum img_compression comp,
		     struct layer_out *lo)
{
	const struct img_layer_src *src = base_src(img, i);
	struct img_base_layer_info info;

	if (!src)
		return 0;
	img_base_layer_info(src->base, src->index, &info);
	snprintf(lo->diff_id, sizeof(lo->diff_id), "%s", info.diff_id);
	lo->tar_size = info.tar_size;
	if (kept(&info, comp)) {
		snprintf(lo->blob_id, sizeof(lo->blob_id), "%s", info.blob_digest);
		lo->blob_size = info.stored_size;
		return 1;
	}
	if (comp == IMG_COMPRESS_NONE) {
		memcpy(lo->blob_id, lo->diff_id, sizeof(lo->blob_id));
		lo->blob_size = info.tar_size;
		return 1;
	}
	/* Compressed again: the digest is known only once it is made. */
	return 0;
}

const char *base_layer_media(const struct image *img, size_t i, enum img_compression comp)
{
	const struct img_layer_src *src = base_src(img, i);
	struct img_base_layer_info info;

	if (!src)
		return NULL;
	img_base_layer_info(src->base, src->index, &info);
	if (!kept(&info, comp) || !info.media_type)
		return NULL;
	/* BuildKit's exporter writes the OCI twin of the descriptor's type:
	 * Docker's tar and tar.gzip types become OCI's, which layer_media gives;
	 * only a non-distributable ("foreign") layer keeps being one. */
	if (!strstr(info.media_type, "nondistributable") && !strstr(info.media_type, "foreign"))
		return NULL;
	return comp == IMG_COMPRESS_GZIP
		   ? "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
	       : comp == IMG_COMPRESS_ZSTD
		   ? "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
		   : "application/vnd.oci.image.layer.nondistributable.v1.tar";
}

/* Sends got bytes of the base's stream on: into the compressor, or out. */
static int pass_on(struct layer_sink *sink, const char *buf, size_t got, struct sb_error *err)
{
	if (layer_zipping(sink))
		return layer_zip_write(sink, buf, got, err);
	if (layer_blob_out(sink, buf, got) < 0) {
		if (!err->msg)
			sb_errorf(err, "libarchive: %s",
				  sink->outer ? archive_error_string(sink->outer) : "write failed");
		return -1;
	}
	return 0;
}

int base_layer_run(const struct img_layer_src *src, enum img_compression comp,
		   struct layer_sink *sink, struct layer_out *lo, struct sb_error *err)
{
	struct img_base_layer_info info;
	struct img_reader r = {0};
	unsigned char d[SB_SHA256_BYTES];
	char *buf = malloc(COPY_CHUNK);
	int raw, rc = -1;

	img_base_layer_info(src->base, src->index, &info);
	raw = kept(&info, comp);
	sink->err = err;
	if (!buf) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (!raw && comp != IMG_COMPRESS_NONE && layer_zip_open(comp, sink, err) < 0)
		goto out;
	if (img_base_blob(src->base, src->index, raw, &r, err) < 0)
		goto out;
	for (;;) {
		size_t got;

		if (r.read(r.self, buf, COPY_CHUNK, &got, err) < 0)
			goto out;
		if (got == 0)
			break;
		if (pass_on(sink, buf, got, err) < 0)
			goto out;
	}
	if (layer_zipping(sink) && layer_zip_close(sink, err) < 0)
		goto out;
	snprintf(lo->diff_id, sizeof(lo->diff_id), "%s", info.diff_id);
	lo->tar_size = info.tar_size;
	if (layer_zipping(sink)) {
		sb_hashpipe_final(sink->blob, d);
		dg_string(d, lo->blob_id);
		lo->blob_size = sink->blob_bytes;
	} else if (raw) {
		snprintf(lo->blob_id, sizeof(lo->blob_id), "%s", info.blob_digest);
		lo->blob_size = info.stored_size;
	} else {
		memcpy(lo->blob_id, lo->diff_id, sizeof(lo->blob_id));
		lo->blob_size = info.tar_size;
	}
	rc = 0;
out:
	/* Never let a failed layer be closed as if it were complete. */
	sink->dead = rc < 0;
	if (r.close)
		r.close(r.self);
	layer_zip_free(sink);
	free(buf);
	return rc;
}
