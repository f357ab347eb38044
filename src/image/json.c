/* config.json and manifest.json, every byte through yajl.
 *
 * Keys come in the order BuildKit writes them: the top level sorted (it
 * marshals a map), the runtime config in the order of its Go struct. */
#include "image/image.h"
#include "util/jtree.h"
#include "util/jgen.h"
#include "util/mem.h"
#include "util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

static void strv(struct jgen *g, char *const *v)
{
	jgen_array_open(g);
	for (size_t i = 0; v && v[i]; i++)
		jgen_str(g, v[i]);
	jgen_array_close(g);
}

/* Go's time.Time.MarshalJSON of a whole second in UTC. */
static void timestamp(struct jgen *g, int64_t epoch)
{
	char buf[64];
	time_t t = (time_t)epoch;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		g->st = yajl_gen_invalid_string;
		return;
	}
	jgen_str(g, buf);
}

/* A Go map[string]struct{} as JSON: {"a":{},"b":{}}. */
static void set(struct jgen *g, char *const *keys)
{
	jgen_map_open(g);
	for (size_t i = 0; keys[i]; i++) {
		jgen_str(g, keys[i]);
		jgen_map_open(g);
		jgen_map_close(g);
	}
	jgen_map_close(g);
}

/* The runtime config as BuildKit writes it: its Go struct's field order,
 * empty fields left out, OnBuild null when empty. */
static void config_fields(struct jgen *g, const struct img_config *c)
{
	jgen_map_open(g);
	if (c->user && c->user[0]) {
		jgen_str(g, "User");
		jgen_str(g, c->user);
	}
	if (c->ports && c->ports[0]) {
		jgen_str(g, "ExposedPorts");
		set(g, c->ports);
	}
	if (c->env && c->env[0]) {
		jgen_str(g, "Env");
		strv(g, c->env);
	}
	if (c->entrypoint && c->entrypoint[0]) {
		jgen_str(g, "Entrypoint");
		strv(g, c->entrypoint);
	}
	if (c->cmd && c->cmd[0]) {
		jgen_str(g, "Cmd");
		strv(g, c->cmd);
	}
	if (c->volumes && c->volumes[0]) {
		jgen_str(g, "Volumes");
		set(g, c->volumes);
	}
	if (c->workdir && c->workdir[0]) {
		jgen_str(g, "WorkingDir");
		jgen_str(g, c->workdir);
	}
	if (c->labels && c->labels[0]) {
		jgen_str(g, "Labels");
		jgen_map_open(g);
		for (size_t i = 0; c->labels[i] && c->labels[i + 1]; i += 2) {
			jgen_str(g, c->labels[i]);
			jgen_str(g, c->labels[i + 1]);
		}
		jgen_map_close(g);
	}
	if (c->stop_signal && c->stop_signal[0]) {
		jgen_str(g, "StopSignal");
		jgen_str(g, c->stop_signal);
	}
	if (c->health) {
		jgen_str(g, "Healthcheck");
		jgen_map_open(g);
		if (c->health->test && c->health->test[0]) {
			jgen_str(g, "Test");
			strv(g, c->health->test);
		}
		if (c->health->interval) {
			jgen_str(g, "Interval");
			jgen_int(g, c->health->interval);
		}
		if (c->health->timeout) {
			jgen_str(g, "Timeout");
			jgen_int(g, c->health->timeout);
		}
		if (c->health->start_period) {
			jgen_str(g, "StartPeriod");
			jgen_int(g, c->health->start_period);
		}
		if (c->health->retries) {
			jgen_str(g, "Retries");
			jgen_int(g, c->health->retries);
		}
		jgen_map_close(g);
	}
	if (c->args_escaped) {
		jgen_str(g, "ArgsEscaped");
		jgen_bool(g, 1);
	}
	jgen_str(g, "OnBuild");
	if (c->onbuild && c->onbuild[0])
		strv(g, c->onbuild);
	else
		jgen_null(g);
	if (c->shell && c->shell[0]) {
		jgen_str(g, "Shell");
		strv(g, c->shell);
	}
	jgen_map_close(g);
}

/* One history entry, as BuildKit marshals OCI's History: created,
 * created_by, author, comment, empty_layer, each left out when empty. The
 * build's own entries get the build's time and BuildKit's comment; one
 * inherited from a base keeps what the base wrote. Where the base wrote no
 * time, BuildKit puts one all the same (the time its store unpacked the
 * layer, or a neighbour's), which no build can reproduce: the build's time
 * stands in for it. */
