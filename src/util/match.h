/* Go path/filepath.Match and path.Clean, as BuildKit uses them for COPY sources.
 *
 * Pattern syntax (Go's, on Unix):
 *
 *	'*'         any run of characters other than '/'
 *	'?'         any one character (UTF-8 rune) other than '/'
 *	'[' ['^'] { c | '\\' c | lo '-' hi } ']'
 *	            a character class (non-empty); '^' negates it. '!' is NOT a
 *	            negation in Go: "[!a]" matches '!' or 'a' (checked against
 *	            BuildKit: COPY [!a]* copies "!x" and "abc").
 *	'\\' c       the character c
 *	c           the character c
 *
 * Stateless; nothing here allocates except match_clean.
 */
#ifndef SB_MATCH_H
#define SB_MATCH_H

#include "util/error.h"

#include <stdbool.h>

/* Reports whether name matches pattern in full, like Go's filepath.Match
 * (Go >= 1.16: the whole pattern is checked for syntax even when the name
 * fails to match early). Returns 1 on a match, 0 when it does not match, and
 * -1 with err set ("syntax error in pattern", Go's ErrBadPattern) when the
 * pattern is malformed: an unclosed or empty class, a bad range, a trailing
 * '\\'. err may be NULL when the caller only wants the -1. */
int match_glob(const char *pattern, const char *name, struct sb_error *err);

/* Checks pattern's syntax only, as match_glob(pattern, ".", err) would.
 * Returns 0 or -1 with err set (err may be NULL). */
int match_validate(const char *pattern, struct sb_error *err);

/* BuildKit's containsWildcards: true when s has a '*', '?' or '[' that is not
 * escaped by a preceding '\\'. A COPY source without one is a literal path,
 * backslashes included. */
bool match_has_wildcards(const char *s);

/* True when s has a '*', '?' or '[' at all, escaped or not: whether a COPY
 * source that matched nothing was meant as a pattern (a warning) rather than
 * a missing file (an error). A missing `a\*b` has always been the former. */
bool match_has_meta(const char *s);

/* Go's path.Clean: collapses "//", removes "." elements, resolves ".." against
 * the previous element (dropping it at the root of a rooted path), and
 * returns "." for an empty result ("/" when rooted). The result is yours
 * (free(3)); NULL when out of memory. */
char *match_clean(const char *path);

/* path cleaned as a path from the root (Go's path.Clean of "/" + path), in the
 * form layers and contexts keep paths: without the leading '/' ("" for the
 * root). Yours (free(3)); NULL when out of memory. */
char *match_clean_rooted(const char *path);

#endif
