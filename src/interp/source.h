/* Where the bytes of the image's files come from: files of the build context
 * and of the named contexts (--build-context), and members of the tar
 * archives in the build context that ADD unpacks. */
#ifndef SB_SOURCE_H
#define SB_SOURCE_H

#include "context/context.h"
#include "context/named.h"
#include "image/image.h"

#include <stdint.h>
#include <sys/types.h>

struct src_opener;

/* An opener reading from context c (which must outlive it). *out is yours
 * (src_opener_free). */
int src_opener_new(struct src_opener **out, struct ctx *c, struct sb_error *err);
void src_opener_free(struct src_opener *o);

/* The named contexts the opener also reads: an entry with origin k (k >= 1)
 * is a file of named[k - 1].ctx, or, when named[k - 1] is an image, a file of
 * its layer e->layer (img_base_read). Borrowed: they must outlive the opener. */
void src_opener_named(struct src_opener *o, const struct ctx_named *named, size_t n);

/* An img_open_fn (ud = struct src_opener *): opens the file e->source of the
 * context e->origin names, or, when e->member > 0, that member of the archive
 * e->source.
 * Members are best read in archive order: the opener keeps the archive open
 * and moves forward, and starts it again only to go back. */
int src_open(void *ud, const struct img_entry *e, struct img_reader *r, struct sb_error *err);

/* One member of an archive, as src_archive_list reports it. Pointers are valid
 * during the call only. */
struct src_member {
	uint64_t index;	  /* 1-based position in the archive */
	const char *path; /* as stored */
	mode_t mode;	  /* type and permission bits */
	uint32_t uid, gid;
	uint64_t size;
	int64_t mtime;
	const char *symlink;  /* target, for symbolic links */
	const char *hardlink; /* stored path of the member it links to, or NULL */
};

typedef int (*src_member_fn)(void *ud, const struct src_member *m, struct sb_error *err);

/* Decides, as BuildKit's ADD does, whether the context file `real` is a tar
 * archive (plain, or compressed with gzip, bzip2 or xz: by content, not by
 * name): *is_archive is 1 when a first tar header reads. When it is one,
 * calls fn for every member in order. */
int src_archive_list(struct ctx *c, const char *real, int *is_archive, src_member_fn fn, void *ud,
		     struct sb_error *err);

#endif
