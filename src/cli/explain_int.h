/* What the text and the HTML forms of --explain share, inside src/cli. */
#ifndef SB_CLI_EXPLAIN_INT_H
#define SB_CLI_EXPLAIN_INT_H

#include "image/image.h"
#include "interp/eval.h"
#include "interp/parse.h"

#include <stddef.h>

/* The config field a metadata instruction sets ("Entrypoint" for
 * "ENTRYPOINT [...]", "author" for MAINTAINER), or NULL. Static. */
const char *sb_explain_field_of(const char *text);

/* The letter ls(1) shows for e's type. */
char sb_explain_type_letter(const struct img_entry *e);

/* The base image a build starts from (FROM an image), as --explain tells
 * it: the image's first layers are the base's, copied byte for byte, and its
 * first history entries are the base's. */
struct sb_explain_base {
	const char *name;	     /* as the Dockerfile names it; NULL: no base */
	const struct img_base *base; /* borrowed from the plan */
	size_t nlayers;		     /* the image's layers 0..nlayers-1 are the base's */
	size_t nhistory;	     /* the image's first history entries, inherited */
	const struct df_instr *from; /* the FROM that names it, or NULL */
	char *from_text;	     /* "FROM NAME AS x", as written; owned, or NULL */
};

/* Fills *out from plan (and df, for the FROM). Returns 0, or -1 when out
 * of memory. Release with sb_explain_base_release. */
int sb_explain_base_find(const struct ev_plan *plan, const struct df_file *df,
			 struct sb_explain_base *out);
void sb_explain_base_release(struct sb_explain_base *b);

/* Calls fn for each config field the base sets, in the order of the
 * config's JSON, its value as compact JSON ("User", "\"65532\""). Returns 0,
 * or -1 when out of memory. */
typedef void (*sb_explain_field_fn)(void *ud, const char *field, const char *json);
int sb_explain_base_config(const struct sb_explain_base *b, sb_explain_field_fn fn, void *ud);

#endif
