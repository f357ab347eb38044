/* Several platforms' images written as one OCI image index (img_write_multi):
 * the layout of write_oci.c, but index.json names an index blob that lists
 * one manifest per platform, as BuildKit's OCI exporter writes a
 * multi-platform build. Each image is hashed as write_oci hashes one; then
 * every blob is written once, however many images share it.
 */
#include "image/digest.h"
#include "image/write.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One img_write_multi: a job per image and what their first pass found. */
struct multi {
	struct image *const *imgs;
	size_t n;
	const struct img_write_opts *opts; /* n of them */
	struct write_job *jobs;		   /* n */
	struct layer_out **lo;		   /* per image, per layer */
	char ***paths;			   /* per image, per layer: "blobs/sha256/<hex>" */
	char **manifests;		   /* per image: its manifest document */
	size_t *manifest_lens;
	char *index; /* the index blob */
	size_t index_len;
	struct img_index_result *out;
};

/* Whether blob path was written before layer (k, i): by an earlier layer of
 * any image. */
static int written_before(const struct multi *m, size_t k, size_t i)
{
	for (size_t a = 0; a <= k; a++)
		for (size_t b = 0; b < (a == k ? i : m->imgs[a]->nlayers); b++)
			if (!strcmp(m->paths[a][b], m->paths[k][i]))
				return 1;
	return 0;
}

/* Image k's layer blob names and manifest, once its first pass is done. */
static int plan_manifest(struct multi *m, size_t k, struct sb_error *err)
{
	struct write_job *job = &m->jobs[k];
	const struct image *img = m->imgs[k];
	enum img_compression comp = m->opts[0].compression;
	size_t n = img->nlayers;
	char **blobs = calloc(n + 1, sizeof(*blobs));
	uint64_t *sizes = calloc(n + 1, sizeof(*sizes));
	const char **medias = calloc(n + 1, sizeof(*medias));
	unsigned char d[SB_SHA256_BYTES];
	char cdigest[72];
	int rc = -1;

	m->paths[k] = calloc(n + 1, sizeof(char *));
	if (!blobs || !sizes || !medias || !m->paths[k]) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		blobs[i] = m->lo[k][i].blob_id;
		sizes[i] = m->lo[k][i].blob_size;
		medias[i] = base_layer_media(img, i, comp);
		m->paths[k][i] = sb_printf("blobs/sha256/%s", blobs[i] + 7);
		if (!m->paths[k][i]) {
			sb_errorf(err, "out of memory");
			goto out;
		}
	}
	sb_sha256((unsigned char *)job->config, job->config_len, d);
	dg_string(d, cdigest);
	if (img_oci_manifest_json_media(img, cdigest, job->config_len, blobs, sizes,
					oci_layer_media(comp), medias, &m->manifests[k],
					&m->manifest_lens[k], err) < 0)
		goto out;
	sb_sha256((unsigned char *)m->manifests[k], m->manifest_lens[k], d);
	dg_string(d, job->manifest_digest);
	job->manifest_size = m->manifest_lens[k];
	rc = 0;
out:
	free(blobs);
	free(sizes);
	free(medias);
	return rc;
}

/* The first pass of every image (or, for a dry run, the only one), then the
 * manifests and the index they go into. */
static int plan_all(struct multi *m, struct sb_error *err)
{
	char **digests = calloc(m->n + 1, sizeof(*digests));
	uint64_t *sizes = calloc(m->n + 1, sizeof(*sizes));
	unsigned char d[SB_SHA256_BYTES];
	int rc = -1;

	if (!digests || !sizes) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < m->n; k++) {
		size_t n = m->imgs[k]->nlayers;

		m->lo[k] = calloc(n + 1, sizeof(**m->lo));
		if (!m->lo[k]) {
			sb_errorf(err, "out of memory");
			goto out;
		}
		if (m->opts[0].dry_run) {
			if (write_nothing(&m->jobs[k], err) < 0)
				goto out;
			for (size_t i = 0; i < n; i++) {
				memcpy(m->lo[k][i].blob_id, m->jobs[k].diff_ids[i], 72);
				m->lo[k][i].blob_size = m->jobs[k].tar_sizes[i];
			}
		} else if (write_hash_pass(&m->jobs[k], m->opts[0].compression, m->lo[k], err) <
			   0) {
			goto out;
		}
		if (plan_manifest(m, k, err) < 0)
			goto out;
		digests[k] = m->jobs[k].manifest_digest;
		sizes[k] = m->jobs[k].manifest_size;
	}
	if (img_oci_platform_index_json(m->imgs, m->n, digests, sizes, &m->index, &m->index_len,
					err) < 0)
		goto out;
	sb_sha256((unsigned char *)m->index, m->index_len, d);
	dg_string(d, m->out->digest);
	m->out->size = m->index_len;
	rc = 0;
