/* A layer of an image on disk as a registry blob: the stored bytes as they
 * are when they are compressed as asked, else the layer's tar compressed as
 * scratchbuild compresses its own layers (reproducibly: the same tar gives the
 * same bytes). Used by the push (src/registry/push*.c). */
#ifndef SB_IMAGE_EXPORT_H
#define SB_IMAGE_EXPORT_H

#include "image/base.h"
#include "image/image.h"
#include "util/error.h"

#include <stdint.h>

/* The digest ("sha256:<hex>") and size of layer i of b compressed as comp,
 * when they are known without reading it (its stored bytes kept, or its tar
 * uncompressed): returns 1 and fills them; else 0. */
int img_layer_export_known(const struct img_base *b, size_t i, enum img_compression comp,
			   char digest[72], uint64_t *size);

/* Streams layer i of b, compressed as comp, into fd (named fd_name in
 * messages), or with fd -1 only hashes it; fills digest and size. The
 * base's digests are verified as the bytes pass (img_base_blob). */
int img_layer_export(struct img_base *b, size_t i, enum img_compression comp, int fd,
		     const char *fd_name, char digest[72], uint64_t *size, struct sb_error *err);

/* Names the compressor of comp with its settings and library versions,
 * for a cache of what it makes (a file name: letters, digits, '.', '-',
 * '_'): two tags alike make the same bytes of the same tar. */
void img_layer_export_tag(enum img_compression comp, char *out, size_t n);

#endif
