/* The flags of COPY and ADD: --chown (user and group names looked up in the
 * stage's /etc/passwd and /etc/group), --chmod, --from, --exclude, --link,
 * --parents.
 */
#include "interp/eval_int.h"
#include "interp/source.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

/* The largest /etc/passwd or /etc/group --chown reads. */
#define MAX_ID_FILE (16u << 20)

/* Reads the content of the image's regular file at path (as the layers so far
 * have it) into *out (yours to free), or sets *out = NULL when there is none.
 * The bytes come through the opener the image writer uses, so a file from a
 * heredoc, an archive or another stage reads as one from the context. */
static int read_image_file(struct eval *ev, const char *path, char **out, size_t *len)
{
	const struct img_entry *e = img_tree_get(ev->st->fs, path);

	*out = NULL;
	*len = 0;
	if (!e)
		return 0;
	if (e->type != IMG_REG)
		return sb_errorf(ev->err,
				 "/%s in the image is not a regular file of the build "
				 "context",
				 path);
	if (img_entry_read(src_open, ev->bytes, e, MAX_ID_FILE, out, ev->err) < 0)
		return -1;
	*len = (size_t)e->size;
	return 0;
}

/* Looks an id up the way BuildKit does for one half of --chown: "" and "root"
 * are 0, a 32-bit integer is itself (-1, "leave as is", is 0 for files from the
 * context), anything else a name in the image's `file` (etc/passwd or
 * etc/group). *found is 0 for a name that is not there. */
static int chown_id(struct eval *ev, const struct df_flag *f, const char *word, const char *file,
		    uint32_t *id, uint32_t *primary_gid, int *found)
{
	int64_t n;
	char *text = NULL;
	size_t len = 0;
	int rc = -1;

	*found = 1;
	if (!*word || !strcmp(word, "root")) {
		*id = *primary_gid = 0;
		return 0;
	}
	if (perm_parse_int32(word, strlen(word), &n)) {
		if (n < -1) {
			ev_error_at(ev, f->pos, "%s --chown=%s: %s is not an id", ev->what,
				    f->value, word);
			return sb_error_hint(ev->err, "ids are numbers from 0 to 2147483647");
		}
		*id = *primary_gid = n < 0 ? 0 : (uint32_t)n;
		return 0;
	}
	if (!img_tree_get(ev->st->fs, file)) {
		ev_error_at(ev, f->pos, "%s --chown=%s: the image has no /%s to look up \"%s\" in",
			    ev->what, f->value, file, word);
		sb_error_hint(ev->err,
			      "use numeric ids, or COPY an /%s into the image in an "
			      "earlier step",
			      file);
		goto out;
	}
	if (read_image_file(ev, file, &text, &len) < 0) {
		ev_error_moved(ev, ev->err, f->pos, "%s --chown=%s: ", ev->what, f->value);
		goto out;
	}
	if (!strcmp(file, "etc/passwd"))
		*found = perm_passwd_lookup(text, len, word, id, primary_gid);
	else
		*found = perm_group_lookup(text, len, word, id);
	rc = 0;
out:
	free(text);
	return rc;
}

/* Resolves --chown=user[:group] as BuildKit does: the value is split at the
 * first ':'; a numeric user without a group means the same group, a user name
 * alone its primary group from /etc/passwd. BuildKit quietly uses 0 for a user
 * that /etc/passwd does not list, and keeps the user's group for a group that
 * /etc/group does not list; scratchbuild does the same and warns. */
int ev_resolve_chown(struct eval *ev, const struct df_flag *f, struct copy_flags *fl)
{
	const char *colon = strchr(f->value, ':');
	char *user = sb_strndup(f->value, colon ? (size_t)(colon - f->value) : strlen(f->value));
	uint32_t primary = 0, unused;
	int found, rc = -1;

	if (!user)
		return ev_oom(ev);
	if (chown_id(ev, f, user, "etc/passwd", &fl->uid, &primary, &found) < 0)
		goto out;
	if (!found) {
		fl->uid = primary = 0;
		if (ev_warn_at(ev, f->pos, "add the user to /etc/passwd, or use a numeric id",
			       "%s --chown=%s: no user \"%s\" in the image's /etc/passwd; like "
			       "Docker, uid 0 is used",
			       ev->what, f->value, user) < 0)
			goto out;
	}
	fl->gid = primary;
	if (colon) {
		if (chown_id(ev, f, colon + 1, "etc/group", &fl->gid, &unused, &found) < 0)
			goto out;
		if (!found) {
			fl->gid = primary;
			if (ev_warn_at(ev, f->pos,
				       "add the group to /etc/group, or use a numeric id",
				       "%s --chown=%s: no group \"%s\" in the image's /etc/group; "
				       "like Docker, gid %u is used",
				       ev->what, f->value, colon + 1, (unsigned)primary) < 0)
				goto out;
		}
	}
	fl->chown = 1;
	rc = 0;
out:
	free(user);
	return rc;
}

