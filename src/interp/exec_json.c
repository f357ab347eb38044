/* The exec form (see exec_json.h): a JSON array of strings, decoded with
 * yajl, each string mapped back to its place in the logical line. */
#include "interp/exec_json.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

/* JSON: the top-level array's strings, collected by yajl callbacks. */
struct jctx {
	int depth;
	int nonstring; /* an element of the top-level array is not a string */
	int nomem;
	char **strs;
	size_t *lens;
	size_t n, cap, lcap;
};

static int j_value(void *ud)
{
	struct jctx *j = ud;

	if (j->depth == 1)
		j->nonstring = 1;
	return 1;
}

static int j_bool(void *ud, int b)
{
	(void)b;
	return j_value(ud);
}

static int j_number(void *ud, const char *s, size_t n)
{
	(void)s;
	(void)n;
	return j_value(ud);
}

static int j_string(void *ud, const unsigned char *s, size_t n)
{
	struct jctx *j = ud;

	if (j->depth != 1)
		return 1;
	if (sb_grow(&j->strs, &j->cap, j->n + 1, sizeof(*j->strs)) < 0 ||
	    sb_grow(&j->lens, &j->lcap, j->n + 1, sizeof(*j->lens)) < 0 ||
	    !(j->strs[j->n] = sb_strndup((const char *)s, n))) {
		j->nomem = 1;
		return 0;
	}
	j->lens[j->n++] = n;
	return 1;
}

static int j_open(void *ud)
{
	struct jctx *j = ud;

	j_value(ud);
	j->depth++;
	return 1;
}

static int j_close(void *ud)
{
	struct jctx *j = ud;

	j->depth--;
	return 1;
}

static int j_key(void *ud, const unsigned char *s, size_t n)
{
	(void)ud;
	(void)s;
	(void)n;
	return 1;
}

static const yajl_callbacks j_callbacks = {
    .yajl_null = j_value,
    .yajl_boolean = j_bool,
    .yajl_number = j_number,
    .yajl_string = j_string,
    .yajl_start_map = j_open,
    .yajl_map_key = j_key,
    .yajl_end_map = j_close,
    .yajl_start_array = j_open,
    .yajl_end_array = j_close,
};

/* Skips the JSON value at t[i] (known to be valid); returns the index after it. */
static size_t json_skip(const char *t, size_t i, size_t end)
{
	int depth = 0;

	for (; i < end; i++) {
		char ch = t[i];

		if (ch == '"') {
			for (i++; i < end && t[i] != '"'; i++)
				if (t[i] == '\\')
					i++;
			if (depth == 0)
				return i + 1;
		} else if (ch == '[' || ch == '{') {
			depth++;
		} else if (ch == ']' || ch == '}') {
			if (depth == 0)
				return i;
			if (--depth == 0)
				return i + 1;
		} else if (ch == ',' && depth == 0) {
			return i;
		} else if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			if (depth == 0)
				return i;
		}
	}
	return i;
}

/* The offsets of the top-level array's elements (the array at t[i] is valid
 * JSON). Fills at most max of them; returns how many there are. */
static size_t json_elems(const char *t, size_t i, size_t end, size_t *offs, size_t max)
{
	size_t n = 0;

	for (i++; i < end;) {
		char ch = t[i];

		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == ',') {
			i++;
		} else if (ch == ']') {
			break;
		} else {
			if (n < max)
				offs[n] = i;
			n++;
			i = json_skip(t, i, end);
		}
	}
	return n;
}

/* exec = "[" [ string { "," string } ] "]" { any }   (BuildKit's parseJSON:
 * Go's json.Decoder reads the first value and ignores what follows) */
int exec_json_parse(const struct sb_src *src, const struct logical *l, size_t i, size_t end,
		    struct exec_json *out, struct sb_error *err)
{
	const char *t = l->text.buf;
	struct jctx j = {0};
	yajl_handle h = NULL;
	size_t *offs = NULL, n, nalloc;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (i >= end || t[i] != '[')
		return 0;
	h = yajl_alloc(&j_callbacks, NULL, &j);
	if (!h || !yajl_config(h, yajl_allow_trailing_garbage, 1)) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (yajl_parse(h, (const unsigned char *)t + i, end - i) != yajl_status_ok ||
	    yajl_complete_parse(h) != yajl_status_ok) {
		if (j.nomem) {
			sb_errorf(err, "out of memory");
			goto out;
		}
		rc = 0;
		goto out;
	}
	n = json_elems(t, i, end, NULL, 0);
	/* One offset per string; a string json_elems did not count (none when
	 * the array is valid) is placed at the "[". */
	nalloc = n > j.n ? n : j.n;
	offs = calloc(nalloc ? nalloc : 1, sizeof(*offs));
	if (!offs) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	json_elems(t, i, end, offs, n);
	if (j.nonstring) {
		size_t k = 0;

		while (k < n && t[offs[k]] == '"')
			k++;
		sb_error_at(
		    err, src, logical_pos(l, k < n ? offs[k] : i),
		    "when using JSON array syntax, arrays must be comprised of strings only");
		sb_error_hint(err, "quote every element, e.g. [\"/bin/sh\", \"-c\", \"echo hi\"]");
		goto out;
	}
	for (size_t k = n; k < j.n; k++)
		offs[k] = i;
	out->strs = j.strs;
	out->lens = j.lens;
	out->offs = offs;
	out->n = j.n;
	j.strs = NULL;
	j.lens = NULL;
	j.n = 0;
	offs = NULL;
	rc = 1;
out:
	for (size_t k = 0; k < j.n; k++)
		free(j.strs[k]);
	free(j.strs);
	free(j.lens);
	free(offs);
	if (h)
		yajl_free(h);
	return rc;
}

void exec_json_release(struct exec_json *j)
{
	for (size_t k = 0; k < j->n; k++)
		free(j->strs[k]);
	free(j->strs);
	free(j->lens);
	free(j->offs);
	memset(j, 0, sizeof(*j));
}
