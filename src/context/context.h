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

#include <stdint.h>
#include <sys/types.h>

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

/* Walks one matched path. Symlinks in path, the last component included, are
 * followed inside the context. Visits the source itself (path ""), then, when it
 * is a directory, everything below it depth-first with the names of each
 * directory sorted bytewise, never following symlinks below the source and
 * skipping what the ignore rules exclude. */
int ctx_walk(struct ctx *c, const char *path, ctx_visit visit, void *ud, struct sb_error *err);

/* Opens the regular file at canonical path real for reading, refusing any
 * symlink on the way. *fd is yours (close(2)). Fails when it is no longer a
 * regular file. */
int ctx_open_file(struct ctx *c, const char *real, int *fd, struct sb_error *err);

/* The context directory as given to ctx_open, for messages. */
const char *ctx_dir(const struct ctx *c);

#endif
