/* gzip on several cores (see pgzip.h): the caller's thread cuts the input
 * into blocks and writes the compressed blocks out in order; workers
 * compress whichever block is ready. A block's slot in the ring is free
 * again once its output has been written.
 *
 *   pgz_write --block--> ring slot (READY) --worker: deflate--> DONE
 *             <--in order: header, blocks, trailer-- pgz_out_fn
 */
#include "util/pgzip.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define DICT	    (32u << 10)
#define MAX_THREADS 4u

enum slot_state { SLOT_FREE, SLOT_READY, SLOT_BUSY, SLOT_DONE };

struct slot {
	unsigned char *in; /* PGZ_BLOCK bytes */
	size_t len;
	unsigned char *dict; /* the DICT bytes of input before this block */
	size_t dict_len;
	unsigned char *out;
	size_t out_cap, out_len;
	uLong crc;
	uint64_t seq;
	int last;
	int failed; /* zlib could not compress it (memory) */
	enum slot_state state;
};

struct pgz {
	int level;
	unsigned nthreads, started;
	pthread_t *threads;
	pthread_mutex_t mu;
	pthread_cond_t work; /* a block is READY, or quit */
	pthread_cond_t done; /* a block is DONE */
	int quit;
	struct slot *slots;
	size_t nslots;
	struct slot *cur; /* the block being filled, or NULL */
	uint64_t next_in, next_out;
	unsigned char tail[DICT]; /* the last input bytes so far, for the next dictionary */
	size_t tail_len;
	uLong crc;
	uint64_t total;
	int header_done, failed;
	z_stream inline_strm; /* the caller's, for a stream of one block */
	int inline_ready;
	pgz_out_fn fn;
	void *ud;
};

