/* SHA-256 of a byte stream, computed on a second core while the caller goes
 * on reading and writing.
 *
 * The bytes pass through a ring buffer. The caller either pushes bytes it
 * holds (they are copied into the ring: tar headers, padding), or reserves
 * room in the ring, reads a file straight into it and pushes that region
 * (no copy: the hashing thread reads the same memory). A hashing thread
 * consumes the ring in order. With one CPU, or when the thread cannot be
 * started, the pipe hashes in the caller's thread and nothing else changes.
 *
 *   sb_hashpipe_new(&pipe, threaded)
 *   loop: p = reserve(want, &room); read into p (<= room bytes); push(p, got)
 *         push(header, n)            -- any other bytes, in stream order
 *   final(pipe, digest)              -- waits for the thread; the pipe is
 *                                       ready for the next stream
 *   sb_hashpipe_free(pipe)
 *
 * One producer thread (the caller) and one hashing thread; a pipe is not
 * shared between callers.
 */
#ifndef SB_HASHPIPE_H
#define SB_HASHPIPE_H

#include "util/error.h"
#include "util/sha256.h"

#include <stddef.h>

struct sb_hashpipe;

/* Whether a hashing thread pays on this machine: more than one CPU usable. */
int sb_hashpipe_worth_a_thread(void);

/* A new pipe, empty and ready for a stream; threaded = 0 hashes in the
 * caller's thread. On success *out is yours (sb_hashpipe_free); returns -1
 * with err set (and *out NULL) when out of memory. */
int sb_hashpipe_new(struct sb_hashpipe **out, int threaded, struct sb_error *err);

/* Stops the thread and frees the pipe. NULL is fine. */
void sb_hashpipe_free(struct sb_hashpipe *hp);

/* Room in the ring for the caller to fill: *room bytes at the returned
 * address, 1 <= *room <= want (want >= 1). Waits while the ring is full. The
 * room belongs to the caller until it pushes it or reserves again. */
void *sb_hashpipe_reserve(struct sb_hashpipe *hp, size_t want, size_t *room);

/* The next n bytes of the stream. When p lies at the start of the reserved
 * room (n no more than is left of it), the bytes are already in place and are
 * handed over without a copy; the rest of the room stays reserved. Any other
 * p is copied in, which must not happen while room is reserved (that would
 * overwrite it): then -1 is returned and nothing is taken. */
int sb_hashpipe_push(struct sb_hashpipe *hp, const void *p, size_t n);

/* Gives up whatever room is still reserved. */
void sb_hashpipe_unreserve(struct sb_hashpipe *hp);

/* The number of bytes pushed since the stream began. */
unsigned long long sb_hashpipe_bytes(const struct sb_hashpipe *hp);

/* Waits until every pushed byte is hashed, writes the digest of the stream
 * to out and starts a new, empty stream. */
void sb_hashpipe_final(struct sb_hashpipe *hp, unsigned char out[SB_SHA256_BYTES]);

#endif
