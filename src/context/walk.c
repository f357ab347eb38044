/* Sorted walks of directories in the build context: ctx_walk for COPY, and
 * the walk below a directory that it, wildcard matching and the ignore rules'
 * exceptions share.
 *
 * A walk keeps at most WALK_FD_DEPTH directory descriptors open and reopens
 * deeper directories from the root by their canonical path; it goes at most
 * CTX_MAX_DEPTH levels below its start (the walk recurses, and the image's
 * tree holds no deeper paths either: IMG_MAX_DEPTH). */
#include "context/context_int.h"
#include "context/ignore.h"
#include "util/match.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WALK_FD_DEPTH 32
#define CTX_MAX_DEPTH 4096

static const char oom[] = "out of memory";

/* ---- walking below a directory ---- */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the sorted names of the directory at w->real. */
static int read_names(struct walker *w, char ***names, size_t *count, struct sb_error *err)
{
	size_t n = 0, cap = 0;
	char **v = NULL;
	struct dirent *de;
	DIR *d = NULL;
	int fd, rc = -1;

	fd = ctx_open_real(w->c, w->real.buf, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		ctx_sys_error(err, w->real.buf, "cannot open directory", -fd);
		goto out;
	}
	d = fdopendir(fd);
	if (!d) {
		ctx_sys_error(err, w->real.buf, "cannot read directory", errno);
		close(fd);
		goto out;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				ctx_sys_error(err, w->real.buf, "cannot read directory", errno);
				goto out;
			}
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (sb_grow(&v, &cap, n + 2, sizeof(*v)) < 0)
			goto nomem;
		v[n] = sb_strdup(de->d_name);
		if (!v[n])
			goto nomem;
		v[++n] = NULL;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_names);
	*names = v;
	*count = n;
	v = NULL;
	rc = 0;
	goto out;
nomem:
	sb_errorf(err, oom);
out:
	if (d)
		closedir(d);
	if (v)
		sb_strv_free(v);
	return rc;
}

/* Decides e (its rel and real are in w): sets e->excluded when it is not
 * kept (by .dockerignore on its canonical path, or by the walk's --exclude or
 * --parents patterns on its path relative to the source). Returns false when
 * the walk must skip it and everything below it: it is excluded and is not a
 * directory below which something could be kept. */
static bool keep_or_descend(const struct walker *w, struct wentry *e)
{
	bool ig = ignore_check(w->c->ig, w->real.buf, NULL);
	bool ex = w->excl && ignore_check(w->excl, w->rel.buf, NULL);
	bool in = w->incl && !ignore_check(w->incl, w->rel.buf, NULL);

	e->excluded = ig || ex || in;
	if (!e->excluded)
		return true;
	if (!S_ISDIR(e->st.st_mode))
		return false;
	if (ig && !ignore_may_reinclude_below(w->c->ig, w->real.buf))
		return false;
	if (ex && !ignore_may_reinclude_below(w->excl, w->rel.buf))
		return false;
	return !in || ignore_may_match_below(w->incl, w->rel.buf);
}

/* Records that the directory at w->real has more levels below it than a walk
 * reads. Returns -1. */
static int too_deep(const struct walker *w, struct sb_error *err)
{
	char *shown = sb_abbrev(w->real.buf, 120);

	if (!shown)
		return sb_errorf(err, oom);
	sb_error_file(err, shown, "directories nested more than %d levels deep", CTX_MAX_DEPTH);
	sb_error_hint(err, "scratchbuild reads at most %d levels of directories below a source",
		      CTX_MAX_DEPTH);
	free(shown);
	return -1;
}

/* Stats the entry name of the directory dfd (its paths already in w), decides
 * it and visits it. Sets *descend when the walk must go below it. Returns -1,
 * 0 or 1 as w->fn does. */
static int visit_entry(struct walker *w, int dfd, const char *name, size_t depth, bool *descend,
		       struct sb_error *err)
{
	struct wentry e = {.depth = depth};
	char *link = NULL;
	int r;

