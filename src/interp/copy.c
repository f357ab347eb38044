/* COPY and ADD: each source (context files, heredocs, another stage's files,
 * a named context's files: those of --from through copy_from.c) placed into a
 * new layer, and the layer added to the stage; WORKDIR's layer, which holds
 * the directories it creates, and the layer of FROM a named context are built
 * the same way.
 */
#include "interp/eval_int.h"
#include "util/match.h"
#include "interp/shlex.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *ev_path_join(const char *a, const char *b)
{
	if (!*a)
		return sb_strdup(b);
	if (!*b)
		return sb_strdup(a);
	return sb_printf("%s/%s", a, b);
}

/* Makes sure directory path exists in the layer. A directory the image already
 * has is written again with its mode and owner; a new one gets 0755 root:root. */
int ev_mkdir_p(struct copy *cp, const char *path, struct sb_error *err)
{
	struct eval *ev = cp->ev;
	char *buf = sb_strdup(path);
	int rc = -1;

	if (!buf)
		return sb_errorf(err, "out of memory");
	for (char *p = buf; *p;) {
		char *slash = strchr(p, '/');
		const struct img_entry *have;

		if (slash)
			*slash = '\0';
		have = img_tree_get(cp->layer, buf);
		if (have && have->type != IMG_DIR) {
			sb_error_at(err, &ev->f->src, cp->in->pos,
				    "%s: cannot create directory /%s: the copy "
				    "already put a file there",
				    ev->what, buf);
			goto out;
		}
		if (!have) {
			const struct img_entry *old = img_tree_get(ev->st->fs, buf);
			struct img_entry dir = {.path = buf,
						.type = IMG_DIR,
						.mode = 0755,
						.uid = cp->fl.uid,
						.gid = cp->fl.gid,
						.mtime = IMG_MTIME_NOW};

			if (old && old->type != IMG_DIR) {
				sb_error_at(err, &ev->f->src, cp->in->pos,
					    "%s: cannot create directory /%s: an earlier layer "
					    "has a file there",
					    ev->what, buf);
				goto out;
			}
			if (old) {
				dir.mode = old->mode;
				dir.uid = old->uid;
				dir.gid = old->gid;
			}
			if (img_tree_put(cp->layer, &dir, err) < 0)
				goto out;
		}
		if (!slash)
			break;
		*slash = '/';
		p = slash + 1;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

int ev_mkdir_parent(struct copy *cp, const char *path, struct sb_error *err)
{
	const char *slash = strrchr(path, '/');
	char *parent;
	int rc;

	if (!slash)
		return 0;
	parent = sb_strndup(path, (size_t)(slash - path));
	if (!parent)
		return sb_errorf(err, "out of memory");
	rc = ev_mkdir_p(cp, parent, err);
	free(parent);
	return rc;
}

static uint64_t link_group(struct copy *cp, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < cp->nlinks; i++)
		if (cp->links[i].dev == dev && cp->links[i].ino == ino)
			return cp->links[i].id;
	if (sb_grow(&cp->links, &cp->links_cap, cp->nlinks + 1, sizeof(*cp->links)) < 0)
		return 0;
	cp->links[cp->nlinks] = (struct link_id){dev, ino, cp->nlinks + 1};
	return ++cp->nlinks;
}

static const char *kind_of(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a named pipe (FIFO)";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	return "not a regular file, directory or symbolic link";
}

/* Where an entry of the walked source lands. rel is its path below the
 * source ("" for the source itself). The source directory itself gives only
 * its contents (the destination directory is made, *target stays NULL);
 * anything else named as a source lands inside a directory destination under
 * its own name, or becomes the destination. */
int ev_copy_place(struct copy *cp, const char *rel, int is_dir, char **target, struct sb_error *err)
{
	struct eval *ev = cp->ev;
	const char *slash, *base;

	*target = NULL;
	if (rel[0]) {
		*target = ev_path_join(cp->root, rel);
		return *target ? 0 : sb_errorf(err, "out of memory");
	}
	slash = strrchr(cp->source, '/');
	base = slash ? slash + 1 : cp->source;
	free(cp->root);
	if (is_dir)
		cp->root = sb_strdup(cp->dest);
	else if (cp->dest_dir)
		cp->root = ev_path_join(cp->dest, base);
	else
		cp->root = sb_strdup(cp->dest);
	if (!cp->root)
		return sb_errorf(err, "out of memory");
	if (is_dir)
		return ev_mkdir_p(cp, cp->root, err);
	if (!cp->dest_dir)
		cp->onto_dest++;
	if (!cp->root[0])
		return sb_error_at(err, &ev->f->src, cp->in->pos, "%s: cannot copy a file onto /",
				   ev->what);
	if (ev_mkdir_parent(cp, cp->root, err) < 0)
		return -1;
	*target = sb_strdup(cp->root);
	return *target ? 0 : sb_errorf(err, "out of memory");
}

static int copy_visit(void *ud, const struct ctx_entry *e, struct sb_error *err)
{
	struct copy *cp = ud;
	struct eval *ev = cp->ev;
	struct img_entry ie = {0};
	char *target = NULL;
	int rc = -1;

	if (e->path[0] == '\0' && cp->add && e->type == CTX_REG) {
		int done;

		/* A local tar archive goes into dest as a directory, unpacked. */
		if (ev_add_archive(cp, e, &done, err) < 0)
			return -1;
		if (done)
			return ev_mkdir_p(cp, cp->dest, err);
	}
	if (ev_copy_place(cp, e->path, e->type == CTX_DIR, &target, err) < 0)
		return -1;
	if (!target)
		return 0; /* the source directory: its contents follow */

	ie.path = target;
	ie.mode = e->mode & 07777;
	ie.mtime = e->mtime;
	ie.uid = cp->fl.uid;
	ie.gid = cp->fl.gid;
	if (cp->fl.chmod && e->type != CTX_LNK)
		ie.mode = perm_chmod_apply(&cp->fl.mode, ie.mode, e->type == CTX_DIR);
	switch (e->type) {
	case CTX_DIR:
		ie.type = IMG_DIR;
		break;
	case CTX_REG:
		ie.type = IMG_REG;
		ie.size = e->size;
		ie.source = (char *)e->real;
		ie.origin = cp->from_origin;
		if (e->nlink > 1) {
			ie.link_group = link_group(cp, e->dev, e->ino);
			if (!ie.link_group) {
				sb_errorf(err, "out of memory");
				goto out;
			}
		}
		cp->payload += e->size;
		break;
	case CTX_LNK:
		ie.type = IMG_SYMLINK;
		ie.link = (char *)e->link;
		break;
	default:
		if (S_ISSOCK(e->mode)) {
			/* BuildKit turns a socket into an empty file with its mode. */
			ie.type = IMG_REG;
			break;
		}
		/* BuildKit leaves named pipes out without a word; scratchbuild
		 * leaves them (and devices) out too, and says so. */
		rc = ev_warn_at(ev, cp->in->pos, "exclude it with .dockerignore to silence this",
				"%s: \"%s\" in the build context is %s; like Docker, it is "
				"not copied",
				ev->what, e->real[0] ? e->real : ".", kind_of(e->mode));
		goto out;
	}
	if (img_tree_put(cp->layer, &ie, err) < 0)
		goto out;
	rc = 0;
out:
	free(target);
	return rc;
}

/* What BuildKit's ADD would download: http(s) URLs and git repositories. */
static int is_remote(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8) || !strncmp(s, "git@", 4) ||
	       !strncmp(s, "git://", 6) || !strncmp(s, "ssh://", 6);
}

