/* The few Go formatting rules that show up in what BuildKit writes, so that our
 * history text reads exactly like Docker's. */
#ifndef SB_GOLANG_H
#define SB_GOLANG_H

#include "util/mem.h"

#include <stdint.h>
#include <stdio.h>

/* Appends s quoted as Go's strconv.Quote does ("a\"b", \n, \x01, \u00ad...).
 * Returns 0 or -1 (out of memory). */
int go_quote(struct sb_buf *b, const char *s);

/* Whether s holds bytes that are not UTF-8 or runes Go does not print as
 * they are (controls, format characters such as the bidirectional ones):
 * text that should be quoted before it reaches a terminal. */
int go_needs_quote(const char *s);

/* Writes s to f as it is, or Go-quoted when go_needs_quote(s): for names and
 * strings from images and contexts on their way to a terminal, so that none
 * can move the cursor, clear the screen or pass for two lines. */
void go_put_shown(FILE *f, const char *s);

/* Appends v (NULL-terminated) as Go's fmt %q prints a []string: ["a" "b c"]. */
int go_quote_list(struct sb_buf *b, char *const *v);

/* Appends v as Go's fmt %v prints a []string: [a b c]. */
int go_list(struct sb_buf *b, char *const *v);

/* Appends r as Go's strconv.QuoteRune: 'a', '\x02', '\n'. */
int go_quote_rune(struct sb_buf *b, uint32_t r);

/* Parses a Go time.ParseDuration string ("5s", "1m30s", "1.5h", "300ms") into
 * nanoseconds. Returns 0, or -1 when s is not a duration. */
int go_parse_duration(const char *s, int64_t *ns);

/* Appends ns as Go's time.Duration.String: "5s", "1m30s", "1h0m0s", "1.5ms". */
int go_format_duration(struct sb_buf *b, int64_t ns);

#endif
