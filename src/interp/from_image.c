/* FROM an image and COPY --from an image: a named context that holds an
 * image (an image tar or an OCI layout, opened by main into
 * ctx_named.image) starts a stage as BuildKit starts one from a base image
 * (dockerfile2llb: the image's whole config taken over, its platform, its
 * layers below the stage's own), and COPY --from reads that image's file
 * system: its layers applied, whiteouts honoured (img_base_fs). The bytes
 * of its files are read through the source opener, which hands an entry
 * whose origin names an image to img_base_read.
 */
#include "image/base.h"
#include "interp/eval_int.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int strv_copy(char *const *v, char ***out)
{
	size_t n = 0;

	*out = NULL;
	if (!v)
		return 0;
	while (v[n])
		n++;
	*out = calloc(n + 1, sizeof(**out));
	if (!*out)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!((*out)[i] = sb_strdup(v[i])))
			return -1;
	return 0;
}

static int str_copy(const char *s, char **out)
{
	*out = s ? sb_strdup(s) : NULL;
	return s && !*out ? -1 : 0;
}

/* The base's history, every entry as the base wrote it. */
static int history_copy(const struct img_config *from, struct img_config *to)
{
	if (!from->nhistory)
		return 0;
	to->history = calloc(from->nhistory, sizeof(*to->history));
	if (!to->history)
		return -1;
	for (size_t i = 0; i < from->nhistory; i++) {
		const struct img_history *h = &from->history[i];
		struct img_history *c = &to->history[to->nhistory++];

		c->empty_layer = h->empty_layer;
		c->inherited = 1;
		if (str_copy(h->created_by, &c->created_by) < 0 ||
		    str_copy(h->created, &c->created) < 0 || str_copy(h->author, &c->author) < 0 ||
		    str_copy(h->comment, &c->comment) < 0)
			return -1;
	}
	return 0;
}

/* A deep copy of the base's config into to (empty). -1: out of memory (to
 * holds what was copied; img_config_release frees it). */
static int config_copy(const struct img_config *from, struct img_config *to)
{
	if (str_copy(from->user, &to->user) < 0 || strv_copy(from->ports, &to->ports) < 0 ||
	    strv_copy(from->env, &to->env) < 0 ||
	    strv_copy(from->entrypoint, &to->entrypoint) < 0 ||
	    strv_copy(from->cmd, &to->cmd) < 0 || strv_copy(from->volumes, &to->volumes) < 0 ||
	    str_copy(from->workdir, &to->workdir) < 0 || strv_copy(from->labels, &to->labels) < 0 ||
	    str_copy(from->stop_signal, &to->stop_signal) < 0 ||
	    strv_copy(from->onbuild, &to->onbuild) < 0 || strv_copy(from->shell, &to->shell) < 0 ||
	    str_copy(from->author, &to->author) < 0)
		return -1;
	to->args_escaped = from->args_escaped;
	if (from->health) {
		to->health = calloc(1, sizeof(*to->health));
		if (!to->health)
			return -1;
		*to->health = *from->health;
		to->health->test = NULL;
		if (strv_copy(from->health->test, &to->health->test) < 0)
			return -1;
	}
	return history_copy(from, to);
}

/* BuildKit makes sure a stage has a PATH: a base without one gets the
 * default appended to its Env (dockerfile2llb, "make sure that PATH is
 * always set"). */
static int ensure_path(struct img_config *c)
{
	size_t n = 0;
	char **env;

	while (c->env && c->env[n]) {
		if (!strncmp(c->env[n], "PATH=", 5))
			return 0;
		n++;
	}
	env = realloc(c->env, (n + 2) * sizeof(*env));
	if (!env)
		return -1;
	c->env = env;
	env[n] = sb_strdup(DEFAULT_PATH);
	env[n + 1] = NULL;
	return env[n] ? 0 : -1;
}

/* The stage's variables: the base's Env, each K=V (BuildKit's AddEnv for
 * every entry), so that ENV PATH=/x:$PATH sees the base's PATH. */
