/* DEFLATE by tar record: which records look random; every stream made
 * inflates (libdeflate's reader) back to its input, whatever the marks; a
 * block whose records all look random is exactly libdeflate's level 0; tar
 * headers and padding between random files shrink; matches reach back
 * exactly 32 KiB and no further; a stream never exceeds rd_bound and never
 * overflows the room it is given; the work space left dirty by one call
 * changes nothing in the next. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libdeflate.h>

#include "util/recdeflate.h"

#include "bytes.h"

/* A tar header's mode, uid and gid: 0644, root, root. */
static void ids(unsigned char *header)
{
	snprintf((char *)header + 100, 8, "%07o", 0644);
	snprintf((char *)header + 108, 8, "%07o", 0);
	snprintf((char *)header + 116, 8, "%07o", 0);
}

/* A tar-like layer: for each file a 512-byte header (name, mode, size,
 * the rest zeros), then random contents of 1-4 KiB padded with zeros. */
static size_t fill_tar(unsigned char *p, size_t cap, uint64_t seed)
{
	uint64_t s = seed;
	size_t at = 0;

	for (unsigned f = 0;; f++) {
		size_t size = 1024 + (size_t)(next(&s) % 3073), padded = (size + 511) / 512 * 512;

		if (at + 512 + padded > cap)
			break;
		memset(p + at, 0, 512);
		snprintf((char *)p + at, 100, "data/d%03u/f%03u.bin", f / 100, f % 100);
		ids(p + at);
		snprintf((char *)p + at + 124, 12, "%011zo", size);
		memcpy(p + at + 257, "ustar", 6);
		memcpy(p + at + 263, "00", 2);
		at += 512;
		fill_random(p + at, size, seed + f);
		memset(p + at + size, 0, padded - size);
		at += padded;
	}
	return at;
}

/* Compresses in (marked by cls, or by rd_classify when cls is NULL) and
 * checks that it inflates back; returns the stream's length. */
static size_t round_trip(struct rd_state *s, const unsigned char *in, size_t n,
			 const unsigned char *cls)
{
	size_t cap = rd_bound(n), k, got = 0;
	unsigned char *out = malloc(cap), *back = malloc(n + 1);
	unsigned char *marks = malloc(n / RD_RECORD + 1);
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();

	assert_non_null(out);
	assert_non_null(back);
	assert_non_null(marks);
	assert_non_null(d);
	if (cls)
		memcpy(marks, cls, (n + RD_RECORD - 1) / RD_RECORD);
	else
		rd_classify(in, n, marks);
	k = rd_deflate(s, in, n, marks, out, cap);
	assert_true(k > 0);
	assert_true(k <= cap);
	assert_int_equal(libdeflate_deflate_decompress(d, out, k, back, n + 1, &got),
			 LIBDEFLATE_SUCCESS);
	assert_int_equal(got, n);
	assert_memory_equal(back, in, n);
	libdeflate_free_decompressor(d);
	free(marks);
	free(back);
	free(out);
	return k;
}

static void classify(void **state)
{
	unsigned char *p = malloc(6 * RD_RECORD + 100);
	unsigned char cls[7];

	(void)state;
	assert_non_null(p);
	fill_random(p, RD_RECORD, 1);		 /* random: 200+ values */
	memset(p + RD_RECORD, 0, RD_RECORD);	 /* zeros */
	fill_text(p + 2 * RD_RECORD, RD_RECORD); /* text */
	memset(p + 3 * RD_RECORD, 0, RD_RECORD); /* a tar header */
	snprintf((char *)p + 3 * RD_RECORD, 100, "usr/share/doc/x/copyright");
	ids(p + 3 * RD_RECORD);
	for (size_t i = 0; i < RD_RECORD; i++) /* 199 values: not random */
		p[4 * RD_RECORD + i] = (unsigned char)(i % 199);
	for (size_t i = 0; i < RD_RECORD; i++) /* 200 values: random */
		p[5 * RD_RECORD + i] = (unsigned char)(i % 200);
	memset(p + 6 * RD_RECORD, 0, 100); /* a short last record: as the one before */
	assert_int_equal(rd_classify(p, 6 * RD_RECORD + 100, cls), 3);
	assert_memory_equal(cls, ((unsigned char[]){1, 0, 0, 0, 0, 1, 1}), 7);
	assert_int_equal(rd_classify(p, 5 * RD_RECORD + 100, cls), 1);
	assert_memory_equal(cls, ((unsigned char[]){1, 0, 0, 0, 0, 0}), 6);
	/* a short record alone: not random (300 random bytes have fewer than
	 * 200 values) */
	fill_random(p, 300, 3);
	assert_int_equal(rd_classify(p, 300, cls), 0);
	assert_int_equal(rd_classify(p, 0, cls), 0);
	free(p);
}

