/* A layer of an image on disk as a registry blob (see export.h): the layer
 * copier of the writer (base_layer_run) with its output sent to a file
 * descriptor, or nowhere for the hashing pass.
 *
 *   image file --img_base_blob (verified)--> [compressor] --> fd | hash only
 */
#include "image/export.h"
#include "image/write.h"

#include <archive.h>
#include <stdio.h>
#include <string.h>
#include <libdeflate.h>
#include <zstd.h>

void img_layer_export_tag(enum img_compression comp, char *out, size_t n)
{
	if (comp == IMG_COMPRESS_GZIP)
		snprintf(out, n, "gzip-6-%uk-%s-libdeflate-%s", PGZ_BLOCK >> 10, PGZ_RULE,
			 LIBDEFLATE_VERSION_STRING);
	else if (comp == IMG_COMPRESS_ZSTD)
		/* (not archive_version_details(), whose string is never freed) */
		snprintf(out, n, "zstd-libarchive-%s-zstd-%s", ARCHIVE_VERSION_ONLY_STRING,
			 ZSTD_VERSION_STRING);
	else
		snprintf(out, n, "none");
	for (char *p = out; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
			*p = '_';
}

int img_layer_export_known(const struct img_base *b, size_t i, enum img_compression comp,
			   char digest[72], uint64_t *size)
{
	struct img_base_layer_info info;

	img_base_layer_info(b, i, &info);
	if (info.compression == comp) {
		snprintf(digest, 72, "%s", info.blob_digest);
		*size = info.stored_size;
		return 1;
	}
	if (comp == IMG_COMPRESS_NONE) {
		snprintf(digest, 72, "%s", info.diff_id);
		*size = info.tar_size;
		return 1;
	}
	return 0;
}

int img_layer_export(struct img_base *b, size_t i, enum img_compression comp, int fd,
		     const char *fd_name, char digest[72], uint64_t *size, struct sb_error *err)
{
	struct img_layer_src src = {.base = b, .index = i};
	struct layer_sink sink = {.fd = fd, .fd_name = fd_name, .err = err};
	struct layer_out lo;

	if (base_layer_run(&src, comp, &sink, &lo, err) < 0)
		return -1;
	snprintf(digest, 72, "%s", lo.blob_id);
	*size = lo.blob_size;
	return 0;
}
