/* A JSON document as a yajl tree: parsed with a bound on its nesting, read
 * key by key as Go's encoding/json does (the last of duplicate keys wins), and
 * written back out, keys sorted or in their order. */
#ifndef SB_JTREE_H
#define SB_JTREE_H

#include "util/error.h"

#include <stddef.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/* Parses a JSON document of len bytes (buf NUL-terminated after them) with
 * yajl, refusing nesting deeper than max_depth before any tree is built.
 * *out is yours (yajl_tree_free). Errors name `name`. */
int jt_parse(const char *buf, size_t len, unsigned max_depth, const char *name, yajl_val *out,
	     struct sb_error *err);

/* A string member of a yajl object, or NULL (the last one, as Go reads
 * duplicate keys). */
const char *jt_str(yajl_val obj, const char *key);

/* The value of key in a yajl object (the last one), or NULL. */
yajl_val jt_get(yajl_val obj, const char *key);

/* Emits v through g, object keys sorted bytewise when sort_keys. Returns 0,
 * or -1 with err set. v must come from jt_parse (its depth is bounded). */
int jt_gen(yajl_gen g, yajl_val v, int sort_keys, struct sb_error *err);

/* v as compact JSON with keys sorted, in a string you own (free(3)), or NULL
 * when out of memory. */
char *jt_text(yajl_val v);

#endif