/* Every record random: libdeflate's level 0 (stored blocks of 65,535
 * bytes), byte for byte, at any length. */
static void all_random_is_stored(void **state)
{
	static const size_t sizes[] = {RD_RECORD, 65535, 65536, 3 * 65535 + 7, 256 << 10};
	struct rd_state *s = malloc(sizeof(*s));
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(0);

	(void)state;
	assert_non_null(s);
	assert_non_null(c);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		size_t n = sizes[i], cap = rd_bound(n), k, want;
		unsigned char *in = malloc(n), *out = malloc(cap), *ref = malloc(cap);
		unsigned char *cls = malloc(n / RD_RECORD + 1);

		assert_non_null(in);
		assert_non_null(out);
		assert_non_null(ref);
		assert_non_null(cls);
		fill_random(in, n, 10 + i);
		memset(cls, 1, n / RD_RECORD + 1);
		k = rd_deflate(s, in, n, cls, out, cap);
		want = libdeflate_deflate_compress(c, in, n, ref, cap);
		assert_int_equal(k, want);
		assert_memory_equal(out, ref, k);
		round_trip(s, in, n, cls);
		free(cls);
		free(ref);
		free(out);
		free(in);
	}
	libdeflate_free_compressor(c);
	free(s);
}

/* Random files in a tar: stored, their headers and padding compressed to a
 * few dozen bytes each, against libdeflate's level 6 within 1.5%. */
static void tar_of_random_files(void **state)
{
	size_t cap = 256 << 10, n, k, ref;
	unsigned char *in = malloc(cap), *out = malloc(rd_bound(cap));
	unsigned char cls[(256 << 10) / RD_RECORD];
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
	struct rd_state *s = malloc(sizeof(*s));

	(void)state;
	assert_non_null(in);
	assert_non_null(out);
	assert_non_null(c);
	assert_non_null(s);
	n = fill_tar(in, cap, 77);
	assert_true(2 * rd_classify(in, n, cls) >= n / RD_RECORD);
	k = round_trip(s, in, n, NULL);
	ref = libdeflate_deflate_compress(c, in, n, out, rd_bound(cap));
	assert_true(ref > 0);
	assert_true(k * 1000 <= ref * 1015);
	libdeflate_free_compressor(c);
	free(s);
	free(out);
	free(in);
}

/* Marks need not be rd_classify's: every record compressed, every record
 * stored, alternating, random marks; lengths around records and 64 KiB;
 * zeros (matches of 258, one byte back); empty. */
static void any_marks_round_trip(void **state)
{
	static const size_t sizes[] = {0, 1, 3, 4, 5, 511, 512, 513, 1000, 65535, 65536, 200000};
	size_t max = 200000;
	unsigned char *in = malloc(max), *cls = malloc(max / RD_RECORD + 1);
	struct rd_state *s = malloc(sizeof(*s));
	uint64_t r = 99;

	(void)state;
	assert_non_null(in);
	assert_non_null(cls);
	assert_non_null(s);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		size_t n = sizes[i], nrec = n / RD_RECORD + 1;

		for (int kind = 0; kind < 3; kind++) {
			if (kind == 0)
				fill_text(in, n);
			else if (kind == 1)
				memset(in, 0, n);
			else {
				fill_tar(in, n, 5);
				fill_random(in + n / 2, n - n / 2, 6);
			}
			memset(cls, 0, nrec);
			round_trip(s, in, n, cls);
			memset(cls, 1, nrec);
			round_trip(s, in, n, cls);
			for (size_t j = 0; j < nrec; j++)
				cls[j] = j % 2;
			round_trip(s, in, n, cls);
			for (size_t j = 0; j < nrec; j++)
				cls[j] = next(&r) % 3 == 0;
			round_trip(s, in, n, cls);
		}
	}
	/* zeros: 13 bits per 258 bytes (a match of 258, 1 back) */
	memset(in, 0, max);
	memset(cls, 0, max / RD_RECORD + 1);
	assert_true(round_trip(s, in, max, cls) < max / 150);
	free(s);
	free(cls);
	free(in);
}

