/* What the files of the image writer share, inside src/image only:
 *
 *   output.c        the output file (buffered, atomic) and the members of the
 *                   outer archive or of a layout directory
 *   layer.c         one layer tar: its exact length, and making it with its digests
 *   layer_base.c    a layer copied from a base image, byte for byte
 *   write_manual.c  manifest.json, config.json, layer_N.tar
 *   write_docker.c  what `docker save` writes
 *   write_oci.c     an OCI image layout, in a tar or as a directory (oci-dir)
 *   write_index.c   several platforms' images as one OCI image index
 *   write.c         img_write: plans, picks the format's writer, fills the result
 */
#ifndef SB_IMAGE_WRITE_H
#define SB_IMAGE_WRITE_H

#include "image/image.h"
#include "util/hashpipe.h"
#include "util/pgzip.h"
#include "util/sha256.h"

#include <archive.h>
#include <archive_entry.h>
#include <stddef.h>
#include <stdint.h>

/* ---- output.c: the output file ------------------------------------------- */

#define OUT_BUFFER (256u << 10) /* small writes are gathered up to this */

/* The output file, buffered: what the outer archive writes goes through it. */
struct out_sink {
	int fd;
	char *buf; /* OUT_BUFFER bytes; the caller's */
	size_t len;
	uint64_t total;
	const char *name; /* for messages */
	struct sb_error *err;
	int failed; /* set on a write error, or by the caller: nothing more goes out */
};

/* Writes out what is buffered. */
int out_flush(struct out_sink *o);

/* The libarchive write callback of the outer archive; ud is a struct out_sink. */
la_ssize_t outer_cb(struct archive *a, void *ud, const void *buf, size_t n);

/* The output path's temporary twin: an unnamed file in the same directory
 * (O_TMPFILE) when the file system has them, else a named one that the next
 * build of the same output removes. */
struct atomic_out {
	const char *path;
	char *dir;
	char *tmpname; /* named temporary, or NULL */
	int fd;
	int anonymous; /* O_TMPFILE */
};

/* Opens the temporary twin of path (which must outlive ao) for writing. */
int atomic_open(struct atomic_out *ao, const char *path, struct sb_error *err);
/* Makes the finished file appear at its path, replacing any old one; with
 * sync, once it is on the disk. */
int atomic_commit(struct atomic_out *ao, int sync, struct sb_error *err);
/* Drops whatever was written; the old file at the path stays as it was. */
void atomic_release(struct atomic_out *ao);

/* Points out at path's temporary twin (ao), or at standard output for "-",
 * and opens the outer tar archive writing into it: *outer, which the caller
 * frees, failure or not. */
int outer_open(struct out_sink *out, struct atomic_out *ao, const char *path,
	       struct archive **outer, struct sb_error *err);
/* Ends the outer archive, writes out what is buffered and, with ao (NULL for
 * standard output), makes the file appear at its path (atomic_commit). */
int outer_close(struct archive *outer, struct out_sink *out, struct atomic_out *ao, int sync,
		struct sb_error *err);

/* ---- output.c: members of the outer archive -------------------------------- */

/* A regular file's header (size bytes of body follow), a whole small file, a
 * directory. */
int outer_header(struct archive *outer, struct archive_entry *ae, const char *name, uint64_t size,
		 int64_t mtime, struct sb_error *err);
int outer_file(struct archive *outer, struct archive_entry *ae, const char *name, const char *data,
	       size_t len, int64_t mtime, struct sb_error *err);
int outer_dir(struct archive *outer, struct archive_entry *ae, const char *name, int64_t mtime,
	      struct sb_error *err);

/* ---- layer.c: layer tars ---------------------------------------------------- */

/* The tar format of the layers and of the outer archive (see layer.c). */
struct archive *tar_writer(struct sb_error *err);

/* The latest modification time a layer entry gets. */
int64_t layer_mtime(const struct image *img);

/* What one layer became. */
struct layer_out {
	char diff_id[72]; /* sha256 of the uncompressed tar */
	char blob_id[72]; /* sha256 of the bytes written: compressed, or the tar */
	uint64_t tar_size, blob_size;
};

