/* config.json and manifest.json, every byte through yajl.
 *
 * Keys come in the order BuildKit writes them: the top level sorted (it
 * marshals a map), the runtime config in the order of its Go struct. */
#include "image/image.h"
#include "util/mem.h"
#include "util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

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

/* ---- the other formats' JSON ------------------------------------------------ */

/* Go's encoding/json escapes <, > and & (and U+2028, U+2029) inside strings;
 * yajl does not. Where a digest is taken over the JSON (Docker's v1 layer IDs),
 * the bytes must be Go's. These characters only ever appear inside strings. */
static char *go_escape(const char *s, size_t len, size_t *out_len)
{
	struct sb_buf b = {0};
	int rc = 0;

	for (size_t i = 0; i < len && rc == 0; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '<')
			rc = sb_buf_adds(&b, "\\u003c");
		else if (c == '>')
			rc = sb_buf_adds(&b, "\\u003e");
		else if (c == '&')
			rc = sb_buf_adds(&b, "\\u0026");
		else if (c == 0xe2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
			 ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9)) {
			rc = sb_buf_adds(&b,
					 (unsigned char)s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
			i += 2;
		} else
			rc = sb_buf_addc(&b, (char)c);
	}
	if (rc) {
		sb_buf_release(&b);
		return NULL;
	}
	*out_len = b.len;
	return sb_buf_detach(&b);
}

static int finish_go(struct gen *g, char **out, size_t *len, struct sb_error *err)
{
	char *raw;
	size_t n;

	if (finish(g, &raw, &n, err) < 0)
		return -1;
	*out = go_escape(raw, n, len);
	free(raw);
	return *out ? 0 : sb_errorf(err, "out of memory");
}

/* Docker's empty container.Config, as every v1 layer record carries it. */
static void zero_container_config(struct gen *g)
{
	static const char *const strs[] = {"Hostname", "Domainname", "User"};
	static const char *const bools[] = {"AttachStdin", "AttachStdout", "AttachStderr"};

	map_open(g);
	for (size_t i = 0; i < 3; i++) {
		str(g, strs[i]);
		str(g, "");
	}
	for (size_t i = 0; i < 3; i++) {
		str(g, bools[i]);
		boolean(g, 0);
	}
	str(g, "Tty"), boolean(g, 0);
	str(g, "OpenStdin"), boolean(g, 0);
	str(g, "StdinOnce"), boolean(g, 0);
	str(g, "Env"), null(g);
	str(g, "Cmd"), null(g);
	str(g, "Image"), str(g, "");
	str(g, "Volumes"), null(g);
	str(g, "WorkingDir"), str(g, "");
	str(g, "Entrypoint"), null(g);
	str(g, "OnBuild"), null(g);
	str(g, "Labels"), null(g);
	map_close(g);
}

static void strv_or_null(struct gen *g, char *const *v)
{
	if (v && v[0])
		strv(g, v);
	else
		null(g);
}

/* The image config as Docker's container.Config (the v1 "config"). */
static void container_config(struct gen *g, const struct img_config *c)
{
	map_open(g);
	str(g, "Hostname"), str(g, "");
	str(g, "Domainname"), str(g, "");
	str(g, "User"), str(g, c->user ? c->user : "");
	str(g, "AttachStdin"), boolean(g, 0);
	str(g, "AttachStdout"), boolean(g, 0);
	str(g, "AttachStderr"), boolean(g, 0);
	if (c->ports && c->ports[0]) {
		str(g, "ExposedPorts");
		set(g, c->ports);
	}
	str(g, "Tty"), boolean(g, 0);
	str(g, "OpenStdin"), boolean(g, 0);
	str(g, "StdinOnce"), boolean(g, 0);
	str(g, "Env"), strv_or_null(g, c->env);
	str(g, "Cmd"), strv_or_null(g, c->cmd);
	if (c->health) {
		str(g, "Healthcheck");
		map_open(g);
		if (c->health->test && c->health->test[0])
			str(g, "Test"), strv(g, c->health->test);
		if (c->health->interval)
			str(g, "Interval"), integer(g, c->health->interval);
		if (c->health->timeout)
			str(g, "Timeout"), integer(g, c->health->timeout);
		if (c->health->start_period)
			str(g, "StartPeriod"), integer(g, c->health->start_period);
		if (c->health->retries)
			str(g, "Retries"), integer(g, c->health->retries);
		map_close(g);
	}
	if (c->args_escaped)
		str(g, "ArgsEscaped"), boolean(g, 1);
	str(g, "Image"), str(g, "");
	str(g, "Volumes");
	if (c->volumes && c->volumes[0])
		set(g, c->volumes);
	else
		null(g);
	str(g, "WorkingDir"), str(g, c->workdir ? c->workdir : "");
	str(g, "Entrypoint"), strv_or_null(g, c->entrypoint);
	str(g, "OnBuild"), strv_or_null(g, c->onbuild);
	str(g, "Labels");
	if (c->labels && c->labels[0]) {
		map_open(g);
		for (size_t i = 0; c->labels[i] && c->labels[i + 1]; i += 2)
			str(g, c->labels[i]), str(g, c->labels[i + 1]);
		map_close(g);
	} else {
		null(g);
	}
	if (c->stop_signal && c->stop_signal[0])
		str(g, "StopSignal"), str(g, c->stop_signal);
	if (c->shell && c->shell[0])
		str(g, "Shell"), strv(g, c->shell);
	map_close(g);
}

