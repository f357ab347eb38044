/* config.json and manifest.json, every byte through yajl.
 *
 * Keys come in the order BuildKit writes them: the top level sorted (it
 * marshals a map), the runtime config in the order of its Go struct. */
#include "image/image.h"
#include "util/mem.h"
#include "util/utf8.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_gen.h>

struct gen {
	yajl_gen g;
	yajl_gen_status st; /* first failure, or yajl_gen_status_ok */
};

/* Go's encoding/json writes invalid UTF-8 as U+FFFD; do the same so that a
 * file name that is not UTF-8 still gives valid JSON. */
static char *valid_utf8(const char *s)
{
	struct sb_buf b = {0};
	size_t n = strlen(s);

	while (n > 0) {
		size_t w;
		uint32_t r = sb_utf8_decode(s, n, &w);
		int rc = r == SB_RUNE_ERROR && w == 1 ? sb_buf_adds(&b, "\xef\xbf\xbd")
						      : sb_buf_add(&b, s, w);

		if (rc < 0) {
			sb_buf_release(&b);
			return NULL;
		}
		s += w, n -= w;
	}
	return sb_buf_detach(&b);
}

static void str(struct gen *g, const char *s)
{
	char *v;

	if (g->st != yajl_gen_status_ok)
		return;
	v = valid_utf8(s);
	if (!v) {
		g->st = yajl_gen_in_error_state;
		return;
	}
	g->st = yajl_gen_string(g->g, (const unsigned char *)v, strlen(v));
	free(v);
}

static void map_open(struct gen *g)
{
	if (g->st == yajl_gen_status_ok)
		g->st = yajl_gen_map_open(g->g);
}

static void map_close(struct gen *g)
{
	if (g->st == yajl_gen_status_ok)
		g->st = yajl_gen_map_close(g->g);
}

static void array_open(struct gen *g)
{
	if (g->st == yajl_gen_status_ok)
		g->st = yajl_gen_array_open(g->g);
}

static void array_close(struct gen *g)
{
	if (g->st == yajl_gen_status_ok)
		g->st = yajl_gen_array_close(g->g);
}

static void null(struct gen *g)
{
	if (g->st == yajl_gen_status_ok)
		g->st = yajl_gen_null(g->g);
}

static void boolean(struct gen *g, int v)
{
	if (g->st == yajl_gen_status_ok)
		g->st = yajl_gen_bool(g->g, v);
}

static void strv(struct gen *g, char *const *v)
{
	array_open(g);
	for (size_t i = 0; v && v[i]; i++)
		str(g, v[i]);
	array_close(g);
}

/* Go's time.Time.MarshalJSON of a whole second in UTC. */
static void timestamp(struct gen *g, int64_t epoch)
{
	char buf[64];
	time_t t = (time_t)epoch;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		g->st = yajl_gen_invalid_string;
		return;
	}
	str(g, buf);
}

static int finish(struct gen *g, char **out, size_t *len, struct sb_error *err)
{
	const unsigned char *buf;
	size_t n;

	if (g->st == yajl_gen_status_ok)
		g->st = yajl_gen_get_buf(g->g, &buf, &n);
	if (g->st != yajl_gen_status_ok) {
		yajl_gen_free(g->g);
		return sb_errorf(err, "internal error: JSON generation failed (yajl status %d)",
				 (int)g->st);
	}
	*out = sb_strndup((const char *)buf, n);
	*len = n;
	yajl_gen_free(g->g);
	if (!*out)
		return sb_errorf(err, "out of memory");
	return 0;
}

static int start(struct gen *g, struct sb_error *err)
{
	g->st = yajl_gen_status_ok;
	g->g = yajl_gen_alloc(NULL);
	if (!g->g)
		return sb_errorf(err, "out of memory");
	if (!yajl_gen_config(g->g, yajl_gen_validate_utf8, 1)) {
		yajl_gen_free(g->g);
		return sb_errorf(err, "internal error: yajl_gen_config failed");
	}
	return 0;
}

static void integer(struct gen *g, long long v)
{
	if (g->st == yajl_gen_status_ok)
		g->st = yajl_gen_integer(g->g, v);
}

/* A Go map[string]struct{} as JSON: {"a":{},"b":{}}. */
static void set(struct gen *g, char *const *keys)
{
	map_open(g);
	for (size_t i = 0; keys[i]; i++) {
		str(g, keys[i]);
		map_open(g);
		map_close(g);
	}
	map_close(g);
}

/* The runtime config as BuildKit writes it: its Go struct's field order,
 * empty fields left out, OnBuild null when empty. */