/* --chmod=mode, already expanded. */
static int chmod_flag(struct eval *ev, const struct df_flag *f, struct copy_flags *fl)
{
	if (perm_chmod_parse(f->value, &fl->mode, ev->err) < 0) {
		ev_error_moved(ev, ev->err, f->pos, "%s ", ev->what);
		return sb_error_hint(ev->err, "write an octal mode such as 0755, or a symbolic one "
					      "such as u+x,go=rX");
	}
	fl->chmod = 1;
	return 0;
}

/* Reads the flags of COPY. --link is accepted: every layer scratchbuild writes
 * is already independent of the layers below it. */
int ev_copy_flags(struct eval *ev, const struct df_instr *in, struct copy_flags *fl)
{
	const char *name = df_kind_name(in->kind);

	for (size_t i = 0; i < in->nflags; i++) {
		const struct df_flag *f = &in->flags[i];

		for (size_t k = 0; k < i; k++) {
			if (!strcmp(in->flags[k].name, f->name) && strcmp(f->name, "exclude")) {
				ev_error_at(ev, f->pos, "Duplicate flag specified: %s", f->name);
				return sb_error_hint(ev->err, "give --%s once", f->name);
			}
		}
		int needs_value = !strcmp(f->name, "chown") || !strcmp(f->name, "chmod") ||
				  !strcmp(f->name, "from") || !strcmp(f->name, "exclude");

		if (needs_value && (!f->value || !*f->value)) {
			ev_error_at(ev, f->pos, "Missing a value on flag: %s", f->name);
			return sb_error_hint(ev->err, "write --%s=VALUE", f->name);
		}
		if (!strcmp(f->name, "chown") || !strcmp(f->name, "chmod")) {
			/* BuildKit expands both; an empty --chmod means none. */
			struct df_flag x = *f;
			char *v = NULL;
			int rc;

			if (ev_expand_word(ev, f->value, f->pos, &v) < 0)
				return -1;
			x.value = v;
			if (!strcmp(f->name, "chown")) {
				rc = ev_resolve_chown(ev, &x, fl);
			} else if (!v[0]) {
				rc = 0;
			} else {
				perm_chmod_release(&fl->mode);
				rc = chmod_flag(ev, &x, fl);
			}
			free(v);
			if (rc < 0)
				return -1;
		} else if (!strcmp(f->name, "link") || !strcmp(f->name, "parents")) {
			if (f->value && strcmp(f->value, "true") && strcmp(f->value, "false")) {
				ev_error_at(ev, f->pos, "--%s takes true or false, not \"%s\"",
					    f->name, f->value);
				return -1;
			}
			if (!strcmp(f->name, "parents"))
				fl->parents = !f->value || !strcmp(f->value, "true");
		} else if (!strcmp(f->name, "exclude")) {
			size_t cap = fl->nexclude;

			if (sb_grow(&fl->exclude, &cap, fl->nexclude + 1, sizeof(*fl->exclude)) < 0)
				return ev_oom(ev);
			fl->exclude[fl->nexclude++] = f->value;
		} else if (!strcmp(f->name, "from") && in->kind == DF_COPY) {
			fl->from = f->value;
			fl->from_pos = f->pos;
		} else {
			ev_error_at(ev, f->pos, "Unknown flag: %s", f->name);
			return sb_error_hint(
			    ev->err, "%s takes --chown, --chmod, --link, --exclude and --parents",
			    name);
		}
	}
	return 0;
}

void ev_copy_flags_release(struct copy_flags *fl)
{
	perm_chmod_release(&fl->mode);
	free(fl->exclude);
	fl->exclude = NULL;
	fl->nexclude = 0;
}
