/* A base image's layer as the writer copies it: its stored bytes as they are,
 * or its uncompressed tar, streamed out of the image file through a fixed
 * buffer and verified as they pass. The stored bytes are hashed against the
 * blob digest, the tar against the DiffID, and both are counted against the
 * sizes the image was opened with; the reader fails at its end when one
 * differs, so that a base that changed after it was opened never makes an
 * image that looks whole.
 *
 *   image file --rd_seek_member--> stored bytes (blob hash) --raw format,
 *   decompression filters--> tar (DiffID hash) --> the writer
 */
#include "image/base_priv.h"
#include "image/digest.h"
#include "image/read_priv.h"
#include "util/hashpipe.h"
#include "util/sha256.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void img_base_layer_info(const struct img_base *b, size_t i, struct img_base_layer_info *out)
{
	const struct rd_layer *l = base_rd_layer(b, i);

	out->diff_id = l->diff_id;
	out->compression = b->compression[i];
	out->stored_size = l->stored_size;
	out->blob_digest = l->blob_digest;
	out->tar_size = l->tar_size;
	out->media_type = l->media_type;
}

struct blob_reader {
	struct img_base *b;
	size_t i;
	int raw;	       /* the stored bytes, else the tar */
	int one_hash;	       /* the tar of an uncompressed layer: the same bytes as the
				  stored ones, so only the blob hash runs (its digest is
				  the DiffID) */
	struct archive *o, *r; /* the member's data; the decompressing reader */
	/* The hashes, each on a core of its own where there is one; diff is
	 * NULL when only the blob hash runs (raw, one_hash). */
	struct sb_hashpipe *blob, *diff;
	uint64_t stored, tar;
	int at_end;
	int failed;
	struct sb_error *err; /* the current read's, for the callback */
	char obuf[BUFSZ];
};

/* Records "--build-context NAME=base.tar: base.tar: layer 2 (sha256:<blob>): " followed by what, a
 * and b (each may be NULL): every message about a layer starts so. */
static int blob_fail(struct blob_reader *s, const char *what, const char *a, const char *b)
{
	const struct rd_layer *l = base_rd_layer(s->b, s->i);

	s->failed = 1;
	sb_errorf(s->err, "%s: %s: layer %zu (%s): %s%s%s",
		  s->b->what ? s->b->what : "--build-context", s->b->ar->path, s->i + 1,
		  l->blob_digest, what, a ? a : "", b ? b : "");
	return -1;
}

static void blob_hint(struct blob_reader *s)
{
	sb_error_hint(s->err,
		      "the image given by %s changed after it was opened, or is damaged: "
		      "build again, or save the image again",
		      s->b->what ? s->b->what : "--build-context");
}

/* Reads stored bytes from the member, hashing and counting them. */
static la_ssize_t stored_read(struct blob_reader *s, void *buf, size_t n)
{
	const struct rd_layer *l = base_rd_layer(s->b, s->i);
	la_ssize_t got = archive_read_data(s->o, buf, n);

	if (got < 0) {
		blob_fail(s, "cannot read: ", rd_aerr(s->o), NULL);
		return -1;
	}
	s->stored += (uint64_t)got;
	if (s->stored > l->stored_size) {
		blob_fail(s, "its stored bytes are longer than when the image was opened", NULL,
			  NULL);
		blob_hint(s);
		return -1;
	}
	if (sb_hashpipe_push(s->blob, buf, (size_t)got) < 0)
		return blob_fail(s, "internal error: its hash has room reserved", NULL, NULL);
	return got;
}

static la_ssize_t stored_cb(struct archive *a, void *ud, const void **out)
{
	struct blob_reader *s = ud;

	(void)a;
	*out = s->obuf;
	if (s->failed)
		return -1;
	return stored_read(s, s->obuf, sizeof(s->obuf));
}

/* At the end: every digest and size as the image named them. */
static int blob_check(struct blob_reader *s)
{
	const struct rd_layer *l = base_rd_layer(s->b, s->i);
	unsigned char d[SB_SHA256_BYTES];
	char got[DG_STRING_LEN + 1];

	/* What follows the end of a compressed stream is part of the blob. */
	while (!s->raw) {
		la_ssize_t n = stored_read(s, s->obuf, sizeof(s->obuf));

		if (n < 0)
			return -1;
		if (n == 0)
			break;
	}
	/* The tar first: its DiffID is what the image is made of. */
	if (!s->raw && s->one_hash && s->tar != l->tar_size) {
		blob_fail(s, "its content does not match its DiffID ", l->diff_id,
			  ": the file changed or is damaged");
		blob_hint(s);
		return -1;
	}
	if (!s->raw && !s->one_hash) {
		sb_hashpipe_final(s->diff, d);
		dg_string(d, got);
		if (s->tar != l->tar_size || strcmp(got, l->diff_id)) {
			blob_fail(s, "its content does not match its DiffID ", l->diff_id,
				  ": the file changed or is damaged");
			blob_hint(s);
			return -1;
		}
	}
	sb_hashpipe_final(s->blob, d);
	dg_string(d, got);
	if (s->stored != l->stored_size || strcmp(got, l->blob_digest)) {
		/* An uncompressed layer's blob digest is its DiffID. */
		blob_fail(s,
			  strcmp(l->blob_digest, l->diff_id)
			      ? "its stored bytes do not match their digest "
			      : "its content does not match its DiffID ",
			  l->blob_digest, ": the file changed or is damaged");
		blob_hint(s);
		return -1;
	}
	return 0;
}

