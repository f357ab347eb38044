/* Here-documents (see struct df_heredoc in parse.h): which words of a logical
 * line open one, and the bodies that follow the instruction.
 *
 * Private to the Dockerfile parser (parse.c). df_heredoc_parse(),
 * df_heredoc_release() and df_heredoc_find(), which the evaluator uses too,
 * are declared in parse.h.
 */
#ifndef SB_HEREDOC_H
#define SB_HEREDOC_H

#include "interp/logical.h"
#include "interp/parse.h"
#include "lexer/lexer.h"
#include "util/error.h"

/* Fills in->heredocs (names, flags and positions; no content yet) from the
 * logical line l of instruction in (already parsed: its kind, json and sub
 * decide whether heredocs apply). f: the file being parsed, for error
 * positions. Returns 0, or -1 with err set (a delimiter that cannot be
 * processed, or out of memory); in keeps what was added either way. */
int heredocs_from_line(struct df_file *f, const struct logical *l, struct df_instr *in,
		       struct sb_error *err);

/* Reads h's body from the physical lines at lx into h->content and h->len.
 * Returns 0, or -1 with err set ("unterminated heredoc" at h->pos, or out of
 * memory). */
int heredoc_read(struct df_file *f, struct lexer *lx, struct df_heredoc *h, struct sb_error *err);

#endif
