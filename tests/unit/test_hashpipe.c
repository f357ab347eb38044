/* The hash pipe gives the digest of exactly the bytes pushed, in order,
 * whether a thread hashes or the caller does: reads into reserved room, copied
 * pushes of every size (across the ring's end, larger than the ring), many
 * tiny pushes, several streams in a row, and the refusal to copy over room
 * still reserved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/hashpipe.h"

/* A deterministic byte source (xorshift). */
static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill(unsigned char *p, size_t n, uint64_t *s)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)next(s);
}

/* Pushes a random mix of reads and copies totalling about total bytes into
 * hp and into a reference hash; the digests must agree. */
static void one_stream(struct sb_hashpipe *hp, uint64_t seed, size_t total, size_t max_piece)
{
	struct sb_sha256 ref;
	unsigned char want[SB_SHA256_BYTES], got[SB_SHA256_BYTES];
	unsigned char *scratch = malloc(max_piece);
	uint64_t s = seed;
	unsigned long long pushed = 0;

	assert_non_null(scratch);
	sb_sha256_init(&ref);
	while (pushed < total) {
		size_t n = (size_t)(next(&s) % max_piece) + 1;

		if (next(&s) & 1) {
			size_t room;
			unsigned char *p = sb_hashpipe_reserve(hp, n, &room);

			assert_true(room >= 1 && room <= n);
			fill(p, room, &s);
			sb_sha256_update(&ref, p, room);
			/* Handed over in up to two pieces, as a tar writer may. */
			if (room > 1 && (next(&s) & 1)) {
				size_t half = room / 2;

				assert_int_equal(sb_hashpipe_push(hp, p, half), 0);
				assert_int_equal(sb_hashpipe_push(hp, p + half, room - half), 0);
			} else {
				assert_int_equal(sb_hashpipe_push(hp, p, room), 0);
			}
			pushed += room;
		} else {
			fill(scratch, n, &s);
			sb_sha256_update(&ref, scratch, n);
			assert_int_equal(sb_hashpipe_push(hp, scratch, n), 0);
			pushed += n;
		}
		assert_int_equal(sb_hashpipe_bytes(hp), pushed);
	}
	sb_sha256_final(&ref, want);
	sb_hashpipe_final(hp, got);
	assert_memory_equal(got, want, SB_SHA256_BYTES);
	assert_int_equal(sb_hashpipe_bytes(hp), 0);
	free(scratch);
}

static void streams(int threaded)
{
	struct sb_error err = {0};
	struct sb_hashpipe *hp = NULL;
	unsigned char empty[SB_SHA256_BYTES], got[SB_SHA256_BYTES];

	assert_int_equal(sb_hashpipe_new(&hp, threaded, &err), 0);
	assert_non_null(hp);
	/* An empty stream. */
	sb_sha256("", 0, empty);
	sb_hashpipe_final(hp, got);
	assert_memory_equal(got, empty, SB_SHA256_BYTES);
	/* Tiny pieces (tar headers of small files), mid-sized, and pieces
	 * larger than the ring itself. */
	one_stream(hp, 1, 300000, 600);
	one_stream(hp, 2, 24u << 20, 1u << 20);
	one_stream(hp, 3, 40u << 20, 9u << 20);
	one_stream(hp, 4, 1, 1);
	sb_hashpipe_free(hp);
}

static void test_threaded(void **state)
{
	(void)state;
	streams(1);
}

static void test_inline(void **state)
{
	(void)state;
	streams(0);
}

/* Copying in while room is reserved would overwrite it: refused, and the
 * stream goes on as if the push had not been tried. */
static void test_out_of_order(void **state)
{
	(void)state;
	for (int threaded = 0; threaded <= 1; threaded++) {
		struct sb_error err = {0};
		struct sb_hashpipe *hp = NULL;
		unsigned char want[SB_SHA256_BYTES], got[SB_SHA256_BYTES];
		size_t room;
		char *p;

		assert_int_equal(sb_hashpipe_new(&hp, threaded, &err), 0);
		assert_non_null(hp);
		p = sb_hashpipe_reserve(hp, 3, &room);
		assert_int_equal(room, 3);
		memcpy(p, "abc", 3);
		assert_int_equal(sb_hashpipe_push(hp, "xyz", 3), -1);
		assert_int_equal(sb_hashpipe_push(hp, p, 4), -1); /* more than reserved */
		assert_int_equal(sb_hashpipe_push(hp, p, 3), 0);
		assert_int_equal(sb_hashpipe_push(hp, "def", 3), 0);
		/* Room given up is not part of the stream. */
		p = sb_hashpipe_reserve(hp, 5, &room);
		memcpy(p, "zzzzz", room);
		sb_hashpipe_unreserve(hp);
		assert_int_equal(sb_hashpipe_push(hp, "g", 1), 0);
		sb_hashpipe_final(hp, got);
		sb_sha256("abcdefg", 7, want);
		assert_memory_equal(got, want, SB_SHA256_BYTES);
		sb_hashpipe_free(hp);
	}
}

/* Freed with bytes still unhashed (a build that failed half way). */
static void test_free_midstream(void **state)
{
	struct sb_error err = {0};
	struct sb_hashpipe *hp = NULL;
	static unsigned char block[1u << 20];

	(void)state;
	assert_int_equal(sb_hashpipe_new(&hp, 1, &err), 0);
	assert_non_null(hp);
	for (int i = 0; i < 10; i++)
		assert_int_equal(sb_hashpipe_push(hp, block, sizeof(block)), 0);
	sb_hashpipe_free(hp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_threaded),
	    cmocka_unit_test(test_inline),
	    cmocka_unit_test(test_out_of_order),
	    cmocka_unit_test(test_free_midstream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
