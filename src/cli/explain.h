/* --explain: what each instruction of a build became, in the order of the
 * seed walkthrough: the layers with every entry, the config fields, then the
 * manifest, the config and the tree of the output. */
#ifndef SB_EXPLAIN_H
#define SB_EXPLAIN_H

#include "image/image.h"
#include "interp/eval.h"

#include <stdio.h>

/* Prints the explanation of plan, made from the Dockerfile df, whose image
 * res describes (digests, sizes, JSON), written as `output` in format fmt
 * (NULL output: a dry run). A build FROM a base image starts with that FROM:
 * the base, the config it brings, its layers and history entries. Returns
 * 0, or -1 when out of memory. */
int sb_explain(FILE *out, const struct df_file *df, const struct ev_plan *plan,
	       const struct img_result *res, const char *output, enum img_format fmt);

/* The same as one self-contained HTML page (inline CSS, no script): the
 * Dockerfile df on the left, each instruction linked to what it made on the
 * right, then the manifest, the config and the output. Everything taken from
 * the Dockerfile or the image is HTML-escaped. Returns 0, or -1 when out of
 * memory or the write fails. */
int sb_explain_html(FILE *out, const struct df_file *df, const struct ev_plan *plan,
		    const struct img_result *res, const char *output, enum img_format fmt);

/* sb_explain_html into the file path ("-": standard output), atomically: a
 * temporary file beside it, renamed into place when complete. Returns 0, or
 * -1 with err set. */
int sb_explain_html_file(const char *path, const struct df_file *df, const struct ev_plan *plan,
			 const struct img_result *res, const char *output, enum img_format fmt,
			 struct sb_error *err);

#endif
