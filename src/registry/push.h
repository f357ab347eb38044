/* Pushing an image that is on disk to a registry: any image scratchbuild
 * writes (manual, docker, oci, oci-dir; one platform, or an index of
 * several) or that `docker save` writes, read through the image reader
 * (src/image/read.h, base.h), sent through the registry client (registry.h).
 *
 * Each image's config goes as its exact bytes (the image ID stays the same);
 * each layer as its stored bytes when they are compressed as asked, else its
 * tar compressed for the push, reproducibly (src/image/export.h), its digest
 * learnt in a first pass that sends nothing. Then, for every reference: each
 * blob the registry lacks (HEAD) is mounted from another repository of the
 * same registry that this push already gave it, or uploaded; then each
 * platform's manifest by digest, then the tag last (on the index when there
 * are several platforms), so that a failed push never leaves a tag pointing
 * at missing blobs, and a second run sends only what is missing.
 *
 * Library code: nothing is printed; progress goes through a callback.
 */
#ifndef SB_REGISTRY_PUSH_H
#define SB_REGISTRY_PUSH_H

#include "image/image.h"
#include "registry/registry.h"
#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

enum push_event_kind {
	PUSH_EV_SENDING, /* bytes of an upload: sent of total */
	PUSH_EV_PUSHED,	 /* the blob was uploaded */
	PUSH_EV_EXISTS,	 /* the registry had it */
	PUSH_EV_MOUNTED, /* mounted from another repository of the registry */
	PUSH_EV_TAGGED,	 /* name now points at the manifest (or index) digest */
};

struct push_event {
	enum push_event_kind kind;
	const char *digest; /* the blob's; the manifest's for PUSH_EV_TAGGED */
	uint64_t sent, total;
	const char *name; /* the reference as `docker push` names it, "HOST/REPO:TAG" */
};

typedef void (*push_event_fn)(void *ud, const struct push_event *ev);

struct push_opts {
	enum img_compression compression; /* of layers that are not stored so */
	int docker;			  /* Docker v2 schema 2 media types, else OCI's */
	struct reg_opts reg;		  /* for every registry's client */
	const char *cache;		  /* the directory of what layers compress to
					     (push_cache.c), or NULL: none */
	push_event_fn event;		  /* may be NULL */
	void *event_ud;
};

/* What a push did; everything owned (push_result_release). */
struct push_result {
	char digest[72];       /* the manifest's, or the index's when there are several
				  platforms: what every tag points at */
	char media_type[64];   /* its media type */
	char **config_digests; /* per platform, in the index's order: the image IDs;
				  NULL-terminated */
	size_t nplatforms;
	char **names; /* per reference pushed, "HOST/REPO:TAG"; NULL-terminated */
	size_t nnames;
	uint64_t requests; /* HTTP requests sent, every registry together */
	size_t uploaded;   /* blobs uploaded */
	uint64_t uploaded_bytes;
	size_t existed, mounted; /* blobs the registry had, blobs mounted */
};

void push_result_release(struct push_result *r);

/* Checks every reference (Docker's grammar, no digest), naming it in err
 * with what is wrong: to be called before anything is built or sent. */
int push_check_refs(char *const *refs, size_t nrefs, struct sb_error *err);

/* Pushes the image at path (a tar or an OCI layout directory) to every one
 * of refs. *res is filled as far as the push went (release it whatever
 * happens; it starts zeroed). */
int push_image(const char *path, char *const *refs, size_t nrefs, const struct push_opts *opts,
	       struct push_result *res, struct sb_error *err);

#endif
