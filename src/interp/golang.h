/* The few Go formatting rules that show up in what BuildKit writes, so that our
 * history text reads exactly like Docker's. */
#ifndef SB_GOLANG_H
#define SB_GOLANG_H

#include "util/mem.h"

/* Appends s quoted as Go's strconv.Quote does ("a\"b", \n, \x01, \u00ad...).
 * Returns 0 or -1 (out of memory). */
int go_quote(struct sb_buf *b, const char *s);

/* Appends v (NULL-terminated) as Go's fmt %q prints a []string: ["a" "b c"]. */
int go_quote_list(struct sb_buf *b, char *const *v);

#endif