/* Records the layer in the image and the image's file system. */
static int fs_merge(void *ud, const struct img_entry *e, struct sb_error *err)
{
	struct img_tree *fs = ud;
	struct img_entry meta = *e;

	/* The source stays: a later --chown=name reads /etc/passwd through it. */
	meta.link_group = 0;
	return img_tree_put(fs, &meta, err);
}

int ev_fs_sync(struct eval *ev)
{
	struct state *st = ev->st;

	for (; st->fs_layers < st->img.nlayers; st->fs_layers++)
		if (img_tree_each(st->img.layers[st->fs_layers], fs_merge, st->fs, ev->err) < 0)
			return -1;
	return 0;
}

/* Whether a source goes inside the destination rather than becoming it: the
 * destination is written as a directory, or is one (in this layer, else in the
 * image so far). */
int ev_copy_dest_is_dir(const struct copy *cp)
{
	const struct img_entry *e = img_tree_get(cp->layer, cp->dest);

	if (cp->dest_slash)
		return 1;
	if (!e)
		e = img_tree_get(cp->ev->st->fs, cp->dest);
	return e && e->type == IMG_DIR;
}

/* COPY <<EOF dest: a file named after the heredoc, holding its body, with
 * the stage's variables expanded unless the delimiter was quoted (BuildKit
 * expands it with quotes and escapes kept as they are). */
