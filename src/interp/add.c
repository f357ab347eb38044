/* ADD of a local tar archive: its members unpacked into the layer, as
 * BuildKit's unpacking writes them into the image.
 */
#include "interp/eval_int.h"
#include "interp/source.h"
#include "util/match.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Where the archive's name `stored` lands in the layer: cleaned to stay inside
 * the destination ("../x" is x), then the directories of the result resolved
 * through the image as this layer builds it (a member below one of the
 * archive's symbolic links goes where the link points). *out is yours; "" for
 * the archive's own "./". */
static int member_target(struct copy *cp, const char *stored, char **out, struct sb_error *err)
{
	char *name = match_clean_rooted(stored);
	char *joined = name && name[0] ? ev_path_join(cp->root, name) : NULL;
	int rc = -1;

	*out = NULL;
	if (!name || (name[0] && !joined)) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (!name[0]) {
		*out = name;
		name = NULL;
		rc = 0;
		goto out;
	}
	if (img_tree_resolve(cp->layer, cp->ev->st->fs, joined, 0, out, err) < 0) {
		ev_error_moved(cp->ev, err, cp->in->pos, "ADD: %s: ", cp->archive);
		goto out;
	}
	rc = 0;
out:
	free(name);
	free(joined);
	return rc;
}

/* A hard link member: both names are one file, the first in layer order
 * carries it, and the last header's owner and mode are the file's. *ie (its
 * path already the target) becomes that file under the new name. */
static int member_hardlink(struct copy *cp, const struct src_member *m, struct img_entry *ie,
			   struct sb_error *err)
{
	char *link = NULL;
	const struct img_entry *t;
	struct img_entry first;
	int rc = -1;

	if (member_target(cp, m->hardlink, &link, err) < 0)
		return -1;
	t = img_tree_get(cp->layer, link);
	if (!t || t->type != IMG_REG) {
		sb_error_at(err, &cp->ev->f->src, cp->in->pos,
			    "ADD: member \"%s\" of %s is a hard link to \"%s\", which is not "
			    "a file earlier in the archive",
			    m->path, cp->archive, m->hardlink);
		goto out;
	}
	first = *t;
	if (!first.link_group)
		first.link_group = (1ull << 32) + ++cp->archive_groups;
	first.uid = ie->uid;
	first.gid = ie->gid;
	first.mode = ie->mode;
	if (img_tree_put(cp->layer, &first, err) < 0)
		goto out;
	t = img_tree_get(cp->layer, link);
	first = *t;
	first.path = ie->path;
	*ie = first;
	rc = 0;
out:
	free(link);
	return rc;
}

/* The type and content of a member that is not a hard link. */
static int member_kind(struct copy *cp, const struct src_member *m, struct img_entry *ie,
		       struct sb_error *err)
{
	if (S_ISDIR(m->mode)) {
		ie->type = IMG_DIR;
	} else if (S_ISREG(m->mode)) {
		ie->type = IMG_REG;
		ie->size = m->size;
		ie->source = (char *)cp->archive;
		ie->member = m->index;
		cp->payload += m->size;
	} else if (S_ISLNK(m->mode)) {
		ie->type = IMG_SYMLINK;
		ie->link = (char *)(m->symlink ? m->symlink : "");
	} else if (S_ISFIFO(m->mode)) {
		ie->type = IMG_FIFO;
	} else {
		sb_error_at(err, &cp->ev->f->src, cp->in->pos,
			    "ADD: member \"%s\" of %s is a device, which an image build cannot "
			    "create (Docker fails the same way)",
			    m->path, cp->archive);
		return sb_error_hint(err, "leave devices out of the archive");
	}
	return 0;
}

/* One member of an archive that ADD unpacks into cp->root, as BuildKit's
 * unpacking writes it into the image (each rule checked against Docker):
 * owner, mode and time from the archive; --chown and --chmod reach only the
 * directories ADD creates; names are cleaned to stay inside the destination
 * ("../x" is x); parents the archive does not list are created 0755; a member
 * below one of the archive's symbolic links goes where the link points; hard
 * links stay hard links, both names with the owner and mode of the last
 * header; named pipes are kept; the archive's own "./" changes nothing. */
static int add_member(void *ud, const struct src_member *m, struct sb_error *err)
{
	struct copy *cp = ud;
	char *target = NULL;
	struct img_entry ie = {0};
	int rc = -1;

	if (member_target(cp, m->path, &target, err) < 0)
		return -1;
	if (!target[0]) {
		free(target);
		return 0;
	}
	ie.path = target;
	ie.uid = m->uid;
	ie.gid = m->gid;
	ie.mode = m->mode & 07777;
	ie.mtime = m->mtime;
	if (m->hardlink ? member_hardlink(cp, m, &ie, err) : member_kind(cp, m, &ie, err))
		goto out;
	if (ev_mkdir_parent(cp, target, err) < 0)
		goto out;
	rc = img_tree_put(cp->layer, &ie, err);
out:
	free(target);
	return rc;
}

int ev_add_archive(struct copy *cp, const struct ctx_entry *e, int *done, struct sb_error *err)
{
	int is_archive = 0, rc;

	*done = 0;
	cp->root = sb_strdup(cp->dest);
	if (!cp->root)
		return sb_errorf(err, "out of memory");
	cp->archive = e->real;
	rc = src_archive_list(cp->ev->ctx, e->real, &is_archive, add_member, cp, err);
	cp->archive = NULL;
	if (rc < 0)
		return -1;
	if (is_archive) {
		*done = 1;
		return 0;
	}
	free(cp->root);
	cp->root = NULL;
	return 0;
}
