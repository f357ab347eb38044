#include "util/jgen.h"
#include "util/mem.h"
#include "util/utf8.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int jgen_start(struct jgen *j, int pretty, struct sb_error *err)
{
	j->st = yajl_gen_status_ok;
	j->g = yajl_gen_alloc(NULL);
	if (!j->g)
		return sb_errorf(err, "out of memory");
	if (!yajl_gen_config(j->g, yajl_gen_validate_utf8, 1) ||
	    (pretty && (!yajl_gen_config(j->g, yajl_gen_beautify, 1) ||
			!yajl_gen_config(j->g, yajl_gen_indent_string, "  ")))) {
		yajl_gen_free(j->g);
		j->g = NULL;
		return sb_errorf(err, "internal error: yajl_gen_config failed");
	}
	return 0;
}

void jgen_strn(struct jgen *j, const char *s, size_t n)
{
	struct sb_buf b = {0};

	if (j->st != yajl_gen_status_ok)
		return;
	if (sb_buf_add(&b, "", 0) < 0)
		goto fail;
	while (n > 0) {
		size_t w;
		uint32_t r = sb_utf8_decode(s, n, &w);

		if ((r == SB_RUNE_ERROR && w == 1 ? sb_buf_adds(&b, "\xef\xbf\xbd")
						  : sb_buf_add(&b, s, w)) < 0)
			goto fail;
		s += w, n -= w;
	}
	j->st = yajl_gen_string(j->g, (const unsigned char *)b.buf, b.len);
	sb_buf_release(&b);
	return;
fail:
	sb_buf_release(&b);
	j->st = yajl_gen_in_error_state;
}

void jgen_str(struct jgen *j, const char *s)
{
	jgen_strn(j, s, strlen(s));
}

void jgen_str_or_null(struct jgen *j, const char *s)
{
	if (s)
		jgen_str(j, s);
	else
		jgen_null(j);
}

#define JGEN_CALL(j, call)                                                                         \
	do {                                                                                       \
		if ((j)->st == yajl_gen_status_ok)                                                 \
			(j)->st = (call);                                                          \
	} while (0)

void jgen_int(struct jgen *j, long long v)
{
	JGEN_CALL(j, yajl_gen_integer(j->g, v));
}

void jgen_bool(struct jgen *j, int v)
{
	JGEN_CALL(j, yajl_gen_bool(j->g, v));
}

void jgen_null(struct jgen *j)
{
	JGEN_CALL(j, yajl_gen_null(j->g));
}

void jgen_map_open(struct jgen *j)
{
	JGEN_CALL(j, yajl_gen_map_open(j->g));
}

void jgen_map_close(struct jgen *j)
{
	JGEN_CALL(j, yajl_gen_map_close(j->g));
}

void jgen_array_open(struct jgen *j)
{
	JGEN_CALL(j, yajl_gen_array_open(j->g));
}

void jgen_array_close(struct jgen *j)
{
	JGEN_CALL(j, yajl_gen_array_close(j->g));
}

/* The document generated so far, or -1 with err set after a failure. */
static int jgen_buf(struct jgen *j, const unsigned char **buf, size_t *n, struct sb_error *err)
{
	if (j->st == yajl_gen_status_ok)
		j->st = yajl_gen_get_buf(j->g, buf, n);
	if (j->st != yajl_gen_status_ok)
		return sb_errorf(err, "internal error: JSON generation failed (yajl status %d)",
				 (int)j->st);
	return 0;
}

int jgen_finish(struct jgen *j, char **out, size_t *len, struct sb_error *err)
{
	const unsigned char *buf;
	size_t n;
	int rc = -1;

	if (jgen_buf(j, &buf, &n, err) < 0)
		goto out;
	*out = sb_strndup((const char *)buf, n);
	*len = n;
	rc = *out ? 0 : sb_errorf(err, "out of memory");
out:
	jgen_release(j);
	return rc;
}

int jgen_fwrite(struct jgen *j, FILE *f, struct sb_error *err)
{
	const unsigned char *buf;
	size_t n;
	int rc = -1;

	if (jgen_buf(j, &buf, &n, err) < 0)
		goto out;
	if (fwrite(buf, 1, n, f) != n) {
		sb_errorf(err, "cannot write the JSON: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	jgen_release(j);
	return rc;
}

void jgen_release(struct jgen *j)
{
	if (j->g)
		yajl_gen_free(j->g);
	j->g = NULL;
}
