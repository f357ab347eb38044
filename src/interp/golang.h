/* The few Go formatting rules that show up in what BuildKit writes, so that our
 * history text reads exactly like Docker's. */
#ifndef SB_GOLANG_H
#define SB_GOLANG_H

#include "util/mem.h"

#include <stdint.h>

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
