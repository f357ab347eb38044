/* The exec form: an instruction's arguments written as a JSON array of
 * strings (`CMD ["/bin/sh", "-c", "echo hi"]`), read as BuildKit's parseJSON
 * reads them.
 *
 * Private to the Dockerfile parser (parse.c).
 */
#ifndef SB_EXEC_JSON_H
#define SB_EXEC_JSON_H

#include "interp/logical.h"
#include "util/error.h"

#include <stddef.h>

/* The strings of an exec-form array. Filled by exec_json_parse(); free what it
 * holds with exec_json_release(). */
struct exec_json {
	char **strs;  /* the decoded strings, in order; each owned (take one by
		       * setting its slot to NULL) */
	size_t *lens; /* bytes in each string: more than its strlen when the
		       * JSON held "\u0000" */
	size_t *offs; /* where each string starts in the logical line */
	size_t n;
};

/* Reads l's text[i..end) (src: the Dockerfile, for error positions).
 * Returns 1 when it is a JSON array of strings (out filled), 0 when it is not
 * JSON (out empty), -1 with err set (out empty) on error: out of memory, or a
 * valid array with an element that is not a string (BuildKit refuses it). */
int exec_json_parse(const struct sb_src *src, const struct logical *l, size_t i, size_t end,
		    struct exec_json *out, struct sb_error *err);

/* Frees the strings left in j and the arrays, and leaves j empty. */
void exec_json_release(struct exec_json *j);

#endif
