/* The shell patterns of ${v#p}, ${v##p}, ${v%p}, ${v%%p}, ${v/p/r} and
 * ${v//p/r}, matched the way BuildKit's frontend/dockerfile/shell/lex.go does
 * (BuildKit 0.13 and later; Docker 20.10's builder refuses these forms).
 *
 * BuildKit turns the pattern into a Go regular expression
 * (convertShellPatternToRegex): `*` is `.*` (greedy) or `.*?`, `?` is `.`,
 * `\*`, `\?` and `\\` are literal, `\}` and `\/` are `}` and `/`, any other
 * backslash sequence is an error, and everything else is literal. There are
 * no bracket expressions. `.` matches one UTF-8 character other than "\n" (an
 * invalid byte counts as one character). Matches are Go's leftmost-first
 * ones, which this module finds with a small Pike machine: time linear in
 * pattern length times value length, no recursion.
 */
#ifndef SB_SHPATTERN_H
#define SB_SHPATTERN_H

#include "util/error.h"
#include "util/mem.h"

#include <stddef.h>

/* ${v#p} (longest: ${v##p}, greedy = 1): value without the prefix that p
 * matches. Appends the result to out. pat is the word after the modifier as
 * BuildKit collects it (escape characters kept). Returns 0, or -1 with err
 * set ("invalid pattern (...) in substitution: ...", or out of memory). */
int shpat_trim_prefix(const char *pat, const char *value, int greedy, struct sb_buf *out,
		      struct sb_error *err);

/* ${v%p} (longest: ${v%%p}): value without the suffix that p matches.
 * BuildKit reverses the value and the pattern and trims a prefix; the value
 * goes through Go's []rune on the way, so each byte that is not UTF-8 comes
 * out as U+FFFD, as in BuildKit. Same results as shpat_trim_prefix. */
int shpat_trim_suffix(const char *pat, const char *value, int greedy, struct sb_buf *out,
		      struct sb_error *err);

/* ${v/p/r} (every match: ${v//p/r}, all = 1): value with the leftmost match
 * of p (greedy) replaced by repl. For all, repl is expanded as Go's
 * Regexp.ReplaceAllString does: $$ is $, $0 and ${0} the match, any other
 * $name or ${name} nothing; and an empty match right after a match is not
 * replaced. Same results as shpat_trim_prefix. */
int shpat_replace(const char *pat, const char *value, const char *repl, int all, struct sb_buf *out,
		  struct sb_error *err);

#endif
