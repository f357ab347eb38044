/* Publishing on the command line: `scratchbuild push IMAGE REF [REF...]`,
 * and the push that `--push` runs after a build. Both show the same progress
 * (a line rewritten per blob on a terminal, one line per blob otherwise,
 * nothing with -q) and end with `pushed NAME:TAG@sha256:...` per name on
 * standard output, -q or not. */
#ifndef SB_CLI_PUSH_H
#define SB_CLI_PUSH_H

#include "registry/push.h"
#include "util/error.h"

#include <stddef.h>

/* Pushes the image at path to refs as opts says (its event callback is
 * set here), printing the progress (unless quiet) and the pushed lines.
 * *res as push_image fills it; release it whatever happens. */
int sb_push_run(const char *path, char *const *refs, size_t nrefs, struct push_opts *opts,
		int quiet, struct push_result *res, struct sb_error *err);

/* --compression C for a push: 0, or -1 with err saying what is wrong. */
int sb_push_compression(const char *arg, enum img_compression *out, struct sb_error *err);

#endif