static int blob_read(void *self, void *buf, size_t n, size_t *got, struct sb_error *err)
{
	struct blob_reader *s = self;
	const struct rd_layer *l = base_rd_layer(s->b, s->i);
	la_ssize_t r;

	*got = 0;
	s->err = err;
	if (s->failed)
		return -1;
	if (s->at_end)
		return 0;
	if (s->raw) {
		r = stored_read(s, buf, n);
	} else {
		r = archive_read_data(s->r, buf, n);
		if (r < 0 && !s->failed)
			blob_fail(s, "cannot decompress: ", rd_aerr(s->r), NULL);
		if (r > 0) {
			s->tar += (uint64_t)r;
			/* Never more than the tar was: no bomb gets through. */
			if (s->tar > l->tar_size) {
				blob_fail(s, "its tar is longer than when the image was opened",
					  NULL, NULL);
				blob_hint(s);
				return -1;
			}
			if (s->diff && sb_hashpipe_push(s->diff, buf, (size_t)r) < 0)
				return blob_fail(s, "internal error: its hash has room reserved",
						 NULL, NULL);
		}
	}
	if (r < 0)
		return -1;
	if (r == 0) {
		s->at_end = 1;
		return blob_check(s);
	}
	*got = (size_t)r;
	return 0;
}

static void blob_close(void *self)
{
	struct blob_reader *s = self;

	if (s->r)
		archive_read_free(s->r);
	if (s->o)
		archive_read_free(s->o);
	sb_hashpipe_free(s->blob);
	sb_hashpipe_free(s->diff);
	free(s);
}

/* The decompressing reader over the stored bytes: libarchive's raw format,
 * every built-in filter, as the image reader reads layers. */
static int open_decompress(struct blob_reader *s, struct sb_error *err)
{
	struct archive_entry *e;
	int r = ARCHIVE_FATAL;

	s->r = archive_read_new();
	if (!s->r)
		return sb_errorf(err, "out of memory");
	if (rd_support_filters(s->r) < 0 || archive_read_support_format_raw(s->r) != ARCHIVE_OK)
		return sb_errorf(err, "libarchive: %s", rd_aerr(s->r));
	if (archive_read_open(s->r, s, NULL, stored_cb, NULL) != ARCHIVE_OK ||
	    (r = archive_read_next_header(s->r, &e)) < ARCHIVE_WARN || r == ARCHIVE_EOF) {
		if (!s->failed)
			blob_fail(s,
				  "cannot decompress: ", r == ARCHIVE_EOF ? "empty" : rd_aerr(s->r),
				  NULL);
		return -1;
	}
	return 0;
}

int img_base_blob(struct img_base *b, size_t i, int raw, struct img_reader *r, struct sb_error *err)
{
	const struct rd_layer *l = base_rd_layer(b, i);
	const struct member *m;
	struct blob_reader *s = calloc(1, sizeof(*s));

	memset(r, 0, sizeof(*r));
	if (!s)
		return sb_errorf(err, "out of memory");
	s->b = b;
	s->i = i;
	s->raw = raw;
	s->one_hash =
	    !raw && b->compression[i] == IMG_COMPRESS_NONE && !strcmp(l->blob_digest, l->diff_id);
	s->err = err;
	if (sb_hashpipe_new(&s->blob, sb_hashpipe_worth_a_thread(), err) < 0 ||
	    (!raw && !s->one_hash &&
	     sb_hashpipe_new(&s->diff, sb_hashpipe_worth_a_thread(), err) < 0))
		goto fail;
	if (rd_lookup(b->ar, l->resolved ? l->resolved : l->member, &m, err) < 0 ||
	    rd_seek_member(b->ar, m, &s->o, err) < 0)
		goto fail;
	if (m->size != l->stored_size) {
		blob_fail(s, "its stored bytes changed size after the image was opened", NULL,
			  NULL);
		blob_hint(s);
		goto fail;
	}
	if (!raw && open_decompress(s, err) < 0)
		goto fail;
	r->read = blob_read;
	r->close = blob_close;
	r->self = s;
	r->at_end = &s->at_end;
	return 0;
fail:
	blob_close(s);
	return -1;
}
