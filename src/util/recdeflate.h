/* DEFLATE (RFC 1951) for a block of tar records that mostly look random:
 * the files of a layer that are already compressed (gzip, PNG, JPEG, jar,
 * zip) or random bytes, between tar headers and padding that compress well.
 *
 * A general compressor (libdeflate, zlib) searches the random records for
 * matches as hard as any other bytes, and finds none: on such a layer it
 * costs ten times what copying does, for nothing. Here each 512-byte record
 * is looked at once: one with 200 or more distinct byte values among its
 * 512 (random bytes have 221 on average; machine code, text and tar headers
 * far fewer) is stored (DEFLATE's stored blocks), and the runs of the other
 * records are compressed: greedy LZ77 matches (a hash of 4 bytes, the last
 * position per hash, the 32 KiB window, which takes in the stored records
 * too) coded with DEFLATE's fixed Huffman codes. Tar headers match the
 * headers before them, and padding is a run of zeros, so they shrink to a
 * few dozen bytes each.
 *
 * The bytes depend on the input only: plain C, no tables or code chosen by
 * the CPU, no state kept from one block to the next. */
#ifndef SB_RECDEFLATE_H
#define SB_RECDEFLATE_H

#include <stddef.h>
#include <stdint.h>

#define RD_RECORD    512u
#define RD_HASH_BITS 14u

/* One thread's work space (64 KiB); nothing in it lives from one call of
 * rd_deflate to the next, so it needs no setting up. */
struct rd_state {
	int32_t head[1u << RD_HASH_BITS];
};

/* Marks the records of the len bytes at p: cls[i] = 1 when record i looks
 * random, else 0. A short last record is marked as the one before it (a
 * short record alone, as not random). cls has room for
 * (len + RD_RECORD - 1) / RD_RECORD entries. Returns how many look random. */
size_t rd_classify(const unsigned char *p, size_t len, unsigned char *cls);

/* The most rd_deflate can make of len bytes, whatever they are. */
size_t rd_bound(size_t len);

/* Compresses the len bytes at in, marked by rd_classify into cls, into one
 * raw DEFLATE stream (its last block final) at out, which has cap bytes.
 * Returns its length, or 0 when it does not fit in cap (or len is over
 * 2 GiB: a block is meant, not a whole layer). */
size_t rd_deflate(struct rd_state *s, const unsigned char *in, size_t len, const unsigned char *cls,
		  unsigned char *out, size_t cap);

#endif
