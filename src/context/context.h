/* The build context: a directory opened once, every path resolved beneath it.
 *
 * Nothing outside the context directory is ever read, whatever its symlinks
 * say: sources are resolved as if the context were "/" (leading "/" and ".."
 * are clamped to it), and files are opened with every component checked
 * (openat2 RESOLVE_IN_ROOT / RESOLVE_NO_SYMLINKS). Paths excluded by
 * .dockerignore do not exist as far as the rest of scratchbuild can tell.
 */
#ifndef SB_CONTEXT_H
#define SB_CONTEXT_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/stat.h>

struct ctx;

enum ctx_type { CTX_DIR, CTX_REG, CTX_LNK, CTX_OTHER };

/* One thing a walk visits. All pointers are valid during the visit only. */
struct ctx_entry {
	const char *path; /* relative to the walked source: "" for the source itself,
			     "sub/y" below it; '/'-separated, no leading or trailing '/' */
	const char *real; /* canonical context-relative path of this entry: no
			     symlinks, no "." or "..", "" for the context root */
	enum ctx_type type;
	mode_t mode;	  /* st_mode as stat'ed (type and permission bits) */
	uint64_t size;	  /* CTX_REG: size in bytes at walk time */
	const char *link; /* CTX_LNK: the link target as stored */
	dev_t dev;
	ino_t ino;
	nlink_t nlink;
	int64_t mtime; /* modification time, whole seconds */
};

/* Returns 0 to continue, -1 (with err set) to stop the walk with that error. */
typedef int (*ctx_visit)(void *ud, const struct ctx_entry *e, struct sb_error *err);

/* Opens the context directory dir and reads its ignore rules: the file
 * "<dockerfile>.dockerignore" beside the Dockerfile when dockerfile is given and
 * that file exists, else "<dir>/.dockerignore". On success *out is yours
 * (ctx_free). */
int ctx_open(struct ctx **out, const char *dir, const char *dockerfile, struct sb_error *err);
void ctx_free(struct ctx *c);

/* Expands one source argument of COPY (already variable-expanded) into the
 * context paths it names: a literal path, or a pattern with Go filepath.Match
 * wildcards (* ? [a-c] and \ escapes, never crossing '/'). The source is cleaned
 * and clamped to the root first ("./a" -> "a", "/a/../b" -> "b", "." -> "").
 * Excluded paths never match. *paths is a sorted NULL-terminated array you own
 * (sb_strv_free); *n == 0 when nothing matched. Returns -1 only on I/O errors. */
int ctx_match(struct ctx *c, const char *src, char ***paths, size_t *n, struct sb_error *err);

/* Opens the regular file at canonical path real for reading, refusing any
 * symlink on the way. *fd is yours (close(2)). Fails when it is no longer a
 * regular file. */
int ctx_open_file(struct ctx *c, const char *real, int *fd, struct sb_error *err);

/* The same with fewer system calls, for the file contents of a build: fills
 * *st (fstat of the open file) and leaves the fd O_NONBLOCK, as it was opened
 * so that a FIFO swapped in cannot hang the open. A regular file reads the same
 * either way on Linux; a reader that still meets EAGAIN clears the flag. */
int ctx_open_file_stat(struct ctx *c, const char *real, int *fd, struct stat *st,
		       struct sb_error *err);

/* From now on opens c's files one path component at a time, as it does by
 * itself where the kernel has no openat2 (before 5.6): for tests of that way. */
void ctx_without_openat2(struct ctx *c);

/* The context directory as given to ctx_open, for messages. */
const char *ctx_dir(const struct ctx *c);

/* ---- explaining .dockerignore (scratchbuild --explain-ignore) ---- */

/* Which ignore file ctx_open read. */
enum ctx_ignore_source {
	CTX_IGNORE_NONE,       /* neither file exists: nothing is excluded */
	CTX_IGNORE_DOCKERFILE, /* "<Dockerfile>.dockerignore" beside the Dockerfile */
	CTX_IGNORE_CONTEXT,    /* "<context>/.dockerignore" */
};

/* Why a path is or is not in the build context. Every string is owned by the
 * verdict (free them all with ctx_ignore_verdict_release); it stays valid
 * after ctx_free. */
struct ctx_ignore_verdict {
	char *path;		       /* the path cleaned and clamped like a COPY source,
					  context-relative: "" for the root, "a/b" */
	bool excluded;		       /* true: not sent to the builder, COPY cannot see it */
	bool matched;		       /* false: no pattern matches the path or a parent of it
					  ("no pattern matches"); the four fields below are then
					  NULL/false/NULL/0 */
	char *pattern;		       /* the deciding pattern (the last one that matched), as
					  cleaned by the parser, without its '!' */
	bool exception;		       /* it is a "!" line: it re-included the path */
	char *file;		       /* the ignore file the pattern came from */
	unsigned line;		       /* 1-based line in that file */
	char *parent;		       /* when the pattern matched a parent directory of path
					  rather than path itself: that directory (the shortest
					  one it matches, as patternmatcher's MatchesOrParentMatches
					  tries them); NULL when it matched path itself */
	enum ctx_ignore_source source; /* the ignore file in force */
	char *ignore_file;	       /* its path as opened, NULL for CTX_IGNORE_NONE */
};