	*descend = false;
	if (fstatat(dfd, name, &e.st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0; /* removed while we walk */
		return ctx_sys_error(err, w->real.buf, "cannot stat", errno);
	}
	if (!keep_or_descend(w, &e))
		return 0;
	if (S_ISLNK(e.st.st_mode)) {
		link = ctx_read_link(dfd, name, (size_t)e.st.st_size);
		if (!link)
			return ctx_sys_error(err, w->real.buf, "cannot read symbolic link", errno);
	}
	e.rel = w->rel.buf;
	e.real = w->real.buf;
	e.link = link;
	*descend = S_ISDIR(e.st.st_mode);
	r = w->fn(w, &e, descend, err);
	free(link);
	*descend = *descend && S_ISDIR(e.st.st_mode);
	return r;
}

/* Walks below the directory at w->real (w->rel): depth-first, names sorted,
 * excluded entries skipped unless an exception may re-include something
 * below an excluded directory. */
static int walk_dir(struct walker *w, size_t depth, struct sb_error *err)
{
	size_t rel_len = w->rel.len, real_len = w->real.len, n = 0;
	char **names = NULL;
	int dfd = -1, rc = -1;

	if (read_names(w, &names, &n, err) < 0)
		goto out;
	if (n > 0 && depth > CTX_MAX_DEPTH) {
		too_deep(w, err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		bool descend;
		int r;

		if (dfd < 0) {
			ctx_path_cut(&w->real, real_len);
			dfd = ctx_open_real(w->c, w->real.buf, O_PATH | O_DIRECTORY);
			if (dfd < 0) {
				ctx_sys_error(err, w->real.buf, "cannot open directory", -dfd);
				goto out;
			}
		}
		ctx_path_cut(&w->rel, rel_len);
		ctx_path_cut(&w->real, real_len);
		if (ctx_path_push(&w->rel, names[i]) < 0 || ctx_path_push(&w->real, names[i]) < 0) {
			sb_errorf(err, oom);
			goto out;
		}
		r = visit_entry(w, dfd, names[i], depth, &descend, err);
		if (r == 0 && descend) {
			if (depth >= WALK_FD_DEPTH) {
				close(dfd);
				dfd = -1;
			}
			r = walk_dir(w, depth + 1, err);
		}
		if (r != 0) {
			rc = r;
			goto out;
		}
	}
	rc = 0;
out:
	ctx_path_cut(&w->rel, rel_len);
	ctx_path_cut(&w->real, real_len);
	if (dfd >= 0)
		close(dfd);
	if (names)
		sb_strv_free(names);
	return rc;
}

int ctx_walk_below(struct ctx *c, const char *real, const struct ignore *excl,
		   const struct ignore *incl, walk_fn fn, void *ud, struct sb_error *err)
{
	struct walker w = {.c = c, .excl = excl, .incl = incl, .fn = fn, .ud = ud};
	int rc;

	if (sb_buf_add(&w.rel, "", 0) < 0 || sb_buf_adds(&w.real, real) < 0 ||
	    sb_buf_add(&w.real, "", 0) < 0) {
		rc = sb_errorf(err, oom);
		goto out;
	}
	rc = walk_dir(&w, 1, err);
out:
	sb_buf_release(&w.rel);
	sb_buf_release(&w.real);
	return rc;
}

static int found_included(struct walker *w, const struct wentry *e, bool *descend,
			  struct sb_error *err)
{
	(void)w;
	(void)descend;
	(void)err;
	return e->excluded ? 0 : 1;
}

/* Whether the excluded directory real still exists in the context that
 * BuildKit would see: it does when something below it is re-included.
 * Returns 1, 0 or -1. */
int ctx_has_included_below(struct ctx *c, const char *real, struct sb_error *err)
{
	if (!ignore_may_reinclude_below(c->ig, real))
		return 0;
	return ctx_walk_below(c, real, NULL, NULL, found_included, NULL, err);
}

/* ---- ctx_walk ---- */

struct pending {
	char *path, *real;
	struct stat st;
	size_t depth;
};

struct walk_state {
	ctx_visit visit;
	void *ud;
	size_t kept;	      /* entries below the source visited as kept */
	struct pending *pend; /* excluded directories not yet visited */
	size_t npend, cap;
};

static enum ctx_type type_of(mode_t m)
{
	if (S_ISDIR(m))
		return CTX_DIR;
	if (S_ISREG(m))
		return CTX_REG;
	if (S_ISLNK(m))
		return CTX_LNK;
	return CTX_OTHER;
}

static int emit(struct walk_state *s, const char *path, const char *real, const struct stat *st,
		const char *link, struct sb_error *err)
{
	struct ctx_entry e = {
	    .path = path,
	    .real = real,
	    .type = type_of(st->st_mode),
	    .mode = st->st_mode,
	    .size = S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0,
	    .link = link,
	    .dev = st->st_dev,
	    .ino = st->st_ino,
	    .nlink = st->st_nlink,
	    .mtime = st->st_mtim.tv_sec,
	};

	return s->visit(s->ud, &e, err) < 0 ? -1 : 0;
}

static void pend_pop(struct walk_state *s)
{
	s->npend--;
	free(s->pend[s->npend].path);
	free(s->pend[s->npend].real);
}

static int walk_visit(struct walker *w, const struct wentry *e, bool *descend, struct sb_error *err)
{
	struct walk_state *s = w->ud;
	struct pending *p;

	(void)descend;
	while (s->npend > 0 && s->pend[s->npend - 1].depth >= e->depth)
		pend_pop(s);
	if (e->excluded) {
		if (sb_grow(&s->pend, &s->cap, s->npend + 1, sizeof(*s->pend)) < 0)
			return sb_errorf(err, oom);
		p = &s->pend[s->npend];
		p->path = sb_strdup(e->rel);
		p->real = sb_strdup(e->real);
		p->st = e->st;
		p->depth = e->depth;
		s->npend++;
		if (!p->path || !p->real)
			return sb_errorf(err, oom);
		return 0;
	}
	for (size_t i = 0; i < s->npend; i++) {
		p = &s->pend[i];
		if (emit(s, p->path, p->real, &p->st, NULL, err) < 0)
			return -1;
	}
	while (s->npend > 0)
		pend_pop(s);
	s->kept++;
	return emit(s, e->rel, e->real, &e->st, e->link, err);
}

/* Compiles the patterns of opts into *excl and *incl (NULL when absent). */
static int compile_opts(const struct ctx_walk_opts *opts, struct ignore **excl,
			struct ignore **incl, struct sb_error *err)
{
	*excl = NULL;
	*incl = NULL;
	if (!opts)
		return 0;
	if (opts->nexclude > 0) {
		*excl = ignore_new();
		if (!*excl)
			return sb_errorf(err, oom);
	}
	for (size_t i = 0; i < opts->nexclude; i++) {
		if (ignore_add_pattern(*excl, opts->exclude[i], err) < 0)
			return sb_error_prefix(err, "--exclude=%s", opts->exclude[i]);
	}
	if (opts->include) {
		*incl = ignore_new();
		if (!*incl)
			return sb_errorf(err, oom);
		if (ignore_add_pattern(*incl, opts->include, err) < 0)
			return sb_error_prefix(err, "--parents source %s", opts->include);
	}
	return 0;
}

int ctx_walk(struct ctx *c, const char *path, const struct ctx_walk_opts *opts, ctx_visit visit,
	     void *ud, struct sb_error *err)
{
	struct walk_state s = {.visit = visit, .ud = ud};
	struct ignore *excl = NULL, *incl = NULL;
	char *clean = match_clean_rooted(path), *real = NULL;
	struct stat st;
	int rc = -1, r;

	if (!clean) {
		sb_errorf(err, oom);
		goto out;
	}
	if (compile_opts(opts, &excl, &incl, err) < 0)
		goto out;
	r = ctx_resolve(c, clean, &real, &st, err);
	if (r < 0)
		goto out;
	if (r == 0) {
		sb_error_file(err, *clean ? clean : ".",
			      "not found in the build context (or excluded by .dockerignore)");
		sb_error_hint(err, "paths are relative to the context directory %s", c->dir);
		goto out;
	}
	if (emit(&s, "", real, &st, NULL, err) < 0)
		goto out;
	if (S_ISDIR(st.st_mode) && ctx_walk_below(c, real, excl, incl, walk_visit, &s, err) < 0)
		goto out;
	if (incl && opts->require_match && s.kept == 0) {
		sb_error_file(err, opts->include,
			      "not found in the build context (or excluded by .dockerignore)");
		sb_error_hint(err, "COPY --parents: the path after \"%s\" must exist below it",
			      *clean ? clean : ".");
		goto out;
	}
	rc = 0;
out:
	while (s.npend > 0)
		pend_pop(&s);
	free(s.pend);
	ignore_free(excl);
	ignore_free(incl);
	free(clean);
	free(real);
	return rc;
}