out:
	free(digests);
	free(sizes);
	return rc;
}

/* A small blob, unless the same bytes were stored already. */
static int put_blob(struct target *t, const char *data, size_t len, char ***seen, size_t *nseen,
		    struct sb_error *err)
{
	unsigned char d[SB_SHA256_BYTES];
	char digest[72], *name;
	size_t cap = *nseen;

	sb_sha256((const unsigned char *)data, len, d);
	dg_string(d, digest);
	for (size_t i = 0; i < *nseen; i++)
		if (!strcmp((*seen)[i], digest))
			return 0;
	if (sb_grow(seen, &cap, *nseen + 1, sizeof(**seen)) < 0 ||
	    !((*seen)[*nseen] = sb_strdup(digest)))
		return sb_errorf(err, "out of memory");
	(*nseen)++;
	name = sb_printf("blobs/sha256/%s", digest + 7);
	if (!name)
		return sb_errorf(err, "out of memory");
	if (target_file(t, name, data, len, err) < 0) {
		free(name);
		return -1;
	}
	free(name);
	return 0;
}

/* The writing pass: the layers of every image (each blob once), then the
 * configs, the manifests, the index and index.json. No manifest.json: it
 * holds one image, and a reader of it (Docker 20's docker load, scratchbuild
 * inspect) would take the layout for that platform alone; BuildKit's OCI
 * exporter leaves it out too. */
static int fill(void *ud, struct target *t, struct sb_error *err)
{
	struct multi *m = ud;
	enum img_compression comp = m->opts[0].compression;
	char **seen = NULL, *doc = NULL;
	size_t nseen = 0, len;
	int rc = -1;

	if (oci_begin(t, err) < 0)
		goto out;
	for (size_t k = 0; k < m->n; k++) {
		const struct img_write_opts *o = &m->opts[k];

		for (size_t i = 0; i < m->imgs[k]->nlayers; i++) {
			if (!written_before(m, k, i) &&
			    target_layer(t, &m->jobs[k].lw, m->imgs[k], i, comp, m->paths[k][i],
					 &m->lo[k][i], err) < 0)
				goto out;
			if (o->progress)
				o->progress(o->progress_ud, i);
		}
	}
	for (size_t k = 0; k < m->n; k++)
		if (put_blob(t, m->jobs[k].config, m->jobs[k].config_len, &seen, &nseen, err) < 0 ||
		    put_blob(t, m->manifests[k], m->manifest_lens[k], &seen, &nseen, err) < 0)
			goto out;
	if (put_blob(t, m->index, m->index_len, &seen, &nseen, err) < 0)
		goto out;
	/* The tags name the index, as BuildKit's exporter names its result. */
	if (img_oci_index_json_media(m->imgs[0], "application/vnd.oci.image.index.v1+json",
				     m->out->digest, m->out->size, &doc, &len, err) < 0 ||
	    target_file(t, "index.json", doc, len, err) < 0)
		goto out;
	rc = 0;
out:
	free(doc);
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	return rc;
}

