/* What the base image's files share, inside src/image only:
 *
 *   base.c       img_base_open: the image chosen, its config, its layers indexed
 *   base_config.c  the config JSON read as BuildKit inherits it
 *   base_fs.c    the layers applied into one file system (whiteouts); entry reads
 *   base_blob.c  a layer's bytes for the writer, verified as they stream
 *
 * A base stands on the image reader (read.h): the file opened with rd_open
 * (a tar, or an OCI layout directory), and one of its images chosen.
 */
#ifndef SB_IMAGE_BASE_PRIV_H
#define SB_IMAGE_BASE_PRIV_H

#include "image/base.h"
#include "image/read.h"

struct base_cursor; /* base_fs.c: where img_base_read stands in one layer */

struct img_base {
	char *what;		  /* the input as errors name it; owned */
	struct rd_archive *ar;	  /* owned */
	size_t image;		  /* the chosen image: ar->images[image] */
	struct img_config config; /* owned */
	struct img_platform platform;
	struct img_tree **trees;	   /* per layer (ar->images[image].nlayers), NULL
					      each when opened for blobs only; owned */
	enum img_compression *compression; /* per layer; owned */
	struct base_cursor **cursors;	   /* per layer, made when first needed; owned */
};

/* The chosen image's layers, as the reader filled them in: compression,
 * stored_size, tar_size, diff_id (the config's), blob_digest. */
static inline struct rd_layer *base_rd_layer(const struct img_base *b, size_t i)
{
	return &b->ar->images[b->image].layers[i];
}

/* Reads config (the parsed config JSON) into *c (all of it owned, every
 * history entry `inherited`) and its platform into *p. On failure *c is
 * empty and err says what is wrong, without naming the file. */
int base_config_parse(yajl_val config, struct img_config *c, struct img_platform *p,
		      struct sb_error *err);

/* The platform a config gives (os, architecture, variant), normalised. */
int base_platform_of(yajl_val config, struct img_platform *p, struct sb_error *err);

/* Rewrites the error recorded as "WHAT: FILE: MSG" (the file is part of the
 * message, so that the caller can put the error where the Dockerfile names
 * the base), with hint unless it has one (hint may be NULL). Returns -1. */
int base_fail(struct sb_error *err, const char *what, const char *hint);

/* Frees the cursors (base_fs.c). */
void base_cursors_free(struct img_base *b);

#endif
