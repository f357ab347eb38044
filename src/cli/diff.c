/* scratchbuild diff A.tar B.tar [--mtime]: compares two images by what
 * matters: the layers entry by entry, the config field by field. Fields that
 * depend on the build time (created, history[].created, rootfs.diff_ids) are
 * left out, and modification times unless --mtime asks for them. Layers that
 * both images hold at the bottom, the same DiffIDs in the same places (a base
 * and an image built FROM it), are said in one line, and the layers only one
 * image has are listed entry by entry: what the Dockerfile added. */
#include "cli/cli.h"
#include "cli/print.h"
#include "image/read.h"
#include "util/jtree.h"
#include "util/utf8.h"
#include "util/mem.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char diff_usage[] =
    "usage: scratchbuild diff A.tar B.tar [--mtime]\n"
    "\n"
    "Compares two image tars: the number of layers; in each layer every path's type,\n"
    "mode, owner, size, content digest and link target (and modification time with\n"
    "--mtime); the config field by field, except created, history[].created and\n"
    "rootfs.diff_ids. Every digest of both images is checked first. Layers both\n"
    "images hold at the bottom (a base and an image built FROM it) are named in one\n"
    "line; the layers only one of them has are listed entry by entry.\n"
    "Exit status: 0 equal, 1 different, 2 usage or an image that cannot be read.\n";

struct report {
	struct sb_buf out; /* the lines, each "  ...\n" */
	size_t n;
	int oom;
};

static void add(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct report *r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = sb_vprintf(fmt, ap);
	va_end(ap);
	/* A line that holds anything but printable text (a name from the
	 * image with a newline or an escape sequence) is shown Go-quoted. */
	if (!s || sb_buf_adds(&r->out, "  ") < 0 || sb_utf8_add_shown(&r->out, s) < 0 ||
	    sb_buf_addc(&r->out, '\n') < 0)
		r->oom = 1;
	free(s);
	r->n++;
}

static int cmp_path(const void *x, const void *y)
{
	return strcmp((*(const struct rd_entry *const *)x)->path,
		      (*(const struct rd_entry *const *)y)->path);
}

/* The entries of l sorted by path, for lookups; NULL when out of memory. */
static const struct rd_entry **by_path(const struct rd_layer *l)
{
	const struct rd_entry **v = calloc(l->nentries + 1, sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < l->nentries; i++)
		v[i] = &l->entries[i];
	if (l->nentries)
		qsort(v, l->nentries, sizeof(*v), cmp_path);
	return v;
}

static const struct rd_entry *lookup(const struct rd_entry **v, size_t n, const char *path)
{
	struct rd_entry key = {.path = (char *)path};
	const struct rd_entry *k = &key, **hit;

	if (n == 0)
		return NULL;
	hit = bsearch(&k, v, n, sizeof(*v), cmp_path);
	return hit ? *hit : NULL;
}

static const char *none(const char *s)
{
	return s && *s ? s : "(none)";
}

static void compare_entry(struct report *r, const char *title, const struct rd_entry *a,
			  const struct rd_entry *b, int mtime)
{
	const char *p = a->path;

	if (a->type != b->type)
		add(r, "%s: %s: type %s (A) != %s (B)", title, p, rd_type_name(a->type),
		    rd_type_name(b->type));
	if (a->mode != b->mode)
		add(r, "%s: %s: mode %04o (A) != %04o (B)", title, p, (unsigned)a->mode,
		    (unsigned)b->mode);
	if (a->uid != b->uid)
		add(r, "%s: %s: uid %" PRId64 " (A) != %" PRId64 " (B)", title, p, a->uid, b->uid);
	if (a->gid != b->gid)
		add(r, "%s: %s: gid %" PRId64 " (A) != %" PRId64 " (B)", title, p, a->gid, b->gid);
	if (a->size != b->size)
		add(r, "%s: %s: size %" PRIu64 " (A) != %" PRIu64 " (B)", title, p, a->size,
		    b->size);
	if (strcmp(a->sha256, b->sha256))
		add(r, "%s: %s: sha256 %s (A) != %s (B)", title, p, none(a->sha256),
		    none(b->sha256));
	if (strcmp(a->link ? a->link : "", b->link ? b->link : ""))
		add(r, "%s: %s: link %s (A) != %s (B)", title, p, none(a->link), none(b->link));
	if (mtime && a->mtime != b->mtime)
		add(r, "%s: %s: mtime %" PRId64 " (A) != %" PRId64 " (B)", title, p, a->mtime,
		    b->mtime);
}

