/* The OCI formats: an OCI image layout (oci-layout, index.json,
 * blobs/sha256/<hex> for each layer, the config and the manifest), with
 * manifest.json beside it for `docker load`; in a tar (oci), or as a
 * directory (oci-dir). A layer is named by its digest before its bytes: a
 * hashing pass over every layer, then the writing pass.
 */
#include "image/digest.h"
#include "image/write.h"
#include "util/mem.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *oci_layer_media(enum img_compression c)
{
	return c == IMG_COMPRESS_GZIP	? "application/vnd.oci.image.layer.v1.tar+gzip"
	       : c == IMG_COMPRESS_ZSTD ? "application/vnd.oci.image.layer.v1.tar+zstd"
					: "application/vnd.oci.image.layer.v1.tar";
}

/* Removes an OCI layout directory that scratchbuild wrote: only the names the
 * layout has, never anything else that may be there. */
static void remove_layout(const char *dir)
{
	static const char *const top[] = {"oci-layout", "index.json", "manifest.json"};
	char *blobs = sb_printf("%s/blobs/sha256", dir);
	DIR *d = blobs ? opendir(blobs) : NULL;
	struct dirent *de;

	while (d && (de = readdir(d))) {
		if (dg_is_hex64(de->d_name, strlen(de->d_name)))
			unlinkat(dirfd(d), de->d_name, 0);
	}
	if (d)
		closedir(d);
	if (blobs) {
		rmdir(blobs);
		blobs[strlen(blobs) - 7] = '\0';
		rmdir(blobs);
	}
	free(blobs);
	for (size_t i = 0; i < 3; i++) {
		char *p = sb_printf("%s/%s", dir, top[i]);

		if (p)
			unlink(p);
		free(p);
	}
	rmdir(dir);
}

#define OCI_LAYOUT "{\"imageLayoutVersion\":\"1.0.0\"}"

/* oci-layout, blobs/ and blobs/sha256/. */
int oci_begin(struct target *t, struct sb_error *err)
{
	char *b, *b2;

	if (t->outer) {
		if (target_file(t, "oci-layout", OCI_LAYOUT, 30, err) < 0 ||
		    outer_dir(t->outer, t->ae, "blobs/", t->mtime, err) < 0 ||
		    outer_dir(t->outer, t->ae, "blobs/sha256/", t->mtime, err) < 0)
			return -1;
		return 0;
	}
	b = sb_printf("%s/blobs", t->dir);
	b2 = sb_printf("%s/blobs/sha256", t->dir);
	if (!b || !b2 || mkdir(b, 0755) < 0 || mkdir(b2, 0755) < 0) {
		sb_error_file(err, t->dir, "cannot create: %s", strerror(errno));
		free(b);
		free(b2);
		return -1;
	}
	free(b);
	free(b2);
	return target_file(t, "oci-layout", OCI_LAYOUT, 30, err);
}

/* After the layers: the config blob, the manifest blob, index.json and
 * manifest.json. blobs and sizes: each layer's blob digest and length. */
static int oci_trailer(struct write_job *job, struct target *t, char *const *blobs,
		       const uint64_t *sizes, const char *const *medias, char *const *paths,
		       struct sb_error *err)
{
	const struct image *img = job->img;
	unsigned char d[SB_SHA256_BYTES];
	char cdigest[72], mdigest[72], *name = NULL, *doc = NULL;
	size_t doc_len, mlen;
	int rc = -1;

	sb_sha256((unsigned char *)job->config, job->config_len, d);
	dg_string(d, cdigest);
	name = sb_printf("blobs/sha256/%s", cdigest + 7);
	if (!name || target_file(t, name, job->config, job->config_len, err) < 0)
		goto out;
	if (img_oci_manifest_json_media(img, cdigest, job->config_len, blobs, sizes,
					oci_layer_media(job->opts->compression), medias, &doc,
					&doc_len, err) < 0)
		goto out;
	sb_sha256((unsigned char *)doc, doc_len, d);
	dg_string(d, mdigest);
	mlen = doc_len;
	memcpy(job->manifest_digest, mdigest, sizeof(mdigest));
	job->manifest_size = mlen;
	free(name);
	name = sb_printf("blobs/sha256/%s", mdigest + 7);
	if (!name || target_file(t, name, doc, doc_len, err) < 0)
		goto out;
	free(doc);
	doc = NULL;
	if (img_oci_index_json(img, mdigest, mlen, &doc, &doc_len, err) < 0 ||
	    target_file(t, "index.json", doc, doc_len, err) < 0)
		goto out;
	free(doc);
	doc = NULL;
	/* Beside it, what `docker load` reads: Docker 25+ writes it too. */
	free(name);
	name = sb_printf("blobs/sha256/%s", cdigest + 7);
	if (!name || img_manifest_json(img, name, paths, &doc, &doc_len, err) < 0 ||
	    target_file(t, "manifest.json", doc, doc_len, err) < 0)
		goto out;
	rc = 0;
out:
	free(doc);
	free(name);
	return rc;
}

