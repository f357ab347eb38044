/* gzip on several cores: the bytes are the same whatever the number of
 * threads and however the input was cut into writes; libarchive (the
 * project's reader of layers) reads them back as the input; each block is
 * a gzip member of its own: compressed by record (recdeflate.h) when half
 * or more of its records look random, which for a block of random bytes is
 * exactly libdeflate's level 0, else libdeflate's at the level asked; an
 * output that fails stops the stream with its error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <archive.h>
#include <libdeflate.h>

#include "bytes.h"
#include "util/pgzip.h"
#include "util/recdeflate.h"

/* check_members: a member made by record */
#define RECORD (-1)

struct outbuf {
	unsigned char *p;
	size_t n, cap;
	size_t fail_after; /* fail the write that passes this many bytes; 0 never */
};

static int out_fn(void *ud, const void *buf, size_t n, struct sb_error *err)
{
	struct outbuf *o = ud;

	if (o->fail_after && o->n + n > o->fail_after)
		return sb_errorf(err, "disk full");
	if (o->n + n > o->cap) {
		o->cap = (o->n + n) * 2;
		o->p = realloc(o->p, o->cap);
		assert_non_null(o->p);
	}
	memcpy(o->p + o->n, buf, n);
	o->n += n;
	return 0;
}

/* n bytes, a third random, the rest text-like (compressible, with matches
 * that reach across blocks). */
static unsigned char *input(size_t n, uint64_t seed)
{
	unsigned char *p = malloc(n ? n : 1);
	uint64_t s = seed;

	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		uint64_t r = next(&s);

		p[i] = (i / 4096) % 3 == 0 ? (unsigned char)r
					   : (unsigned char)("scratchbuild "[i % 13]);
	}
	return p;
}

/* in compressed with threads workers, written in pieces of at most piece
 * bytes (random sizes). */
static struct outbuf pgz_all(const unsigned char *in, size_t n, unsigned threads, size_t piece,
			     uint64_t seed)
{
	struct outbuf o = {0};
	struct sb_error err = {0};
	struct pgz *z;
	uint64_t s = seed;

	assert_int_equal(pgz_new(&z, 6, threads, out_fn, &o, &err), 0);
	for (size_t off = 0; off < n;) {
		size_t k = 1 + (size_t)(next(&s) % piece);

		if (k > n - off)
			k = n - off;
		assert_int_equal(pgz_write(z, in + off, k, &err), 0);
		off += k;
	}
	assert_int_equal(pgz_close(z, &err), 0);
	pgz_free(z);
	return o;
}

/* libarchive's gzip reader gives back exactly in, every member read. */
static void check_inflates(const struct outbuf *o, const unsigned char *in, size_t n)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	unsigned char *back = malloc(n + 1);
	size_t got = 0;
	la_ssize_t r;

	assert_non_null(a);
	assert_non_null(back);
	if (n == 0) {
		/* one empty member (libarchive's raw reader has no entry for
		 * nothing): gzip's magic, deflate, and a length of 0 at the end */
		assert_true(o->n >= 18);
		assert_int_equal(o->p[0], 0x1f);
		assert_int_equal(o->p[1], 0x8b);
		assert_int_equal(o->p[2], 8);
		assert_memory_equal(o->p + o->n - 4, "\0\0\0\0", 4);
		archive_read_free(a);
		free(back);
		return;
	}
	assert_int_equal(archive_read_support_filter_gzip(a), ARCHIVE_OK);
	assert_int_equal(archive_read_support_format_raw(a), ARCHIVE_OK);
	assert_int_equal(archive_read_open_memory(a, o->p, o->n), ARCHIVE_OK);
	assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_OK);
	while ((r = archive_read_data(a, back + got, n + 1 - got)) > 0)
		got += (size_t)r;
	assert_int_equal(r, 0);
	assert_int_equal(got, n);
	assert_memory_equal(back, in, n);
	archive_read_free(a);
	free(back);
}

