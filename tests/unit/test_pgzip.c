/* gzip on several cores: the bytes are the same whatever the number of
 * threads and however the input was cut into writes; zlib reads them back
 * as the input; one block is exactly what a single deflate stream gives
 * (libarchive's gzip filter, the layers scratchbuild wrote before); an
 * output that fails stops the stream with its error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/pgzip.h"

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

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* n bytes, half random, half text-like (compressible, with matches that
 * reach across blocks). */
static unsigned char *input(size_t n, uint64_t seed)
{
	unsigned char *p = malloc(n ? n : 1);
	uint64_t s = seed;

	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		uint64_t r = next(&s);

		p[i] = (i / 4096) % 2 ? (unsigned char)r : (unsigned char)("scratchbuild "[i % 13]);
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

/* zlib's gzip reader gives back exactly in. */
static void check_inflates(const struct outbuf *o, const unsigned char *in, size_t n)
{
	z_stream s = {0};
	unsigned char *back = malloc(n + 1);

	assert_non_null(back);
	assert_int_equal(inflateInit2(&s, 16 + 15), Z_OK);
	s.next_in = o->p;
	s.avail_in = (uInt)o->n;
	s.next_out = back;
	s.avail_out = (uInt)(n + 1);
	assert_int_equal(inflate(&s, Z_FINISH), Z_STREAM_END);
	assert_int_equal(s.total_out, n);
	assert_int_equal(s.avail_in, 0); /* one member, nothing after it */
	assert_memory_equal(back, in, n);
	inflateEnd(&s);
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

/* Up to one block: one raw deflate stream at level 6 between the header
 * and trailer that libarchive's gzip filter writes (no time, OS 3). */
static void one_block_is_plain_gzip(void **state)
{
	size_t n = 100000;
	unsigned char *in = input(n, 11);
	struct outbuf o = pgz_all(in, n, 2, 4096, 5);
	static const unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
	z_stream s = {0};
	unsigned char *want = malloc(n + 1024);
	size_t want_n;

	(void)state;
	assert_non_null(want);
	assert_int_equal(deflateInit2(&s, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	s.next_in = in;
	s.avail_in = (uInt)n;
	s.next_out = want;
	s.avail_out = (uInt)(n + 1024);
	assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
	want_n = s.total_out;
	deflateEnd(&s);
	assert_int_equal(o.n, 10 + want_n + 8);
	assert_memory_equal(o.p, header, 10);
	assert_memory_equal(o.p + 10, want, want_n);
	free(want);
	free(o.p);
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
	    cmocka_unit_test(same_bytes_any_threads),
	    cmocka_unit_test(one_block_is_plain_gzip),
	    cmocka_unit_test(output_failure_stops),
	    cmocka_unit_test(free_unfinished),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