static void history_entry(struct jgen *g, const struct image *img, const struct img_history *h)
{
	jgen_map_open(g);
	jgen_str(g, "created");
	if (h->inherited && h->created)
		jgen_str(g, h->created);
	else
		timestamp(g, img->epoch);
	if (h->created_by && (!h->inherited || h->created_by[0])) {
		jgen_str(g, "created_by");
		jgen_str(g, h->created_by);
	}
	if (h->inherited && h->author && h->author[0]) {
		jgen_str(g, "author");
		jgen_str(g, h->author);
	}
	if (!h->inherited || (h->comment && h->comment[0])) {
		jgen_str(g, "comment");
		jgen_str(g, h->inherited ? h->comment : "buildkit.dockerfile.v0");
	}
	if (h->empty_layer) {
		jgen_str(g, "empty_layer");
		jgen_bool(g, 1);
	}
	jgen_map_close(g);
}

int img_config_json(const struct image *img, char *const *diff_ids, char **out, size_t *len,
		    struct sb_error *err)
{
	const struct img_config *c = &img->config;
	struct jgen g;

	if (jgen_start(&g, 0, err) < 0)
		return -1;
	jgen_map_open(&g);
	jgen_str(&g, "architecture");
	jgen_str(&g, img->architecture);

	if (c->author) {
		jgen_str(&g, "author");
		jgen_str(&g, c->author);
	}
	jgen_str(&g, "config");
	config_fields(&g, c);

	jgen_str(&g, "created");
	timestamp(&g, img->epoch);
	jgen_str(&g, "history");
	jgen_array_open(&g);
	for (size_t i = 0; i < c->nhistory; i++)
		history_entry(&g, img, &c->history[i]);
	jgen_array_close(&g);

	jgen_str(&g, "os");
	jgen_str(&g, img->os);
	jgen_str(&g, "rootfs");
	jgen_map_open(&g);
	jgen_str(&g, "type");
	jgen_str(&g, "layers");
	jgen_str(&g, "diff_ids");
	jgen_array_open(&g);
	for (size_t i = 0; i < img->nlayers; i++)
		jgen_str(&g, diff_ids[i]);
	jgen_array_close(&g);
	jgen_map_close(&g);
	/* BuildKit's keys are sorted: "variant" comes last, and only when the
	 * platform has one (linux/arm/v7). */
	if (img->variant) {
		jgen_str(&g, "variant");
		jgen_str(&g, img->variant);
	}
	jgen_map_close(&g);
	return jgen_finish(&g, out, len, err);
}

