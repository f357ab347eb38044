/* Image references as `docker build -t` accepts them, and as BuildKit names
 * a named build context (`--build-context alpine=...`). */
#ifndef SB_REFERENCE_H
#define SB_REFERENCE_H

#include "util/error.h"

/* Checks ref against Docker's reference grammar (name[:tag], lower-case path
 * components, optional registry host[:port]) and sets *out to the form that
 * goes into RepoTags: familiar ("docker.io/library/" dropped) with ":latest"
 * added when no tag is given. *out is yours (free(3)). A digest is refused. */
int img_reference_normalize(const char *ref, char **out, struct sb_error *err);

/* The name BuildKit gives the reference ref when it looks up a named build
 * context (dockerui's NamedContext: ParseNormalizedNamed, FamiliarString,
 * ":latest" trimmed off): "alpine", "alpine:latest" and
 * "docker.io/library/alpine" are all "alpine"; "gcr.io/distroless/static:nonroot"
 * stays itself. A digest is allowed. Returns 0 with *out yours (free(3)), or -1
 * with *why saying what is wrong (static text), or *why NULL when out of
 * memory. */
int img_reference_familiar(const char *ref, char **out, const char **why);

/* A reference cut into where it goes, for a push: host is the registry
 * ("127.0.0.1:5000"; Docker Hub, "docker.io" or no host at all, is
 * "registry-1.docker.io"), repo the repository on it ("library/" added to a
 * one-component Docker Hub name), tag the tag ("latest" when none is given),
 * name the whole reference as `docker push` would print it ("HOST/REPO:TAG",
 * "docker.io/library/alpine:latest" for Docker Hub). Every string owned. */
struct img_ref {
	char *host, *repo, *tag, *name;
};

/* Reads ref into *out (released first by the caller: zeroed, or through
 * img_ref_release). A digest is refused: a push needs a tag. Returns 0, or -1
 * with *why saying what is wrong (static text), or *why NULL when out of
 * memory. */
int img_reference_parse(const char *ref, struct img_ref *out, const char **why);
void img_ref_release(struct img_ref *r);

#endif