static int copy_heredoc(struct copy *cp, const struct df_heredoc *hd, struct sb_pos pos)
{
	struct eval *ev = cp->ev;
	const struct df_heredoc *body = df_heredoc_find(cp->in, hd->name);
	struct img_entry ie = {.type = IMG_REG, .mode = 0644, .mtime = IMG_MTIME_NOW};
	char *content = NULL, *target = NULL;
	size_t len = body ? body->len : 0;
	int rc = -1;

	if (body && body->expand) {
		static const struct shlex_opts raw = {.raw_quotes = 1, .raw_escapes = 1};

		if (shlex_word_opts(body->content, '\\', &raw, ev_stage_lookup, ev, &content,
				    ev->err) < 0)
			return ev_error_moved(ev, ev->err, pos, "%s <<%s: ", ev->what, hd->name);
		len = strlen(content);
	} else {
		content = malloc(len + 1);
		if (!content)
			return ev_oom(ev);
		if (len)
			memcpy(content, body->content, len);
		content[len] = '\0';
	}
	cp->dest_dir = ev_copy_dest_is_dir(cp);
	cp->source = hd->name;
	if (ev_copy_place(cp, "", 0, &target, ev->err) < 0)
		goto out;
	ie.path = target;
	ie.size = len;
	ie.data = content;
	ie.uid = cp->fl.uid;
	ie.gid = cp->fl.gid;
	if (cp->fl.chmod)
		ie.mode = perm_chmod_apply(&cp->fl.mode, ie.mode, 0);
	cp->payload += len;
	rc = img_tree_put(cp->layer, &ie, ev->err);
out:
	free(content);
	free(target);
	return rc;
}

/* COPY and ADD: one source of the build context, a path or a pattern. */
static int copy_context(struct copy *cp, struct ctx_walk_opts *wopts, const char *src,
			struct sb_pos pos)
{
	struct eval *ev = cp->ev;
	struct ctx *ctx = cp->from_named ? cp->from_named->ctx : ev->ctx;
	char *base = NULL, *include = NULL; /* --parents: a source cut at its pivot */
	char **matches = NULL;
	size_t n = 0;
	int rc = -1;

	/* A bad pattern is an error in the Dockerfile: shown at its word. */
	if (cp->fl.parents &&
	    ctx_parents_split(src, &base, &include, &wopts->require_match, ev->err) < 0) {
		ev_error_moved(ev, ev->err, pos, "%s: ", ev->what);
		goto out;
	}
	wopts->include = include;
	if (ctx_match(ctx, base ? base : src, &matches, &n, ev->err) < 0) {
		ev_error_moved(ev, ev->err, pos, "%s: ", ev->what);
		goto out;
	}
	if (n == 0 && match_has_meta(src)) {
		rc = ev_warn_at(ev, pos, NULL,
				"%s: \"%s\" matches nothing in the build context; "
				"like Docker, nothing is copied for it",
				ev->what, src);
		goto out;
	}
	if (n == 0 && cp->from_named) {
		ev_error_at(ev, pos,
			    "%s: \"%s\" not found in the named context (--build-context %s)",
			    ev->what, src, cp->from_named->arg);
		sb_error_hint(ev->err, "check the name, and that the directory's .dockerignore "
				       "does not exclude it");
		goto out;
	}
	if (n == 0) {
		ev_error_at(ev, pos, "%s: \"%s\" not found in the build context (%s)", ev->what,
			    src, ctx_dir(ev->ctx));
		sb_error_hint(ev->err, "check the name, and that .dockerignore does not "
				       "exclude it");
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		/* Decided again for every source, as BuildKit copies them one
		 * after the other: `COPY dir file /x` makes /x a directory
		 * first, and the file then goes inside it. */
		cp->dest_dir = cp->fl.parents || ev_copy_dest_is_dir(cp);
		cp->source = matches[k];
		free(cp->root);
		cp->root = NULL;
		if (ctx_walk(ctx, matches[k], wopts, copy_visit, cp, ev->err) < 0) {
			if (ev->err->line == 0 && ev->err->msg)
				ev_error_moved(ev, ev->err, pos, "%s: ", ev->what);
			goto out;
		}
	}
	rc = 0;
out:
	wopts->include = NULL;
	sb_strv_free(matches);
	free(base);
	free(include);
	return rc;
}

/* One source of COPY or ADD, the word `w` expanded to src: a heredoc, a path
 * of another stage (--from), or paths of the build context. */