static int env_vars(struct eval *ev, const struct img_config *c)
{
	struct state *st = ev->st;

	ev_vars_free(st->vars, st->nvars);
	st->vars = NULL;
	st->nvars = 0;
	for (size_t i = 0; c->env && c->env[i]; i++) {
		const char *eq = strchr(c->env[i], '=');
		char *name =
		    sb_strndup(c->env[i], eq ? (size_t)(eq - c->env[i]) : strlen(c->env[i]));
		int rc;

		if (!name)
			return ev_oom(ev);
		rc = ev_declare(ev, &st->vars, &st->nvars, name, eq ? eq + 1 : "");
		free(name);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Copies one entry of a base layer, its bytes named as the base's
 * (origin: the named context). */
struct layer_copy {
	struct img_tree *to;
	uint32_t origin;
};

static int put_copy(void *ud, const struct img_entry *e, struct sb_error *err)
{
	struct layer_copy *lc = ud;
	struct img_entry c = *e;

	if (c.type == IMG_REG)
		c.origin = lc->origin;
	return img_tree_put(lc->to, &c, err);
}

/* The base's layers become the image's first layers, each copied by the
 * writer from the base (layer_src), its entries kept for --explain. */
static int base_layers(struct eval *ev, size_t k)
{
	const struct ctx_named *n = &ev->opts->contexts[k];
	struct image *img = &ev->st->img;
	size_t nl = img_base_nlayers(n->image);

	if (img->nlayers)
		return sb_errorf(ev->err, "internal error: FROM %s onto a stage with layers",
				 n->name);
	free(img->layers);
	free(img->layer_src);
	img->layers = calloc(nl ? nl : 1, sizeof(*img->layers));
	img->layer_src = calloc(nl ? nl : 1, sizeof(*img->layer_src));
	if (!img->layers || !img->layer_src)
		return ev_oom(ev);
	for (size_t i = 0; i < nl; i++) {
		struct layer_copy lc = {.to = img_tree_new(), .origin = (uint32_t)k + 1};
		struct img_layer_src *src = &img->layer_src[i];

		if (!lc.to)
			return ev_oom(ev);
		img->layers[img->nlayers++] = lc.to;
		src->base = n->image;
		src->index = i;
		src->base_name = sb_strdup(n->name);
		if (!src->base_name)
			return ev_oom(ev);
		if (img_tree_each(img_base_layer(n->image, i), put_copy, &lc, ev->err) < 0)
			return -1;
	}
	return 0;
}

/* The platform of the image: the base's. */
static int base_platform(struct eval *ev, const struct img_platform *p)
{
	struct image *img = &ev->st->img;

	free(img->architecture);
	free(img->os);
	free(img->variant);
	img->architecture = sb_strdup(p->architecture);
	img->os = sb_strdup(p->os);
	img->variant = p->variant[0] ? sb_strdup(p->variant) : NULL;
	if (!img->architecture || !img->os || (p->variant[0] && !img->variant))
		return ev_oom(ev);
	return 0;
}

/* The stage ev->st (fresh, or replaying an earlier stage's FROM) starts
 * from the image of named context k, as BuildKit's FROM of an image: its
 * layers first, its config and history taken over (a later ENTRYPOINT
 * clears its CMD, WORKDIR is relative to its WorkingDir, USER owns what
 * WORKDIR creates), its Env the stage's variables, its file system what
 * COPY writes into (a directory it already has keeps its owner and mode) and
 * what --chown reads /etc/passwd from. Its ONBUILD triggers stay in the
 * config: the caller runs them. */
static int image_base(struct eval *ev, size_t k)
{
	const struct ctx_named *n = &ev->opts->contexts[k];
	struct state *st = ev->st;
	struct img_config *c = &st->img.config;

	img_config_release(c);
	if (config_copy(img_base_config(n->image), c) < 0 || ensure_path(c) < 0)
		return ev_oom(ev);
	if (env_vars(ev, c) < 0 || base_layers(ev, k) < 0 ||
	    base_platform(ev, img_base_platform(n->image)) < 0)
		return -1;
	img_tree_free(st->fs);
	st->fs = NULL;
	if (img_base_fs(n->image, (uint32_t)k + 1, &st->fs, ev->err) < 0)
		return -1;
	st->fs_layers = st->img.nlayers; /* the base's layers, all in fs */
	st->cmd_set = 0;
	return 0;
}

int ev_named_base(struct eval *ev, const struct df_instr *from, size_t k)
{
	const struct ctx_named *n = &ev->opts->contexts[k];

	if (!n->image)
		return ev_context_layer(ev, from, k);
	if (image_base(ev, k) < 0) {
		if (!ev->err->line)
			ev_error_moved(ev, ev->err, from->args[0].pos,
				       "FROM %s: ", from->args[0].text);
		return -1;
	}
	return 0;
}

int ev_image_fs(struct eval *ev, size_t k, struct sb_pos pos, const struct img_tree **out)
{
	const struct ctx_named *n = &ev->opts->contexts[k];

	if (!ev->image_fs) {
		ev->image_fs = calloc(ev->opts->ncontexts, sizeof(*ev->image_fs));
		if (!ev->image_fs)
			return ev_oom(ev);
	}
	if (!ev->image_fs[k] &&
	    img_base_fs(n->image, (uint32_t)k + 1, &ev->image_fs[k], ev->err) < 0) {
		ev->image_fs[k] = NULL;
		return ev_error_moved(ev, ev->err, pos, "%s --from=%s: ", ev->what, n->name);
	}
	*out = ev->image_fs[k];
	return 0;
}
