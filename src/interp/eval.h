/* The evaluator: parsed instructions in, a complete build plan out.
 *
 * Every source is resolved against the build context and every entry of every
 * layer is known (path, type, mode, owner, size, where its bytes come from)
 * before a single byte of output exists, so that every error that can be found
 * early is reported before any output is written.
 */
#ifndef SB_EVAL_H
#define SB_EVAL_H

#include "context/context.h"
#include "context/named.h"
#include "image/image.h"
#include "image/platform.h"
#include "interp/parse.h"

#include <stdint.h>

/* One instruction of the built stage, for progress and explanations. */
struct ev_step {
	char *text;	   /* "COPY ./index.html /www/", as written; owned */
	long layer;	   /* index of the layer it made, or -1 */
	uint64_t payload;  /* bytes of file content it copies */
	struct sb_pos pos; /* where the instruction starts */
};

struct ev_plan {
	struct image img;
	struct ev_step *steps; /* owned */
	size_t nsteps;
	struct sb_error *warnings; /* things Docker would also do, but worth a word; owned */
	size_t nwarnings;
};

struct ev_eval_opts {
	char **tags;		  /* normalized references (img_reference_normalize); copied */
	const char *architecture; /* e.g. "amd64"; NULL for the build machine's */
	const struct img_platform *platform; /* --platform: the target, which wins over
						architecture; NULL for none */
	int64_t epoch;		  /* SOURCE_DATE_EPOCH, or 0 */
	char **build_args;	  /* --build-arg values as "K=V" (NULL-terminated), or NULL */
	const char *target;	  /* --target: the stage to write, or NULL for the last */
	const struct ctx_named *contexts; /* --build-context, each opened (ctx_named_open):
					     it replaces the stage of its name and answers
					     FROM and COPY --from of its name; borrowed */
	size_t ncontexts;
};

/* Builds the plan for f against the context c. On success *out holds it (release
 * with ev_plan_release). On failure returns -1 with err at the offending
 * instruction, and *out is empty. */
int ev_eval(const struct df_file *f, struct ctx *c, const struct ev_eval_opts *opts,
	    struct ev_plan *out, struct sb_error *err);

void ev_plan_release(struct ev_plan *p);

#endif
