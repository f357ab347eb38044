/* Reading any image tar: what scratchbuild writes (manifest.json, config.json,
 * layer_N.tar), what `docker save` writes (legacy <hex>/layer.tar, <id>.json,
 * repeated layers as symlinks; Docker 25+'s OCI layout beside manifest.json),
 * and an OCI image layout tar (oci-layout, index.json, blobs/sha256/...).
 *
 * Every tar is hostile. Nothing is extracted or written anywhere: the outer tar
 * is indexed once (libarchive headers), and each member is read by scanning to
 * it again and streaming its bytes. Memory is bounded by the limits below,
 * never by the size of a layer. Every digest read is verified: layer DiffIDs
 * against the config's rootfs.diff_ids, blobs named by digest
 * (blobs/sha256/<hex>, and <hex>.json configs) against their bytes, and OCI
 * descriptors' digest and size.
 */
#ifndef SB_READ_H
#define SB_READ_H

#include "util/error.h"

#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

/* What a reader accepts; rd_limits_default() fills in the defaults shown. */
struct rd_limits {
	uint64_t max_json;  /* bytes of one JSON member: 16 MiB */
	uint64_t max_layer; /* uncompressed bytes of one layer, and the size any
			       member or layer entry may claim: 64 GiB */
	uint64_t max_meta;  /* bytes of names and link targets of one image's
			       layers, all together: 256 MiB */
	size_t max_members; /* members of the outer tar: 100,000 */
	size_t max_entries; /* entries of one layer: 1,000,000 */
	size_t max_layers;  /* layers of one image: 1,000 */
	size_t max_images;  /* images of one tar: 1,000 */
	unsigned max_depth; /* nesting of any JSON document: 64 */
	size_t max_path;    /* bytes of one name or link target: 16 KiB */
};

void rd_limits_default(struct rd_limits *lim);

enum rd_type { RD_FILE, RD_DIR, RD_SYMLINK, RD_HARDLINK, RD_CHAR, RD_BLOCK, RD_FIFO };

/* "file", "dir", "symlink", "hardlink", "chardev", "blockdev", "fifo". Static. */
const char *rd_type_name(enum rd_type t);

/* One entry of a layer tar, as its header and content say. */
struct rd_entry {
	char *path; /* relative, no "./" in front, no "/" around; owned */
	enum rd_type type;
	uint32_t mode; /* permission bits with setuid/setgid/sticky (07777) */
	int64_t uid, gid;
	uint64_t size;	 /* RD_FILE: bytes of content; 0 otherwise */
	char sha256[65]; /* RD_FILE: hex SHA-256 of the content; "" otherwise */
	char *link;	 /* RD_SYMLINK: target as written; RD_HARDLINK: the layer path it
			    links to (normalized like path); NULL otherwise; owned */
	int64_t mtime;	 /* seconds since the epoch */
};

struct rd_layer {
	char *member;	  /* the layer's name as the manifest gives it; owned */
	char *resolved;	  /* the member actually read, symlinks followed; owned */
	char *media_type; /* the OCI descriptor's mediaType, or NULL; owned */
	/* Filled in by rd_load_layers(): */
	char compression[16];	  /* "none", "gzip", "bzip2", "xz", "zstd", ... */
	uint64_t stored_size;	  /* bytes of the member */
	uint64_t tar_size;	  /* bytes of the uncompressed layer tar */
	char diff_id[72];	  /* "sha256:<hex>" of the uncompressed tar */
	char blob_digest[72];	  /* "sha256:<hex>" of the member's bytes */
	int blob_named;		  /* the member's name or a descriptor gives a digest,
				     and blob_digest was checked against it */
	int verified;		  /* diff_id equals the config's rootfs.diff_ids entry */
	struct rd_entry *entries; /* in tar order; owned */
	size_t nentries;
	/* From an OCI descriptor (0/"" when there is none): */
	uint64_t want_size;
	int has_want_size;
	char want_digest[72];
};