static int compare_layer(struct report *r, const char *title, const struct rd_layer *a,
			 const struct rd_layer *b, int mtime)
{
	const struct rd_entry **sa = by_path(a), **sb = by_path(b);
	size_t ia = 0, ib = 0;
	int rc = -1;

	if (!sa || !sb)
		goto out;
	for (size_t i = 0; i < a->nentries; i++) {
		const struct rd_entry *eb = lookup(sb, b->nentries, a->entries[i].path);

		if (!eb)
			add(r, "%s: %s: only in A", title, a->entries[i].path);
		else
			compare_entry(r, title, &a->entries[i], eb, mtime);
	}
	for (size_t i = 0; i < b->nentries; i++)
		if (!lookup(sa, a->nentries, b->entries[i].path))
			add(r, "%s: %s: only in B", title, b->entries[i].path);
	/* The order of the entries both have: Docker's is depth first, sorted. */
	for (size_t k = 0;; k++) {
		while (ia < a->nentries && !lookup(sb, b->nentries, a->entries[ia].path))
			ia++;
		while (ib < b->nentries && !lookup(sa, a->nentries, b->entries[ib].path))
			ib++;
		if (ia >= a->nentries || ib >= b->nentries)
			break;
		if (strcmp(a->entries[ia].path, b->entries[ib].path)) {
			add(r, "%s: entry order differs at common entry %zu: %s (A) vs %s (B)",
			    title, k, a->entries[ia].path, b->entries[ib].path);
			break;
		}
		ia++, ib++;
	}
	rc = 0;
out:
	free(sa);
	free(sb);
	return rc;
}

/* Fields that depend on the build time, not on the Dockerfile. */
static int ignored(const char *where, const char *key)
{
	if (!*where && !strcmp(key, "created"))
		return 1;
	if (!strcmp(where, "rootfs") && !strcmp(key, "diff_ids"))
		return 1;
	return !strncmp(where, "history[", 8) && !strchr(where + 8, '.') && !strcmp(key, "created");
}

static int is_container(yajl_val v)
{
	return YAJL_IS_OBJECT(v) || YAJL_IS_ARRAY(v);
}

/* Two values equal as JSON (objects as maps, numbers by their text). */
static int json_equal(yajl_val a, yajl_val b)
{
	if (YAJL_IS_OBJECT(a) && YAJL_IS_OBJECT(b)) {
		if (a->u.object.len != b->u.object.len)
			return 0;
		for (size_t i = 0; i < a->u.object.len; i++) {
			yajl_val x = jt_get(b, a->u.object.keys[i]);

			if (!x || !json_equal(a->u.object.values[i], x))
				return 0;
		}
		return 1;
	}
	if (YAJL_IS_ARRAY(a) && YAJL_IS_ARRAY(b)) {
		if (a->u.array.len != b->u.array.len)
			return 0;
		for (size_t i = 0; i < a->u.array.len; i++)
			if (!json_equal(a->u.array.values[i], b->u.array.values[i]))
				return 0;
		return 1;
	}
	if (YAJL_IS_STRING(a) && YAJL_IS_STRING(b))
		return !strcmp(a->u.string, b->u.string);
	if (YAJL_IS_NUMBER(a) && YAJL_IS_NUMBER(b))
		return !strcmp(a->u.number.r, b->u.number.r);
	return a->type == b->type && !YAJL_IS_STRING(a) && !YAJL_IS_NUMBER(a) && !is_container(a);
}

