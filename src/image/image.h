/* What an image is: layers (trees of entries), a config, tags; and how it is
 * written. This module knows nothing of Dockerfiles: src/interp fills in a
 * struct image, then img_write() streams it out in one pass.
 */
#ifndef SB_IMAGE_H
#define SB_IMAGE_H

#include "util/error.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

enum img_type { IMG_DIR, IMG_REG, IMG_SYMLINK, IMG_HARDLINK, IMG_FIFO };

struct img_entry {
	char *path; /* in the layer: relative, '/'-separated, no trailing '/' */
	enum img_type type;
	uint32_t mode; /* permission bits, setuid/setgid/sticky included (07777) */
	uint32_t uid, gid;
	uint64_t size;	     /* IMG_REG: bytes of content */
	char *link;	     /* IMG_SYMLINK: target; IMG_HARDLINK: layer path it links to */
	char *source;	     /* IMG_REG: where the bytes come from (passed to the
				source opener); NULL in trees that only track metadata */
	uint64_t link_group; /* IMG_REG: nonzero when hard-linked; entries of one layer
				with the same group become one file and hard links to it */
	char *data;	     /* IMG_REG: the content itself (size bytes), for files made
			from a heredoc; NULL when the bytes come from `source` */
	uint64_t member;     /* IMG_REG: 0, or the 1-based index of the member of the
				archive `source` that holds the bytes (ADD) */
	uint32_t origin;     /* IMG_REG: which input of the source opener `source`
				belongs to: 0 the build context, k the k-th named
				context (--build-context) */
	uint32_t layer;	     /* IMG_REG of a base image (the named context `origin`
				is an image): the base's layer that holds the bytes;
				`member` is then the entry's 1-based position in that
				layer's tar, and `source` its path there */
	int64_t mtime;	     /* modification time on the build host; IMG_MTIME_NOW for
				what the build itself creates. Written clamped to the
				image's epoch. */
};

#define IMG_MTIME_NOW INT64_MAX

/* A directory tree of entries: one layer, or the image's file system so far.
 * The root itself is implicit (never an entry). Entries are copied in: the tree
 * owns its strings. */
struct img_tree;

struct img_tree *img_tree_new(void);
void img_tree_free(struct img_tree *t);

/* The entry at path, or NULL. The pointer stays valid until the tree changes. */
const struct img_entry *img_tree_get(const struct img_tree *t, const char *path);

/* The longest path a tree holds, in bytes and in components. Deeper trees would
 * cost memory in the square of the depth (every entry keeps its whole path) and
 * stack in its depth (the tree is visited recursively). */
#define IMG_MAX_PATH  16384
#define IMG_MAX_DEPTH 4096

/* Puts a copy of e at e->path. The parent directory must already be in the tree
 * (or be the root). A directory put onto a directory takes the new metadata and
 * keeps its children; anything else replaces what was there, children included.
 * A path beyond IMG_MAX_PATH or IMG_MAX_DEPTH is an error. */
int img_tree_put(struct img_tree *t, const struct img_entry *e, struct sb_error *err);

/* Number of entries. */
size_t img_tree_count(const struct img_tree *t);

/* Calls fn for every entry in layer-tar order: depth first, the names in each
 * directory sorted bytewise, a directory before its contents. Stops at the first
 * fn that returns -1 and returns -1. */
typedef int (*img_visit)(void *ud, const struct img_entry *e, struct sb_error *err);
int img_tree_each(const struct img_tree *t, img_visit fn, void *ud, struct sb_error *err);

/* Calls fn for the entry at path and everything below it, in layer-tar
 * order. Returns 1 when there is no entry at path (fn not called). */
int img_tree_walk(const struct img_tree *t, const char *path, img_visit fn, void *ud,
		  struct sb_error *err);

/* Calls fn for each entry directly inside directory dir ("" for the root),
 * names sorted. Returns 1 when dir is not a directory of the tree. */
int img_tree_children(const struct img_tree *t, const char *dir, img_visit fn, void *ud,
		      struct sb_error *err);