int write_oci(struct write_job *job, struct target *t, struct sb_error *err)
{
	const struct image *img = job->img;
	const struct img_write_opts *opts = job->opts;
	enum img_compression comp = opts->compression;
	size_t n = img->nlayers;
	struct layer_out *lo = calloc(n + 1, sizeof(*lo));
	char **blobs = calloc(n + 1, sizeof(char *)), **paths = calloc(n + 1, sizeof(char *));
	uint64_t *sizes = calloc(n + 1, sizeof(*sizes));
	const char **medias = calloc(n + 1, sizeof(*medias));
	int rc = -1;

	if (!lo || !blobs || !paths || !sizes || !medias) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	/* Pass 1: every layer's digests, reading every source once. */
	if (write_hash_pass(job, comp, lo, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		blobs[i] = lo[i].blob_id;
		sizes[i] = lo[i].blob_size;
		medias[i] = base_layer_media(img, i, comp);
		paths[i] = sb_printf("blobs/sha256/%s", blobs[i] + 7);
		if (!paths[i]) {
			sb_errorf(err, "out of memory");
			goto out;
		}
	}
	/* Pass 2: write, layers in their order. */
	if (oci_begin(t, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		int repeat = 0;

		for (size_t j = 0; j < i; j++)
			repeat |= !strcmp(blobs[j], blobs[i]);
		/* The same blob twice: one file holds it. */
		if (!repeat && target_layer(t, &job->lw, img, i, comp, paths[i], &lo[i], err) < 0)
			goto out;
		if (opts->progress)
			opts->progress(opts->progress_ud, i);
	}
	rc = oci_trailer(job, t, blobs, sizes, medias, paths, err);
out:
	for (size_t i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
	free(blobs);
	free(sizes);
	free(medias);
	free(lo);
	return rc;
}

static int fill_one(void *ud, struct target *t, struct sb_error *err)
{
	return write_oci(ud, t, err);
}

int write_oci_dir(struct write_job *job, struct sb_error *err)
{
	return write_oci_into(job->opts->output, job->lw.ae, job->lw.mtime, fill_one, job, err);
}

/* oci-dir: the layout is built in a sibling directory and renamed into place,
 * so that the output appears complete or not at all. */
int write_oci_into(const char *output, struct archive_entry *ae, int64_t mtime, oci_fill_fn fill,
		   void *ud, struct sb_error *err)
{
	struct target t = {.ae = ae, .mtime = mtime};
	char *old = sb_printf("%s.scratchbuild-old", output);
	struct stat st;
	int rc = -1;

	t.dir = sb_printf("%s.scratchbuild-partial", output);
	if (!t.dir || !old) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	remove_layout(t.dir); /* left by a build that was killed */
	if (mkdir(t.dir, 0755) < 0) {
		sb_error_file(err, output, "cannot create the output: %s", strerror(errno));
		goto out;
	}
	if (fill(ud, &t, err) < 0)
		goto out;
	if (stat(output, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			sb_error_file(err, output, "exists and is not a directory");
			goto out;
		}
		remove_layout(old);
		if (rename(output, old) < 0) {
			sb_error_file(err, output, "cannot replace: %s", strerror(errno));
			goto out;
		}
	}
	if (rename(t.dir, output) < 0) {
		sb_error_file(err, output, "cannot create the output: %s", strerror(errno));
		rename(old, output);
		goto out;
	}
	remove_layout(old);
	rc = 0;
out:
	if (rc < 0 && t.dir)
		remove_layout(t.dir);
	free(t.dir);
	free(old);
	return rc;
}