struct rd_image {
	char *config_member;	     /* owned */
	char **tags;		     /* RepoTags (or OCI ref names), NULL-terminated; owned */
	char *manifest_member;	     /* OCI: the manifest blob that lists it, or NULL */
	char want_config_digest[72]; /* OCI: the config descriptor's, or "" */
	uint64_t want_config_size;
	int has_want_config_size;
	char platform[100]; /* OCI: the platform its index descriptor gives,
			       "os/architecture[/variant]" as written, or "" */
	/* Filled in by rd_load_config(): */
	char *config_raw; /* the config's exact bytes, NUL-terminated; owned */
	size_t config_len;
	char image_id[72];	 /* "sha256:<hex>" of config_raw */
	int config_named;	 /* its name or descriptor gives a digest, and it was checked */
	yajl_val config;	 /* parsed; owned */
	struct rd_layer *layers; /* in stacking order; owned */
	size_t nlayers;
	int layers_loaded;
};

struct rd_priv;

/* An opened image tar. Everything in it is owned by it (rd_close). */
struct rd_archive {
	char *path;		 /* owned */
	const char *layout;	 /* "manual", "docker-save", "docker-save+oci", "oci"; static */
	struct rd_image *images; /* owned */
	size_t nimages;
	struct rd_priv *priv;
};

/* Opens the image tar at path: indexes its members (rejecting absolute names,
 * "..", duplicates, sizes that the file cannot hold), and reads manifest.json,
 * or index.json and the manifests it lists. lim may be NULL for the defaults.
 * On success *out is yours (rd_close); on failure it is NULL and err names the
 * member at fault. */
int rd_open(struct rd_archive **out, const char *path, const struct rd_limits *lim,
	    struct sb_error *err);

/* Reads image i's config and checks its digest when something names it. */
int rd_load_config(struct rd_archive *a, size_t i, struct sb_error *err);

/* Streams every layer of image i (rd_load_config first, done when needed):
 * fills each rd_layer's entries and digests and checks them against the
 * config's rootfs.diff_ids, the member's name and the descriptor. */
int rd_load_layers(struct rd_archive *a, size_t i, struct sb_error *err);

/* Called for each entry of a layer that rd_scan_layer reads, in tar order:
 * x as its header says (x->size a file's claimed size, x->sha256 ""), pos
 * the 1-based position of its header in the tar (the root "./" counted,
 * though not reported). x is the scanner's: copy what you keep. */
typedef int (*rd_entry_fn)(void *ud, const struct rd_entry *x, uint64_t pos,
			   struct sb_error *err);

/* Reads layer k of image i once for its headers, the contents skipped and
 * nothing hashed (rd_load_config first, done when needed), and calls fn for
 * each entry. Fills the layer's resolved, compression, stored_size and
 * tar_size; diff_id from the config's rootfs.diff_ids; blob_digest from its
 * descriptor or its name, else the DiffID when it is uncompressed, else
 * hashed while it passes. Nothing is verified against those digests:
 * verified and blob_named stay 0 (the bytes are checked when they are
 * copied). *meta counts the bytes of names, as rd_load_layers does for the
 * image. */
int rd_scan_layer(struct rd_archive *a, size_t i, size_t k, uint64_t *meta, rd_entry_fn fn,
		  void *ud, struct sb_error *err);

/* What rd_scan_layer fills, for a reader of the layer's bytes alone (a
 * push), without listing its entries: an uncompressed layer is read no
 * further than its first tar header (its tar is its stored bytes); a
 * compressed one is read through, as rd_scan_layer reads it, since only
 * that tells its tar's size. */
int rd_probe_layer(struct rd_archive *a, size_t i, size_t k, struct sb_error *err);

/* A place in layer k of image i, kept open (its chain of readers) to read
 * the contents of its entries in tar order; going back starts the layer
 * again. Nothing is hashed. */
struct rd_cursor;
int rd_cursor_open(struct rd_archive *a, size_t i, size_t k, struct rd_cursor **out,
		   struct sb_error *err);
/* Moves to the pos-th header (1-based, as rd_scan_layer counts) and fills x
 * (released first: x is the caller's, zeroed before the first call) from
 * it; x->path is NULL for the root. */
int rd_cursor_seek(struct rd_cursor *c, uint64_t pos, struct rd_entry *x, struct sb_error *err);
/* Reads the content of the entry moved to; *got == 0 at its end. */
int rd_cursor_read(struct rd_cursor *c, void *buf, size_t n, size_t *got, struct sb_error *err);
void rd_cursor_free(struct rd_cursor *c);

void rd_close(struct rd_archive *a);

#endif