static void differs(struct report *r, const char *where, yajl_val a, yajl_val b)
{
	char *sa = a ? jt_text(a) : NULL, *sb = b ? jt_text(b) : NULL;

	if ((a && !sa) || (b && !sb))
		r->oom = 1;
	add(r, "config: %s: %s (A) != %s (B)", where, a ? (sa ? sa : "?") : "absent",
	    b ? (sb ? sb : "?") : "absent");
	free(sa);
	free(sb);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void compare_json(struct report *r, const char *where, yajl_val a, yajl_val b)
{
	char *sub = NULL;

	if (YAJL_IS_OBJECT(a) && YAJL_IS_OBJECT(b)) {
		size_t n = a->u.object.len + b->u.object.len;
		char **keys = calloc(n + 1, sizeof(char *));

		if (!keys) {
			r->oom = 1;
			return;
		}
		if (a->u.object.len)
			memcpy(keys, a->u.object.keys, a->u.object.len * sizeof(char *));
		if (b->u.object.len)
			memcpy(keys + a->u.object.len, b->u.object.keys,
			       b->u.object.len * sizeof(char *));
		if (n)
			qsort(keys, n, sizeof(char *), cmp_str);
		for (size_t i = 0; i < n; i++) {
			yajl_val x, y;

			if ((i > 0 && !strcmp(keys[i], keys[i - 1])) || ignored(where, keys[i]))
				continue;
			sub = *where ? sb_printf("%s.%s", where, keys[i]) : sb_strdup(keys[i]);
			if (!sub) {
				r->oom = 1;
				break;
			}
			x = jt_get(a, keys[i]);
			y = jt_get(b, keys[i]);
			if (!x || !y)
				differs(r, sub, x, y);
			else
				compare_json(r, sub, x, y);
			free(sub);
		}
		free(keys);
	} else if (YAJL_IS_ARRAY(a) && YAJL_IS_ARRAY(b)) {
		size_t na = a->u.array.len, nb = b->u.array.len;
		int nested = 0;

		for (size_t i = 0; i < na; i++)
			nested |= is_container(a->u.array.values[i]);
		for (size_t i = 0; i < nb; i++)
			nested |= is_container(b->u.array.values[i]);
		if (!nested) {
			if (!json_equal(a, b))
				differs(r, where, a, b);
			return;
		}
		for (size_t i = 0; i < (na > nb ? na : nb); i++) {
			sub = sb_printf("%s[%zu]", where, i);
			if (!sub) {
				r->oom = 1;
				return;
			}
			if (i >= na || i >= nb)
				differs(r, sub, i < na ? a->u.array.values[i] : NULL,
					i < nb ? b->u.array.values[i] : NULL);
			else
				compare_json(r, sub, a->u.array.values[i], b->u.array.values[i]);
			free(sub);
		}
	} else if (!json_equal(a, b)) {
		differs(r, where, a, b);
	}
}

/* "layer N (INSTRUCTION)" from the history entries that made layers. */
static char *layer_title(const struct rd_image *img, size_t k)
{
	yajl_val h = jt_get(img->config, "history");
	const char *step = NULL;
	size_t n = 0, len;

	for (size_t i = 0; YAJL_IS_ARRAY(h) && i < h->u.array.len; i++) {
		yajl_val e = h->u.array.values[i];

		if (YAJL_IS_TRUE(jt_get(e, "empty_layer")))
			continue;
		if (n++ == k)
			step = jt_str(e, "created_by");
	}
	if (n != img->nlayers || !step)
		return sb_printf("layer %zu", k);
	len = strlen(step);
	if (len >= 11 && !strcmp(step + len - 11, " # buildkit"))
		len -= 11;
	return sb_printf("layer %zu (%.*s)", k, (int)len, step);
}

/* How many layers a and b share from the bottom: the same DiffIDs in the
 * same places, so the same bytes. */
static size_t shared_layers(const struct rd_image *a, const struct rd_image *b)
{
	size_t n = 0;

	while (n < a->nlayers && n < b->nlayers &&
	       !strcmp(a->layers[n].diff_id, b->layers[n].diff_id))
		n++;
	return n;
}

/* "layers 0–2: the same (sha256:<12 hex>, ...)": the n shared layers. */
static void say_shared(struct report *r, const struct rd_image *a, size_t n)
{
	struct sb_buf ids = {0};

	for (size_t k = 0; k < n; k++)
		if (sb_buf_addf(&ids, "%s%.19s", k ? ", " : "", a->layers[k].diff_id) < 0)
			r->oom = 1;
	if (n == 1)
		add(r, "layer 0: the same (%s)", ids.buf ? ids.buf : "");
	else
		add(r, "layers 0–%zu: the same (%s)", n - 1, ids.buf ? ids.buf : "");
	sb_buf_release(&ids);
}

/* Layer k, which only image `who` ("A" or "B") has: each of its entries. */
static void only_in(struct report *r, const struct rd_image *img, size_t k, const char *who)
{
	const struct rd_layer *l = &img->layers[k];
	char *title = layer_title(img, k);

	if (!title) {
		r->oom = 1;
		return;
	}
	add(r, "%s: only in %s, %zu entr%s", title, who, l->nentries,
	    l->nentries == 1 ? "y" : "ies");
	for (size_t i = 0; i < l->nentries; i++)
		add(r, "%s: %s: only in %s", title, l->entries[i].path, who);
	free(title);
}

/* The layers of a and b compared: shared ones (in one line when say_shared
 * is set), then pairs by position, then (when something is shared) the
 * layers only one image has. *entries counts the entries of A's layers.
 * Images that share nothing are compared layer by layer as they always were. */
static void compare_layers(struct report *r, const struct rd_image *a, const struct rd_image *b,
			   int mtime, int say, size_t *entries)
{
	size_t shared = shared_layers(a, b);

	if (a->nlayers != b->nlayers)
		add(r, "layers: %zu (A) != %zu (B)", a->nlayers, b->nlayers);
	if (shared && say)
		say_shared(r, a, shared);
	for (size_t k = 0; k < a->nlayers && k < b->nlayers; k++) {
		char *title;

		*entries += a->layers[k].nentries;
		if (k < shared)
			continue;
		title = layer_title(a, k);
		if (!title || compare_layer(r, title, &a->layers[k], &b->layers[k], mtime) < 0)
			r->oom = 1;
		free(title);
	}
	for (size_t k = b->nlayers; shared && k < a->nlayers; k++)
		only_in(r, a, k, "A");
	for (size_t k = a->nlayers; shared && k < b->nlayers; k++)
		only_in(r, b, k, "B");
}

/* The first images of a and b compared; say: name the shared layers. */
static void compare_images(struct report *r, const struct rd_archive *a, const struct rd_archive *b,
			   int mtime, int say, size_t *entries)
{
	if (a->nimages != b->nimages)
		add(r, "images: %zu (A) != %zu (B); comparing the first", a->nimages, b->nimages);
	compare_layers(r, &a->images[0], &b->images[0], mtime, say, entries);
	compare_json(r, "", a->images[0].config, b->images[0].config);
}

static int load(const char *path, struct rd_archive **ar, struct sb_error *err)
{
	if (rd_open(ar, path, NULL, err) < 0)
		return -1;
	return rd_load_layers(*ar, 0, err);
}

int sb_cmd_diff(int argc, char **argv)
{
	struct sb_error err = {0};
	struct rd_archive *a = NULL, *b = NULL;
	struct report r = {0};
	const char *pa = NULL, *pb = NULL;
	int mtime = 0, status = 2;
	size_t entries = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mtime")) {
			mtime = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(diff_usage, stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "scratchbuild diff: unknown option %s\n%s", argv[i],
				diff_usage);
			return 2;
		} else if (!pa) {
			pa = argv[i];
		} else if (!pb) {
			pb = argv[i];
		} else {
			fprintf(stderr, "scratchbuild diff: two image tars, no more\n%s",
				diff_usage);
			return 2;
		}
	}
	if (!pb) {
		fprintf(stderr, "scratchbuild diff: which two image tars?\n%s", diff_usage);
		return 2;
	}
	if (load(pa, &a, &err) < 0 || load(pb, &b, &err) < 0) {
		sb_print_error("scratchbuild diff", SB_WHO_ALWAYS, &err);
		goto out;
	}
	compare_images(&r, a, b, mtime, 0, &entries);
	/* Shared layers are named only when something else differs: equal
	 * images get the one EQUAL line. */
	if (r.n && !r.oom && shared_layers(&a->images[0], &b->images[0])) {
		sb_buf_release(&r.out);
		memset(&r, 0, sizeof(r));
		entries = 0;
		compare_images(&r, a, b, mtime, 1, &entries);
	}
	if (r.oom) {
		fputs("scratchbuild diff: out of memory\n", stderr);
		goto out;
	}
	if (r.n) {
		printf("DIFFERENT: %s (A) vs %s (B)\n%s", pa, pb, r.out.buf);
		status = 1;
	} else {
		printf("EQUAL: %zu layer%s, %zu entries, config equal\n", a->images[0].nlayers,
		       a->images[0].nlayers == 1 ? "" : "s", entries);
		status = 0;
	}
	if (fflush(stdout) != 0)
		status = 2;
out:
	sb_buf_release(&r.out);
	rd_close(a);
	rd_close(b);
	sb_error_release(&err);
	return status;
}
