/* The manual layout, scratchbuild's default: layer_N.tar, config.json and
 * manifest.json, written in one pass. Each layer's exact length is known from
 * the plan, so each streams into its member, hashed on the way.
 */
#include "image/write.h"

#include <string.h>

int write_manual(struct write_job *job, struct archive *outer, struct sb_error *err)
{
	const struct image *img = job->img;
	const struct img_write_opts *opts = job->opts;
	struct layer_writer *lw = &job->lw;

	for (size_t i = 0; i < img->nlayers; i++) {
		struct layer_sink sink = {.outer = outer, .fd = -1};
		struct layer_out lo;

		if (outer_header(outer, lw->ae, job->layer_names[i], job->tar_sizes[i], lw->mtime,
				 err) < 0 ||
		    layer_make(lw, img, i, IMG_COMPRESS_NONE, &sink, job->tar_sizes[i], &lo, err) <
			0)
			return -1;
		memcpy(job->diff_ids[i], lo.diff_id, 72);
		if (archive_write_finish_entry(outer) != ARCHIVE_OK) {
			if (!err->msg)
				sb_errorf(err, "libarchive: %s", archive_error_string(outer));
			return -1;
		}
		if (opts->progress)
			opts->progress(opts->progress_ud, i);
	}
	if (img_config_json(img, job->diff_ids, &job->config, &job->config_len, err) < 0 ||
	    img_manifest_json(img, "config.json", job->layer_names, &job->manifest,
			      &job->manifest_len, err) < 0)
		return -1;
	if (outer_file(outer, lw->ae, "config.json", job->config, job->config_len, lw->mtime, err) <
		0 ||
	    outer_file(outer, lw->ae, "manifest.json", job->manifest, job->manifest_len, lw->mtime,
		       err) < 0)
		return -1;
	return 0;
}
