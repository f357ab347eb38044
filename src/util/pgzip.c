/* gzip on several cores (see pgzip.h): the caller's thread cuts the input
 * into blocks and writes the compressed blocks out in order; workers
 * compress whichever block is ready, each into a gzip member of its own
 * (libdeflate). A block's slot in the ring is free again once its output
 * has been written.
 *
 *   pgz_write --block--> ring slot (READY) --worker: libdeflate--> DONE
 *             <--in order: one gzip member per block-- pgz_out_fn
 */
#include "util/pgzip.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libdeflate.h>

#include "util/recdeflate.h"

#define MAX_THREADS 4u

/* The shortest block compressed by record (see pgzip.h). */
#define RECORD_MIN (32u << 10)

enum slot_state { SLOT_FREE, SLOT_READY, SLOT_BUSY, SLOT_DONE };

struct slot {
	unsigned char *in; /* PGZ_BLOCK bytes */
	size_t len;
	unsigned char *out; /* pgz.out_cap bytes */
	size_t out_len;
	uint64_t seq;
	int failed; /* libdeflate could not compress it (memory) */
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
	size_t out_cap; /* room for the worst a block can become */
	int failed;
	struct deflater *inline_d; /* the caller's, for one block */
	pgz_out_fn fn;
	void *ud;
};

/* One thread's compressors: at the level asked, at level 0 (stored
 * blocks), by record (recdeflate.h); and the marks of a block's records. */
struct deflater {
	struct libdeflate_compressor *c, *c0;
	struct rd_state rd;
	unsigned char cls[PGZ_BLOCK / RD_RECORD];
};

static void deflater_free(struct deflater *d)
{
	if (!d)
		return;
	if (d->c)
		libdeflate_free_compressor(d->c);
	if (d->c0)
		libdeflate_free_compressor(d->c0);
	free(d);
}

/* NULL when out of memory. */
static struct deflater *deflater_new(int level)
{
	struct deflater *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->c = libdeflate_alloc_compressor(level);
	d->c0 = libdeflate_alloc_compressor(0);
	if (!d->c || !d->c0) {
		deflater_free(d);
		return NULL;
	}
	return d;
}

/* Whether half or more of the block's records look random (recdeflate.h),
 * which marks them in d->cls. A block shorter than RECORD_MIN never does. */
static int mostly_random(struct deflater *d, const unsigned char *p, size_t len)
{
	size_t records = (len + RD_RECORD - 1) / RD_RECORD;

	return len >= RECORD_MIN && 2 * rd_classify(p, len, d->cls) >= records;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Slot b as a gzip member made by record (d->cls marked): libdeflate's
 * header at its fastest (XFL 4), the DEFLATE stream, CRC-32 and size. 0
 * when it does not fit in cap. */
static size_t record_member(struct deflater *d, struct slot *b, size_t cap)
{
	static const unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 0xff};
	size_t n;

	if (cap < sizeof(header) + 8)
		return 0;
	n = rd_deflate(&d->rd, b->in, b->len, d->cls, b->out + sizeof(header),
		       cap - sizeof(header) - 8);
	if (!n)
		return 0;
	memcpy(b->out, header, sizeof(header));
	n += sizeof(header);
	put_le32(b->out + n, (uint32_t)libdeflate_crc32(0, b->in, b->len));
	put_le32(b->out + n + 4, (uint32_t)b->len);
	return n + 8;
}

/* Compresses slot b with d into a gzip member: by record when half or more
 * of its records look random (stored when that does not fit), else at the
 * level asked. */
static int deflate_block(struct deflater *d, struct slot *b, size_t cap)
{
	struct libdeflate_compressor *c = d->c;

	if (mostly_random(d, b->in, b->len)) {
		if ((b->out_len = record_member(d, b, cap)))
			return 0;
		c = d->c0;
	}
	b->out_len = libdeflate_gzip_compress(c, b->in, b->len, b->out, cap);
	return b->out_len ? 0 : -1;
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
	struct deflater *d = deflater_new(z->level);

	pthread_mutex_lock(&z->mu);
	for (;;) {
		struct slot *b;

		while (!z->quit && !(b = next_ready(z)))
			pthread_cond_wait(&z->work, &z->mu);
		if (z->quit)
			break;
		b->state = SLOT_BUSY;
		pthread_mutex_unlock(&z->mu);
		b->failed = !d || deflate_block(d, b, z->out_cap) < 0;
		pthread_mutex_lock(&z->mu);
		b->state = SLOT_DONE;
		pthread_cond_broadcast(&z->done);
	}
	pthread_mutex_unlock(&z->mu);
	deflater_free(d);
	return NULL;
}

/* Writes DONE block b (the next in order) out. Called without mu. */
static int emit(struct pgz *z, struct slot *b, struct sb_error *err)
{
	if (b->failed)
		return sb_errorf(err, "libdeflate: cannot compress: out of memory");
	return z->fn(z->ud, b->out, b->out_len, err);
}

/* Writes out, in order, every block before block `until`, waiting for the
 * workers where one is not DONE yet. */
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

/* A free slot for the next block. */
static int take_slot(struct pgz *z, struct sb_error *err)
{
	struct slot *b = &z->slots[z->next_in % z->nslots];

	if (z->next_in >= z->nslots && drain(z, z->next_in - z->nslots + 1, err) < 0)
		return -1;
	b->seq = z->next_in;
	b->len = 0;
	b->failed = 0;
	z->cur = b;
	return 0;
}

/* Hands the filled block to the workers. */
static int submit(struct pgz *z, int last, struct sb_error *err)
{
	struct slot *b = z->cur;

	z->cur = NULL;
	z->next_in++;
	if (last && z->started == 0 && b->seq == 0) {
		/* one block: compressed here, no thread started */
		if (!z->inline_d && !(z->inline_d = deflater_new(z->level)))
			return sb_errorf(err,
					 "libdeflate: cannot start compressing: out of memory");
		b->failed = deflate_block(z->inline_d, b, z->out_cap) < 0;
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
	z->nslots = 2 * (size_t)threads + 1;
	pthread_mutex_init(&z->mu, NULL);
	pthread_cond_init(&z->work, NULL);
	pthread_cond_init(&z->done, NULL);
	z->threads = calloc(threads, sizeof(*z->threads));
	z->slots = calloc(z->nslots, sizeof(*z->slots));
	if (!z->threads || !z->slots)
		goto nomem;
	/* libdeflate's bound for a block, whatever the level */
	z->out_cap = libdeflate_gzip_compress_bound(NULL, PGZ_BLOCK);
	for (size_t i = 0; i < z->nslots; i++) {
		struct slot *b = &z->slots[i];

		if (!(b->in = malloc(PGZ_BLOCK)) || !(b->out = malloc(z->out_cap)))
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
	if (z->failed)
		return -1;
	/* the last block, unless it would be an empty member after others (an
	 * empty input is one empty member: a gzip file has at least one) */
	if (z->cur && (z->cur->len || z->next_in == 0) && submit(z, 1, err) < 0)
		return -1;
	if (!z->cur && z->next_in == 0 && (take_slot(z, err) < 0 || submit(z, 1, err) < 0))
		return -1;
	z->cur = NULL;
	return drain(z, z->next_in, err);
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
	deflater_free(z->inline_d);
	for (size_t i = 0; z->slots && i < z->nslots; i++) {
		free(z->slots[i].in);
		free(z->slots[i].out);
	}
	free(z->slots);
	free(z->threads);
	pthread_cond_destroy(&z->done);
	pthread_cond_destroy(&z->work);
	pthread_mutex_destroy(&z->mu);
	free(z);
}