/* Resolves the symbolic links in path (a tree path) as a root file system
 * would: absolute targets from the root, relative ones from the link's
 * directory, ".." stopping at the root. Entries are looked up in `top`, then
 * in `below` (may be NULL). The last component is followed only when
 * follow_last is set. *out is yours. */
int img_tree_resolve(const struct img_tree *top, const struct img_tree *below, const char *path,
		     int follow_last, char **out, struct sb_error *err);

/* The paths of t that the wildcard pattern (a cleaned tree path, Go's
 * filepath.Match syntax in each component) matches, in tree order. *out is
 * NULL-terminated, or NULL when *n is 0; yours (sb_strv_free). */
int img_tree_glob(const struct img_tree *t, const char *pattern, char ***out, size_t *n,
		  struct sb_error *err);

/* Turns each hard-link group into one regular file (the first in layer order)
 * and hard links to it. Call once, when the layer is complete. */
int img_tree_link_groups(struct img_tree *t, struct sb_error *err);

/* One history entry of the config: one per Dockerfile instruction, or one
 * inherited from a base image (FROM an image keeps the base's history). */
struct img_history {
	char *created_by; /* owned */
	int empty_layer;  /* the instruction made no layer */
	/* An entry inherited from a base image keeps what the base wrote, each
	 * NULL when the base left it out; for the build's own entries all are
	 * NULL and the writer puts the build's time and BuildKit's comment. */
	int inherited;
	char *created; /* RFC 3339 text as the base has it; owned */
	char *author;  /* owned */
	char *comment; /* owned */
};

/* The runtime config and history. Every char ** is NULL-terminated and owned. */
/* HEALTHCHECK: Docker's HealthConfig. Durations in nanoseconds, 0 = default. */
struct img_health {
	char **test; /* ["CMD", ...], ["CMD-SHELL", cmd] or ["NONE"] */
	int64_t interval, timeout, start_period;
	int retries;
};

/* The runtime config and history. Every char ** is NULL-terminated and owned;
 * NULL means "not set" (the field is left out of the JSON). */
struct img_config {
	char *user;	   /* USER, or NULL */
	char **ports;	   /* "8080/tcp", sorted as Go sorts map keys, no duplicates */
	char **env;	   /* "K=V", in the order they were first set */
	char **entrypoint; /* ENTRYPOINT */
	char **cmd;	   /* CMD */
	char **volumes;	   /* VOLUME paths, sorted, no duplicates */
	char *workdir;	   /* WORKDIR */
	char **labels;	   /* LABEL: key, value, key, value...; sorted by key, keys unique */
	char *stop_signal; /* STOPSIGNAL, or NULL */
	struct img_health *health; /* HEALTHCHECK, or NULL */
	int args_escaped;	   /* BuildKit's ArgsEscaped (set by CMD) */
	char **onbuild;		   /* ONBUILD instructions as written */
	char **shell;		   /* SHELL */
	char *author;		   /* MAINTAINER, or NULL */
	struct img_history *history;
	size_t nhistory;
};

struct img_base;

/* Where layer i of an image comes from when it is not made by the build:
 * a layer of a base image (FROM an image), copied from there byte for byte,
 * its digests verified while it is copied, never re-built. */
struct img_layer_src {
	struct img_base *base; /* borrowed (it outlives the image); NULL: the build
				  makes the layer from its tree */
	size_t index;	       /* the layer of the base */
	char *base_name;       /* the base as the Dockerfile names it ("FROM
				  NAME"), for explanations; owned */
};

struct image {
	struct img_tree **layers; /* owned; a layer from a base holds the entries of
				     its tar (metadata only) */
	size_t nlayers;
	struct img_layer_src *layer_src; /* per layer (nlayers of them), or NULL when
					    no layer comes from a base; owned */
	struct img_config config;
	char **tags;		 /* "name:tag", as they go into RepoTags; owned */
	char *architecture, *os; /* "amd64", "linux"; owned */
	char *variant;		 /* "v7", or NULL when the platform has none; owned */
	/* The build time, as BuildKit takes it from SOURCE_DATE_EPOCH: the
	 * "created" of the config and of each history entry, and the latest
	 * modification time any layer entry gets (later ones are clamped to it).
	 * scratchbuild uses 0 when SOURCE_DATE_EPOCH is not set. */
	int64_t epoch;
};

