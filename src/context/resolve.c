/* Resolving COPY sources in the build context: cleaning a source and clamping
 * it to the root, following its symlinks inside the context to a canonical
 * path, expanding wildcards (ctx_match) and splitting --parents sources.
 *
 * At most CTX_MAX_LINKS symlinks are followed while resolving one path (255,
 * as BuildKit's contenthash and filepath-securejoin: checked against Docker
 * 20.10, a chain of 255 links copies and 256 fail). */
#include "context/context_int.h"
#include "context/ignore.h"
#include "util/match.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CTX_MAX_LINKS 255

static const char oom[] = "out of memory";

void ctx_path_cut(struct sb_buf *b, size_t len)
{
	b->len = len;
	if (b->buf)
		b->buf[len] = '\0';
}

int ctx_path_push(struct sb_buf *b, const char *name)
{
	if (b->len > 0 && sb_buf_addc(b, '/') < 0)
		return -1;
	if (sb_buf_adds(b, name) < 0)
		return -1;
	if (!b->buf)
		return sb_buf_add(b, "", 0);
	return 0;
}

/* ---- resolving ---- */

/* One source being resolved: cur is the canonical path found so far, rest
 * what is still to walk (a symlink's target is put in front of it). */
struct resolution {
	struct ctx *c;
	const char *src; /* as given, for messages */
	struct sb_buf cur;
	char *rest;
	unsigned links; /* symlinks followed so far */
	struct stat *st;
};

/* Takes the next component off r->rest: "" and "." go, ".." takes the last
 * component off r->cur (never above the root), a name is added to r->cur.
 * Returns 1 when a name was added, 0 when not, -1 when out of memory. */
static int take_component(struct resolution *r)
{
	char *slash = strchr(r->rest, '/'), *comp = r->rest, *next;
	int added = 0;

	if (slash)
		*slash = '\0';
	next = slash ? slash + 1 : r->rest + strlen(r->rest);
	if (strcmp(comp, "..") == 0) {
		char *p = strrchr(r->cur.buf, '/');

		ctx_path_cut(&r->cur, p ? (size_t)(p - r->cur.buf) : 0);
	} else if (*comp && strcmp(comp, ".") != 0) {
		if (ctx_path_push(&r->cur, comp) < 0)
			return -1;
		added = 1;
	}
	memmove(r->rest, next, strlen(next) + 1);
	return added;
}

/* lstat of r->cur into r->st. Returns 1 when it exists, 0 when it does not,
 * -1 on errors. */
static int stat_cur(struct resolution *r, struct sb_error *err)
{
	int e = ctx_lstat_real(r->c, r->cur.buf, r->st);

	if (e == -ENOENT || e == -ENOTDIR)
		return 0;
	if (e < 0)
		return ctx_sys_error(err, r->src, "cannot stat", -e);
	return 1;
}

/* r->cur is a symlink, added to what r->cur was at cur_len bytes: takes it
 * off r->cur and puts its target in front of r->rest (from the root when it
 * is absolute). Returns 1 to go on, 0 when the link itself is not in the
 * context, -1 on errors. */
static int follow_link(struct resolution *r, size_t cur_len, struct sb_error *err)
{
	char *link, *nrest;
	const char *name;
	int fd, e;

	if (ignore_check(r->c->ig, r->cur.buf, NULL))
		return 0; /* the link itself is not in the context */
	if (++r->links > CTX_MAX_LINKS) {
		sb_error_file(err, r->src, "too many levels of symbolic links");
		return sb_error_hint(err, "a symlink loop? check the links on the way to %s",
				     r->cur.buf);
	}
	fd = ctx_open_parent(r->c, r->cur.buf, &name);
	if (fd < 0)
		return ctx_sys_error(err, r->src, "cannot open directory", -fd);
	link = ctx_read_link(fd, name, (size_t)r->st->st_size);
	e = errno;
	close(fd);
	if (!link)
		return ctx_sys_error(err, r->src, "cannot read symbolic link", e);
	ctx_path_cut(&r->cur, cur_len);
	if (link[0] == '/')
		ctx_path_cut(&r->cur, 0);
	nrest = sb_printf("%s/%s", link, r->rest);
	free(link);
	if (!nrest)
		return sb_errorf(err, oom);
	free(r->rest);
	r->rest = nrest;
	return 1;
}

/* Walks r->rest into r->cur, following symlinks. Returns 1 when every
 * component was found, 0 when one was not (or is excluded), -1 on errors. */
static int walk_components(struct resolution *r, struct sb_error *err)
{
	while (*r->rest) {
		size_t cur_len = r->cur.len;
		int e = take_component(r);

		if (e < 0)
			return sb_errorf(err, oom);
		if (e == 0)
			continue;
		e = stat_cur(r, err);
		if (e <= 0)
			return e;
		if (S_ISLNK(r->st->st_mode)) {
			e = follow_link(r, cur_len, err);
			if (e <= 0)
				return e;
			continue;
		}
		if (*r->rest && !S_ISDIR(r->st->st_mode)) {
			/* "file/x": the remaining components might all be "."
			 * or "..", which Linux refuses on a non-directory too */
			return 0;
		}
	}
	return 1;
}

int ctx_resolve(struct ctx *c, const char *src, char **real, struct stat *st, struct sb_error *err)
{
	struct resolution r = {.c = c, .src = src, .st = st};
	int rc = -1;

	*real = NULL;
	r.rest = sb_strdup(src);
	if (!r.rest || sb_buf_add(&r.cur, "", 0) < 0) {
		sb_errorf(err, oom);
		goto out;
	}
	rc = walk_components(&r, err);
	if (rc <= 0)
		goto out;
	rc = stat_cur(&r, err);
	if (rc <= 0)
		goto out;
	if (*r.cur.buf && ignore_check(c->ig, r.cur.buf, NULL)) {
		rc = S_ISDIR(st->st_mode) ? ctx_has_included_below(c, r.cur.buf, err) : 0;
		if (rc <= 0)
			goto out;
	}
	*real = sb_buf_detach(&r.cur);
	rc = *real ? 1 : sb_errorf(err, oom);
out:
	free(r.rest);
	sb_buf_release(&r.cur);
	return rc;
}