int img_manifest_json(const struct image *img, const char *config_name, char *const *layer_names,
		      char **out, size_t *len, struct sb_error *err)
{
	struct jgen g;

	if (jgen_start(&g, 0, err) < 0)
		return -1;
	jgen_array_open(&g);
	jgen_map_open(&g);
	jgen_str(&g, "Config");
	jgen_str(&g, config_name);
	jgen_str(&g, "RepoTags");
	strv(&g, img->tags);
	jgen_str(&g, "Layers");
	jgen_array_open(&g);
	for (size_t i = 0; i < img->nlayers; i++)
		jgen_str(&g, layer_names[i]);
	jgen_array_close(&g);
	jgen_map_close(&g);
	jgen_array_close(&g);
	return jgen_finish(&g, out, len, err);
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

static int finish_go(struct jgen *g, char **out, size_t *len, struct sb_error *err)
{
	char *raw;
	size_t n;

	if (jgen_finish(g, &raw, &n, err) < 0)
		return -1;
	*out = go_escape(raw, n, len);
	free(raw);
	return *out ? 0 : sb_errorf(err, "out of memory");
}

/* Docker's empty container.Config, as every v1 layer record carries it. */
static void zero_container_config(struct jgen *g)
{
	static const char *const strs[] = {"Hostname", "Domainname", "User"};
	static const char *const bools[] = {"AttachStdin", "AttachStdout", "AttachStderr"};

	jgen_map_open(g);
	for (size_t i = 0; i < 3; i++) {
		jgen_str(g, strs[i]);
		jgen_str(g, "");
	}
	for (size_t i = 0; i < 3; i++) {
		jgen_str(g, bools[i]);
		jgen_bool(g, 0);
	}
	jgen_str(g, "Tty"), jgen_bool(g, 0);
	jgen_str(g, "OpenStdin"), jgen_bool(g, 0);
	jgen_str(g, "StdinOnce"), jgen_bool(g, 0);
	jgen_str(g, "Env"), jgen_null(g);
	jgen_str(g, "Cmd"), jgen_null(g);
	jgen_str(g, "Image"), jgen_str(g, "");
	jgen_str(g, "Volumes"), jgen_null(g);
	jgen_str(g, "WorkingDir"), jgen_str(g, "");
	jgen_str(g, "Entrypoint"), jgen_null(g);
	jgen_str(g, "OnBuild"), jgen_null(g);
	jgen_str(g, "Labels"), jgen_null(g);
	jgen_map_close(g);
}

static void strv_or_null(struct jgen *g, char *const *v)
{
	if (v && v[0])
		strv(g, v);
	else
		jgen_null(g);
}

/* The image config as Docker's container.Config (the v1 "config"). */
static void container_config(struct jgen *g, const struct img_config *c)
{
	jgen_map_open(g);
	jgen_str(g, "Hostname"), jgen_str(g, "");
	jgen_str(g, "Domainname"), jgen_str(g, "");
	jgen_str(g, "User"), jgen_str(g, c->user ? c->user : "");
	jgen_str(g, "AttachStdin"), jgen_bool(g, 0);
	jgen_str(g, "AttachStdout"), jgen_bool(g, 0);
	jgen_str(g, "AttachStderr"), jgen_bool(g, 0);
	if (c->ports && c->ports[0]) {
		jgen_str(g, "ExposedPorts");
		set(g, c->ports);
	}
	jgen_str(g, "Tty"), jgen_bool(g, 0);
	jgen_str(g, "OpenStdin"), jgen_bool(g, 0);
	jgen_str(g, "StdinOnce"), jgen_bool(g, 0);
	jgen_str(g, "Env"), strv_or_null(g, c->env);
	jgen_str(g, "Cmd"), strv_or_null(g, c->cmd);
	if (c->health) {
		jgen_str(g, "Healthcheck");
		jgen_map_open(g);
		if (c->health->test && c->health->test[0])
			jgen_str(g, "Test"), strv(g, c->health->test);
		if (c->health->interval)
			jgen_str(g, "Interval"), jgen_int(g, c->health->interval);
		if (c->health->timeout)
			jgen_str(g, "Timeout"), jgen_int(g, c->health->timeout);
		if (c->health->start_period)
			jgen_str(g, "StartPeriod"), jgen_int(g, c->health->start_period);
		if (c->health->retries)
			jgen_str(g, "Retries"), jgen_int(g, c->health->retries);
		jgen_map_close(g);
	}
	if (c->args_escaped)
		jgen_str(g, "ArgsEscaped"), jgen_bool(g, 1);
	jgen_str(g, "Image"), jgen_str(g, "");
	jgen_str(g, "Volumes");
	if (c->volumes && c->volumes[0])
		set(g, c->volumes);
	else
		jgen_null(g);
	jgen_str(g, "WorkingDir"), jgen_str(g, c->workdir ? c->workdir : "");
	jgen_str(g, "Entrypoint"), strv_or_null(g, c->entrypoint);
	jgen_str(g, "OnBuild"), strv_or_null(g, c->onbuild);
	jgen_str(g, "Labels");
	if (c->labels && c->labels[0]) {
		jgen_map_open(g);
		for (size_t i = 0; c->labels[i] && c->labels[i + 1]; i += 2)
			jgen_str(g, c->labels[i]), jgen_str(g, c->labels[i + 1]);
		jgen_map_close(g);
	} else {
		jgen_null(g);
	}
	if (c->stop_signal && c->stop_signal[0])
		jgen_str(g, "StopSignal"), jgen_str(g, c->stop_signal);
	if (c->shell && c->shell[0])
		jgen_str(g, "Shell"), strv(g, c->shell);
	jgen_map_close(g);
}

int img_v1_json(const struct image *img, size_t i, const char *chain_id, const char *id,
		const char *parent, char **out, size_t *len, struct sb_error *err)
{
	int top = i + 1 == img->nlayers;
	struct jgen g;

	if (jgen_start(&g, 0, err) < 0)
		return -1;
	jgen_map_open(&g);
	if (!id) {
		/* The record Docker hashes for the ID: keys sorted, layer_id added;
		 * lower layers without "os", which Docker adds only afterwards. */
		if (top) {
			jgen_str(&g, "architecture"), jgen_str(&g, img->architecture);
			if (img->config.author)
				jgen_str(&g, "author"), jgen_str(&g, img->config.author);
			jgen_str(&g, "config"), container_config(&g, &img->config);
		}
		jgen_str(&g, "container_config"), zero_container_config(&g);
		jgen_str(&g, "created");
		if (top)
			timestamp(&g, img->epoch);
		else
			timestamp(&g, 0);
		jgen_str(&g, "layer_id"), jgen_str(&g, chain_id);
		if (top)
			jgen_str(&g, "os"), jgen_str(&g, img->os);
		if (parent) {
			char p[80];

			snprintf(p, sizeof(p), "sha256:%s", parent);
			jgen_str(&g, "parent"), jgen_str(&g, p);
		}
		if (top && img->variant)
			jgen_str(&g, "variant"), jgen_str(&g, img->variant);
	} else {
		/* The <id>/json file: V1Image's field order. */
		jgen_str(&g, "id"), jgen_str(&g, id);
		if (parent)
			jgen_str(&g, "parent"), jgen_str(&g, parent);
		jgen_str(&g, "created");
		if (top)
			timestamp(&g, img->epoch);
		else
			timestamp(&g, 0);
		jgen_str(&g, "container_config"), zero_container_config(&g);
		if (top) {
			if (img->config.author)
				jgen_str(&g, "author"), jgen_str(&g, img->config.author);
			jgen_str(&g, "config"), container_config(&g, &img->config);
			jgen_str(&g, "architecture"), jgen_str(&g, img->architecture);
			if (img->variant)
				jgen_str(&g, "variant"), jgen_str(&g, img->variant);
		}
		jgen_str(&g, "os"), jgen_str(&g, img->os);
	}
	jgen_map_close(&g);
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
	struct jgen g;

	while (img->tags && img->tags[n])
		n++;
	sorted = calloc(n + 1, sizeof(*sorted));
	if (!sorted)
		return sb_errorf(err, "out of memory");
	memcpy(sorted, img->tags, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_strp);
	if (jgen_start(&g, 0, err) < 0) {
		free(sorted);
		return -1;
	}
	/* {"repo": {"tag": "<top layer id>", ...}, ...}, keys sorted as Go's maps. */
	jgen_map_open(&g);
	for (size_t i = 0; top_id && i < n;) {
		size_t nl, k;
		char *name;

		split_tag(sorted[i], &nl);
		name = sb_strndup(sorted[i], nl);
		if (!name) {
			g.st = yajl_gen_in_error_state;
			break;
		}
		jgen_str(&g, name);
		jgen_map_open(&g);
		for (k = i; k < n; k++) {
			size_t kl;
			const char *tag = split_tag(sorted[k], &kl);

			if (kl != nl || strncmp(sorted[k], name, nl))
				break;
			jgen_str(&g, tag), jgen_str(&g, top_id);
		}
		jgen_map_close(&g);
		free(name);
		i = k;
	}
	jgen_map_close(&g);
	free(sorted);
	return finish_go(&g, out, len, err);
}

static void descriptor(struct jgen *g, const char *media, const char *digest, uint64_t size)
{
	jgen_map_open(g);
	jgen_str(g, "mediaType"), jgen_str(g, media);
	jgen_str(g, "digest"), jgen_str(g, digest);
	jgen_str(g, "size"), jgen_int(g, (long long)size);
}

/* Starts an OCI document: its object opened, schemaVersion 2 and mediaType
 * written. */
static int oci_start(struct jgen *g, const char *media_type, struct sb_error *err)
{
	if (jgen_start(g, 0, err) < 0)
		return -1;
	jgen_map_open(g);
	jgen_str(g, "schemaVersion"), jgen_int(g, 2);
	jgen_str(g, "mediaType"), jgen_str(g, media_type);
	return 0;
}

int img_oci_manifest_json(const struct image *img, const char *config_digest, uint64_t config_size,
			  char *const *layer_digests, const uint64_t *layer_sizes,
			  const char *layer_media, char **out, size_t *len, struct sb_error *err)
{
	return img_oci_manifest_json_media(img, config_digest, config_size, layer_digests,
					   layer_sizes, layer_media, NULL, out, len, err);
}

int img_oci_manifest_json_media(const struct image *img, const char *config_digest,
				uint64_t config_size, char *const *layer_digests,
				const uint64_t *layer_sizes, const char *layer_media,
				const char *const *medias, char **out, size_t *len,
				struct sb_error *err)
{
	struct jgen g;

	if (oci_start(&g, "application/vnd.oci.image.manifest.v1+json", err) < 0)
		return -1;
	jgen_str(&g, "config");
	descriptor(&g, "application/vnd.oci.image.config.v1+json", config_digest, config_size);
	jgen_map_close(&g);
	jgen_str(&g, "layers");
	jgen_array_open(&g);
	for (size_t i = 0; i < img->nlayers; i++) {
		descriptor(&g, medias && medias[i] ? medias[i] : layer_media, layer_digests[i],
			   layer_sizes[i]);
		jgen_map_close(&g);
	}
	jgen_array_close(&g);
	jgen_map_close(&g);
	return jgen_finish(&g, out, len, err);
}

int img_oci_index_json(const struct image *img, const char *manifest_digest, uint64_t manifest_size,
		       char **out, size_t *len, struct sb_error *err)
{
	return img_oci_index_json_media(img, "application/vnd.oci.image.manifest.v1+json",
					manifest_digest, manifest_size, out, len, err);
}

int img_oci_index_json_media(const struct image *img, const char *media,
			     const char *manifest_digest, uint64_t manifest_size, char **out,
			     size_t *len, struct sb_error *err)
{
	size_t n = 0;
	struct jgen g;

	while (img->tags && img->tags[n])
		n++;
	if (oci_start(&g, "application/vnd.oci.image.index.v1+json", err) < 0)
		return -1;
	jgen_str(&g, "manifests");
	jgen_array_open(&g);
	/* One descriptor a tag, named as containerd and Docker 25+ name them. */
	for (size_t i = 0; i < (n ? n : 1); i++) {
		descriptor(&g, media, manifest_digest, manifest_size);
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
			jgen_str(&g, "annotations");
			jgen_map_open(&g);
			jgen_str(&g, "io.containerd.image.name"), jgen_str(&g, full);
			jgen_str(&g, "org.opencontainers.image.ref.name"), jgen_str(&g, tag);
			jgen_map_close(&g);
			free(full);
		}
		jgen_map_close(&g);
	}
	jgen_array_close(&g);
	jgen_map_close(&g);
	return jgen_finish(&g, out, len, err);
}

