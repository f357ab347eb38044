/* A directory tree of layer entries, kept in layer-tar order as it grows, and
 * what a root file system made of such trees answers: cleaned paths, symbolic
 * links resolved, wildcard patterns matched.
 *
 * Children are kept sorted by name; sources are walked in sorted order, so the
 * usual insertion is an append found by one comparison with the last child. */
#include "util/match.h"
#include "image/image.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

struct node {
	struct img_entry e;  /* e.path owned, e.link and e.source in its block
				(copy_entry); name points into it */
	const char *name;    /* last component of e.path */
	struct node **child; /* sorted by name, bytewise */
	size_t nchild, cap;
};

struct img_tree {
	struct node root; /* implicit; never visited */
	size_t count;
};

static void node_release(struct node *n)
{
	for (size_t i = 0; i < n->nchild; i++) {
		node_release(n->child[i]);
		free(n->child[i]);
	}
	free(n->child);
	free(n->e.path); /* and link and source, in the same block */
	free(n->e.data);
	n->child = NULL;
	n->nchild = n->cap = 0;
}

struct img_tree *img_tree_new(void)
{
	return calloc(1, sizeof(struct img_tree));
}

void img_tree_free(struct img_tree *t)
{
	if (!t)
		return;
	node_release(&t->root);
	free(t);
}

size_t img_tree_count(const struct img_tree *t)
{
	return t->count;
}

static size_t count_below(const struct node *n)
{
	size_t c = n->nchild;

	for (size_t i = 0; i < n->nchild; i++)
		c += count_below(n->child[i]);
	return c;
}

/* Finds name (len bytes) among n's children. Returns its index and sets *found,
 * or the index where it would be inserted. */