/* The layout in a tar at opts->output ("-": standard output), atomically. */
static int write_tar(struct multi *m, struct sb_error *err)
{
	const struct img_write_opts *opts = &m->opts[0];
	struct out_sink out = {.fd = -1, .err = err};
	struct atomic_out ao = {.fd = -1};
	struct target t = {.ae = m->jobs[0].lw.ae, .mtime = m->jobs[0].lw.mtime};
	int to_stdout = strcmp(opts->output, "-") == 0, rc = -1;

	out.buf = malloc(OUT_BUFFER);
	if (!out.buf) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (outer_open(&out, &ao, opts->output, &t.outer, err) < 0 || fill(m, &t, err) < 0 ||
	    outer_close(t.outer, &out, to_stdout ? NULL : &ao, opts->fsync, err) < 0)
		goto out;
	m->out->tar_bytes = out.total;
	rc = 0;
out:
	if (t.outer) {
		/* Nothing more may reach the output on failure (see img_write). */
		if (rc < 0)
			out.failed = 1;
		archive_write_free(t.outer);
	}
	atomic_release(&ao);
	free(out.buf);
	return rc;
}

/* Each image's result, as img_write gives it. */
static int results(struct multi *m, struct img_result *res, struct sb_error *err)
{
	for (size_t k = 0; k < m->n; k++) {
		struct write_job *job = &m->jobs[k];
		unsigned char d[SB_SHA256_BYTES];

		sb_sha256((const unsigned char *)job->config, job->config_len, d);
		dg_string(d, res[k].image_id);
		res[k].tar_bytes = m->out->tar_bytes;
		if (img_manifest_json(m->imgs[k], "config.json", job->layer_names, &job->manifest,
				      &job->manifest_len, err) < 0)
			return -1;
		res[k].diff_ids = job->diff_ids;
		res[k].layer_sizes = job->tar_sizes;
		res[k].config = job->config;
		res[k].manifest = job->manifest;
		memcpy(res[k].manifest_digest, job->manifest_digest, 72);
		res[k].manifest_size = job->manifest_size;
		job->diff_ids = NULL;
		job->tar_sizes = NULL;
		job->config = job->manifest = NULL;
		if (m->opts[k].progress)
			m->opts[k].progress(m->opts[k].progress_ud, m->imgs[k]->nlayers);
	}
	return 0;
}

static void multi_release(struct multi *m)
{
	for (size_t k = 0; k < m->n; k++) {
		if (m->jobs)
			job_release(&m->jobs[k]);
		if (m->lo)
			free(m->lo[k]);
		if (m->paths)
			sb_strv_free(m->paths[k]);
		if (m->manifests)
			free(m->manifests[k]);
	}
	free(m->jobs);
	free(m->lo);
	free(m->paths);
	free(m->manifests);
	free(m->manifest_lens);
	free(m->index);
}

int img_write_multi(struct image *const *imgs, size_t n, const struct img_write_opts *opts,
		    struct img_result *res, struct img_index_result *index, struct sb_error *err)
{
	struct multi m = {.imgs = imgs, .n = n, .opts = opts, .out = index};
	int rc = -1;

	memset(index, 0, sizeof(*index));
	for (size_t k = 0; k < n; k++)
		memset(&res[k], 0, sizeof(res[k]));
	m.jobs = calloc(n, sizeof(*m.jobs));
	m.lo = calloc(n, sizeof(*m.lo));
	m.paths = calloc(n, sizeof(*m.paths));
	m.manifests = calloc(n, sizeof(*m.manifests));
	m.manifest_lens = calloc(n, sizeof(*m.manifest_lens));
	if (!m.jobs || !m.lo || !m.paths || !m.manifests || !m.manifest_lens) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (opts[0].format != IMG_FORMAT_OCI && opts[0].format != IMG_FORMAT_OCI_DIR) {
		sb_errorf(err, "internal error: several images need an OCI format");
		goto out;
	}
	for (size_t k = 0; k < n; k++)
		if (job_init(&m.jobs[k], imgs[k], &opts[k], err) < 0)
			goto out;
	if (plan_all(&m, err) < 0)
		goto out;
	if (!opts[0].dry_run) {
		if (opts[0].format == IMG_FORMAT_OCI_DIR) {
			if (write_oci_into(opts[0].output, m.jobs[0].lw.ae, m.jobs[0].lw.mtime,
					   fill, &m, err) < 0)
				goto out;
		} else if (write_tar(&m, err) < 0) {
			goto out;
		}
	}
	rc = results(&m, res, err);
out:
	multi_release(&m);
	if (rc < 0)
		for (size_t k = 0; k < n; k++)
			img_result_release(&res[k]);
	return rc;
}
