/* A base image's file system: its layers applied in order, as a container
 * runtime applies them (whiteouts and opaque directories, as the OCI image
 * spec's layer changesets define them); and the bytes of one entry, read
 * through a cursor kept open per layer. */
#include "image/base_priv.h"
#include "util/mem.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define WH     ".wh."
#define WH_OPQ ".wh..wh..opq"

struct base_cursor {
	struct rd_cursor *c;
	unsigned gen; /* bumped at every open: an older reader stops */
	struct rd_entry x;
};

void base_cursors_free(struct img_base *b)
{
	for (size_t k = 0; b->cursors && k < img_base_nlayers(b); k++) {
		struct base_cursor *c = b->cursors[k];

		if (!c)
			continue;
		rd_cursor_free(c->c);
		free(c->x.path);
		free(c->x.link);
		free(c);
		b->cursors[k] = NULL;
	}
}

/* ---- the file system ---- */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Whether the layer tree t has a whiteout hiding path (a path of the
 * layers below): ".wh.NAME" for path or one of its ancestors, or an opaque
 * marker in one of its ancestors. */
static int whited_out(const struct img_tree *t, const char *path, int *yes)
{
	struct sb_buf b = {0};
	const char *p = path;

	*yes = 0;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t dir = (size_t)(p - path), n = slash ? (size_t)(slash - p) : strlen(p);

		b.len = 0;
		if (sb_buf_add(&b, path, dir) < 0 || sb_buf_adds(&b, WH) < 0 ||
		    sb_buf_add(&b, p, n) < 0)
			goto nomem;
		if (img_tree_get(t, b.buf))
			break;
		if (!slash)
			goto done;
		/* p..slash is a directory above path: opaque? */
		b.len = 0;
		if (sb_buf_add(&b, path, (size_t)(slash - path)) < 0 ||
		    sb_buf_adds(&b, "/" WH_OPQ) < 0)
			goto nomem;
		if (img_tree_get(t, b.buf))
			break;
		p = slash + 1;
	}
	*yes = 1;
done:
	sb_buf_release(&b);
	return 0;
nomem:
	sb_buf_release(&b);
	return -1;
}

struct apply {
	const struct img_base *b;
	struct img_tree *fs;	      /* what is being built */
	const struct img_tree *layer; /* the layer being applied */
	size_t k;
	uint32_t origin;
};

/* Copies what the lower layers had (entry e of the old file system) unless
 * the layer hides it. */
static int keep_lower(void *ud, const struct img_entry *e, struct sb_error *err)
{
	struct apply *a = ud;
	int yes;

	if (whited_out(a->layer, e->path, &yes) < 0)
		return sb_errorf(err, "out of memory");
	return yes ? 0 : img_tree_put(a->fs, e, err);
}

/* The regular file a hard link of layer t leads to, or NULL. */
static const struct img_entry *link_target(const struct img_tree *t, const struct img_entry *e)
{
	for (int hops = 0; e && e->type == IMG_HARDLINK && hops < 64; hops++)
		e = img_tree_get(t, e->link);
	return e && e->type == IMG_REG ? e : NULL;
}

/* Puts entry e of the layer into the file system: whiteouts left out, a
 * directory the tar left out (member 0) only where there is none, a hard
 * link as a regular file reading its target's bytes, in one link group with
 * it. */
static int put_upper(void *ud, const struct img_entry *e, struct sb_error *err)
{
	struct apply *a = ud;
	const struct img_entry *have, *to;
	struct img_entry x = *e;

	if (!strncmp(base_name(e->path), WH, strlen(WH)))
		return 0;
	if (e->type == IMG_DIR && e->member == 0) {
		have = img_tree_get(a->fs, e->path);
		if (have && have->type == IMG_DIR)
			return 0;
	}
	if (e->type == IMG_HARDLINK) {
		to = link_target(a->layer, e);
		if (!to)
			return sb_errorf(err, "%s: layer %zu: %s: a hard link to no file",
					 a->b->what, a->k + 1, e->path);
		x = *to;
		x.path = e->path;
		x.link = NULL;
	}
	if (x.type == IMG_REG)
		x.origin = a->origin;
	/* A file and its hard links: one group per layer and target. */
	if (e->type == IMG_HARDLINK)
		x.link_group = ((uint64_t)(a->k + 1) << 40) | x.member;
	return img_tree_put(a->fs, &x, err);
}

/* Gives the target of every hard link of the layer its link group. */
static int group_targets(void *ud, const struct img_entry *e, struct sb_error *err)
{
	struct apply *a = ud;
	const struct img_entry *to, *have;
	struct img_entry x;

	if (e->type != IMG_HARDLINK || !(to = link_target(a->layer, e)))
		return 0;
	have = img_tree_get(a->fs, to->path);
	if (!have || have->type != IMG_REG || have->member != to->member || have->link_group)
		return 0;
	x = *have;
	x.link_group = ((uint64_t)(a->k + 1) << 40) | to->member;
	return img_tree_put(a->fs, &x, err);
}

