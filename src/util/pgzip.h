/* gzip on several cores, reproducibly: the scheme of pigz (and of Go's
 * pgzip, which BuildKit's peers use). The input is cut into blocks of
 * PGZ_BLOCK bytes; each block is compressed on its own by zlib's raw
 * deflate, primed with the last 32 KiB of the block before it (so that
 * matches reach back as in one stream) and ended by a sync flush (the last
 * block by the end of the stream); the blocks are joined in order between
 * one gzip header (no name, no time, OS 3) and its trailer (CRC-32, length).
 * The result is one ordinary gzip member: any gzip reader reads it.
 *
 * The bytes depend on the input and the level only: never on how many
 * threads there are, which finished first, or how the writes were cut.
 * An input of one block or less is compressed in the caller's thread, and
 * no thread is started.
 *
 * Memory: a fixed ring of blocks (input, dictionary, output) per thread,
 * about 1.2 MiB per thread, whatever the input's size. */
#ifndef SB_PGZIP_H
#define SB_PGZIP_H

#include "util/error.h"

#include <stddef.h>

#define PGZ_BLOCK (256u << 10)

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