static void config_fields(struct gen *g, const struct img_config *c)
{
	map_open(g);
	if (c->user && c->user[0]) {
		str(g, "User");
		str(g, c->user);
	}
	if (c->ports && c->ports[0]) {
		str(g, "ExposedPorts");
		set(g, c->ports);
	}
	if (c->env && c->env[0]) {
		str(g, "Env");
		strv(g, c->env);
	}
	if (c->entrypoint && c->entrypoint[0]) {
		str(g, "Entrypoint");
		strv(g, c->entrypoint);
	}
	if (c->cmd && c->cmd[0]) {
		str(g, "Cmd");
		strv(g, c->cmd);
	}
	if (c->volumes && c->volumes[0]) {
		str(g, "Volumes");
		set(g, c->volumes);
	}
	if (c->workdir && c->workdir[0]) {
		str(g, "WorkingDir");
		str(g, c->workdir);
	}
	if (c->labels && c->labels[0]) {
		str(g, "Labels");
		map_open(g);
		for (size_t i = 0; c->labels[i] && c->labels[i + 1]; i += 2) {
			str(g, c->labels[i]);
			str(g, c->labels[i + 1]);
		}
		map_close(g);
	}
	if (c->stop_signal && c->stop_signal[0]) {
		str(g, "StopSignal");
		str(g, c->stop_signal);
	}
	if (c->health) {
		str(g, "Healthcheck");
		map_open(g);
		if (c->health->test && c->health->test[0]) {
			str(g, "Test");
			strv(g, c->health->test);
		}
		if (c->health->interval) {
			str(g, "Interval");
			integer(g, c->health->interval);
		}
		if (c->health->timeout) {
			str(g, "Timeout");
			integer(g, c->health->timeout);
		}
		if (c->health->start_period) {
			str(g, "StartPeriod");
			integer(g, c->health->start_period);
		}
		if (c->health->retries) {
			str(g, "Retries");
			integer(g, c->health->retries);
		}
		map_close(g);
	}
	if (c->args_escaped) {
		str(g, "ArgsEscaped");
		boolean(g, 1);
	}
	str(g, "OnBuild");
	if (c->onbuild && c->onbuild[0])
		strv(g, c->onbuild);
	else
		null(g);
	if (c->shell && c->shell[0]) {
		str(g, "Shell");
		strv(g, c->shell);
	}
	map_close(g);
}

int img_config_json(const struct image *img, char *const *diff_ids, char **out, size_t *len,
		    struct sb_error *err)
{
	const struct img_config *c = &img->config;
	struct gen g;

	if (start(&g, err) < 0)
		return -1;
	map_open(&g);
	str(&g, "architecture");
	str(&g, img->architecture);

	if (c->author) {
		str(&g, "author");
		str(&g, c->author);
	}
	str(&g, "config");
	config_fields(&g, c);

	str(&g, "created");
	timestamp(&g, img->epoch);
	str(&g, "history");
	array_open(&g);
	for (size_t i = 0; i < c->nhistory; i++) {
		map_open(&g);
		str(&g, "created");
		timestamp(&g, img->epoch);
		str(&g, "created_by");
		str(&g, c->history[i].created_by);
		str(&g, "comment");
		str(&g, "buildkit.dockerfile.v0");
		if (c->history[i].empty_layer) {
			str(&g, "empty_layer");
			boolean(&g, 1);
		}
		map_close(&g);
	}
	array_close(&g);

	str(&g, "os");
	str(&g, img->os);
	str(&g, "rootfs");
	map_open(&g);
	str(&g, "type");
	str(&g, "layers");
	str(&g, "diff_ids");
	array_open(&g);
	for (size_t i = 0; i < img->nlayers; i++)
		str(&g, diff_ids[i]);
	array_close(&g);
	map_close(&g);
	map_close(&g);
	return finish(&g, out, len, err);
}

int img_manifest_json(const struct image *img, const char *config_name, char *const *layer_names,
		      char **out, size_t *len, struct sb_error *err)
{
	struct gen g;

	if (start(&g, err) < 0)
		return -1;
	array_open(&g);
	map_open(&g);
	str(&g, "Config");
	str(&g, config_name);
	str(&g, "RepoTags");
	strv(&g, img->tags);
	str(&g, "Layers");
	array_open(&g);
	for (size_t i = 0; i < img->nlayers; i++)
		str(&g, layer_names[i]);
	array_close(&g);
	map_close(&g);
	array_close(&g);
	return finish(&g, out, len, err);
}
