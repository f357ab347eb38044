/* Image references as `docker build -t` accepts them. */
#ifndef SB_REFERENCE_H
#define SB_REFERENCE_H

#include "util/error.h"

/* Checks ref against Docker's reference grammar (name[:tag], lower-case path
 * components, optional registry host[:port]) and sets *out to the form that
 * goes into RepoTags: familiar ("docker.io/library/" dropped) with ":latest"
 * added when no tag is given. *out is yours (free(3)). A digest is refused. */
int img_reference_normalize(const char *ref, char **out, struct sb_error *err);

#endif
