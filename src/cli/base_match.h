/* inspect --base NAME=PATH: which layers of an image tar are a base's. An
 * image keeps no record of the base it was built FROM (neither Docker's
 * config nor its manifest names it), but FROM copies every layer of the base
 * byte for byte, so an image built on a base holds the base's DiffIDs, in
 * order, as its bottom layers, and the base's history as its first entries. */
#ifndef SB_CLI_BASE_MATCH_H
#define SB_CLI_BASE_MATCH_H

#include "image/read.h"
#include "util/error.h"

#include <stddef.h>

/* One base named on the command line: its file opened, every image's config
 * read (its layers are not read: their DiffIDs come from the config). */
struct sb_base_ref {
	char *name;	       /* NAME; owned */
	struct rd_archive *ar; /* owned */
};

struct sb_bases {
	struct sb_base_ref *v; /* owned */
	size_t n;
};

/* Opens the base that arg ("NAME=PATH", the value of --base) names and adds
 * it. Returns 0, 1 when arg is not NAME=PATH (a usage error), or -1 with err
 * set, naming the flag, when PATH cannot be read as an image. */
int sb_bases_add(struct sb_bases *bs, const char *arg, struct sb_error *err);
void sb_bases_release(struct sb_bases *bs);

/* The base whose layers are img's bottom ones: all of them, the same
 * DiffIDs in the same places. The longest such base wins (a base built FROM
 * another base holds that one's layers too). */
struct sb_base_match {
	const char *name; /* NULL: no base matches; borrowed from bs */
	size_t nlayers;	  /* the base's layers: img's layers 0..nlayers-1 */
	size_t nhistory;  /* img's first history entries that are the base's
			     (the same created_by, in order) */
};
void sb_bases_match(const struct sb_bases *bs, const struct rd_image *img,
		    struct sb_base_match *out);

#endif
