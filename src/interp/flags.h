/* The flags of COPY and ADD: --chown, --chmod, and the user and group
 * databases they are resolved against. */
#ifndef SB_FLAGS_H
#define SB_FLAGS_H

#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

/* A parsed --chmod: octal ("0755", "755") or symbolic ("u+x,go=rX"). */
struct fl_chmod_spec {
	int symbolic;
	uint32_t octal; /* octal form: the mode bits (07777 at most) */
	char *text;	/* symbolic form, as given and checked; owned */
};

/* Parses --chmod's value. On error returns -1 with err's message set (no
 * position: the caller adds it). */
int fl_chmod_parse(const char *value, struct fl_chmod_spec *out, struct sb_error *err);
void fl_chmod_release(struct fl_chmod_spec *c);

/* The mode a file (is_dir 0) or directory (is_dir 1) gets: the octal form
 * replaces the mode with its permission bits (setuid, setgid and sticky are
 * dropped, as BuildKit drops them); the symbolic form, newer Dockerfile syntax
 * that this project checks against chmod(1), edits mode as chmod(1) does
 * with a umask of 0 ("+x" = "a+x"; "X" adds x to directories and to files
 * that already have an x bit). */
uint32_t fl_chmod_apply(const struct fl_chmod_spec *c, uint32_t mode, int is_dir);

/* Looks name up in the text of an /etc/passwd (user) file: sets *uid and
 * *gid (the primary group). Returns 1 when found, 0 when not. */
int fl_passwd_lookup(const char *text, size_t len, const char *name, uint32_t *uid, uint32_t *gid);

/* Looks name up in the text of an /etc/group file. Returns 1 or 0. */
int fl_group_lookup(const char *text, size_t len, const char *name, uint32_t *gid);

/* Parses a decimal id of at most 32 bits. Returns 1 when s is one, else 0. */
int fl_parse_id(const char *s, size_t n, uint32_t *out);

/* Parses s as Go's strconv.Atoi does for a 32-bit int ("+7", "007", "-1").
 * Returns 1 when it is one, else 0. */
int fl_parse_int32(const char *s, size_t n, int64_t *out);

#endif