static int zinit(z_stream *s, int level)
{
	memset(s, 0, sizeof(*s));
	return deflateInit2(s, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK ? 0 : -1;
}

/* Compresses slot b with s (a raw deflate stream of the level). */
static int deflate_block(z_stream *s, struct slot *b)
{
	int flush = b->last ? Z_FINISH : Z_SYNC_FLUSH;
	int rc = Z_OK;

	if (deflateReset(s) != Z_OK ||
	    (b->dict_len && deflateSetDictionary(s, b->dict, (uInt)b->dict_len) != Z_OK))
		return -1;
	s->next_in = b->in;
	s->avail_in = (uInt)b->len;
	b->out_len = 0;
	for (;;) {
		if (b->out_len == b->out_cap) {
			unsigned char *grown = realloc(b->out, b->out_cap * 2);

			if (!grown)
				return -1;
			b->out = grown;
			b->out_cap *= 2;
		}
		s->next_out = b->out + b->out_len;
		s->avail_out = (uInt)(b->out_cap - b->out_len);
		rc = deflate(s, flush);
		b->out_len = b->out_cap - s->avail_out;
		if (rc == Z_STREAM_ERROR || (rc == Z_BUF_ERROR && s->avail_out > 0))
			return -1;
		/* done: the whole stream ended, or the flush complete with room
		 * to spare (a full buffer may hide more of it) */
		if (rc == Z_STREAM_END || (!b->last && s->avail_in == 0 && s->avail_out > 0))
			break;
	}
	b->crc = crc32(0L, b->in, (uInt)b->len);
	return 0;
}

/* The READY block of lowest sequence, or NULL. Under mu. */
static struct slot *next_ready(struct pgz *z)
{
	struct slot *best = NULL;

	for (size_t i = 0; i < z->nslots; i++)
		if (z->slots[i].state == SLOT_READY && (!best || z->slots[i].seq < best->seq))
			best = &z->slots[i];
	return best;
}

static void *worker(void *ud)
{
	struct pgz *z = ud;
	z_stream s;
	int ready = zinit(&s, z->level) == 0;

	pthread_mutex_lock(&z->mu);
	for (;;) {
		struct slot *b;

		while (!z->quit && !(b = next_ready(z)))
			pthread_cond_wait(&z->work, &z->mu);
		if (z->quit)
			break;
		b->state = SLOT_BUSY;
		pthread_mutex_unlock(&z->mu);
		b->failed = !ready || deflate_block(&s, b) < 0;
		pthread_mutex_lock(&z->mu);
		b->state = SLOT_DONE;
		pthread_cond_broadcast(&z->done);
	}
	pthread_mutex_unlock(&z->mu);
	if (ready)
		deflateEnd(&s);
	return NULL;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* Writes DONE block b (the next in order) out, after the header. Called
 * without mu. */
static int emit(struct pgz *z, struct slot *b, struct sb_error *err)
{
	/* gzip's header: deflate, no flags, no time, no extra flags, Unix */
	static const unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};

	if (b->failed)
		return sb_errorf(err, "zlib: cannot compress: out of memory");
	if (!z->header_done && z->fn(z->ud, header, sizeof(header), err) < 0)
		return -1;
	z->header_done = 1;
	if (b->out_len && z->fn(z->ud, b->out, b->out_len, err) < 0)
		return -1;
	z->crc = crc32_combine(z->crc, b->crc, (z_off_t)b->len);
	return 0;
}

/* Writes out every DONE block that is next in order; with wait, until the
 * slot for block seq is free (or, with seq past the last block, until all
 * are written). */
static int drain(struct pgz *z, uint64_t until, struct sb_error *err)
{
	pthread_mutex_lock(&z->mu);
	while (z->next_out < until) {
		struct slot *b = &z->slots[z->next_out % z->nslots];

		if (b->state != SLOT_DONE) {
			pthread_cond_wait(&z->done, &z->mu);
			continue;
		}
		pthread_mutex_unlock(&z->mu);
		if (emit(z, b, err) < 0) {
			z->failed = 1;
			return -1;
		}
		pthread_mutex_lock(&z->mu);
		b->state = SLOT_FREE;
		z->next_out++;
	}
	pthread_mutex_unlock(&z->mu);
	return 0;
}

static int start_workers(struct pgz *z, struct sb_error *err)
{
	while (z->started < z->nthreads) {
		if (pthread_create(&z->threads[z->started], NULL, worker, z) != 0) {
			if (z->started)
				return 0; /* fewer workers: the same bytes, later */
			return sb_errorf(err, "cannot start a thread to compress");
		}
		z->started++;
	}
	return 0;
}

/* A free slot for the next block, its dictionary copied in. */
static int take_slot(struct pgz *z, struct sb_error *err)
{
	struct slot *b = &z->slots[z->next_in % z->nslots];

	if (z->next_in >= z->nslots && drain(z, z->next_in - z->nslots + 1, err) < 0)
		return -1;
	b->seq = z->next_in;
	b->len = 0;
	b->last = 0;
	b->failed = 0;
	b->dict_len = z->tail_len;
	memcpy(b->dict, z->tail, z->tail_len);
	z->cur = b;
	return 0;
}

/* Hands the filled block to the workers. */
static int submit(struct pgz *z, int last, struct sb_error *err)
{
	struct slot *b = z->cur;

	/* the next block's dictionary: the last DICT bytes before it */
	if (b->len >= DICT) {
		memcpy(z->tail, b->in + b->len - DICT, DICT);
		z->tail_len = DICT;
	} else if (b->len) {
		size_t keep = z->tail_len + b->len > DICT ? DICT - b->len : z->tail_len;

		memmove(z->tail, z->tail + z->tail_len - keep, keep);
		memcpy(z->tail + keep, b->in, b->len);
		z->tail_len = keep + b->len;
	}
	b->last = last;
	z->cur = NULL;
	z->next_in++;
	if (last && z->started == 0 && b->seq == 0) {
		/* one block: compressed here, no thread started */
		if (!z->inline_ready) {
			if (zinit(&z->inline_strm, z->level) < 0)
				return sb_errorf(err,
						 "zlib: cannot start compressing: out of memory");
			z->inline_ready = 1;
		}
		b->failed = deflate_block(&z->inline_strm, b) < 0;
		b->state = SLOT_DONE;
		return 0;
	}
	if (start_workers(z, err) < 0)
		return -1;
	pthread_mutex_lock(&z->mu);
	b->state = SLOT_READY;
	pthread_cond_signal(&z->work);
	pthread_mutex_unlock(&z->mu);
	return 0;
}

int pgz_new(struct pgz **out, int level, unsigned threads, pgz_out_fn fn, void *ud,
	    struct sb_error *err)
{
	struct pgz *z = calloc(1, sizeof(*z));

	*out = NULL;
	if (!z)
		return sb_errorf(err, "out of memory");
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		threads = n < 1 ? 1u : n > (long)MAX_THREADS ? MAX_THREADS : (unsigned)n;
	}
	z->level = level;
	z->nthreads = threads;
	z->fn = fn;
	z->ud = ud;
	z->crc = crc32(0L, Z_NULL, 0);
	z->nslots = 2 * (size_t)threads + 1;
	pthread_mutex_init(&z->mu, NULL);
	pthread_cond_init(&z->work, NULL);
	pthread_cond_init(&z->done, NULL);
	z->threads = calloc(threads, sizeof(*z->threads));
	z->slots = calloc(z->nslots, sizeof(*z->slots));
	if (!z->threads || !z->slots)
		goto nomem;
	for (size_t i = 0; i < z->nslots; i++) {
		struct slot *b = &z->slots[i];

		b->out_cap = PGZ_BLOCK + PGZ_BLOCK / 8 + 1024;
		if (!(b->in = malloc(PGZ_BLOCK)) || !(b->dict = malloc(DICT)) ||
		    !(b->out = malloc(b->out_cap)))
			goto nomem;
	}
	*out = z;
	return 0;
nomem:
	pgz_free(z);
	return sb_errorf(err, "out of memory");
}

