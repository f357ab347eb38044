/* A named build context, `--build-context NAME=VALUE` as BuildKit reads it:
 * VALUE parsed into what it names, and the directory it names opened as a
 * build context of its own.
 *
 * BuildKit (buildx's ParseContextNames, dockerui's NamedContext) knows these
 * VALUEs: a local directory, `docker-image://REF`, `oci-layout://DIR[:TAG]`,
 * `target:NAME` (a bake target) and remote contexts (http(s) and git URLs).
 * scratchbuild builds from directories and from local images: an OCI layout
 * (`oci-layout://DIR[:TAG|@sha256:HEX]`, split as buildx splits it) and an
 * image tar (a plain PATH that is a regular file, which buildx does not
 * know). The image itself is opened by the caller (img_base_open) and handed
 * over in `image`. The other kinds are recognised and refused with a word
 * saying so.
 */
#ifndef SB_CONTEXT_NAMED_H
#define SB_CONTEXT_NAMED_H

#include "context/context.h"
#include "util/error.h"

struct img_base;

enum ctx_named_kind {
	CTX_NAMED_DIR,	      /* a local directory (a plain path) */
	CTX_NAMED_IMAGE,      /* docker-image://REF */
	CTX_NAMED_OCI_LAYOUT, /* oci-layout://DIR[:TAG|@DIGEST] */
	CTX_NAMED_TARGET,     /* target:NAME, a bake target */
	CTX_NAMED_URL,	      /* http://, https://, git@, git://: a remote context */
	CTX_NAMED_IMAGE_TAR,  /* PATH[:TAG|@DIGEST], PATH a regular file: an image tar
				 (docker save, an OCI archive); found by ctx_named_open */
};

struct ctx_named {
	const char *arg; /* "NAME=VALUE" as given, for messages; borrowed */
	char *name;	 /* NAME as written; owned */
	char *key;	 /* NAME as BuildKit looks it up (img_reference_familiar), set
			    by the caller; owned */
	enum ctx_named_kind kind;
	const char *value;	/* VALUE after its scheme ("alpine:3.20" of
				   docker-image://alpine:3.20; the path of a directory);
				   points into arg */
	struct ctx *ctx;	/* CTX_NAMED_DIR, once ctx_named_open ran; owned */
	char *path;		/* CTX_NAMED_OCI_LAYOUT, CTX_NAMED_IMAGE_TAR: the layout's
				   directory or the tar; owned */
	char *ref;		/* their tag or "sha256:<hex>" digest, or NULL; owned */
	struct img_base *image; /* the image of an OCI layout or a tar, once the
				   caller opened it (img_base_open); owned */
};

/* Splits arg ("NAME=VALUE") into *out (zeroed first) and says what VALUE
 * is. Fails, with err naming --build-context, when there is no '=', NAME or
 * VALUE is empty. Release *out with ctx_named_release, whatever the outcome. */
int ctx_named_parse(const char *arg, struct ctx_named *out, struct sb_error *err);

/* What kind of VALUE k is, for messages: "an image (docker-image://)". Static. */
const char *ctx_named_kind_text(enum ctx_named_kind k);

/* Opens the directory of n (CTX_NAMED_DIR) into n->ctx with ctx_open: the
 * same fence and symlink rules as the main context, and its own
 * .dockerignore applied, as BuildKit applies it to a local named context.
 * A plain PATH that is a regular file (or PATH:TAG, PATH@DIGEST whose PATH
 * is one) becomes CTX_NAMED_IMAGE_TAR, with path and ref set: the caller
 * opens the image. Errors name the flag: "--build-context build=./out: no
 * such directory". */
int ctx_named_open(struct ctx_named *n, struct sb_error *err);

/* Whether n is an image the caller opens into n->image (an OCI layout or a
 * tar, once ctx_named_open ran). */
int ctx_named_is_image(const struct ctx_named *n);

/* Frees what n owns (its context closed, its image freed) and zeroes it. */
void ctx_named_release(struct ctx_named *n);

#endif
