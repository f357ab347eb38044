/* What the files of the build context share, private to src/context: struct
 * ctx, and the steps one file takes for another (opening beneath the root in
 * open.c, resolving sources in resolve.c, walking directories in walk.c).
 * context.h is the interface for the rest of scratchbuild. */
#ifndef SB_CONTEXT_INT_H
#define SB_CONTEXT_INT_H

#include "context/context.h"
#include "util/error.h"
#include "util/mem.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

struct ignore;

struct ctx {
	int root;		    /* O_PATH | O_DIRECTORY */
	int no_openat2;		    /* open component by component */
	char *dir;		    /* as given */
	struct ignore *ig;	    /* never NULL */
	enum ctx_ignore_source src; /* which ignore file was read */
	char *ignore_file;	    /* its name as opened, or NULL */
};

/* ---- open.c: opening beneath the root ---- */

/* Opens the canonical path real ("" for the root) beneath the root with flags,
 * refusing every symlink. Returns the fd (yours) or -errno. */
int ctx_open_real(struct ctx *c, const char *real, int flags);

/* Opens the parent directory of real (O_PATH) and points *name at its last
 * component. Returns the fd (yours) or -errno. real must not be "". */
int ctx_open_parent(struct ctx *c, const char *real, const char **name);

/* lstat of a canonical path. Returns 0 or -errno. */
int ctx_lstat_real(struct ctx *c, const char *real, struct stat *st);

/* readlinkat into a new string (yours, free(3)); hint is the expected length
 * (st_size). Returns it, or NULL with errno set. */
char *ctx_read_link(int dirfd, const char *name, size_t hint);

/* Records "file: what: strerror(e)", or "out of memory" for ENOMEM. Returns -1. */
int ctx_sys_error(struct sb_error *err, const char *file, const char *what, int e);

/* ---- resolve.c: sources to canonical paths ---- */


/* Resolves the cleaned source src to its canonical path, following every
 * symlink inside the context. Returns 1 with *real (yours) and *st set when it
 * exists and is not excluded, 0 when it does not (or is excluded, or a
 * symlink on the way is), -1 on errors (err set). */
int ctx_resolve(struct ctx *c, const char *src, char **real, struct stat *st, struct sb_error *err);

/* A '/'-separated path in b, kept NUL-terminated: cuts it back to len bytes,
 * or appends the component name (returns 0, or -1 when out of memory). */
void ctx_path_cut(struct sb_buf *b, size_t len);
int ctx_path_push(struct sb_buf *b, const char *name);

/* ---- walk.c: sorted directory walks ---- */

/* One entry met by a walk below a directory. Valid during the visit only. */
struct wentry {
	const char *rel;  /* relative to the walk's start */
	const char *real; /* canonical */
	struct stat st;
	const char *link; /* symlink target, or NULL */
	bool excluded;	  /* an excluded directory walked for possible exceptions */
	size_t depth;	  /* 1 for the start's children */
};

struct walker;

/* A walk's callback: -1: error, 0: continue, 1: stop the walk (not an
 * error). *descend is preset to whether the entry is a directory. */
typedef int (*walk_fn)(struct walker *w, const struct wentry *e, bool *descend,
		       struct sb_error *err);

struct walker {
	struct ctx *c;
	const struct ignore *excl; /* COPY --exclude, on rel; or NULL */
	const struct ignore *incl; /* COPY --parents include pattern, on rel; or NULL */
	walk_fn fn;
	void *ud;
	struct sb_buf rel, real;
};

/* Walks below the directory with canonical path real, depth-first, names
 * sorted, skipping what .dockerignore (and excl, incl when not NULL) exclude.
 * Returns -1, 0 or 1 (a callback stopped it). */
int ctx_walk_below(struct ctx *c, const char *real, const struct ignore *excl,
		   const struct ignore *incl, walk_fn fn, void *ud, struct sb_error *err);

/* Whether the excluded directory real still exists in the context that
 * BuildKit would see: it does when something below it is re-included.
 * Returns 1, 0 or -1. */
int ctx_has_included_below(struct ctx *c, const char *real, struct sb_error *err);

#endif