static int copy_source(struct copy *cp, struct ctx_walk_opts *wopts, const char *src,
		       const struct df_word *w)
{
	struct eval *ev = cp->ev;
	struct df_heredoc hd = {0};
	int is;

	if (!cp->add && (!strncmp(src, "http://", 7) || !strncmp(src, "https://", 8))) {
		ev_error_at(ev, w->pos, "source can't be a URL for COPY");
		return sb_error_hint(ev->err, "download it before the build, then COPY the file");
	}
	if (cp->add && is_remote(src)) {
		ev_error_at(ev, w->pos, "ADD %s: scratchbuild builds offline and downloads nothing",
			    src);
		return sb_error_hint(ev->err, "fetch it before the build (curl -LO, git clone) "
					      "and ADD or COPY the local copy");
	}
	if (!cp->in->json) {
		is = df_heredoc_parse(w->text, &hd, ev->err);
		if (is < 0)
			return ev_error_moved(ev, ev->err, w->pos, "%s: ", ev->what);
		if (is > 0) {
			is = copy_heredoc(cp, &hd, w->pos);
			df_heredoc_release(&hd);
			return is;
		}
	}
	if (cp->from_fs)
		return ev_copy_from_source(cp, src, w->pos);
	return copy_context(cp, wopts, src, w->pos);
}

/* The destination raw (expanded): relative to WORKDIR, cleaned into *dest
 * (yours), and whether it is written as a directory. */
static int copy_dest(struct copy *cp, const char *raw, char **dest)
{
	const char *wd = cp->ev->st->img.config.workdir ? cp->ev->st->img.config.workdir : "/";
	char *joined = raw[0] == '/' ? sb_strdup(raw) : sb_printf("%s/%s", wd, raw);
	size_t n = strlen(raw);

	*dest = joined ? match_clean_rooted(joined) : NULL;
	free(joined);
	if (!*dest)
		return ev_oom(cp->ev);
	cp->dest = *dest;
	cp->dest_slash = n == 0 || raw[n - 1] == '/' || !strcmp(raw, ".") || !(*dest)[0];
	return 0;
}

/* Adds the layer cp built (taking it over) to the stage: the image's layers
 * and history, and a step. The stage's file system takes it when next read
 * (ev_fs_sync). */
static int push_layer(struct eval *ev, const struct df_instr *in, struct copy *cp,
		      const char *created_by)
{
	struct image *img = &ev->st->img;
	size_t cap = img->nlayers;

	if (img_tree_link_groups(cp->layer, ev->err) < 0)
		return -1;
	if (sb_grow(&img->layers, &cap, img->nlayers + 1, sizeof(*img->layers)) < 0)
		return ev_oom(ev);
	cap = img->nlayers;
	if (img->layer_src) { /* the first layers came from a base image */
		if (sb_grow(&img->layer_src, &cap, img->nlayers + 1, sizeof(*img->layer_src)) < 0)
			return ev_oom(ev);
		memset(&img->layer_src[img->nlayers], 0, sizeof(*img->layer_src));
	}
	if (img_add_history(img, created_by, 0, ev->err) < 0)
		return -1;
	img->layers[img->nlayers++] = cp->layer;
	cp->layer = NULL;
	return ev_add_step(ev, in, (long)img->nlayers - 1, cp->payload);
}

/* The layer of a COPY or ADD of args, with the history entry BuildKit writes:
 * "COPY src... dest # buildkit". */
static int copy_done(struct copy *cp, char **args)
{
	struct sb_buf by = {0};
	int rc = sb_buf_adds(&by, df_kind_name(cp->in->kind));

	for (size_t i = 0; args[i] && rc == 0; i++)
		rc = sb_buf_addf(&by, " %s", args[i]);
	if (rc == 0)
		rc = sb_buf_adds(&by, " # buildkit");
	rc = rc < 0 ? ev_oom(cp->ev) : push_layer(cp->ev, cp->in, cp, by.buf);
	sb_buf_release(&by);
	return rc;
}