/* ---- ctx_match ---- */

/* The context paths one COPY source names: its own path when it has no
 * wildcard, else those its wildcards match in a walk over the disk below its
 * literal base directory. */
struct wildcard_matches {
	const char *pat; /* the source from its first component with a wildcard */
	size_t maxdepth; /* levels below the base directory the walk reads */
	char **v;	 /* canonical paths matched, NULL-terminated */
	size_t n, cap;
};

static int wildcard_add(struct wildcard_matches *g, const char *s)
{
	if (sb_grow(&g->v, &g->cap, g->n + 2, sizeof(*g->v)) < 0)
		return -1;
	g->v[g->n] = sb_strdup(s);
	if (!g->v[g->n])
		return -1;
	g->v[++g->n] = NULL;
	return 0;
}

static int wildcard_visit(struct walker *w, const struct wentry *e, bool *descend,
			  struct sb_error *err)
{
	struct wildcard_matches *g = w->ud;
	int m = match_glob(g->pat, e->rel, err);

	if (m < 0)
		return -1;
	if (m) {
		*descend = false;
		if (e->excluded) {
			int r = ctx_has_included_below(w->c, e->real, err);

			if (r <= 0)
				return r;
		}
		if (wildcard_add(g, e->real) < 0)
			return sb_errorf(err, oom);
		return 0;
	}
	if (e->depth >= g->maxdepth)
		*descend = false;
	return 0;
}

/* Adds to g the context paths that clean (src cleaned), which has wildcards,
 * matches: the part before its first component with a wildcard is resolved,
 * and a walk below that directory matches the rest. Returns 0 or -1. */
static int match_wildcards(struct ctx *c, const char *src, char *clean, struct wildcard_matches *g,
			   struct sb_error *err)
{
	char *real = NULL, *base = NULL;
	struct stat st;
	size_t cut = 0;
	int rc = -1, r;

	/* split before the first component with a wildcard */
	for (size_t i = 0;; i++) {
		if (clean[i] == '/' || !clean[i]) {
			char save = clean[i];
			bool wild;

			clean[i] = '\0';
			wild = match_has_wildcards(clean + cut);
			clean[i] = save;
			if (wild)
				break;
			cut = i + 1;
		}
	}
	base = sb_strndup(clean, cut ? cut - 1 : 0);
	if (!base) {
		sb_errorf(err, oom);
		goto out;
	}
	g->pat = clean + cut;
	if (match_validate(g->pat, err) < 0) {
		sb_error_file(err, src, "syntax error in pattern");
		sb_error_hint(err, "close every '[' with ']', write ranges as a-z; escape a "
				   "literal '[' as \\[");
		goto out;
	}
	g->maxdepth = 1;
	for (const char *p = g->pat; *p; p++)
		g->maxdepth += *p == '/' || *p == '[';
	r = ctx_resolve(c, base, &real, &st, err);
	if (r < 0)
		goto out;
	if (r > 0 && S_ISDIR(st.st_mode) &&
	    ctx_walk_below(c, real, NULL, NULL, wildcard_visit, g, err) < 0)
		goto out;
	rc = 0;
out:
	free(real);
	free(base);
	return rc;
}

int ctx_match(struct ctx *c, const char *src, char ***paths, size_t *n, struct sb_error *err)
{
	struct wildcard_matches g = {0};
	char *clean = match_clean_rooted(src), *real = NULL;
	struct stat st;
	int rc = -1, r;

	*paths = NULL;
	*n = 0;
	if (!clean)
		goto nomem;
	if (match_has_wildcards(clean)) {
		if (match_wildcards(c, src, clean, &g, err) < 0)
			goto out;
	} else {
		r = ctx_resolve(c, clean, &real, &st, err);
		if (r < 0)
			goto out;
		if (r > 0 && wildcard_add(&g, clean) < 0)
			goto nomem;
	}
	if (!g.v) {
		g.v = calloc(1, sizeof(*g.v));
		if (!g.v)
			goto nomem;
	}
	*paths = g.v;
	*n = g.n;
	g.v = NULL;
	rc = 0;
	goto out;
nomem:
	sb_errorf(err, oom);
out:
	if (g.v)
		sb_strv_free(g.v);
	free(clean);
	free(real);
	return rc;
}

/* ---- ctx_parents_split ---- */

int ctx_parents_split(const char *src, char **base, char **include, bool *required,
		      struct sb_error *err)
{
	const char *pivot = strstr(src, "/./");
	char *before = NULL;
	int rc = -1;

	*base = NULL;
	*include = NULL;
	*required = false;
	if (pivot) {
		before = sb_strndup(src, (size_t)(pivot - src));
		if (!before)
			goto out;
		*base = match_clean_rooted(before);
		*include = match_clean_rooted(pivot + 3);
	} else {
		*base = sb_strdup("");
		*include = match_clean_rooted(src);
	}
	if (!*base || !*include)
		goto out;
	/* an empty include matches nothing, and BuildKit then requires only the
	 * base, which ctx_match reports */
	*required = **include && !match_has_wildcards(*base) && !match_has_wildcards(*include);
	rc = 0;
out:
	if (rc < 0) {
		free(*base);
		free(*include);
		*base = NULL;
		*include = NULL;
		sb_errorf(err, oom);
	}
	free(before);
	return rc;
}
