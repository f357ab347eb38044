#include "image/image.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

void img_init(struct image *img)
{
	memset(img, 0, sizeof(*img));
}

void img_config_release(struct img_config *c)
{
	free(c->user);
	sb_strv_free(c->ports);
	sb_strv_free(c->env);
	sb_strv_free(c->entrypoint);
	sb_strv_free(c->cmd);
	sb_strv_free(c->volumes);
	free(c->workdir);
	sb_strv_free(c->labels);
	free(c->stop_signal);
	if (c->health)
		sb_strv_free(c->health->test);
	free(c->health);
	sb_strv_free(c->onbuild);
	sb_strv_free(c->shell);
	free(c->author);
	for (size_t i = 0; i < c->nhistory; i++) {
		free(c->history[i].created_by);
		free(c->history[i].created);
		free(c->history[i].author);
		free(c->history[i].comment);
	}
	free(c->history);
	memset(c, 0, sizeof(*c));
}

void img_release(struct image *img)
{
	for (size_t i = 0; i < img->nlayers; i++) {
		img_tree_free(img->layers[i]);
		if (img->layer_src)
			free(img->layer_src[i].base_name);
	}
	free(img->layers);
	free(img->layer_src);
	img_config_release(&img->config);
	sb_strv_free(img->tags);
	free(img->architecture);
	free(img->os);
	free(img->variant);
	memset(img, 0, sizeof(*img));
}

int img_add_history(struct image *img, const char *created_by, int empty_layer,
		    struct sb_error *err)
{
	struct img_config *c = &img->config;
	size_t cap = c->nhistory;
	char *s = sb_strdup(created_by);

	/* history grows one entry at a time; keep its capacity equal to its size */
	if (!s || sb_grow(&c->history, &cap, c->nhistory + 1, sizeof(*c->history)) < 0) {
		free(s);
		return sb_errorf(err, "out of memory");
	}
	/* sb_grow leaves the new entry as realloc made it: the build's own
	 * entry has no inherited fields. */
	memset(&c->history[c->nhistory], 0, sizeof(*c->history));
	c->history[c->nhistory].created_by = s;
	c->history[c->nhistory].empty_layer = empty_layer;
	c->nhistory++;
	return 0;
}
