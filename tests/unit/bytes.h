/* Test bytes shared by the compressor tests (test_pgzip.c,
 * test_recdeflate.c): a fixed pseudo-random sequence (xorshift64) and a
 * repeated sentence. */
#ifndef SB_TEST_BYTES_H
#define SB_TEST_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static inline void fill_random(unsigned char *p, size_t n, uint64_t seed)
{
	uint64_t s = seed;

	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)next(&s);
}

static inline void fill_text(unsigned char *p, size_t n)
{
	static const char words[] = "the layer of an image is a tar of its files ";

	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)words[i % (sizeof(words) - 1)];
}

#endif
