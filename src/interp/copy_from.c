/* COPY --from: the file system the sources are read from (another stage, a
 * named context, scratch), each source looked up in it, and its entries
 * placed into the copy's layer with their owners, modes and hard links.
 */
#include "interp/eval_int.h"
#include "util/match.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

/* COPY --from: one entry of the stage's file system (cp->from_root is the
 * walked source's path there). Owner and mode stay as the stage has them,
 * unless --chown or --chmod say otherwise; hard links stay hard links. */
static int from_visit(void *ud, const struct img_entry *e, struct sb_error *err)
{
	struct copy *cp = ud;
	size_t rl = strlen(cp->from_root);
	const char *rel = rl == 0 ? e->path : e->path[rl] == '/' ? e->path + rl + 1 : "";
	struct img_entry ie = *e;
	char *target = NULL;
	int rc;

	if (ev_copy_place(cp, rel, e->type == IMG_DIR, &target, err) < 0)
		return -1;
	if (!target)
		return 0;
	if (e->type == IMG_HARDLINK) {
		const struct img_entry *t = img_tree_get(cp->from_fs, e->link);

		if (!t || t->type != IMG_REG) {
			free(target);
			return sb_errorf(err, "COPY --from: /%s links to a missing file", e->path);
		}
		ie = *t;
	}
	if (ie.type == IMG_REG) {
		/* Names that were one file in the stage are one file here. */
		const char *key = e->type == IMG_HARDLINK ? e->link : e->path;
		uint64_t h = 1469598103934665603ull;

		for (const char *p = key; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		ie.link_group = h | (1ull << 63);
		cp->payload += ie.size;
	}
	ie.path = target;
	if (cp->fl.chown) {
		ie.uid = cp->fl.uid;
		ie.gid = cp->fl.gid;
	}
	if (cp->fl.chmod && ie.type != IMG_SYMLINK)
		ie.mode = perm_chmod_apply(&cp->fl.mode, ie.mode, ie.type == IMG_DIR);
	rc = img_tree_put(cp->layer, &ie, err);
	free(target);
	return rc;
}

/* COPY --from=NAME with a named context: its files are read from its
 * directory, as from the build context, or from its image's file system as
 * from a stage's. */
int ev_copy_from_context(struct eval *ev, struct copy *cp, size_t k)
{
	cp->from_named = &ev->opts->contexts[k];
	cp->from_origin = (uint32_t)k + 1;
	return cp->from_named->image ? ev_image_fs(ev, k, cp->fl.from_pos, &cp->from_fs) : 0;
}

/* COPY --from=stage: a stage name (any case) or index, or a named context
 * (which replaces the stage of its name). */
int ev_copy_from(struct eval *ev, struct copy *cp)
{
	const char *v = cp->fl.from;
	uint32_t idx;
	long i = perm_parse_id(v, strlen(v), &idx) ? (idx < ev->nstages ? (long)idx : -1)
						   : ev_find_stage(ev, v, ev->nstages);
	long k = i >= 0 ? ev->stages[i].named : -1;

	if (i < 0 && ev_find_context(ev, v, &k) < 0)
		return -1;
	if (k >= 0)
		return ev_copy_from_context(ev, cp, (size_t)k);
	if (i < 0 && !strcmp(v, "scratch")) {
		/* BuildKit reads scratch (lower case only) as the empty image. */
		cp->scratch_fs = img_tree_new();
		cp->from_fs = cp->scratch_fs;
		return cp->scratch_fs ? 0 : ev_oom(ev);
	}
	if (i < 0) {
		ev_error_at(ev, cp->fl.from_pos,
			    "COPY --from=%s: there is no stage of that name or number, and "
			    "scratchbuild cannot pull an image",
			    v);
		/* An image reference (nats:2.10) cannot name a stage: its files
		 * come in as a named build context. */
		if (!ev_stage_name_ok(v))
			return sb_error_hint(ev->err,
					     "pass the image's files with --build-context %s=DIR, "
					     "or copy from a stage",
					     v);
		return sb_error_hint(ev->err, "name an earlier stage: FROM scratch AS %s", v);
	}
	if (ev_stage_fs(ev, (size_t)i, &cp->from_fs) < 0) {
		if (!ev->err->line)
			ev_error_moved(ev, ev->err, cp->fl.from_pos, "COPY --from=%s: ", v);
		return -1;
	}
	return 0;
}

/* The paths of the stage's file system fs that clean (a source, cleaned)
 * names: the path itself (symbolic links in it followed inside the stage), or
 * the matches of a wildcard pattern. *out is yours (sb_strv_free). */
static int stage_paths(const struct img_tree *fs, const char *clean, char ***out, size_t *n,
		       struct sb_error *err)
{
	char *real = NULL;

	if (match_has_wildcards(clean))
		return img_tree_glob(fs, clean, out, n, err);
	*out = NULL;
	*n = 0;
	if (img_tree_resolve(fs, NULL, clean, 1, &real, err) < 0)
		return -1;
	if (!img_tree_get(fs, real) && real[0]) {
		free(real);
		return 0;
	}
	*out = calloc(2, sizeof(char *));
	if (!*out) {
		free(real);
		return sb_errorf(err, "out of memory");
	}
	(*out)[0] = real;
	*n = 1;
	return 0;
}

/* COPY --from: one source, looked up in the stage's file system. */
int ev_copy_from_source(struct copy *cp, const char *src, struct sb_pos pos)
{
	struct eval *ev = cp->ev;
	char *clean = match_clean_rooted(src), **paths = NULL;
	size_t n = 0;
	int rc = -1;

	if (!clean)
		return ev_oom(ev);
	if (stage_paths(cp->from_fs, clean, &paths, &n, ev->err) < 0)
		goto located;
	if (n == 0 && match_has_wildcards(clean)) {
		rc = ev_warn_at(ev, pos, NULL,
				"COPY --from: \"%s\" matches nothing in stage %s; like Docker, "
				"nothing is copied for it",
				src, cp->fl.from);
		goto out;
	}
	if (n == 0 && cp->scratch_fs) {
		ev_error_at(ev, pos,
			    "COPY --from=scratch: \"/%s\" not found: scratch is the empty "
			    "image",
			    clean);
		sb_error_hint(ev->err, "copy from a stage that has it, or from the build context");
		goto out;
	}
	if (n == 0 && cp->from_named) {
		ev_error_at(ev, pos,
			    "COPY --from=%s: \"/%s\" not found in the image (--build-context "
			    "%s)",
			    cp->fl.from, clean, cp->from_named->arg);
		sb_error_hint(ev->err, "check the path in the image: scratchbuild inspect lists "
				       "its layers");
		goto out;
	}
	if (n == 0) {
		ev_error_at(ev, pos, "COPY --from=%s: \"/%s\" not found in that stage", cp->fl.from,
			    clean);
		sb_error_hint(ev->err, "check the path the earlier stage put it at");
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		char *unused = NULL;

		cp->dest_dir = ev_copy_dest_is_dir(cp);
		cp->source = paths[k];
		cp->from_root = paths[k];
		free(cp->root);
		cp->root = NULL;
		/* The stage's root (`/`, `.`, `/.`) is a directory the walk does
		 * not visit: its contents go into the destination, as BuildKit
		 * copies the stage's whole file system. */
		if (!paths[k][0] && ev_copy_place(cp, "", 1, &unused, ev->err) < 0)
			goto located;
		if (img_tree_walk(cp->from_fs, paths[k], from_visit, cp, ev->err) < 0)
			goto located;
	}
	rc = 0;
	goto out;
located:
	if (ev->err->line == 0)
		ev_error_moved(ev, ev->err, pos, "COPY --from=%s: ", cp->fl.from);
out:
	sb_strv_free(paths);
	free(clean);
	return rc;
}
