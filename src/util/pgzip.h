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
 * A block whose 512-byte records mostly look random (half of them or more:
 * files that are compressed already, random bytes) is compressed by record
 * (recdeflate.h): those records stored, the tar headers, padding and other
 * records between them compressed quickly. libdeflate would search the
 * random records for matches as hard as any others and find none: on such
 * blocks it costs four times as much, for a member about 1% shorter. When
 * every record looks random, the member is exactly libdeflate's at level 0
 * (stored blocks); every reader of gzip reads stored blocks, Go's
 * compress/gzip included. Other blocks, and any block shorter than 32 KiB
 * (a small layer, a stream's tail), are compressed at the level asked.
 * Measured on layers of binaries, Python, text and documentation with
 * gzipped files: the rule took 0.2% of the blocks of binaries and libraries
 * (+0.05% in size), none of Python's, and the blocks of documentation and
 * /usr/share that are mostly gzipped files (+0.8 to 1.1% in size).
 *
 * Memory: a fixed ring of blocks (input and output) per thread, about
 * 1 MiB per thread, whatever the input's size. */
#ifndef SB_PGZIP_H
#define SB_PGZIP_H

#include "util/error.h"

#include <stddef.h>

#define PGZ_BLOCK (256u << 10)

/* Names the rule that picks how a block is compressed, for caches of
 * compressed digests: a new rule makes new bytes. */
#define PGZ_RULE "rec512"

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
