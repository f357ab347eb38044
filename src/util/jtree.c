/* A JSON document as a yajl tree: parsed with a bound on its nesting, read
 * key by key as Go does, and written back out. It knows nothing of images. */
#include "util/jtree.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

struct depth {
	unsigned depth, max;
};

static int j_open(void *ud)
{
	struct depth *d = ud;

	return ++d->depth <= d->max;
}

static int j_close(void *ud)
{
	struct depth *d = ud;

	d->depth--;
	return 1;
}

static int j_null(void *ud)
{
	(void)ud;
	return 1;
}

static int j_bool(void *ud, int b)
{
	(void)ud, (void)b;
	return 1;
}

static int j_num(void *ud, const char *s, size_t n)
{
	(void)ud, (void)s, (void)n;
	return 1;
}

static int j_str(void *ud, const unsigned char *s, size_t n)
{
	(void)ud, (void)s, (void)n;
	return 1;
}

static const yajl_callbacks depth_cb = {j_null, j_bool, NULL,	 NULL,	 j_num,	 j_str,
					j_open, j_str,	j_close, j_open, j_close};

int jt_parse(const char *buf, size_t len, unsigned max_depth, const char *name, yajl_val *out,
	     struct sb_error *err)
{
	struct depth d = {0, max_depth};
	yajl_handle h = NULL;
	yajl_status st;
	char ebuf[256];
	int rc = -1;

	*out = NULL;
	h = yajl_alloc(&depth_cb, NULL, &d);
	if (!h) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	st = yajl_parse(h, (const unsigned char *)buf, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	if (st == yajl_status_client_canceled) {
		sb_errorf(err, "%s: JSON nested deeper than %u levels", name, max_depth);
		goto out;
	}
	if (st != yajl_status_ok) {
		unsigned char *e = yajl_get_error(h, 0, NULL, 0);
		size_t n = e ? strlen((char *)e) : 0;

		/* yajl ends its message with a newline */
		while (n > 0 && (e[n - 1] == '\n' || e[n - 1] == ' '))
			e[--n] = '\0';
		sb_errorf(err, "%s: not valid JSON: %s", name, e ? (char *)e : "parse error");
		if (e)
			yajl_free_error(h, e);
		goto out;
	}
	/* Now known to be one valid, shallow document: the tree parser sees
	 * exactly the same bytes (a NUL would have failed above). */
	*out = yajl_tree_parse(buf, ebuf, sizeof(ebuf));
	if (!*out) {
		sb_errorf(err, "%s: not valid JSON: %s", name, ebuf);
		goto out;
	}
	rc = 0;
out:
	if (h)
		yajl_free(h);
	return rc;
}

/* The last value under key (Go keeps the last of duplicate keys), or NULL. */
yajl_val jt_get(yajl_val obj, const char *key)
{
	yajl_val v = NULL;

	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (!strcmp(obj->u.object.keys[i], key))
			v = obj->u.object.values[i];
	return v;
}

const char *jt_str(yajl_val obj, const char *key)
{
	yajl_val v = jt_get(obj, key);

	return YAJL_IS_STRING(v) ? v->u.string : NULL;
}

static int cmp_key(const void *x, const void *y, void *ud)
{
	const char **keys = ud;

	return strcmp(keys[*(const size_t *)x], keys[*(const size_t *)y]);
}

int jt_gen(yajl_gen g, yajl_val v, int sort_keys, struct sb_error *err)
{
	yajl_gen_status st = yajl_gen_status_ok;
	size_t *ix = NULL;
	int rc = -1;

	if (!v || YAJL_IS_NULL(v)) {
		st = yajl_gen_null(g);
	} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		st = yajl_gen_bool(g, YAJL_IS_TRUE(v));
	} else if (YAJL_IS_STRING(v)) {
		st = yajl_gen_string(g, (const unsigned char *)v->u.string, strlen(v->u.string));
	} else if (YAJL_IS_NUMBER(v)) {
		st = yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
	} else if (YAJL_IS_ARRAY(v)) {
		st = yajl_gen_array_open(g);
		for (size_t i = 0; st == yajl_gen_status_ok && i < v->u.array.len; i++)
			if (jt_gen(g, v->u.array.values[i], sort_keys, err) < 0)
				goto out;
		if (st == yajl_gen_status_ok)
			st = yajl_gen_array_close(g);
	} else if (YAJL_IS_OBJECT(v)) {
		size_t n = v->u.object.len;

		ix = calloc(n + 1, sizeof(size_t));
		if (!ix) {
			sb_errorf(err, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			ix[i] = i;
		if (sort_keys)
			qsort_r(ix, n, sizeof(size_t), cmp_key, v->u.object.keys);
		st = yajl_gen_map_open(g);
		for (size_t i = 0; st == yajl_gen_status_ok && i < n; i++) {
			const char *k = v->u.object.keys[ix[i]];

			st = yajl_gen_string(g, (const unsigned char *)k, strlen(k));
			if (st == yajl_gen_status_ok &&
			    jt_gen(g, v->u.object.values[ix[i]], sort_keys, err) < 0)
				goto out;
		}
		if (st == yajl_gen_status_ok)
			st = yajl_gen_map_close(g);
	}
	if (st != yajl_gen_status_ok) {
		sb_errorf(err, "cannot write JSON (yajl_gen status %d)", (int)st);
		goto out;
	}
	rc = 0;
out:
	free(ix);
	return rc;
}

char *jt_text(yajl_val v)
{
	struct sb_error err = {0};
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;
	char *s = NULL;

	if (!g)
		return NULL;
	if (jt_gen(g, v, 1, &err) == 0 && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		s = sb_strndup((const char *)buf, len);
	sb_error_release(&err);
	yajl_gen_free(g);
	return s;
}