void img_init(struct image *img);
void img_release(struct image *img);
/* Frees what a config holds and leaves it empty. */
void img_config_release(struct img_config *c);

/* Appends a history entry; created_by is copied. */
int img_add_history(struct image *img, const char *created_by, int empty_layer,
		    struct sb_error *err);

/* Where the writer reads the bytes of an IMG_REG entry from. */
struct img_reader {
	/* Reads up to n bytes into buf and sets *got; *got == 0 at the end.
	 * Returns 0, or -1 with err set. */
	int (*read)(void *self, void *buf, size_t n, size_t *got, struct sb_error *err);
	void (*close)(void *self); /* releases self */
	void *self;
	/* Set (by the reader, through *at_end) once a read has met the end:
	 * then no read of 0 bytes is needed to know it. NULL when the reader
	 * cannot tell. */
	int *at_end;
};

/* Opens the bytes of e for reading and fills *r, which the writer then owns
 * (it calls r->close). The opener checks that what it finds is still what was
 * planned; the writer checks that exactly e->size bytes come out. */
typedef int (*img_open_fn)(void *ud, const struct img_entry *e, struct img_reader *r,
			   struct sb_error *err);

/* A reader over the open file fd, which it takes over (closing it whatever
 * happens), and st, its fstat. Fails, naming
 * `name`, when fd is no longer a regular file of e->size bytes: the file
 * changed after it was planned. */
int img_fd_reader(struct img_reader *r, int fd, const struct stat *st, const struct img_entry *e,
		  const char *name, struct sb_error *err);

/* Reads the content of the regular file e (at most max bytes) through open,
 * the opener the writer uses, whatever made the entry: a context file, a
 * heredoc, an archive member. *out is NUL-terminated after e->size bytes and
 * yours (free(3)). */
int img_entry_read(img_open_fn open, void *ud, const struct img_entry *e, size_t max, char **out,
		   struct sb_error *err);

/* Called after each layer has been written, and once more with layer ==
 * img->nlayers when the whole archive is complete. */
typedef void (*img_progress_fn)(void *ud, size_t layer);

/* How the image is laid out (see README: Formats). */
enum img_format {
	IMG_FORMAT_MANUAL,  /* manifest.json, config.json, layer_N.tar (one pass) */
	IMG_FORMAT_DOCKER,  /* what `docker save` writes (Docker 20-24), legacy layout */
	IMG_FORMAT_OCI,	    /* an OCI image layout in a tar, manifest.json beside it */
	IMG_FORMAT_OCI_DIR, /* the same layout as a directory */
};

enum img_compression { IMG_COMPRESS_NONE, IMG_COMPRESS_GZIP, IMG_COMPRESS_ZSTD };

struct img_write_opts {
	enum img_format format;
	enum img_compression compression; /* OCI formats only */
	const char *output;		  /* file path, or "-" for standard output */
	img_open_fn open;		  /* how to read the bytes of regular files */
	void *open_ud;
	int dry_run;		  /* make every layer (reading every file) to learn its
			     digest, but write nothing */
	int fsync;		  /* flush the output to disk before it takes the
			     output's name (for images that must outlive a
			     power cut); without it the output appears the way
			     docker save -o makes it: whole, by one rename */
	img_progress_fn progress; /* may be NULL */
	void *progress_ud;
};

struct img_result {
	char image_id[72];     /* "sha256:<hex>" of config.json: the ID docker shows */
	uint64_t tar_bytes;    /* size of the written archive */
	char **diff_ids;       /* per layer "sha256:<hex>", NULL-terminated; owned: release
				  with img_result_release */
	uint64_t *layer_sizes; /* per layer, bytes of its tar; owned */
	char *config;	       /* config.json as written; owned */
	char *manifest;	       /* manifest.json as the manual layout writes it; owned */
	/* The OCI image manifest's digest and size: the one the OCI formats
	 * store; for manual and docker, the manifest of the uncompressed
	 * layers that --format oci would store. */
	char manifest_digest[72];
	uint64_t manifest_size;
};

/* What img_write_multi made beside each image's result. */
struct img_index_result {
	char digest[72]; /* "sha256:<hex>" of the image index */
	uint64_t size;
	uint64_t tar_bytes; /* size of the written archive (0 for oci-dir) */
};