/* Explains the decision of the ignore rules about path, a context-relative
 * path written as a COPY source would be ("./a/../b", "/b" and "b" are the
 * same path). The decision is lexical, on the path as it appears in the
 * context, like BuildKit's context transfer: symlinks are not followed and
 * the path need not exist. The root ("", ".", "/") is never excluded. On
 * success *out is filled and yours (ctx_ignore_verdict_release); on error
 * (out of memory) it is left empty. */
int ctx_explain_ignore(struct ctx *c, const char *path, struct ctx_ignore_verdict *out,
		       struct sb_error *err);

/* Frees what the verdict holds and zeroes it. NULL is allowed. */
void ctx_ignore_verdict_release(struct ctx_ignore_verdict *v);

/* ---- COPY --exclude and --parents (Dockerfile frontend 1.7+) ----
 *
 * How BuildKit does it (read in moby/buildkit and tonistiigi/fsutil; this
 * Docker 20.10 engine cannot build either flag, so nothing here is checked
 * against a real build):
 *
 * - frontend/dockerfile/dockerfile2llb/convert_copy.go passes the --exclude
 *   patterns to every copy of the instruction (llb.WithExcludePatterns) and,
 *   for --parents, cuts each source at its first "/./": the part before is
 *   the directory copied from ("/", the context root, without a pivot), the
 *   part after, cleaned, becomes an include pattern (IncludePatterns); with
 *   no wildcard in either part the path is required to exist (RequiredPaths).
 * - solver/llbsolver/file/backend.go (docopy) expands wildcards first and
 *   copies each match separately with those patterns.
 * - copy/copy.go in fsutil matches both kinds of pattern, with patternmatcher
 *   (.dockerignore syntax: "**", "!" exceptions, parent directories), against
 *   srcComponents: the path RELATIVE TO THE SOURCE BEING COPIED (each
 *   wildcard match, or the --parents pivot), never against the context root,
 *   and never against the source itself (srcComponents == ""). So
 *   `COPY --exclude=*.txt hom* /d/` still copies a file "home.txt" that hom*
 *   matched, despite the Dockerfile reference's wording (moby/buildkit#5489).
 *   A directory that is excluded (or, with --parents, not included) is still
 *   walked; it is created only when something below it is copied.
 */

/* Options of ctx_walk. A zeroed struct is the same as NULL: no options. */
struct ctx_walk_opts {
	/* COPY --exclude: patterns in .dockerignore syntax, '!' exceptions
	 * allowed, matched against ctx_entry.path (relative to the walked
	 * source; the source itself is never excluded). Borrowed. */
	const char *const *exclude;
	size_t nexclude;
	/* COPY --parents: the include pattern from ctx_parents_split, or NULL.
	 * Only entries it matches (or that lie below a match) and their parent
	 * directories are visited; it is matched against ctx_entry.path. */
	const char *include;
	/* With include: fail ("not found") when nothing matches it, as
	 * BuildKit's RequiredPaths does (ctx_parents_split's *required). */
	bool require_match;
};

/* Walks one matched path. Symlinks in path, the last component included, are
 * followed inside the context. Visits the source itself (path ""), then, when it
 * is a directory, everything below it depth-first with the names of each
 * directory sorted bytewise, never following symlinks below the source and
 * skipping what the ignore rules exclude.
 *
 * opts (NULL for none) adds COPY's --exclude and --parents patterns. An
 * excluded entry is skipped with everything below it, except that a directory
 * is still visited, just before the first entry below it that is kept, when
 * an exception (or, with include, a match) brings something below it back;
 * such a directory is visited with its own metadata, as BuildKit creates it.
 * Patterns are checked before anything is read: a bad pattern fails with
 * "--exclude=...: syntax error" and nothing visited. ctx_entry.path is
 * relative to path, which is what a --parents copy appends to the destination
 * ("dest/" + e->path). */
int ctx_walk(struct ctx *c, const char *path, const struct ctx_walk_opts *opts, ctx_visit visit,
	     void *ud, struct sb_error *err);

/* Splits a COPY --parents source the way BuildKit does. *base is the
 * directory to copy from, cleaned and clamped to the context (may contain
 * wildcards: expand it with ctx_match, then ctx_walk each match): the part
 * before the first "/./", or "" (the context root) without one. *include is
 * the rest, cleaned, without a leading '/' ("" matches nothing). *required is
 * true when neither part has wildcards and include is not "" (pass it as
 * require_match). Examples:
 *
 *	"a/b/c.txt"        -> base "",    include "a/b/c.txt"
 *	"./x/./y/z"        -> base "x",   include "y/z"     (dest/y/z)
 *	"/t/a/./b/./c"     -> base "t/a", include "b/c"     (first pivot only)
 *	"x/b?/./y"         -> base "x/b?" (expand it), include "y"
 *
 * *base and *include are yours (free(3)). Returns 0, or -1 when out of
 * memory. */
int ctx_parents_split(const char *src, char **base, char **include, bool *required,
		      struct sb_error *err);

#endif