/* copy = "COPY" src... dest | "COPY" "[" src... "," dest "]" */
int ev_copy(struct eval *ev, const struct df_instr *in)
{
	struct copy cp = {.ev = ev, .in = in, .add = in->kind == DF_ADD};
	struct ctx_walk_opts wopts = {0};
	char **args = NULL, *dest = NULL;
	size_t nargs = 0;
	int rc = -1;

	if (ev_fs_sync(ev) < 0 || ev_copy_flags(ev, in, &cp.fl) < 0)
		goto out;
	wopts.exclude = cp.fl.exclude;
	wopts.nexclude = cp.fl.nexclude;
	if (cp.fl.from && ev_copy_from(ev, &cp) < 0)
		goto out;
	if (ev_expand_args(ev, in, &args) < 0)
		goto out;
	while (args[nargs])
		nargs++;
	if (nargs < 2) {
		ev_error_at(ev, in->pos,
			    "%s requires at least two arguments, but only %s was "
			    "provided: the destination could not be determined",
			    ev->what, nargs == 0 ? "none" : "one");
		sb_error_hint(ev->err, "write COPY <source>... <destination>, e.g. COPY ./serve "
				       "/server/");
		goto out;
	}
	if (copy_dest(&cp, args[nargs - 1], &dest) < 0)
		goto out;
	cp.layer = img_tree_new();
	if (!cp.layer) {
		ev_oom(ev);
		goto out;
	}
	for (size_t i = 0; i + 1 < nargs; i++)
		if (copy_source(&cp, &wopts, args[i], &in->args[i]) < 0)
			goto out;
	if (cp.onto_dest > 1 &&
	    ev_warn_at(ev, in->args[nargs - 1].pos,
		       "end the destination with / to copy several sources into a directory",
		       "%s: %u sources were copied to \"%s\", which is not a directory: as with "
		       "Docker, each replaced the one before",
		       ev->what, cp.onto_dest, args[nargs - 1]) < 0)
		goto out;
	rc = copy_done(&cp, args);
out:
	img_tree_free(cp.layer);
	img_tree_free(cp.scratch_fs);
	free(cp.root);
	free(cp.links);
	ev_copy_flags_release(&cp.fl);
	free(dest);
	sb_strv_free(args);
	return rc;
}

/* BuildKit starts a stage FROM a local named context as llb.Local: no
 * image config (so scratch's, emptyImage), and the directory as the stage's
 * root file system, one layer holding its contents as COPY . / from it would
 * (owners 0:0, as BuildKit's file transfer sets them; its own .dockerignore
 * applied). BuildKit's exporter gives a layer without history an entry of
 * its own; scratchbuild records one at the FROM. */
int ev_context_layer(struct eval *ev, const struct df_instr *from, size_t k)
{
	struct copy cp = {.ev = ev, .in = from, .dest = "", .dest_slash = 1};
	struct ctx_walk_opts wopts = {0};
	char *by = NULL;
	int rc = -1;

	ev_copy_from_context(ev, &cp, k); /* a directory: nothing to fail */
	cp.layer = img_tree_new();
	by = sb_printf("local source for %s", cp.from_named->name);
	if (!cp.layer || !by) {
		ev_oom(ev);
		goto out;
	}
	if (copy_context(&cp, &wopts, ".", from->pos) < 0)
		goto out;
	rc = push_layer(ev, from, &cp, by);
out:
	img_tree_free(cp.layer);
	free(cp.root);
	free(cp.links);
	free(by);
	return rc;
}

static int dir_exists(const struct img_tree *t, const char *path)
{
	const struct img_entry *e = img_tree_get(t, path);

	return e && e->type == IMG_DIR;
}

/* workdir = "WORKDIR" path: the working directory, and a layer that holds
 * its directories, as BuildKit makes one. */
int ev_workdir(struct eval *ev, const struct df_instr *in)
{
	struct img_config *c = &ev->st->img.config;
	char *v = NULL, *abs = NULL, *clean = NULL, *by = NULL;
	struct copy cp = {.ev = ev, .in = in};
	int rc = -1;

	if (ev_fs_sync(ev) < 0 || ev_one_word(ev, in, &v) < 0)
		return -1;
	abs = v[0] == '/' ? sb_strdup(v) : sb_printf("%s/%s", c->workdir ? c->workdir : "/", v);
	clean = abs ? match_clean_rooted(abs) : NULL;
	cp.layer = img_tree_new();
	if (!clean || !cp.layer)
		goto nomem;
	by = sb_printf("WORKDIR /%s", clean);
	free(c->workdir);
	c->workdir = sb_printf("/%s", clean);
	if (!by || !c->workdir)
		goto nomem;
	if (!clean[0]) {
		/* WORKDIR / creates nothing: no layer at all. */
		rc = ev_meta_done(ev, in, by);
		goto out;
	}
	/* The directories it creates belong to USER; when they all exist the
	 * layer is empty, as with BuildKit. */
	if (!dir_exists(ev->st->fs, clean)) {
		if (c->user && c->user[0]) {
			struct df_flag f = {.name = "chown", .value = c->user, .pos = in->pos};

			if (ev_resolve_chown(ev, &f, &cp.fl) < 0)
				goto out;
		}
		if (ev_mkdir_p(&cp, clean, ev->err) < 0)
			goto out;
	}
	if (push_layer(ev, in, &cp, by) < 0)
		goto out;
	rc = 0;
	goto out;
nomem:
	ev_oom(ev);
out:
	img_tree_free(cp.layer);
	free(v);
	free(abs);
	free(clean);
	free(by);
	return rc;
}