int pgz_write(struct pgz *z, const void *buf, size_t n, struct sb_error *err)
{
	const unsigned char *p = buf;

	if (z->failed)
		return -1;
	z->total += n;
	while (n > 0) {
		size_t room;

		if (!z->cur && take_slot(z, err) < 0)
			return -1;
		room = PGZ_BLOCK - z->cur->len;
		if (room > n)
			room = n;
		memcpy(z->cur->in + z->cur->len, p, room);
		z->cur->len += room;
		p += room;
		n -= room;
		if (z->cur->len == PGZ_BLOCK && submit(z, 0, err) < 0)
			return -1;
	}
	return 0;
}

int pgz_close(struct pgz *z, struct sb_error *err)
{
	unsigned char trailer[8];

	if (z->failed)
		return -1;
	if ((!z->cur && take_slot(z, err) < 0) || submit(z, 1, err) < 0 ||
	    drain(z, z->next_in, err) < 0)
		return -1;
	put32(trailer, (uint32_t)z->crc);
	put32(trailer + 4, (uint32_t)z->total);
	return z->fn(z->ud, trailer, sizeof(trailer), err);
}

void pgz_free(struct pgz *z)
{
	if (!z)
		return;
	pthread_mutex_lock(&z->mu);
	z->quit = 1;
	pthread_cond_broadcast(&z->work);
	pthread_mutex_unlock(&z->mu);
	for (unsigned i = 0; i < z->started; i++)
		pthread_join(z->threads[i], NULL);
	if (z->inline_ready)
		deflateEnd(&z->inline_strm);
	for (size_t i = 0; z->slots && i < z->nslots; i++) {
		free(z->slots[i].in);
		free(z->slots[i].dict);
		free(z->slots[i].out);
	}
	free(z->slots);
	free(z->threads);
	pthread_cond_destroy(&z->done);
	pthread_cond_destroy(&z->work);
	pthread_mutex_destroy(&z->mu);
	free(z);
}
