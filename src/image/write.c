/* Writing an image: img_write plans every layer (its tar's exact length, so
 * that the outer archive can be streamed in one pass), opens the output, hands
 * the image to the writer of its format (write_manual.c, write_docker.c,
 * write_oci.c) and fills in the result. write.h lists the writer's files.
 */
#include "image/digest.h"
#include "image/write.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Allocates what the job holds and plans every layer: everything that can be
 * known before writing is checked first. */
int job_init(struct write_job *job, struct image *img, const struct img_write_opts *opts,
	     struct sb_error *err)
{
	size_t n = img->nlayers;

	job->img = img;
	job->opts = opts;
	job->lw.opts = opts;
	job->lw.mtime = layer_mtime(img);
	job->tar_sizes = calloc(n + 1, sizeof(*job->tar_sizes));
	job->diff_ids = calloc(n + 1, sizeof(*job->diff_ids));
	job->layer_names = calloc(n + 1, sizeof(*job->layer_names));
	job->lw.ae = archive_entry_new();
	if (!job->tar_sizes || !job->diff_ids || !job->layer_names || !job->lw.ae)
		return sb_errorf(err, "out of memory");
	if (sb_hashpipe_new(&job->lw.hash, sb_hashpipe_worth_a_thread(), err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		job->diff_ids[i] = malloc(72);
		job->layer_names[i] = sb_printf("layer_%zu.tar", i);
		if (!job->diff_ids[i] || !job->layer_names[i])
			return sb_errorf(err, "out of memory");
		if (img_layer_tar_size(img, img->layers[i], &job->tar_sizes[i], err) < 0)
			return -1;
	}
	return 0;
}

void job_release(struct write_job *job)
{
	archive_entry_free(job->lw.ae);
	sb_hashpipe_free(job->lw.hash);
	free(job->config);
	free(job->manifest);
	sb_strv_free(job->diff_ids);
	sb_strv_free(job->layer_names);
	free(job->tar_sizes);
	memset(job, 0, sizeof(*job));
}

int write_hash_pass(struct write_job *job, enum img_compression comp, struct layer_out *lo,
		    struct sb_error *err)
{
	const struct image *img = job->img;

	for (size_t i = 0; i < img->nlayers; i++) {
		/* A base layer whose digests are known is not read here: the
		 * writing pass reads it once, verifying them. */
		if (!base_layer_known(img, i, comp, &lo[i]) &&
		    layer_hash(&job->lw, img, i, comp, 0, &lo[i], err) < 0)
			return -1;
		memcpy(job->diff_ids[i], lo[i].diff_id, 72);
	}
	return img_config_json(img, job->diff_ids, &job->config, &job->config_len, err);
}

/* --dry-run: every layer made once, into the hashes only. */
int write_nothing(struct write_job *job, struct sb_error *err)
{
	const struct image *img = job->img;
	const struct img_write_opts *opts = job->opts;

	for (size_t i = 0; i < img->nlayers; i++) {
		struct layer_out lo;

		if (layer_hash(&job->lw, img, i, IMG_COMPRESS_NONE, job->tar_sizes[i], &lo, err) <
		    0)
			return -1;
		memcpy(job->diff_ids[i], lo.diff_id, 72);
		if (opts->progress)
			opts->progress(opts->progress_ud, i);
	}
	return img_config_json(img, job->diff_ids, &job->config, &job->config_len, err);
}

/* The image in its format into the outer archive. */
static int write_archive(struct write_job *job, struct archive *outer, struct sb_error *err)
{
	struct target t = {.outer = outer, .ae = job->lw.ae, .mtime = job->lw.mtime};

	if (job->opts->format == IMG_FORMAT_MANUAL)
		return write_manual(job, outer, err);
	if (job->opts->format == IMG_FORMAT_DOCKER)
		return write_docker(job, &t, err);
	return write_oci(job, &t, err);
}

int job_manifest_digest(struct write_job *job, struct sb_error *err)
{
	unsigned char d[SB_SHA256_BYTES];
	char cdigest[72], *doc = NULL;
	size_t len;

	sb_sha256((const unsigned char *)job->config, job->config_len, d);
	dg_string(d, cdigest);
	if (img_oci_manifest_json(job->img, cdigest, job->config_len, job->diff_ids, job->tar_sizes,
				  "application/vnd.oci.image.layer.v1.tar", &doc, &len, err) < 0)
		return -1;
	sb_sha256((const unsigned char *)doc, len, d);
	dg_string(d, job->manifest_digest);
	job->manifest_size = len;
	free(doc);
	return 0;
}

void img_result_release(struct img_result *res)
{
	sb_strv_free(res->diff_ids);
	free(res->layer_sizes);
	free(res->config);
	free(res->manifest);
	memset(res, 0, sizeof(*res));
}

/* Hands what the writer made over to res: the DiffIDs it computed, each
 * layer tar's length, the config and the manifest. */
static void result_fill(struct img_result *res, struct write_job *job)
{
	res->diff_ids = job->diff_ids;
	res->layer_sizes = job->tar_sizes;
	res->config = job->config;
	res->manifest = job->manifest;
	memcpy(res->manifest_digest, job->manifest_digest, sizeof(res->manifest_digest));
	res->manifest_size = job->manifest_size;
	job->diff_ids = NULL;
	job->tar_sizes = NULL;
	job->config = job->manifest = NULL;
}

int img_write(struct image *img, const struct img_write_opts *opts, struct img_result *res,
	      struct sb_error *err)
{
	struct out_sink out = {.fd = -1, .err = err};
	struct atomic_out ao = {.fd = -1};
	struct write_job job = {0};
	struct archive *outer = NULL;
	unsigned char d[SB_SHA256_BYTES];
	int to_stdout = strcmp(opts->output, "-") == 0;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	out.buf = malloc(OUT_BUFFER);
	if (!out.buf) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (job_init(&job, img, opts, err) < 0)
		goto out;
	if (opts->dry_run) {
		if (write_nothing(&job, err) < 0)
			goto out;
		goto done;
	}
	if (opts->format == IMG_FORMAT_OCI_DIR) {
		if (write_oci_dir(&job, err) < 0)
			goto out;
		goto done;
	}

	if (outer_open(&out, &ao, opts->output, &outer, err) < 0 ||
	    write_archive(&job, outer, err) < 0 ||
	    outer_close(outer, &out, to_stdout ? NULL : &ao, opts->fsync, err) < 0)
		goto out;
done:
	sb_sha256((const unsigned char *)job.config, job.config_len, (unsigned char *)d);
	dg_string(d, res->image_id);
	res->tar_bytes = out.total;
	/* What an explanation shows: the DiffIDs, the sizes, the JSON; the
	 * manual layout's manifest whatever the format. */
	if (!job.manifest && img_manifest_json(img, "config.json", job.layer_names, &job.manifest,
					       &job.manifest_len, err) < 0)
		goto out;
	if (!job.manifest_digest[0] && job_manifest_digest(&job, err) < 0)
		goto out;
	result_fill(res, &job);
	if (opts->progress)
		opts->progress(opts->progress_ud, img->nlayers);
	rc = 0;
out:
	if (outer) {
		/* On failure nothing more may reach the output, least of all an
		 * end-of-archive marker that would make a truncated image look whole. */
		if (rc < 0)
			out.failed = 1;
		archive_write_free(outer);
	}
	atomic_release(&ao);
	job_release(&job);
	free(out.buf);
	return rc;
}