static int has_whiteout(void *ud, const struct img_entry *e, struct sb_error *err)
{
	(void)err;
	if (!strncmp(base_name(e->path), WH, strlen(WH))) {
		*(int *)ud = 1;
		return -1; /* stop: found one */
	}
	return 0;
}

int img_base_fs(const struct img_base *b, uint32_t origin, struct img_tree **out,
		struct sb_error *err)
{
	struct apply a = {.b = b, .origin = origin};
	struct img_tree *next = NULL;
	int rc = -1;

	*out = NULL;
	if (!(a.fs = img_tree_new())) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < img_base_nlayers(b); k++) {
		int wh = 0;

		a.layer = b->trees[k];
		a.k = k;
		img_tree_each(a.layer, has_whiteout, &wh, err);
		if (wh) {
			/* The lower layers again, without what the whiteouts hide. */
			struct img_tree *lower = a.fs;

			if (!(next = img_tree_new())) {
				sb_errorf(err, "out of memory");
				goto out;
			}
			a.fs = next;
			next = lower;
			if (img_tree_each(lower, keep_lower, &a, err) < 0)
				goto out;
			img_tree_free(next);
			next = NULL;
		}
		if (img_tree_each(a.layer, put_upper, &a, err) < 0 ||
		    img_tree_each(a.layer, group_targets, &a, err) < 0)
			goto out;
	}
	*out = a.fs;
	a.fs = NULL;
	rc = 0;
out:
	img_tree_free(next);
	img_tree_free(a.fs);
	return rc;
}

/* ---- reading an entry ---- */

struct entry_reader {
	struct base_cursor *c;
	unsigned gen;
	uint64_t left;
	int at_end;
	const char *what;
	char *path;
};

static int er_read(void *self, void *buf, size_t n, size_t *got, struct sb_error *err)
{
	struct entry_reader *r = self;

	*got = 0;
	if (r->gen != r->c->gen)
		return sb_errorf(err, "%s: %s: read after another entry of its layer was opened",
				 r->what, r->path);
	if (r->left == 0) {
		r->at_end = 1;
		return 0;
	}
	if (n > r->left)
		n = (size_t)r->left;
	if (rd_cursor_read(r->c->c, buf, n, got, err) < 0)
		return sb_error_prefix(err, "%s: %s", r->what, r->path);
	if (*got == 0)
		return sb_errorf(err, "%s: %s: truncated, %" PRIu64 " bytes missing", r->what,
				 r->path, r->left);
	r->left -= *got;
	if (r->left == 0)
		r->at_end = 1;
	return 0;
}

static void er_close(void *self)
{
	struct entry_reader *r = self;

	free(r->path);
	free(r);
}

int img_base_read(struct img_base *b, const struct img_entry *e, struct img_reader *r,
		  struct sb_error *err)
{
	struct base_cursor *c;
	struct entry_reader *er = NULL;
	const char *src = e->source ? e->source : e->path;

	memset(r, 0, sizeof(*r));
	if (e->type != IMG_REG || e->layer >= img_base_nlayers(b) || e->member == 0)
		return sb_errorf(err, "%s: %s: not a file of the image's layers", b->what, e->path);
	c = b->cursors[e->layer];
	if (!c) {
		if (!(c = calloc(1, sizeof(*c))))
			return sb_errorf(err, "out of memory");
		b->cursors[e->layer] = c;
		if (rd_cursor_open(b->ar, b->image, e->layer, &c->c, err) < 0)
			goto fail;
	}
	c->gen++;
	if (rd_cursor_seek(c->c, e->member, &c->x, err) < 0)
		goto fail;
	if (!c->x.path || strcmp(c->x.path, src) || c->x.type != RD_FILE || c->x.size != e->size) {
		sb_errorf(err,
			  "%s: layer %u: entry %" PRIu64 " is no longer %s (%" PRIu64
			  " bytes): the file changed after it was opened",
			  b->what, e->layer + 1, e->member, src, e->size);
		return -1;
	}
	if (!(er = calloc(1, sizeof(*er))) || !(er->path = sb_strdup(src))) {
		free(er);
		return sb_errorf(err, "out of memory");
	}
	er->c = c;
	er->gen = c->gen;
	er->left = e->size;
	er->what = b->what;
	r->read = er_read;
	r->close = er_close;
	r->self = er;
	r->at_end = &er->at_end;
	return 0;
fail:
	return base_fail(err, b->what, NULL);
}
