/* What the image reader's files share, and nothing outside them sees: the
 * index of the outer tar (read_archive.c) and the ways to reach a member
 * through it, used by the manifests (read_manifest.c) and the layers
 * (read_layer.c). */
#ifndef SB_READ_PRIV_H
#define SB_READ_PRIV_H

#include "image/read.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdint.h>

#define BUFSZ 65536

/* One member of the outer tar, as its header says. */
struct member {
	char *name; /* cleaned */
	char *link; /* symlink target as written, hardlink target cleaned, or NULL */
	int type;   /* AE_IFREG, AE_IFDIR, AE_IFLNK, ...; 0 for a hard link */
	uint64_t size;
	size_t ordinal; /* index of its header in the tar */
};

struct rd_priv {
	struct rd_limits lim;
	struct member *m; /* sorted by name */
	size_t nm;
	int dir; /* the image is a directory (an OCI image layout): its files are
		    the members, each read by opening it */
};

/* Indexes the directory at ar->path (read_dir.c) as rd_index_outer does a
 * tar: its regular files, directories and symlinks, under their relative
 * names. */
int rd_index_dir(struct rd_archive *ar, struct sb_error *err);

/* Opens member m of a directory (read_dir.c) as an archive whose one entry
 * is its bytes, positioned at them. */
int rd_open_dir_member(struct rd_archive *ar, const struct member *m, struct archive **out,
		       struct sb_error *err);

/* Indexes the outer tar at ar->path into ar->priv: every member cleaned and
 * checked (no absolute names, no "..", no duplicates, no size the file
 * cannot hold), sorted by name. */
int rd_index_outer(struct rd_archive *ar, struct sb_error *err);

/* The member called name (cleaned), or NULL. */
const struct member *rd_find(const struct rd_priv *p, const char *name);

/* The regular-file member that `name` (a path from a manifest) leads to,
 * symlinks and hard links inside the archive followed. */
int rd_lookup(struct rd_archive *ar, const char *name, const struct member **out,
	      struct sb_error *err);

/* Opens the outer tar again, positioned at m's data. *out is yours
 * (archive_read_free). */
int rd_seek_member(struct rd_archive *ar, const struct member *m, struct archive **out,
		   struct sb_error *err);

/* Reads a small member whole (at most max bytes), NUL-terminated, and its
 * SHA-256. *buf is yours (free(3)). */
int rd_read_small(struct rd_archive *ar, const struct member *m, uint64_t max, char **buf,
		  size_t *len, unsigned char hash[32], struct sb_error *err);

/* Cleans a member name: "./" and "." components and trailing "/" dropped.
 * Returns a string you own, or NULL (why set) for an absolute name, a ".."
 * component, or when out of memory. */
char *rd_clean_name(const char *raw, const char **why);

/* The digest a member's name gives: blobs/sha256/<hex>, or <hex>.json at the
 * top (docker save's config). Fills want ("sha256:<hex>") and returns 1;
 * returns 0 when the name gives none. */
int rd_name_digest(const char *name, char want[72]);

/* An entry's name and link target, UTF-8 when the tar says so. Static to e. */
const char *rd_entry_name(struct archive_entry *e);
const char *rd_entry_link(struct archive_entry *e, int hard);

/* Turns on the built-in decompressors of a. Returns 0, or -1 when one is
 * missing. */
int rd_support_filters(struct archive *a);

/* a's error message, never NULL. */
const char *rd_aerr(struct archive *a);

/* Reads manifest.json (scratchbuild's and docker save's layouts) into
 * ar->images. */
int rd_read_manifest_json(struct rd_archive *ar, struct sb_error *err);

/* Reads oci-layout and index.json, and the indexes and manifests they name,
 * into ar->images. */
int rd_read_oci(struct rd_archive *ar, struct sb_error *err);

#endif