int img_v1_json(const struct image *img, size_t i, const char *chain_id, const char *id,
		const char *parent, char **out, size_t *len, struct sb_error *err)
{
	int top = i + 1 == img->nlayers;
	struct gen g;

	if (start(&g, err) < 0)
		return -1;
	map_open(&g);
	if (!id) {
		/* The record Docker hashes for the ID: keys sorted, layer_id added;
		 * lower layers without "os", which Docker adds only afterwards. */
		if (top) {
			str(&g, "architecture"), str(&g, img->architecture);
			if (img->config.author)
				str(&g, "author"), str(&g, img->config.author);
			str(&g, "config"), container_config(&g, &img->config);
		}
		str(&g, "container_config"), zero_container_config(&g);
		str(&g, "created");
		if (top)
			timestamp(&g, img->epoch);
		else
			timestamp(&g, 0);
		str(&g, "layer_id"), str(&g, chain_id);
		if (top)
			str(&g, "os"), str(&g, img->os);
		if (parent) {
			char p[80];

			snprintf(p, sizeof(p), "sha256:%s", parent);
			str(&g, "parent"), str(&g, p);
		}
	} else {
		/* The <id>/json file: V1Image's field order. */
		str(&g, "id"), str(&g, id);
		if (parent)
			str(&g, "parent"), str(&g, parent);
		str(&g, "created");
		if (top)
			timestamp(&g, img->epoch);
		else
			timestamp(&g, 0);
		str(&g, "container_config"), zero_container_config(&g);
		if (top) {
			if (img->config.author)
				str(&g, "author"), str(&g, img->config.author);
			str(&g, "config"), container_config(&g, &img->config);
			str(&g, "architecture"), str(&g, img->architecture);
		}
		str(&g, "os"), str(&g, img->os);
	}
	map_close(&g);
	return finish_go(&g, out, len, err);
}

