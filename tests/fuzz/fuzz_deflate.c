/* libFuzzer target for the compressor of layers by tar record
 * (util/recdeflate.c, which util/pgzip.c uses for blocks whose records
 * mostly look random).
 *
 * An input is a byte of flags and then data:
 *
 *	FLAGS DATA...
 *
 * FLAGS & 3 picks what is compressed and how it is marked:
 *   0  DATA, marked by rd_classify
 *   1  DATA, marked by its own bits (the first bytes of DATA, a bit a record)
 *   2  DATA grown to a layer-sized block: each byte of DATA becomes a record,
 *      random (from a seed of that byte) when its top bit is set, else 512
 *      copies of it with its position written in: marked by rd_classify
 *   3  as 2, marked by the bits of DATA's bytes
 *
 * A finding, besides crashes and sanitizer reports, is a broken invariant
 * (abort()): the stream is made (never 0 with rd_bound's room), is no longer
 * than rd_bound, inflates (libdeflate's reader) to exactly the input, comes
 * out the same a second time, and does not fit in a byte less of room.
 */
#include "fuzz_util.h"
#include "util/recdeflate.h"

#include <libdeflate.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_GROWN (96u << 10) /* 192 records: past the window and a stored block */

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Each byte of d a record of in (at most MAX_GROWN bytes in all). */
static size_t grow(const uint8_t *d, size_t n, unsigned char *in)
{
	size_t len = 0;

	for (size_t i = 0; i < n && len + RD_RECORD <= MAX_GROWN; i++, len += RD_RECORD) {
		if (d[i] & 0x80) {
			uint64_t s = 0x9e3779b97f4a7c15ull ^ d[i] ^ ((uint64_t)i << 8);

			for (size_t k = 0; k < RD_RECORD; k++)
				in[len + k] = (unsigned char)(next(&s) >> 24);
		} else {
			memset(in + len, d[i], RD_RECORD);
			memcpy(in + len + (d[i] % 64), &i, sizeof(i));
		}
	}
	return len;
}

/* cls from the bits of d (n bytes; missing bits are 0). */
static void marks_from(const uint8_t *d, size_t n, unsigned char *cls, size_t records)
{
	for (size_t r = 0; r < records; r++)
		cls[r] = r / 8 < n ? (d[r / 8] >> (r % 8)) & 1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd_state *s = malloc(sizeof(*s));
	struct libdeflate_decompressor *dec = libdeflate_alloc_decompressor();
	unsigned char *in = NULL, *out = NULL, *again = NULL, *back = NULL, *cls = NULL;
	const uint8_t *d = data + (size > 0), *src;
	size_t n = size ? size - 1 : 0, len, records, cap, k, got = 0;
	int mode = size ? data[0] & 3 : 0;

	check(s != NULL && dec != NULL);
	if (mode >= 2) {
		in = malloc(MAX_GROWN);
		check(in != NULL);
		len = grow(d, n, in);
		src = in;
	} else {
		len = n;
		src = d;
	}
	records = len / RD_RECORD + 1;
	cap = rd_bound(len);
	out = malloc(cap);
	again = malloc(cap);
	back = malloc(len + 1);
	cls = malloc(records);
	check(out && again && back && cls);
	if (mode == 0 || mode == 2)
		rd_classify(src, len, cls);
	else
		marks_from(d, n, cls, records);

	k = rd_deflate(s, src, len, cls, out, cap);
	check(k > 0 && k <= cap);
	check(libdeflate_deflate_decompress(dec, out, k, back, len + 1, &got) ==
	      LIBDEFLATE_SUCCESS);
	check(got == len && memcmp(back, src, len) == 0);
	check(rd_deflate(s, src, len, cls, again, cap) == k && memcmp(again, out, k) == 0);
	check(rd_deflate(s, src, len, cls, again, k - 1) == 0);

	free(cls);
	free(back);
	free(again);
	free(out);
	free(in);
	libdeflate_free_decompressor(dec);
	free(s);
	return 0;
}
