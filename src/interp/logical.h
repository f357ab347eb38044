/* A logical line: the physical lines of one instruction joined (each
 * continuation's escape and newline removed, the comment and blank lines
 * inside it dropped), with a map from every joined byte back to its place in
 * the source, so that words found in the joined text get source positions.
 *
 * Private to the Dockerfile parser (parse.c and the files it splits into).
 */
#ifndef SB_LOGICAL_H
#define SB_LOGICAL_H

#include "lexer/lexer.h"
#include "util/error.h"
#include "util/mem.h"

#include <stddef.h>

/* A piece of a logical line and where it came from. */
struct logical_seg {
	size_t log;	    /* offset of the piece in text */
	size_t src;	    /* offset of the piece in the source */
	unsigned line, col; /* position of src */
};

/* Start from {0}; logical_reset() empties it for the next line (keeping its
 * memory), logical_release() frees what it holds. */
struct logical {
	struct sb_buf text; /* the joined line, NUL-terminated once a piece is added */
	struct logical_seg *segs;
	size_t nsegs, cap;
};

/* Appends buf[from..to), a part of the physical line ln (buf is the whole
 * source). Returns 0 or -1 (out of memory). */
int logical_add(struct logical *l, const char *buf, const struct lx_line *ln, size_t from,
		size_t to);

/* The source position of byte i of the logical line (or of its end). */
struct sb_pos logical_pos(const struct logical *l, size_t i);

void logical_reset(struct logical *l);
void logical_release(struct logical *l);

#endif
