/* Owners and modes, the values behind COPY's --chown and --chmod: parsing a
 * --chmod spec and applying it, looking a name up in the text of an
 * /etc/passwd or /etc/group, and parsing ids as Go does. Pure functions: the
 * evaluator (copy_flags.c) finds the files and reports the errors. */
#ifndef SB_PERMS_H
#define SB_PERMS_H

#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

/* A parsed --chmod: octal ("0755", "755") or symbolic ("u+x,go=rX"). */
struct perm_chmod {
	int symbolic;
	uint32_t octal; /* octal form: the mode bits (07777 at most) */
	char *text;	/* symbolic form, as given and checked; owned */
};

/* Parses --chmod's value. On error returns -1 with err's message set (no
 * position: the caller adds it). */
int perm_chmod_parse(const char *value, struct perm_chmod *out, struct sb_error *err);
void perm_chmod_release(struct perm_chmod *c);

/* The mode a file (is_dir 0) or directory (is_dir 1) gets: the octal form
 * replaces the mode with its permission bits (setuid, setgid and sticky are
 * dropped, as BuildKit drops them); the symbolic form, newer Dockerfile syntax
 * that this project checks against chmod(1), edits mode as chmod(1) does
 * with a umask of 0 ("+x" = "a+x"; "X" adds x to directories and to files
 * that already have an x bit). */
uint32_t perm_chmod_apply(const struct perm_chmod *c, uint32_t mode, int is_dir);

/* Looks name up in the text of an /etc/passwd (user) file: sets *uid and
 * *gid (the primary group). Returns 1 when found, 0 when not. */
int perm_passwd_lookup(const char *text, size_t len, const char *name, uint32_t *uid, uint32_t *gid);

/* Looks name up in the text of an /etc/group file. Returns 1 or 0. */
int perm_group_lookup(const char *text, size_t len, const char *name, uint32_t *gid);

/* Parses a decimal id of at most 32 bits. Returns 1 when s is one, else 0. */
int perm_parse_id(const char *s, size_t n, uint32_t *out);

/* Parses s as Go's strconv.Atoi does for a 32-bit int ("+7", "007", "-1").
 * Returns 1 when it is one, else 0. */
int perm_parse_int32(const char *s, size_t n, int64_t *out);

#endif
