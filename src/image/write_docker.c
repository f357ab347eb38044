/* The docker format: what `docker save` writes (Docker 20-24), the legacy
 * layout: <id>/layer.tar, <id>/VERSION and <id>/json for each layer, where
 * <id> is Docker's v1 ID of the layer; <config digest>.json; manifest.json;
 * repositories. A layer is named by its digest before its bytes: a hashing
 * pass over every layer, then the writing pass.
 */
#include "image/digest.h"
#include "image/write.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

/* Docker's v1 IDs: a digest over each layer's chain ID and parent. Fills ids
 * (hex) and paths ("<id>/layer.tar"), one per layer; they are the caller's. */
static int docker_ids(const struct image *img, char *const *diff_ids, char **ids, char **paths,
		      struct sb_error *err)
{
	unsigned char d[SB_SHA256_BYTES];
	char chain[72] = "";

	for (size_t i = 0; i < img->nlayers; i++) {
		char *rec;
		size_t rl;

		if (i == 0) {
			memcpy(chain, diff_ids[0], 72);
		} else {
			char *pair = sb_printf("%s %s", chain, diff_ids[i]);

			if (!pair)
				return sb_errorf(err, "out of memory");
			sb_sha256((unsigned char *)pair, strlen(pair), d);
			free(pair);
			dg_string(d, chain);
		}
		if (img_v1_json(img, i, chain, NULL, i ? ids[i - 1] : NULL, &rec, &rl, err) < 0)
			return -1;
		sb_sha256((unsigned char *)rec, rl, d);
		free(rec);
		ids[i] = malloc(DG_HEX_LEN + 1);
		if (!ids[i])
			return sb_errorf(err, "out of memory");
		dg_hex(d, ids[i]);
		paths[i] = sb_printf("%s/layer.tar", ids[i]);
		if (!paths[i])
			return sb_errorf(err, "out of memory");
	}
	return 0;
}

/* docker save writes its members sorted by name: order gets the layer
 * indexes sorted by ID. */
static void docker_order(char *const *ids, size_t *order, size_t n)
{
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && strcmp(ids[order[k - 1]], ids[order[k]]) > 0; k--) {
			size_t tmp = order[k];

			order[k] = order[k - 1];
			order[k - 1] = tmp;
		}
}

/* <id>/, <id>/VERSION and <id>/json of layer i. */
static int docker_layer_dir(const struct image *img, struct target *t, char *const *ids, size_t i,
			    struct sb_error *err)
{
	char *rec, *dir = sb_printf("%s/", ids[i]), *ver = sb_printf("%s/VERSION", ids[i]),
		   *js = sb_printf("%s/json", ids[i]);
	size_t rl;
	int r = !dir || !ver || !js ? sb_errorf(err, "out of memory") : 0;

	if (r == 0)
		r = outer_dir(t->outer, t->ae, dir, t->mtime, err);
	if (r == 0)
		r = target_file(t, ver, "1.0", 3, err);
	if (r == 0)
		r = img_v1_json(img, i, "", ids[i], i ? ids[i - 1] : NULL, &rec, &rl, err);
	if (r == 0) {
		r = target_file(t, js, rec, rl, err);
		free(rec);
	}
	free(dir);
	free(ver);
	free(js);
	return r;
}

/* docker save links a layer it already wrote: path -> ../first. */
static int docker_link(struct target *t, const char *path, const char *first, struct sb_error *err)
{
	char *name;

	archive_entry_clear(t->ae);
	archive_entry_set_pathname(t->ae, path);
	archive_entry_set_mode(t->ae, AE_IFLNK | 0777);
	archive_entry_set_mtime(t->ae, t->mtime, 0);
	name = sb_printf("../%s", first);
	if (!name)
		return sb_errorf(err, "out of memory");
	archive_entry_set_symlink(t->ae, name);
	free(name);
	if (archive_write_header(t->outer, t->ae) != ARCHIVE_OK)
		return sb_errorf(err, "libarchive: %s", archive_error_string(t->outer));
	return 0;
}

/* After the layers: <config digest>.json, manifest.json, repositories. */
static int docker_trailer(struct write_job *job, struct target *t, char *const *ids,
			  char *const *paths, struct sb_error *err)
{
	const struct image *img = job->img;
	unsigned char d[SB_SHA256_BYTES];
	char hex[DG_HEX_LEN + 1], *name, *doc = NULL;
	size_t doc_len, n = img->nlayers;
	int rc = -1;

	sb_sha256((unsigned char *)job->config, job->config_len, d);
	dg_hex(d, hex);
	name = sb_printf("%s.json", hex);
	if (!name) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (target_file(t, name, job->config, job->config_len, err) < 0)
		goto out;
	if (img_manifest_json(img, name, paths, &doc, &doc_len, err) < 0 ||
	    target_file(t, "manifest.json", doc, doc_len, err) < 0)
		goto out;
	free(doc);
	doc = NULL;
	if (img_repositories_json(img, n ? ids[n - 1] : NULL, &doc, &doc_len, err) < 0 ||
	    target_file(t, "repositories", doc, doc_len, err) < 0)
		goto out;
	rc = 0;
out:
	free(doc);
	free(name);
	return rc;
}

int write_docker(struct write_job *job, struct target *t, struct sb_error *err)
{
	const struct image *img = job->img;
	const struct img_write_opts *opts = job->opts;
	size_t n = img->nlayers;
	struct layer_out *lo = calloc(n + 1, sizeof(*lo));
	char **ids = calloc(n + 1, sizeof(char *)), **paths = calloc(n + 1, sizeof(char *));
	size_t *order = calloc(n + 1, sizeof(*order));
	int rc = -1;

	if (!lo || !ids || !paths || !order) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	/* Pass 1: every layer's digests, reading every source once. */
	if (write_hash_pass(job, IMG_COMPRESS_NONE, lo, err) < 0 ||
	    docker_ids(img, job->diff_ids, ids, paths, err) < 0)
		goto out;
	/* Pass 2: write, in the order docker save uses. */
	docker_order(ids, order, n);
	for (size_t k = 0; k < n; k++) {
		size_t i = order[k], first = 0;
		int repeat = 0, r;

		for (size_t j = 0; j < k; j++) {
			if (!strcmp(job->diff_ids[order[j]], job->diff_ids[i])) {
				repeat = 1;
				first = order[j];
			}
		}
		if (docker_layer_dir(img, t, ids, i, err) < 0)
			goto out;
		if (repeat)
			r = docker_link(t, paths[i], paths[first], err);
		else
			r = target_layer(t, &job->lw, img, i, IMG_COMPRESS_NONE, paths[i], &lo[i],
					 err);
		if (r < 0)
			goto out;
		if (opts->progress)
			opts->progress(opts->progress_ud, i);
	}
	rc = docker_trailer(job, t, ids, paths, err);
out:
	for (size_t i = 0; ids && i < n; i++)
		free(ids[i]);
	for (size_t i = 0; paths && i < n; i++)
		free(paths[i]);
	free(ids);
	free(paths);
	free(order);
	free(lo);
	return rc;
}