/* A random piece repeated exactly 32 KiB later is found (the window's
 * edge); 32 KiB + 1 later it is not, and still inflates right. */
static void window_edge(void **state)
{
	size_t n = 40000, piece = 600, near, far;
	unsigned char *in = malloc(n), cls[(40000 + RD_RECORD - 1) / RD_RECORD];
	struct rd_state *s = malloc(sizeof(*s));

	(void)state;
	assert_non_null(in);
	assert_non_null(s);
	memset(cls, 0, sizeof(cls));
	memset(in, 'a', n);
	fill_random(in + 100, piece, 8);
	memcpy(in + 100 + 32768, in + 100, piece);
	near = round_trip(s, in, n, cls);
	memset(in, 'a', n);
	fill_random(in + 100, piece, 8);
	memcpy(in + 100 + 32769, in + 100, piece);
	far = round_trip(s, in, n, cls);
	/* found: a few bytes; not found: 600 literals of 8-9 bits */
	assert_true(near + 500 < far);
	free(s);
	free(in);
}

/* Exactly the room it needs is enough; a byte less gives 0, and nothing
 * is written past the room. */
static void room(void **state)
{
	size_t n = 100000, k;
	unsigned char *in = malloc(n), *out = malloc(rd_bound(n) + 64), *ref = malloc(rd_bound(n));
	unsigned char cls[100000 / RD_RECORD + 1];
	struct rd_state *s = malloc(sizeof(*s));

	(void)state;
	assert_non_null(in);
	assert_non_null(out);
	assert_non_null(ref);
	assert_non_null(s);
	fill_tar(in, n, 3);
	rd_classify(in, n, cls);
	k = rd_deflate(s, in, n, cls, ref, rd_bound(n));
	assert_true(k > 0);
	for (size_t cap = k - 40; cap <= k; cap++) {
		memset(out, 0xa5, rd_bound(n) + 64);
		assert_int_equal(rd_deflate(s, in, n, cls, out, cap), cap == k ? k : 0);
		for (size_t i = cap; i < cap + 64; i++)
			assert_int_equal(out[i], 0xa5);
	}
	assert_memory_equal(out, ref, k);
	free(s);
	free(ref);
	free(out);
	free(in);
}

/* The same input gives the same stream, whatever the work space held. */
static void work_space_does_not_matter(void **state)
{
	size_t n = 150000, a, b;
	unsigned char *in = malloc(n), *x = malloc(rd_bound(n)), *y = malloc(rd_bound(n));
	unsigned char cls[150000 / RD_RECORD + 1];
	struct rd_state *s = malloc(sizeof(*s)), *t = malloc(sizeof(*t));

	(void)state;
	assert_non_null(in);
	assert_non_null(x);
	assert_non_null(y);
	assert_non_null(s);
	assert_non_null(t);
	fill_tar(in, n, 21);
	rd_classify(in, n, cls);
	memset(s, 0, sizeof(*s));
	memset(t, 0x7f, sizeof(*t));
	a = rd_deflate(s, in, n, cls, x, rd_bound(n));
	b = rd_deflate(t, in, n, cls, y, rd_bound(n));
	assert_int_equal(a, b);
	assert_memory_equal(x, y, a);
	free(t);
	free(s);
	free(y);
	free(x);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(classify),
	    cmocka_unit_test(all_random_is_stored),
	    cmocka_unit_test(tar_of_random_files),
	    cmocka_unit_test(any_marks_round_trip),
	    cmocka_unit_test(window_edge),
	    cmocka_unit_test(room),
	    cmocka_unit_test(work_space_does_not_matter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
