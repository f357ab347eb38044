/* inspect --base NAME=PATH: which layers of an image tar are a base's (see
 * base_match.h). */
#include "cli/base_match.h"
#include "util/jtree.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

int sb_bases_add(struct sb_bases *bs, const char *arg, struct sb_error *err)
{
	const char *eq = strchr(arg, '=');
	struct sb_base_ref ref = {0};
	size_t cap = bs->n;
	int rc = -1;

	if (!eq || eq == arg || !eq[1])
		return 1;
	ref.name = sb_strndup(arg, (size_t)(eq - arg));
	if (!ref.name) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (rd_open(&ref.ar, eq + 1, NULL, err) < 0)
		goto flag;
	for (size_t i = 0; i < ref.ar->nimages; i++)
		if (rd_load_config(ref.ar, i, err) < 0)
			goto flag;
	if (sb_grow(&bs->v, &cap, bs->n + 1, sizeof(*bs->v)) < 0) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	bs->v[bs->n++] = ref;
	memset(&ref, 0, sizeof(ref));
	rc = 0;
	goto out;
flag:
	sb_error_prefix(err, "--base %s", arg);
out:
	free(ref.name);
	rd_close(ref.ar);
	return rc;
}

void sb_bases_release(struct sb_bases *bs)
{
	for (size_t i = 0; i < bs->n; i++) {
		free(bs->v[i].name);
		rd_close(bs->v[i].ar);
	}
	free(bs->v);
	memset(bs, 0, sizeof(*bs));
}

/* The number of base's layers when they are img's bottom ones, else 0. */
static size_t bottom_of(const struct rd_image *base, const struct rd_image *img)
{
	yajl_val ids = jt_get(jt_get(base->config, "rootfs"), "diff_ids");
	size_t n;

	if (!YAJL_IS_ARRAY(ids) || ids->u.array.len == 0 || ids->u.array.len > img->nlayers)
		return 0;
	n = ids->u.array.len;
	for (size_t k = 0; k < n; k++) {
		yajl_val d = ids->u.array.values[k];

		if (!YAJL_IS_STRING(d) || strcmp(d->u.string, img->layers[k].diff_id))
			return 0;
	}
	return n;
}

/* How many of img's first history entries are base's, the same created_by. */
static size_t history_of(const struct rd_image *base, const struct rd_image *img)
{
	yajl_val hb = jt_get(base->config, "history"), hi = jt_get(img->config, "history");
	size_t n = 0;

	if (!YAJL_IS_ARRAY(hb) || !YAJL_IS_ARRAY(hi) || hb->u.array.len > hi->u.array.len)
		return 0;
	while (n < hb->u.array.len) {
		const char *a = jt_str(hb->u.array.values[n], "created_by");
		const char *b = jt_str(hi->u.array.values[n], "created_by");

		if (strcmp(a ? a : "", b ? b : ""))
			return 0;
		n++;
	}
	return n;
}

void sb_bases_match(const struct sb_bases *bs, const struct rd_image *img,
		    struct sb_base_match *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < bs->n; i++) {
		const struct rd_archive *ar = bs->v[i].ar;

		for (size_t k = 0; k < ar->nimages; k++) {
			size_t n = bottom_of(&ar->images[k], img);

			if (n > out->nlayers) {
				out->name = bs->v[i].name;
				out->nlayers = n;
				out->nhistory = history_of(&ar->images[k], img);
			}
		}
	}
}
