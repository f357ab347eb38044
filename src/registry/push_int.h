/* What the files of the push share, inside src/registry only:
 *
 *   push_load.c  the image on disk: its platforms, configs, layers, and every
 *                blob's digest for the push (the first pass, nothing sent)
 *   push_json.c  the manifests and the index made for the push
 *   push_cache.c what a layer compressed to, remembered between pushes
 *   push_body.c  where an upload's bytes come from: memory, the scratch
 *                file of a layer compressed for the push, or a layer's
 *                stored bytes as they stream
 *   push.c       push_image: the references, the blobs, the manifests, the tags
 */
#ifndef SB_REGISTRY_PUSH_INT_H
#define SB_REGISTRY_PUSH_INT_H

#include "image/base.h"
#include "image/platform.h"
#include "registry/push.h"

#include <pthread.h>

/* One blob of the push, whatever image of the index holds it. */
struct push_blob {
	char digest[72];
	uint64_t size;
	const char *media;     /* static */
	const char *mem;       /* a config: its bytes (a platform's), else NULL */
	struct img_base *base; /* a layer: the image that holds it (a platform's) */
	size_t layer;
	int spool;	     /* a layer compressed for the push: the scratch file (sb_tmp_anon)
				holding its blob, owned; else -1 */
	const char *diff_id; /* a layer's, in base, when it is compressed for the push
				(else NULL); for the cache */
};

/* Whether b is a layer to compress whose digest came from the cache: its
 * bytes are made (push_blob_spool) only if the registry lacks it. A layer
 * to compress has its DiffID; its digest is known before its scratch file
 * only when the cache gave it (push_load.c's load_layer). */
static inline int push_blob_from_cache(const struct push_blob *b)
{
	return b->diff_id && b->spool < 0 && b->digest[0];
}

/* One image: one platform of the index, or the only one. */
struct push_platform {
	struct img_base *base; /* owned */
	char *config;	       /* the config's exact bytes; owned */
	size_t config_len;
	char config_digest[72];
	struct img_platform platform;
	size_t *blobs; /* into push_src.blobs: the config, then each layer; owned */
	size_t nlayers;
	char *manifest; /* made for the push; owned */
	size_t manifest_len;
	char manifest_digest[72];
};

struct push_src {
	struct push_platform *plats; /* owned */
	size_t nplats;
	struct push_blob *blobs; /* each digest once; owned */
	size_t nblobs;
	char *index; /* several platforms: the index made for the push; owned */
	size_t index_len;
	char index_digest[72];
};

/* Opens the image at path and learns every blob's digest and size for the
 * push (opts->compression), then makes the manifests and the index. */
int push_src_load(struct push_src *s, const char *path, const struct push_opts *opts,
		  struct sb_error *err);
void push_src_release(struct push_src *s);

/* Compresses layer blob b into a new scratch file (b->spool), learning its
 * digest; for a blob from the cache (push_blob_from_cache), the digest must
 * come out as remembered (else the cache's entry is dropped, and an error
 * says to run again). */
int push_blob_spool(struct push_blob *b, const struct push_opts *o, struct sb_error *err);

/* The cache of push_cache.c (cache NULL: none). get returns 1 and fills
 * digest and size when the DiffID's entry for c is there, else 0. put and
 * drop never fail: a cache that cannot be written is left as it is. */
int push_cache_get(const char *cache, const char *diff_id, enum img_compression c, char digest[72],
		   uint64_t *size);
void push_cache_put(const char *cache, const char *diff_id, enum img_compression c,
		    const char *digest, uint64_t size);
void push_cache_drop(const char *cache, const char *diff_id, enum img_compression c);

/* The media types of the push. Static. */
const char *push_manifest_media(int docker);
const char *push_index_media(int docker);
const char *push_config_media(int docker);
/* NULL when the format has none for the compression (Docker's has no zstd). */
const char *push_layer_media(int docker, enum img_compression c);

/* Makes p->manifest (and its digest) from p's blobs. */
int push_manifest_json(const struct push_src *s, struct push_platform *p, int docker,
		       struct sb_error *err);
/* Makes s->index (and its digest) from the platforms' manifests. */
int push_index_json(struct push_src *s, int docker, struct sb_error *err);

/* The bytes of one upload. Filled by push_body_init, which points body at it;
 * both must stay where they are until the upload is over. */
struct push_body {
	const struct push_blob *blob;
	enum img_compression comp;
	size_t off;   /* memory or scratch file: bytes read so far */
	int rfd, wfd; /* a layer: the pipe from the compressing thread */
	pthread_t thread;
	int running;
	int rc; /* the thread's outcome, its error in terr */
	struct sb_error terr;
	char got[72]; /* the digest the thread made */
	uint64_t got_size;
};

void push_body_init(struct push_body *pb, const struct push_blob *blob, enum img_compression comp,
		    struct reg_body *body);

#endif
