/* --iidfile and --metadata-file: what a build made, written as docker buildx
 * writes it, for the tools that sign or deploy the image. */
#ifndef SB_CLI_METADATA_H
#define SB_CLI_METADATA_H

#include "util/error.h"

#include <stdint.h>

/* What the build made: its image manifest (one platform) or image index
 * (several). */
struct sb_build_meta {
	const char *config_digest; /* the image's config ("sha256:<hex>"); NULL for
				      an index, which has none */
	const char *media;	   /* the media type of what digest names */
	const char *digest;	   /* the manifest's or the index's */
	uint64_t size;		   /* its bytes */
};

/* The image ID file's content, as buildx writes it (no newline): the config
 * digest when the build has one image, else the index's digest, since
 * buildx writes containerimage.config.digest when the exporter reports one
 * and containerimage.digest otherwise. Static or meta's. */
const char *sb_meta_image_id(const struct sb_build_meta *meta);

/* The metadata file's JSON, as buildx writes it (keys sorted, two spaces a
 * level, no newline at the end): containerimage.config.digest (one image),
 * containerimage.descriptor, containerimage.digest, and image.name, the
 * names joined with commas, each in full (docker.io/library/app:1), left
 * out when names is NULL or empty. A push passes the names it pushed.
 * *out is yours (free(3)). */
int sb_meta_json(const struct sb_build_meta *meta, char *const *names, char **out, size_t *len,
		 struct sb_error *err);

/* Writes len bytes of data to path atomically (a file beside it renamed
 * into place, mode 0644). */
int sb_write_file_atomic(const char *path, const char *data, size_t len, struct sb_error *err);

#endif
