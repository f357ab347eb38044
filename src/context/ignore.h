/* .dockerignore rules, with the semantics of github.com/moby/patternmatcher
 * (ignorefile.ReadAll + PatternMatcher.MatchesOrParentMatches) and of the
 * fsutil walker that BuildKit uses to send the build context.
 *
 * Reading a file (ignore_add_file): a UTF-8 BOM is dropped from the first
 * line; a line whose FIRST byte is '#' is a comment (" # x" is a pattern);
 * lines are trimmed of Unicode white space and empty ones skipped; a leading
 * '!' makes an exception (re-include) and is trimmed again; the pattern is
 * cleaned like Go's filepath.Clean and one leading '/' removed. Lines are
 * split at '\n' with a trailing '\r' dropped; a line of 64 KiB or more is an
 * error, as in Go's bufio.Scanner.
 *
 * Matching a context-relative path P ('/'-separated, no leading '/'): the
 * patterns are tried in order and the last one that matches P or one of its
 * parent directories decides: an ordinary pattern excludes, an exception
 * re-includes. Pattern syntax: "**" matches any number of directories
 * (including none), "*", "?", "[...]" and "\\" escapes as in Go's
 * filepath.Match (classes negate with '^' only; '!' is a literal). Patterns
 * that patternmatcher compiles to a plain string compare keep their quirks:
 * "foo**" is a string prefix test and "**foo" a string suffix test.
 *
 * Each pattern keeps the file and line it came from, so that a caller can say
 * which rule excluded or re-included a path (ignore_check's *why), like
 * `git check-ignore -v`.
 */
#ifndef SB_IGNORE_H
#define SB_IGNORE_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ignore_tok; /* compiled form, private to ignore.c */

struct ignore_pattern {
	char *text;		/* cleaned pattern without the '!'; owned */
	bool exception;		/* the line started with '!' */
	char *file;		/* the file it came from, as given to ignore_add_file; owned */
	unsigned line;		/* 1-based line in that file (0 when added by ignore_add) */
	int kind;		/* private: how text is compared */
	struct ignore_tok *tok; /* private: compiled tokens; owned */
	size_t ntok;
	uint64_t *live; /* private: the working space of matching; owned */
	size_t nwords;
};

struct ignore {
	struct ignore_pattern *pats; /* in file order; owned */
	size_t n, cap;
	bool has_exceptions;	 /* some pattern starts with '!' */
	bool literal_exceptions; /* every exception, less a trailing "/ *" or "/ **", is
				    free of wildcard characters (fsutil's
				    onlyPrefixExcludeExceptions) */
};

/* An empty rule set (excludes nothing). Free with ignore_free. NULL when out
 * of memory. */
struct ignore *ignore_new(void);
void ignore_free(struct ignore *ig);

/* Adds one raw line of a .dockerignore as if it were line `line` of file
 * `file` (either may be NULL/0): comments and blank lines are skipped, the
 * rest trimmed, cleaned and compiled. Returns 0, or -1 with err set (file and
 * line in the message) for "!" alone, a pattern that is malformed for Go's
 * filepath.Match, or a "\\" escape of a letter or digit (a regular-expression
 * escape in patternmatcher, which scratchbuild refuses rather than guess). */
int ignore_add(struct ignore *ig, const char *file, unsigned line, const char *raw,
	       struct sb_error *err);

/* Adds one pattern the way patternmatcher.New takes it, without
 * ignorefile.ReadAll's reading: trimmed (empty: nothing added), cleaned, a
 * leading '!' makes an exception; NO comment lines and NO removal of a
 * leading '/' (so "/foo" matches nothing, and "#x" is a pattern). This is how
 * BuildKit compiles COPY --exclude and --parents patterns. Returns 0 or -1
 * with err set (message without file or line). */
int ignore_add_pattern(struct ignore *ig, const char *pattern, struct sb_error *err);

/* Adds every line of buf (len bytes; need not be NUL-terminated) as lines of
 * file. Returns 0 or -1 with err set. */
int ignore_add_file(struct ignore *ig, const char *file, const char *buf, size_t len,
		    struct sb_error *err);

/* Matching (ignore_check, ignore_pattern_match) takes time proportional to
 * the pattern's length times the path's, whatever the pattern, and uses
 * working space kept in each pattern: one rule set serves one thread at a
 * time. */

/* Decides path (context-relative, cleaned, "" for the root which is never
 * excluded). Returns true when it is excluded. When why is not NULL it is set
 * to the deciding pattern: the last one that matched path or a parent of it,
 * an exception when the result is "included"; NULL when no pattern matched. */
bool ignore_check(const struct ignore *ig, const char *path, const struct ignore_pattern **why);

/* For a directory that ignore_check excluded: true when an exception could
 * re-include something below it, so that a walk must look inside (fsutil's
 * rule: always when some exception has wildcards before its end, otherwise
 * when an exception, less a trailing "/ *" or "/ **", lies below dir). */
bool ignore_may_reinclude_below(const struct ignore *ig, const char *dir);

/* For include patterns (COPY --parents): false only when no path strictly
 * below dir ("dir/...") can be matched by an ordinary (non-'!') pattern of
 * ig, so that a walk looking for matches may skip dir. Conservative: true
 * whenever a pattern has "**", a class or an escape. dir is context- or
 * source-relative, "" for the top (always true when ig has a pattern). */
bool ignore_may_match_below(const struct ignore *ig, const char *dir);

/* Matches one compiled pattern against path alone (no parent directories).
 * Exposed for tests and for explaining results. */
bool ignore_pattern_match(const struct ignore_pattern *p, const char *path);

#endif