/* The way every layer byte takes: the tar into the DiffID hash, then through
 * the compressor (if any) into the blob hash, then out: into the outer archive,
 * into a file, or nowhere (the hashing pass). */
struct layer_sink {
	struct archive *outer; /* or NULL */
	int fd;		       /* or -1 */
	const char *fd_name;   /* for messages */
	struct sb_error *err;
	struct sb_hashpipe *diff; /* the layer writer's; it also counts the tar's bytes */
	struct archive *zip;	  /* zstd's compressor, or NULL */
	struct pgz *gz;		  /* gzip's, or NULL */
	/* The compressed blob's hash, on a core of its own where there is one
	 * (layer_zip_open makes it, layer_zip_free frees it), or NULL. */
	struct sb_hashpipe *blob;
	uint64_t blob_bytes;
	int dead; /* the layer failed: nothing more goes out */
};

/* Makes layer tars; one for a whole img_write. */
struct layer_writer {
	const struct img_write_opts *opts;
	struct archive *inner;
	struct archive_entry *ae;
	struct sb_hashpipe *hash; /* DiffIDs; file contents are read into its ring */
	int64_t mtime;
};

/* Generates one layer through sink (whose outer/fd the caller set) and
 * fills *lo. expected_tar > 0 is the size the plan computed for the tar. */
int layer_run(struct layer_writer *w, const struct img_tree *t, enum img_compression comp,
	      struct layer_sink *sink, uint64_t expected_tar, struct layer_out *lo,
	      struct sb_error *err);

/* Layer i of img through sink: made from its tree (layer_run), or copied
 * from its base (base_layer_run). */
int layer_make(struct layer_writer *w, const struct image *img, size_t i, enum img_compression comp,
	       struct layer_sink *sink, uint64_t expected_tar, struct layer_out *lo,
	       struct sb_error *err);

/* layer_make into the hashes only: nothing is written. */
int layer_hash(struct layer_writer *w, const struct image *img, size_t i, enum img_compression comp,
	       uint64_t expected_tar, struct layer_out *lo, struct sb_error *err);

/* Sends n bytes of the layer's blob (the compressor's output, or the tar
 * itself) where the sink goes, counting them. */
int layer_blob_out(struct layer_sink *s, const void *buf, size_t n);

/* The compressor of the layer's tar into the sink's blob (hashed, then
 * layer_blob_out), as reproducible as scratchbuild's own layers: gzip on
 * every core (util/pgzip.c), zstd through libarchive's filter. open sets
 * sink->gz or sink->zip (layer_zipping says whether one is there); write
 * and close record their errors in err; free releases it, closed or not. */
int layer_zip_open(enum img_compression c, struct layer_sink *s, struct sb_error *err);
int layer_zip_write(struct layer_sink *s, const void *buf, size_t n, struct sb_error *err);
int layer_zip_close(struct layer_sink *s, struct sb_error *err);
void layer_zip_free(struct layer_sink *s);
static inline int layer_zipping(const struct layer_sink *s)
{
	return s->zip || s->gz;
}

/* ---- layer_base.c: layers copied from a base image ----------------------- */

/* Copies the base layer src names through sink, compressed as comp: its
 * stored bytes as they are when they are compressed so (raw), else its
 * tar, compressed again when comp asks. The digests are verified as the
 * bytes pass. Fills *lo. */
int base_layer_run(const struct img_layer_src *src, enum img_compression comp,
		   struct layer_sink *sink, struct layer_out *lo, struct sb_error *err);

/* Fills *lo without reading, and returns 1, when layer i of img comes from
 * a base whose digests for comp are already known (its stored bytes kept
 * as they are, or its tar uncompressed); else returns 0. */
int base_layer_known(const struct image *img, size_t i, enum img_compression comp,
		     struct layer_out *lo);

/* The OCI media type of layer i of img written with compression comp, when
 * it is a base layer kept as it is whose descriptor's type is not the one
 * comp gives (a non-distributable layer); else NULL. Static. */