/* "registry:5000/team/app:1" -> repository "registry:5000/team/app", tag "1". */
static const char *split_tag(const char *ref, size_t *name_len)
{
	const char *colon = strrchr(ref, ':'), *slash = strrchr(ref, '/');

	if (!colon || (slash && slash > colon)) {
		*name_len = strlen(ref);
		return "latest";
	}
	*name_len = (size_t)(colon - ref);
	return colon + 1;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int img_repositories_json(const struct image *img, const char *top_id, char **out, size_t *len,
			  struct sb_error *err)
{
	size_t n = 0;
	char **sorted;
	struct gen g;

	while (img->tags && img->tags[n])
		n++;
	sorted = calloc(n + 1, sizeof(*sorted));
	if (!sorted)
		return sb_errorf(err, "out of memory");
	memcpy(sorted, img->tags, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_strp);
	if (start(&g, err) < 0) {
		free(sorted);
		return -1;
	}
	/* {"repo": {"tag": "<top layer id>", ...}, ...}, keys sorted as Go's maps. */
	map_open(&g);
	for (size_t i = 0; top_id && i < n;) {
		size_t nl, k;
		char *name;

		split_tag(sorted[i], &nl);
		name = sb_strndup(sorted[i], nl);
		if (!name) {
			g.st = yajl_gen_in_error_state;
			break;
		}
		str(&g, name);
		map_open(&g);
		for (k = i; k < n; k++) {
			size_t kl;
			const char *tag = split_tag(sorted[k], &kl);

			if (kl != nl || strncmp(sorted[k], name, nl))
				break;
			str(&g, tag), str(&g, top_id);
		}
		map_close(&g);
		free(name);
		i = k;
	}
	map_close(&g);
	free(sorted);
	return finish_go(&g, out, len, err);
}

static void descriptor(struct gen *g, const char *media, const char *digest, uint64_t size)
{
	map_open(g);
	str(g, "mediaType"), str(g, media);
	str(g, "digest"), str(g, digest);
	str(g, "size"), integer(g, (long long)size);
}

int img_oci_manifest_json(const struct image *img, const char *config_digest, uint64_t config_size,
			  char *const *layer_digests, const uint64_t *layer_sizes,
			  const char *layer_media, char **out, size_t *len, struct sb_error *err)
{
	struct gen g;

	if (start(&g, err) < 0)
		return -1;
	map_open(&g);
	str(&g, "schemaVersion"), integer(&g, 2);
	str(&g, "mediaType"), str(&g, "application/vnd.oci.image.manifest.v1+json");
	str(&g, "config");
	descriptor(&g, "application/vnd.oci.image.config.v1+json", config_digest, config_size);
	map_close(&g);
	str(&g, "layers");
	array_open(&g);
	for (size_t i = 0; i < img->nlayers; i++) {
		descriptor(&g, layer_media, layer_digests[i], layer_sizes[i]);
		map_close(&g);
	}
	array_close(&g);
	map_close(&g);
	return finish(&g, out, len, err);
}

int img_oci_index_json(const struct image *img, const char *manifest_digest, uint64_t manifest_size,
		       char **out, size_t *len, struct sb_error *err)
{
	size_t n = 0;
	struct gen g;

	while (img->tags && img->tags[n])
		n++;
	if (start(&g, err) < 0)
		return -1;
	map_open(&g);
	str(&g, "schemaVersion"), integer(&g, 2);
	str(&g, "mediaType"), str(&g, "application/vnd.oci.image.index.v1+json");
	str(&g, "manifests");
	array_open(&g);
	/* One descriptor a tag, named as containerd and Docker 25+ name them. */
	for (size_t i = 0; i < (n ? n : 1); i++) {
		descriptor(&g, "application/vnd.oci.image.manifest.v1+json", manifest_digest,
			   manifest_size);
		if (n) {
			size_t nl;
			const char *tag = split_tag(img->tags[i], &nl);
			const char *name = img->tags[i];
			char *full;

			full = strchr(name, '/') &&
				       (memchr(name, '.', (size_t)(strchr(name, '/') - name)) ||
					memchr(name, ':', (size_t)(strchr(name, '/') - name)) ||
					!strncmp(name, "localhost/", 10))
				   ? sb_printf("%s", name)
			       : strchr(name, '/') ? sb_printf("docker.io/%s", name)
						   : sb_printf("docker.io/library/%s", name);
			if (!full) {
				g.st = yajl_gen_in_error_state;
				break;
			}
			str(&g, "annotations");
			map_open(&g);
			str(&g, "io.containerd.image.name"), str(&g, full);
			str(&g, "org.opencontainers.image.ref.name"), str(&g, tag);
			map_close(&g);
			free(full);
		}
		map_close(&g);
	}
	array_close(&g);
	map_close(&g);
	return finish(&g, out, len, err);
}

static void gen_tree(struct gen *g, const yajl_val v)
{
	if (YAJL_IS_OBJECT(v)) {
		map_open(g);
		for (size_t i = 0; i < v->u.object.len; i++) {
			str(g, v->u.object.keys[i]);
			gen_tree(g, v->u.object.values[i]);
		}
		map_close(g);
	} else if (YAJL_IS_ARRAY(v)) {
		array_open(g);
		for (size_t i = 0; i < v->u.array.len; i++)
			gen_tree(g, v->u.array.values[i]);
		array_close(g);
	} else if (YAJL_IS_STRING(v)) {
		str(g, v->u.string);
	} else if (YAJL_IS_INTEGER(v)) {
		integer(g, v->u.number.i);
	} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		boolean(g, YAJL_IS_TRUE(v));
	} else if (YAJL_IS_NULL(v)) {
		null(g);
	} else if (g->st == yajl_gen_status_ok) {
		/* numbers with a fraction or exponent: as written */
		g->st = yajl_gen_number(g->g, v->u.number.r, strlen(v->u.number.r));
	}
}

int img_json_pretty(const char *json, char **out, struct sb_error *err)
{
	char errbuf[256];
	yajl_val v = yajl_tree_parse(json, errbuf, sizeof(errbuf));
	struct gen g;
	size_t len;
	int rc;

	if (!v)
		return sb_errorf(err, "internal error: JSON does not parse: %s", errbuf);
	if (start(&g, err) < 0) {
		yajl_tree_free(v);
		return -1;
	}
	yajl_gen_config(g.g, yajl_gen_beautify, 1);
	yajl_gen_config(g.g, yajl_gen_indent_string, "  ");
		gen_tree(&g, v);
	yajl_tree_free(v);
	rc = finish(&g, out, &len, err);
	if (rc == 0) {
		/* yajl writes an empty object over three lines: make it {}. */
		char *r = *out, *w = *out;

		for (; *r; r++) {
			if (*r == '{') {
				char *p = r + 1;

				while (*p == '\n' || *p == ' ')
					p++;
				if (*p == '}') {
					*w++ = '{';
					*w++ = '}';
					r = p;
					continue;
				}
			}
			*w++ = *r;
		}
		while (w > *out && w[-1] == '\n')
			w--;
		*w = '\0';
	}
	return rc;
}