static void same_bytes_any_threads(void **state)
{
	static const size_t sizes[] = {0,
				       1,
				       1000,
				       PGZ_BLOCK - 1,
				       PGZ_BLOCK,
				       PGZ_BLOCK + 1,
				       3 * PGZ_BLOCK + 12345,
				       9 * PGZ_BLOCK};

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		unsigned char *in = input(sizes[i], 7 + i);
		struct outbuf ref = pgz_all(in, sizes[i], 1, 1 << 20, 1);

		check_inflates(&ref, in, sizes[i]);
		for (unsigned t = 1; t <= 4; t++)
			for (uint64_t seed = 2; seed < 4; seed++) {
				struct outbuf o =
				    pgz_all(in, sizes[i], t, seed == 2 ? 97 : 300000, seed);

				assert_int_equal(o.n, ref.n);
				assert_memory_equal(o.p, ref.p, ref.n);
				free(o.p);
			}
		free(ref.p);
		free(in);
	}
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* The gzip member made by record of the len bytes at p: the header
 * libdeflate writes at its fastest, the stream, CRC-32 and length. */
static size_t record_member(const unsigned char *p, size_t len, unsigned char *out, size_t cap)
{
	static const unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 0xff};
	unsigned char cls[PGZ_BLOCK / RD_RECORD];
	struct rd_state *s = malloc(sizeof(*s));
	size_t k;

	assert_non_null(s);
	rd_classify(p, len, cls);
	memcpy(out, header, sizeof(header));
	k = rd_deflate(s, p, len, cls, out + sizeof(header), cap - sizeof(header) - 8);
	free(s);
	assert_true(k > 0);
	k += sizeof(header);
	put_le32(out + k, (uint32_t)libdeflate_crc32(0, p, len));
	put_le32(out + k + 4, (uint32_t)len);
	return k + 8;
}

/* The output is the blocks' members in order (the last one shorter), each
 * libdeflate's at levels[i], or made by record (RECORD). */
static void check_members(const struct outbuf *o, const unsigned char *in, size_t n,
			  const int *levels)
{
	size_t cap = libdeflate_gzip_compress_bound(NULL, PGZ_BLOCK), at = 0;
	unsigned char *want = malloc(cap);

	assert_non_null(want);
	for (size_t off = 0, i = 0; off < n; off += PGZ_BLOCK, i++) {
		size_t len = n - off < PGZ_BLOCK ? n - off : PGZ_BLOCK;
		size_t k;

		if (levels[i] == RECORD) {
			k = record_member(in + off, len, want, cap);
		} else {
			struct libdeflate_compressor *c = libdeflate_alloc_compressor(levels[i]);

			assert_non_null(c);
			k = libdeflate_gzip_compress(c, in + off, len, want, cap);
			libdeflate_free_compressor(c);
		}
		assert_true(k > 0);
		assert_true(at + k <= o->n);
		assert_memory_equal(o->p + at, want, k);
		at += k;
	}
	assert_int_equal(at, o->n);
	free(want);
}

/* Each block is one gzip member, libdeflate's at level 6 (a third of its
 * records are random: fewer than half). */
static void members_are_libdeflates(void **state)
{
	size_t n = 2 * PGZ_BLOCK + 5000;
	unsigned char *in = input(n, 11);
	struct outbuf o = pgz_all(in, n, 2, 4096, 5);
	static const int levels[] = {6, 6, 6};

	(void)state;
	check_members(&o, in, n, levels);
	free(o.p);
	free(in);
}

/* Random bytes are stored, every block (the last too, being 32 KiB or
 * more): made by record, which is exactly libdeflate's level 0 here; the
 * same on any number of threads; the reader gets them back. */
static void random_blocks_stored(void **state)
{
	size_t n = 3 * PGZ_BLOCK + 40000;
	unsigned char *in = malloc(n);
	static const int levels[] = {0, 0, 0, 0};

	(void)state;
	assert_non_null(in);
	fill_random(in, n, 17);
	for (unsigned t = 1; t <= 3; t++) {
		struct outbuf o = pgz_all(in, n, t, 70000, t);

		check_members(&o, in, n, levels);
		check_inflates(&o, in, n);
		free(o.p);
	}
	free(in);
}

