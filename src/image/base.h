/* A base image read from local files, for FROM NAME and COPY --from=NAME
 * when NAME is a named context holding an image: an image tar (what
 * `docker save` writes, in the legacy layout or the OCI layout of Docker
 * 25+; an OCI archive, scratchbuild's own --format oci included) or an OCI
 * image layout directory (`oci-layout://DIR[:TAG|@sha256:...]`).
 *
 * Opening one chooses an image (by tag, digest or platform), reads its config
 * as BuildKit inherits it, and indexes its layers: every layer is read once
 * for its headers, its entries become trees, and its bytes stay where they
 * are. The writer later copies each layer's bytes (img_base_blob), verifying
 * its digests as they stream; an entry's bytes are read when COPY --from or
 * --chown needs them (img_base_read). Memory grows with the number of
 * entries, never with the size of a layer.
 *
 * Everything read is hostile: names that escape the root (absolute, "..",
 * links out), a missing blob, a digest or size that does not match, a
 * truncated tar, a config that is not JSON: each is an error naming `what`
 * (the flag) and the file.
 */
#ifndef SB_IMAGE_BASE_H
#define SB_IMAGE_BASE_H

#include "image/image.h"
#include "image/platform.h"
#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

struct img_base;

/* Which image of the file to take. */
struct img_base_select {
	const char *ref;		     /* a tag ("nonroot", or a whole name
						"registry.example/distroless/static:nonroot" as a
						docker save tar's RepoTags hold it), a digest
						("sha256:<hex>": of a manifest, or the image ID), or
						NULL: the file's only image, or the one for platform */
	const struct img_platform *platform; /* the build's target: an index with
						several platforms gives the matching
						one; an image for another platform is
						an error */
	const char *what;		     /* how errors name the input: "--build-context
						NAME=VALUE"; borrowed for the call only */
	int blobs_only;			     /* only the layers' bytes will be read (a push):
						their entries are not listed, and
						img_base_layer, img_base_fs and the cursors
						must not be used */
};

/* Opens the image at path (a tar file, or an OCI layout directory) as sel
 * says. On success *out is yours (img_base_free); on failure it is NULL and
 * err names sel->what and the file; when several images fit, the error lists
 * the tags and digests there are. */
int img_base_open(struct img_base **out, const char *path, const struct img_base_select *sel,
		  struct sb_error *err);
void img_base_free(struct img_base *b);

/* The image's config as BuildKit takes it over from a base: every field of
 * struct img_config, OnBuild triggers included (the caller runs them and
 * clears them), and the history with each entry `inherited`. Borrowed. */
const struct img_config *img_base_config(const struct img_base *b);

/* The image's platform, from its config. */
const struct img_platform *img_base_platform(const struct img_base *b);

/* Its layers, in stacking order. */
size_t img_base_nlayers(const struct img_base *b);

/* Layer i's entries as its tar holds them: whiteouts (".wh.NAME",
 * ".wh..wh..opq") are empty regular files there. Every entry has origin 0,
 * layer i and member its 1-based header position in the tar (an IMG_REG
 * entry also source, its path); a parent directory the tar leaves out is
 * added as 0755 root with member 0, and never overrides a lower layer's.
 * Borrowed. */
const struct img_tree *img_base_layer(const struct img_base *b, size_t i);

/* Layer i's DiffID ("sha256:<hex>", from the config's rootfs), the
 * compression of its stored bytes, their size and digest, and the exact size
 * of its uncompressed tar. */
struct img_base_layer_info {
	const char *diff_id;
	enum img_compression compression;
	uint64_t stored_size;
	const char *blob_digest; /* "sha256:<hex>" of the stored bytes */
	uint64_t tar_size;
	const char *media_type; /* the descriptor's, or NULL (legacy docker save) */
};
void img_base_layer_info(const struct img_base *b, size_t i, struct img_base_layer_info *out);

/* The image's file system, as a container would see it: every layer applied
 * in order, a whiteout removing what is below it, an opaque directory
 * hiding everything below it; whiteouts themselves are not in it. Every
 * IMG_REG entry keeps its layer and member and gets origin `origin` (so
 * that the source opener knows which base to read it from). *out is yours
 * (img_tree_free). */
int img_base_fs(const struct img_base *b, uint32_t origin, struct img_tree **out,
		struct sb_error *err);

/* Opens the bytes of e (an IMG_REG entry of img_base_fs or img_base_layer:
 * e->layer, e->member) into *r, as an img_open_fn does. A cursor is kept per
 * layer: entries are best read in tar order; going back starts the layer
 * again. The reader fails if the entry is no longer what the index said. */
int img_base_read(struct img_base *b, const struct img_entry *e, struct img_reader *r,
		  struct sb_error *err);

/* Opens layer i's bytes for the writer: raw, the stored bytes as they are
 * (then compressed as img_base_layer_info says), else the uncompressed tar.
 * The reader checks, at its end, the digests of what went through (the blob
 * digest of stored bytes, the DiffID of the tar) and the sizes, and fails
 * when one differs: the file changed after it was opened, or lied. */
int img_base_blob(struct img_base *b, size_t i, int raw, struct img_reader *r,
		  struct sb_error *err);

#endif