static size_t find_child(const struct node *n, const char *name, size_t len, int *found)
{
	size_t lo = 0, hi = n->nchild;

	*found = 0;
	if (hi > 0) {
		/* Fast path: appending in sorted order. */
		const char *last = n->child[hi - 1]->name;
		int c = strncmp(last, name, len);

		if (c == 0 && last[len] == '\0') {
			*found = 1;
			return hi - 1;
		}
		if (c < 0)
			return hi;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *m = n->child[mid]->name;
		int c = strncmp(m, name, len);

		if (c == 0)
			c = m[len] == '\0' ? 0 : 1;
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Walks to the node of the parent directory of path; sets *base to the last
 * component. NULL when a parent is missing or not a directory. */
static struct node *parent_of(const struct img_tree *t, const char *path, const char **base)
{
	struct node *n = (struct node *)&t->root;
	const char *p = path;

	for (;;) {
		const char *slash = strchr(p, '/');
		size_t i;
		int found;

		if (!slash) {
			*base = p;
			return n;
		}
		i = find_child(n, p, (size_t)(slash - p), &found);
		if (!found || n->child[i]->e.type != IMG_DIR)
			return NULL;
		n = n->child[i];
		p = slash + 1;
	}
}

const struct img_entry *img_tree_get(const struct img_tree *t, const char *path)
{
	const char *base;
	struct node *p = parent_of(t, path, &base);
	size_t i;
	int found;

	if (!p || !*base)
		return NULL;
	i = find_child(p, base, strlen(base), &found);
	return found ? &p->child[i]->e : NULL;
}

/* Copies e into n: its path, link and source in one allocation (e.path's;
 * a million entries are a million fewer blocks), its data in another. */
static int copy_entry(struct node *n, const struct img_entry *e)
{
	struct img_entry c = *e;
	size_t lp = strlen(e->path) + 1, ll = e->link ? strlen(e->link) + 1 : 0;
	size_t ls = e->source ? strlen(e->source) + 1 : 0;
	char *block = malloc(lp + ll + ls);

	c.data = e->data ? malloc(e->size + 1) : NULL;
	if (!block || (e->data && !c.data)) {
		free(block);
		free(c.data);
		return -1;
	}
	if (c.data)
		memcpy(c.data, e->data, e->size);
	c.path = memcpy(block, e->path, lp);
	c.link = e->link ? memcpy(block + lp, e->link, ll) : NULL;
	c.source = e->source ? memcpy(block + lp + ll, e->source, ls) : NULL;
	free(n->e.path);
	free(n->e.data);
	n->e = c;
	n->name = strrchr(c.path, '/') ? strrchr(c.path, '/') + 1 : c.path;
	return 0;
}

/* Refuses a path longer or deeper than a tree holds. Returns 0 or -1. */
static int check_limits(const char *path, struct sb_error *err)
{
	size_t len = strlen(path), depth = 1;
	char *shown;

	for (const char *p = path; *p; p++)
		depth += *p == '/';
	if (len <= IMG_MAX_PATH && depth <= IMG_MAX_DEPTH)
		return 0;
	shown = sb_abbrev(path, 120);
	if (!shown)
		return sb_errorf(err, "out of memory");
	if (len > IMG_MAX_PATH)
		sb_error_file(err, shown, "a path of %zu bytes in the image; the limit is %d", len,
			      IMG_MAX_PATH);
	else
		sb_error_file(err, shown, "nested %zu levels deep in the image; the limit is %d",
			      depth, IMG_MAX_DEPTH);
	free(shown);
	return sb_error_hint(err, "scratchbuild supports paths of at most %d bytes and %d levels",
			     IMG_MAX_PATH, IMG_MAX_DEPTH);
}

int img_tree_put(struct img_tree *t, const struct img_entry *e, struct sb_error *err)
{
	const char *base;
	struct node *p = parent_of(t, e->path, &base);
	struct node *n;
	size_t i, len;
	int found;

	if (check_limits(e->path, err) < 0)
		return -1;
	if (!p || !*base)
		return sb_errorf(err, "internal error: no parent directory for \"%s\"", e->path);
	len = strlen(base);
	i = find_child(p, base, len, &found);
	if (found) {
		n = p->child[i];
		if (!(n->e.type == IMG_DIR && e->type == IMG_DIR)) {
			t->count -= count_below(n);
			for (size_t k = 0; k < n->nchild; k++) {
				node_release(n->child[k]);
				free(n->child[k]);
			}
			n->nchild = 0;
		}
		if (copy_entry(n, e) < 0)
			return sb_errorf(err, "out of memory");
		return 0;
	}
	if (sb_grow(&p->child, &p->cap, p->nchild + 1, sizeof(*p->child)) < 0)
		return sb_errorf(err, "out of memory");
	n = calloc(1, sizeof(*n));
	if (!n || copy_entry(n, e) < 0) {
		free(n);
		return sb_errorf(err, "out of memory");
	}
	memmove(p->child + i + 1, p->child + i, (p->nchild - i) * sizeof(*p->child));
	p->child[i] = n;
	p->nchild++;
	t->count++;
	return 0;
}

static int each(const struct node *n, img_visit fn, void *ud, struct sb_error *err)
{
	for (size_t i = 0; i < n->nchild; i++) {
		if (fn(ud, &n->child[i]->e, err) < 0)
			return -1;
		if (each(n->child[i], fn, ud, err) < 0)
			return -1;
	}
	return 0;
}

int img_tree_each(const struct img_tree *t, img_visit fn, void *ud, struct sb_error *err)
{
	return each(&t->root, fn, ud, err);
}

static struct node *node_at(const struct img_tree *t, const char *path)
{
	const char *base;
	struct node *p;
	size_t i;
	int found;

	if (!*path)
		return (struct node *)&t->root;
	p = parent_of(t, path, &base);
	if (!p || !*base)
		return NULL;
	i = find_child(p, base, strlen(base), &found);
	return found ? p->child[i] : NULL;
}

int img_tree_walk(const struct img_tree *t, const char *path, img_visit fn, void *ud,
		  struct sb_error *err)
{
	struct node *n = node_at(t, path);

	if (!n || n == &t->root)
		return n ? each(n, fn, ud, err) : 1;
	if (fn(ud, &n->e, err) < 0)
		return -1;
	return each(n, fn, ud, err);
}

int img_tree_children(const struct img_tree *t, const char *dir, img_visit fn, void *ud,
		      struct sb_error *err)
{
	struct node *n = node_at(t, dir);

	if (!n || (n != &t->root && n->e.type != IMG_DIR))
		return 1;
	for (size_t i = 0; i < n->nchild; i++)
		if (fn(ud, &n->child[i]->e, err) < 0)
			return -1;
	return 0;
}

/* The first member of each hard-link group seen in layer order. */
struct group_first {
	uint64_t group;
	const char *path;
};

struct link_state {
	struct group_first *first;
	size_t n, cap;
};

static int link_node(struct link_state *s, struct node *n, struct sb_error *err)
{
	for (size_t i = 0; i < n->nchild; i++) {
		struct img_entry *e = &n->child[i]->e;

		if (e->type == IMG_REG && e->link_group) {
			size_t k;

			for (k = 0; k < s->n && s->first[k].group != e->link_group; k++)
				;
			if (k < s->n) {
				struct img_entry h = *e;

				h.type = IMG_HARDLINK;
				h.size = 0;
				h.source = NULL;
				h.data = NULL;
				h.link = (char *)s->first[k].path;
				if (copy_entry(n->child[i], &h) < 0)
					return sb_errorf(err, "out of memory");
			} else {
				if (sb_grow(&s->first, &s->cap, s->n + 1, sizeof(*s->first)) < 0)
					return sb_errorf(err, "out of memory");
				s->first[s->n].group = e->link_group;
				s->first[s->n].path = e->path;
				s->n++;
			}
		}
		if (link_node(s, n->child[i], err) < 0)
			return -1;
	}
	return 0;
}

int img_tree_link_groups(struct img_tree *t, struct sb_error *err)
{
	struct link_state s = {0};
	int rc = link_node(&s, &t->root, err);

	free(s.first);
	return rc;
}

/* ---- symbolic links ---- */

int img_tree_resolve(const struct img_tree *top, const struct img_tree *below, const char *path,
		     int follow_last, char **out, struct sb_error *err)
{
	char *cur = sb_strdup(path);
	size_t done = 0; /* bytes of cur already resolved */
	int links = 0;

	while (cur && cur[0]) {
		char *slash = strchr(cur + done, '/');
		const struct img_entry *e;

		if (!slash && !follow_last)
			break;
		if (slash)
			*slash = '\0';
		e = img_tree_get(top, cur);
		if (!e && below)
			e = img_tree_get(below, cur);
		if (e && e->type == IMG_SYMLINK) {
			char *dir = strrchr(cur, '/');
			const char *tail = slash ? slash + 1 : "";
			char *next;

			if (++links > 255) {
				free(cur);
				return sb_errorf(err, "too many levels of symbolic links under /%s",
						 path);
			}
			if (dir)
				*dir = '\0';
			next = e->link[0] == '/'
				   ? sb_printf("%s/%s", e->link, tail)
				   : sb_printf("/%s/%s/%s", dir ? cur : "", e->link, tail);
			free(cur);
			cur = next ? match_clean_rooted(next) : NULL;
			free(next);
			done = 0;
			continue;
		}
		if (!slash)
			break;
		*slash = '/';
		done = (size_t)(slash - cur) + 1;
	}
	if (!cur)
		return sb_errorf(err, "out of memory");
	*out = cur;
	return 0;
}

/* ---- wildcards ---- */

/* The matches of a wildcard pattern, one component at a time. */
struct glob {
	const struct img_tree *t;
	char **out;
	size_t n, cap;
	const char *rest; /* components still to match */
	struct sb_error *err;
};

static int glob_dir(struct glob *g, const char *dir, const char *rest);

static int glob_child(void *ud, const struct img_entry *e, struct sb_error *err)
{
	struct glob *g = ud;
	const char *slash = strchr(g->rest, '/');
	size_t plen = slash ? (size_t)(slash - g->rest) : strlen(g->rest);
	char *pat = sb_strndup(g->rest, plen);
	const char *name = strrchr(e->path, '/') ? strrchr(e->path, '/') + 1 : e->path;
	int m;

	if (!pat)
		return sb_errorf(err, "out of memory");
	m = match_glob(pat, name, err);
	free(pat);
	if (m < 0)
		return -1;
	if (!m)
		return 0;
	if (!slash) {
		if (sb_grow(&g->out, &g->cap, g->n + 2, sizeof(*g->out)) < 0 ||
		    !(g->out[g->n] = sb_strdup(e->path)))
			return sb_errorf(err, "out of memory");
		g->out[++g->n] = NULL;
		return 0;
	}
	if (e->type != IMG_DIR)
		return 0;
	return glob_dir(g, e->path, slash + 1);
}

static int glob_dir(struct glob *g, const char *dir, const char *rest)
{
	const char *saved = g->rest;
	char *d = sb_strdup(dir);
	int rc;

	if (!d)
		return sb_errorf(g->err, "out of memory");
	g->rest = rest;
	rc = img_tree_children(g->t, d, glob_child, g, g->err);
	g->rest = saved;
	free(d);
	return rc < 0 ? -1 : 0;
}

int img_tree_glob(const struct img_tree *t, const char *pattern, char ***out, size_t *n,
		  struct sb_error *err)
{
	struct glob g = {.t = t, .err = err};

	*out = NULL;
	*n = 0;
	if (glob_dir(&g, "", pattern) < 0) {
		sb_strv_free(g.out);
		return -1;
	}
	*out = g.out;
	*n = g.n;
	return 0;
}