/* Each block decides for itself: random (stored), text, random with text
 * in its middle half (by record: half its records are random), random with
 * text in its middle three quarters (a quarter random: level 6), and a
 * random tail shorter than 32 KiB (at the level asked). */
static void mixed_blocks_decide_each(void **state)
{
	size_t n = 4 * PGZ_BLOCK + 20000;
	unsigned char *in = malloc(n);
	static const int levels[] = {0, 6, RECORD, 6, 6};

	(void)state;
	assert_non_null(in);
	fill_random(in, n, 23);
	fill_text(in + PGZ_BLOCK, PGZ_BLOCK);
	fill_text(in + 2 * PGZ_BLOCK + PGZ_BLOCK / 4, PGZ_BLOCK / 2);
	fill_text(in + 3 * PGZ_BLOCK + PGZ_BLOCK / 8, PGZ_BLOCK / 4 * 3);
	for (unsigned t = 1; t <= 2; t++) {
		struct outbuf o = pgz_all(in, n, t, 100000, t + 40);

		check_members(&o, in, n, levels);
		check_inflates(&o, in, n);
		free(o.p);
	}
	free(in);
}

/* Around the decision: a block whose records are random but for k of them
 * (text): by record up to half, at level 6 from one more; a random block
 * of exactly 32 KiB (the shortest one made by record: stored) against one
 * a byte shorter (at the level asked). */
static void decision_boundary(void **state)
{
	static const size_t texts[] = {0, 1, 255, 256, 257, 300, 512};
	unsigned char *in = malloc(PGZ_BLOCK);

	(void)state;
	assert_non_null(in);
	for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
		int level = texts[i] <= 256 ? RECORD : 6;
		struct outbuf o;

		fill_random(in, PGZ_BLOCK, 31 + i);
		fill_text(in, texts[i] * RD_RECORD);
		o = pgz_all(in, PGZ_BLOCK, 2, 50000, i);
		check_members(&o, in, PGZ_BLOCK, &level);
		check_inflates(&o, in, PGZ_BLOCK);
		free(o.p);
	}
	for (size_t len = 32 * 1024 - 1; len <= 32 * 1024; len++) {
		int level = len == 32 * 1024 ? 0 : 6;
		struct outbuf o;

		fill_random(in, len, 99);
		o = pgz_all(in, len, 1, 5000, len);
		check_members(&o, in, len, &level);
		check_inflates(&o, in, len);
		free(o.p);
	}
	free(in);
}

static void output_failure_stops(void **state)
{
	size_t n = 6 * PGZ_BLOCK;
	unsigned char *in = input(n, 3);
	struct outbuf o = {.fail_after = 1000};
	struct sb_error err = {0};
	struct pgz *z;
	int rc = 0;

	(void)state;
	assert_int_equal(pgz_new(&z, 6, 2, out_fn, &o, &err), 0);
	for (size_t off = 0; off < n && rc == 0; off += 65536)
		rc = pgz_write(z, in + off, 65536, &err);
	if (rc == 0)
		rc = pgz_close(z, &err);
	assert_int_equal(rc, -1);
	assert_string_equal(err.msg, "disk full");
	assert_int_equal(pgz_write(z, in, 1, &err), -1);
	pgz_free(z);
	sb_error_release(&err);
	free(o.p);
	free(in);
}

/* Freed in the middle of a stream, with blocks still with the workers. */
static void free_unfinished(void **state)
{
	size_t n = 8 * PGZ_BLOCK;
	unsigned char *in = input(n, 9);
	struct outbuf o = {0};
	struct sb_error err = {0};
	struct pgz *z;

	(void)state;
	assert_int_equal(pgz_new(&z, 6, 3, out_fn, &o, &err), 0);
	assert_int_equal(pgz_write(z, in, n, &err), 0);
	pgz_free(z);
	free(o.p);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(same_bytes_any_threads), cmocka_unit_test(members_are_libdeflates),
	    cmocka_unit_test(random_blocks_stored),   cmocka_unit_test(mixed_blocks_decide_each),
	    cmocka_unit_test(decision_boundary),      cmocka_unit_test(output_failure_stops),
	    cmocka_unit_test(free_unfinished),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