const char *base_layer_media(const struct image *img, size_t i, enum img_compression comp);

/* The writing pass of a layer must give what the hashing pass gave. */
int layer_same(const struct layer_out *a, const struct layer_out *b, struct sb_error *err);

/* ---- output.c: the output of the digest-named formats ----------------------- */

/* The outer archive, or (oci-dir) a directory built beside its final path and
 * renamed into place. */
struct target {
	struct archive *outer; /* tar formats */
	char *dir;	       /* oci-dir: the directory being built */
	struct archive_entry *ae;
	int64_t mtime;
};

/* A small file at name. */
int target_file(struct target *t, const char *name, const char *data, size_t len,
		struct sb_error *err);

/* The writing pass of layer i: made again (or copied from its base),
 * compressed with comp, into name; it must come out as the hashing pass made
 * it (*planned). */
int target_layer(struct target *t, struct layer_writer *w, const struct image *img, size_t i,
		 enum img_compression comp, const char *name, const struct layer_out *planned,
		 struct sb_error *err);

/* ---- write.c and the writers of the formats ---------------------------------- */

/* One img_write: what the driver prepares for a format's writer, and what the
 * writer gives back. Every pointer is owned by the job (write.c frees them). */
struct write_job {
	struct image *img;
	const struct img_write_opts *opts;
	struct layer_writer lw;
	uint64_t *tar_sizes; /* per layer: the tar's exact length, as planned */
	char **layer_names;  /* per layer: "layer_N.tar", the manual layout's names */
	char **diff_ids;     /* per layer: 72 bytes, into which the writer puts
				the DiffID it computed */
	char *config;	     /* set by the writer: config.json as written; owned */
	size_t config_len;
	char *manifest; /* set by the manual writer: its manifest.json; owned */
	size_t manifest_len;
	char manifest_digest[72]; /* set by the OCI writer: its image manifest's */
	uint64_t manifest_size;
};

/* Fills a job for img and plans every layer (write.c); job_release frees
 * what it holds, whatever the outcome. */
int job_init(struct write_job *job, struct image *img, const struct img_write_opts *opts,
	     struct sb_error *err);
void job_release(struct write_job *job);

/* --dry-run: every layer made once, into the hashes only; job->config made. */
int write_nothing(struct write_job *job, struct sb_error *err);

/* job->manifest_digest and size, when no OCI writer set them: the image
 * manifest of the uncompressed layers, as --format oci would store it. */
int job_manifest_digest(struct write_job *job, struct sb_error *err);

/* The first pass of the formats that name a layer by its digest: every layer
 * made into the hashes only, reading every source once. Fills lo (one per
 * layer) and job->diff_ids, then makes job->config. */
int write_hash_pass(struct write_job *job, enum img_compression comp, struct layer_out *lo,
		    struct sb_error *err);

/* Each writes the image, in its format, into the outer archive or the
 * target, calling the progress function after each layer; each sets
 * job->diff_ids and job->config. */
int write_manual(struct write_job *job, struct archive *outer, struct sb_error *err);
int write_docker(struct write_job *job, struct target *t, struct sb_error *err);
int write_oci(struct write_job *job, struct target *t, struct sb_error *err);
/* oci-dir: write_oci into a directory that then takes opts->output's name. */
int write_oci_dir(struct write_job *job, struct sb_error *err);

/* What write_oci_into calls to fill the target. */
typedef int (*oci_fill_fn)(void *ud, struct target *t, struct sb_error *err);
/* oci-dir for any filler: fill builds the layout in a directory beside
 * output, which then takes its name (the old one removed). */
int write_oci_into(const char *output, struct archive_entry *ae, int64_t mtime, oci_fill_fn fill,
		   void *ud, struct sb_error *err);

/* The OCI media type of a layer compressed with c. Static. */
const char *oci_layer_media(enum img_compression c);
/* oci-layout, blobs/ and blobs/sha256/ of the target. */
int oci_begin(struct target *t, struct sb_error *err);

#endif