void img_result_release(struct img_result *res);

/* Writes the image as a manual-style archive (layer_N.tar, config.json,
 * manifest.json): every byte of every source read once, hashed once, written
 * once. Atomic: the output appears complete or not at all, and an existing file
 * at that path is untouched on failure. A source whose size or type changed since
 * planning fails the build. */
int img_write(struct image *img, const struct img_write_opts *opts, struct img_result *res,
	      struct sb_error *err);

/* Several images (one per platform) as one OCI image index, --format oci or
 * oci-dir only: index.json names (with each tag) the index blob, which lists
 * one manifest per image, in order, with its platform, as BuildKit's OCI
 * exporter writes a multi-platform build. Every blob is stored once, however
 * many images hold it. opts[k] are image k's options: its opener and its
 * progress; format, compression, output, dry_run and fsync are opts[0]'s.
 * Fills res[k] for each image and *index. Atomic as img_write. */
int img_write_multi(struct image *const *imgs, size_t n, const struct img_write_opts *opts,
		    struct img_result *res, struct img_index_result *index, struct sb_error *err);

/* The exact byte length of the layer tar for t, as img_write writes it. */
int img_layer_tar_size(const struct image *img, const struct img_tree *t, uint64_t *size,
		       struct sb_error *err);

/* Config and manifest JSON as written into the archive. diff_ids holds
 * img->nlayers strings "sha256:<hex>". *out is yours (free(3)). */
int img_config_json(const struct image *img, char *const *diff_ids, char **out, size_t *len,
		    struct sb_error *err);
int img_manifest_json(const struct image *img, const char *config_name, char *const *layer_names,
		      char **out, size_t *len, struct sb_error *err);

/* Docker's legacy `docker save` layout: the v1 record of layer i. With id ==
 * NULL, the record Docker hashes into the layer's ID (keys sorted, with
 * layer_id = chain_id); with id, the <id>/json file. parent is the lower
 * layer's ID (hex), or NULL. JSON escaped as Go escapes it. *out is yours. */
int img_v1_json(const struct image *img, size_t i, const char *chain_id, const char *id,
		const char *parent, char **out, size_t *len, struct sb_error *err);

/* json re-indented, two spaces a level. *out is yours. */
int img_json_pretty(const char *json, char **out, struct sb_error *err);

/* {"repo":{"tag":"<top_id>"}}: the legacy `repositories` file. */
int img_repositories_json(const struct image *img, const char *top_id, char **out, size_t *len,
			  struct sb_error *err);

/* The OCI image manifest and the OCI index pointing at it (one descriptor a
 * tag, with containerd's and OCI's name annotations). */
int img_oci_manifest_json(const struct image *img, const char *config_digest, uint64_t config_size,
			  char *const *layer_digests, const uint64_t *layer_sizes,
			  const char *layer_media, char **out, size_t *len, struct sb_error *err);
/* The same, with medias[i] (when medias and it are not NULL) the media type
 * of layer i instead of layer_media: a layer kept as a base stored it. */
int img_oci_manifest_json_media(const struct image *img, const char *config_digest,
				uint64_t config_size, char *const *layer_digests,
				const uint64_t *layer_sizes, const char *layer_media,
				const char *const *medias, char **out, size_t *len,
				struct sb_error *err);
int img_oci_index_json(const struct image *img, const char *manifest_digest, uint64_t manifest_size,
		       char **out, size_t *len, struct sb_error *err);
/* The same, the descriptors of media type media (an image index's, for
 * several platforms). */
int img_oci_index_json_media(const struct image *img, const char *media,
			     const char *manifest_digest, uint64_t manifest_size, char **out,
			     size_t *len, struct sb_error *err);
/* The image index of several platforms, as BuildKit writes it: one manifest
 * descriptor per image, in order, with its platform object
 * ({"architecture","os"[,"variant"]}). */
int img_oci_platform_index_json(struct image *const *imgs, size_t n, char *const *manifest_digests,
				const uint64_t *manifest_sizes, char **out, size_t *len,
				struct sb_error *err);

#endif
