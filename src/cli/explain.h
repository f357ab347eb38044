/* --explain: what each instruction of a build became, in the order of the
 * seed walkthrough: the layers with every entry, the config fields, then the
 * manifest, the config and the tree of the output. */
#ifndef SB_EXPLAIN_H
#define SB_EXPLAIN_H

#include "image/image.h"
#include "interp/eval.h"

#include <stdio.h>

/* Prints the explanation of plan, whose image res describes (digests, sizes,
 * JSON), written as `output` in format fmt (NULL output: a dry run). Returns
 * 0, or -1 when out of memory. */
int sb_explain(FILE *out, const char *dockerfile, const struct df_plan *plan,
	       const struct img_result *res, const char *output, enum img_format fmt);

#endif
