/* gzip on several cores, reproducibly. The input is cut into blocks of
 * PGZ_BLOCK bytes; each block becomes a gzip member of its own (libdeflate,
 * which compresses twice as fast as zlib at the same level and ratio); the
 * members are written in order. A file of several members is one gzip
 * stream to every reader of gzip (RFC 1952: gunzip, Go's compress/gzip that
 * Docker and containerd use, libarchive, Python): BGZF and eStargz are made
 * so too. An empty input is one empty member.
 *
 * The bytes depend on the input, the level and libdeflate's version only:
 * never on how many threads there are, which finished first, or how the
 * writes were cut. An input of one block or less is compressed in the
 * caller's thread, and no thread is started.
 *
 * A block that does not compress is stored (libdeflate's level 0: DEFLATE's
 * stored blocks, which every reader of gzip reads, Go's compress/gzip
 * included), which costs a copy where compressing it would cost as much as
 * a block that does. The choice is made from the block's own bytes: a
 * sample of 32 pieces of 1 KiB spread evenly over it, compressed at level 1;
 * unless that comes out at least 0.2% shorter, the block is stored. A block
 * shorter than 32 KiB (a small layer, a stream's tail) is always compressed
 * at the level asked. Measured on layers of binaries, text, Python and
 * documentation with gzipped files, a coarser rule (a prefix of the block,
 * or a 3% margin) stored blocks that level 6 shrinks by 5-60%; this one
 * stored none that shrink by 3% or more, and every block of random bytes.
 *
 * Memory: a fixed ring of blocks (input and output) per thread, about
 * 1 MiB per thread, whatever the input's size. */
#ifndef SB_PGZIP_H
#define SB_PGZIP_H

#include "util/error.h"

#include <stddef.h>

#define PGZ_BLOCK (256u << 10)

/* Names the rule that stores blocks, for caches of compressed digests: a
 * new rule makes new bytes. */
#define PGZ_RULE "store32x1k"

/* Where the compressed bytes go, in order; called from the thread that
 * calls pgz_write / pgz_close. Returns 0, or -1 (err set, or left to the
 * caller's own record) to stop. */
typedef int (*pgz_out_fn)(void *ud, const void *buf, size_t n, struct sb_error *err);

struct pgz;

/* A compressor at level (1-9) with up to threads workers (0: as many as
 * the machine has cores, at most 4). *out is yours: pgz_free. */
int pgz_new(struct pgz **out, int level, unsigned threads, pgz_out_fn fn, void *ud,
	    struct sb_error *err);

/* Adds n bytes of input. */
int pgz_write(struct pgz *z, const void *buf, size_t n, struct sb_error *err);

/* Ends the stream: every block compressed and written, then the trailer. */
int pgz_close(struct pgz *z, struct sb_error *err);

/* Stops the workers and frees z (closed or not: an unclosed stream is
 * dropped unfinished). NULL is fine. */
void pgz_free(struct pgz *z);

#endif