int img_oci_platform_index_json(struct image *const *imgs, size_t n, char *const *manifest_digests,
				const uint64_t *manifest_sizes, char **out, size_t *len,
				struct sb_error *err)
{
	struct jgen g;

	if (oci_start(&g, "application/vnd.oci.image.index.v1+json", err) < 0)
		return -1;
	jgen_str(&g, "manifests");
	jgen_array_open(&g);
	/* As BuildKit's image writer lists them: the platforms in the order
	 * asked, each descriptor with the platform object of the OCI spec. */
	for (size_t i = 0; i < n; i++) {
		descriptor(&g, "application/vnd.oci.image.manifest.v1+json", manifest_digests[i],
			   manifest_sizes[i]);
		jgen_str(&g, "platform");
		jgen_map_open(&g);
		jgen_str(&g, "architecture"), jgen_str(&g, imgs[i]->architecture);
		jgen_str(&g, "os"), jgen_str(&g, imgs[i]->os);
		if (imgs[i]->variant)
			jgen_str(&g, "variant"), jgen_str(&g, imgs[i]->variant);
		jgen_map_close(&g);
		jgen_map_close(&g);
	}
	jgen_array_close(&g);
	jgen_map_close(&g);
	return jgen_finish(&g, out, len, err);
}

int img_json_pretty(const char *json, char **out, struct sb_error *err)
{
	char errbuf[256];
	yajl_val v = yajl_tree_parse(json, errbuf, sizeof(errbuf));
	struct jgen g;
	size_t len;
	int rc;

	if (!v)
		return sb_errorf(err, "internal error: JSON does not parse: %s", errbuf);
	if (jgen_start(&g, 1, err) < 0) {
		yajl_tree_free(v);
		return -1;
	}
	if (jt_gen(g.g, v, 0, err) < 0)
		g.st = yajl_gen_in_error_state;
	yajl_tree_free(v);
	rc = jgen_finish(&g, out, &len, err);
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
