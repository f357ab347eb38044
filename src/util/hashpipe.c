/* SHA-256 on a second core: a single-producer, single-consumer ring.
 *
 * head and tail count bytes since the pipe was made: the producer (the
 * caller) advances head when it pushes, the hashing thread advances tail when
 * it has hashed. Both sides run without locks while there is work; the mutex
 * and the two condition variables are only for sleeping. A side that is about
 * to sleep first says so (cons_waiting, prod_waiting), then checks again
 * under the mutex; the other side signals, under the mutex, only when it sees
 * that flag. All atomics are sequentially consistent, so either the sleeper
 * sees the new position or the other side sees the flag: no lost wake-up.
 *
 * The thread wakes for at least BATCH bytes (or a flush), so a stream of
 * small files does not cost a wake-up each; it hashes at most CHUNK bytes at
 * a time, so room comes back to the producer steadily. */
#include "util/hashpipe.h"

#include <pthread.h>
#include <sys/mman.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The ring with a hashing thread: one huge page. 4 MiB was no faster on
 * many small files or on big ones, and cost 2 MiB more of resident memory. */
#define RING_THREADED (2u << 20)
#define RING_INLINE   (1u << 20) /* room for reads when hashing inline */
#define BATCH	      (64u << 10)
#define CHUNK	      (256u << 10)
#define HUGE_PAGE     (2u << 20)

struct sb_hashpipe {
	unsigned char *ring;
	size_t size; /* a power of two */
	_Atomic uint64_t head, tail;
	uint64_t start;	    /* head when the current stream began */
	unsigned char *res; /* reserved room, or NULL */
	size_t res_len;
	struct sb_sha256 sha; /* touched by the thread only while tail < head */
	int threaded;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t data_cv, space_cv;
	_Atomic int cons_waiting, prod_waiting, flush, quit;
	_Atomic uint64_t wake_at; /* the tail the sleeping producer waits for */
};

int sb_hashpipe_worth_a_thread(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 0;
	return CPU_COUNT(&set) > 1;
}

/* The thread has nothing to do: no bytes, or too few and no flush asked. */
static int idle(struct sb_hashpipe *hp)
{
	uint64_t avail = atomic_load(&hp->head) - atomic_load(&hp->tail);

	return avail == 0 || (avail < BATCH && !atomic_load(&hp->flush));
}

static void wake(struct sb_hashpipe *hp, pthread_cond_t *cv)
{
	pthread_mutex_lock(&hp->mu);
	pthread_cond_signal(cv);
	pthread_mutex_unlock(&hp->mu);
}

static void *hasher(void *arg)
{
	struct sb_hashpipe *hp = arg;

	while (!atomic_load(&hp->quit)) {
		uint64_t t, h;
		size_t pos, n;

		if (idle(hp)) {
			pthread_mutex_lock(&hp->mu);
			atomic_store(&hp->cons_waiting, 1);
			while (!atomic_load(&hp->quit) && idle(hp))
				pthread_cond_wait(&hp->data_cv, &hp->mu);
			atomic_store(&hp->cons_waiting, 0);
			pthread_mutex_unlock(&hp->mu);
			continue;
		}
		t = atomic_load(&hp->tail);
		h = atomic_load(&hp->head);
		pos = (size_t)(t & (hp->size - 1));
		n = (size_t)(h - t);
		if (n > hp->size - pos)
			n = hp->size - pos;
		if (n > CHUNK)
			n = CHUNK;
		sb_sha256_update(&hp->sha, hp->ring + pos, n);
		atomic_store(&hp->tail, t + n);
		if (atomic_load(&hp->prod_waiting) && t + n >= atomic_load(&hp->wake_at))
			wake(hp, &hp->space_cv);
	}
	return NULL;
}

/* Starts the hashing thread; 0, or -1 (nothing left behind) when it cannot. */
static int start_thread(struct sb_hashpipe *hp)
{
	int made = 0; /* how many of mutex, data_cv, space_cv exist */

	if (pthread_mutex_init(&hp->mu, NULL) != 0)
		goto fail;
	made = 1;
	if (pthread_cond_init(&hp->data_cv, NULL) != 0)
		goto fail;
	made = 2;
	if (pthread_cond_init(&hp->space_cv, NULL) != 0)
		goto fail;
	made = 3;
	if (pthread_create(&hp->thread, NULL, hasher, hp) != 0)
		goto fail;
	return 0;
fail:
	if (made >= 3)
		pthread_cond_destroy(&hp->space_cv);
	if (made >= 2)
		pthread_cond_destroy(&hp->data_cv);
	if (made >= 1)
		pthread_mutex_destroy(&hp->mu);
	return -1;
}

int sb_hashpipe_new(struct sb_hashpipe **out, int threaded, struct sb_error *err)
{
	struct sb_hashpipe *hp = calloc(1, sizeof(*hp));

	*out = NULL;
	if (!hp)
		goto nomem;
	hp->size = threaded ? RING_THREADED : RING_INLINE;
	/* Aligned for huge pages where the kernel gives them on request: the
	 * first touch of the ring then costs a fault per 2 MiB, not per 4 KiB,
	 * which is a good part of a small build's time. */
	if (posix_memalign((void **)&hp->ring, HUGE_PAGE, hp->size) != 0) {
		hp->ring = NULL;
		goto nomem;
	}
	(void)madvise(hp->ring, hp->size, MADV_HUGEPAGE); /* only a hint */
	sb_sha256_init(&hp->sha);
	/* Without a thread (none asked for, or it cannot start) the caller
	 * hashes inline. */
	hp->threaded = threaded && start_thread(hp) == 0;
	*out = hp;
	return 0;
nomem:
	sb_hashpipe_free(hp);
	return sb_errorf(err, "out of memory");
}

void sb_hashpipe_free(struct sb_hashpipe *hp)
{
	if (!hp)
		return;
	if (hp->threaded) {
		pthread_mutex_lock(&hp->mu);
		atomic_store(&hp->quit, 1);
		pthread_cond_signal(&hp->data_cv);
		pthread_mutex_unlock(&hp->mu);
		pthread_join(hp->thread, NULL);
		pthread_cond_destroy(&hp->space_cv);
		pthread_cond_destroy(&hp->data_cv);
		pthread_mutex_destroy(&hp->mu);
	}
	free(hp->ring);
	free(hp);
}

/* Waits until the thread has hashed up to tail `until` (the producer's
 * only way of sleeping). The thread wakes it once that is done, not after
 * every piece it hashes. */
static void wait_tail(struct sb_hashpipe *hp, uint64_t until)
{
	if (atomic_load(&hp->tail) >= until)
		return;
	pthread_mutex_lock(&hp->mu);
	atomic_store(&hp->wake_at, until);
	atomic_store(&hp->prod_waiting, 1);
	while (atomic_load(&hp->tail) < until) {
		if (atomic_load(&hp->cons_waiting))
			pthread_cond_signal(&hp->data_cv);
		pthread_cond_wait(&hp->space_cv, &hp->mu);
	}
	atomic_store(&hp->prod_waiting, 0);
	pthread_mutex_unlock(&hp->mu);
}

/* Waits until need bytes of the ring are free (need <= size). */
static void wait_space(struct sb_hashpipe *hp, size_t need)
{
	uint64_t head = atomic_load(&hp->head);

	if (head + need > hp->size)
		wait_tail(hp, head + need - hp->size);
}

/* The next n bytes of the stream, at p: hashed here without a thread; with
 * one, they stand at the ring's head and go to the thread. */
static void take(struct sb_hashpipe *hp, const unsigned char *p, size_t n)
{
	if (!hp->threaded)
		sb_sha256_update(&hp->sha, p, n);
	atomic_store(&hp->head, atomic_load(&hp->head) + n);
	if (hp->threaded && atomic_load(&hp->cons_waiting) && !idle(hp))
		wake(hp, &hp->data_cv);
}

/* Free room at the ring's head, up to want bytes (want >= 1), once it is
 * free: never past the ring's end, and at most half the ring, so that the
 * thread always has the other half. Without a thread, the whole ring. */
static unsigned char *head_room(struct sb_hashpipe *hp, size_t want, size_t *n)
{
	size_t pos;

	if (!hp->threaded) {
		*n = want < hp->size ? want : hp->size;
		return hp->ring;
	}
	pos = (size_t)(atomic_load(&hp->head) & (hp->size - 1));
	*n = hp->size - pos;
	if (*n > hp->size / 2)
		*n = hp->size / 2;
	if (*n > want)
		*n = want;
	wait_space(hp, *n);
	return hp->ring + pos;
}

void *sb_hashpipe_reserve(struct sb_hashpipe *hp, size_t want, size_t *room)
{
	hp->res = head_room(hp, want ? want : 1, &hp->res_len);
	*room = hp->res_len;
	return hp->res;
}

void sb_hashpipe_unreserve(struct sb_hashpipe *hp)
{
	hp->res = NULL;
	hp->res_len = 0;
}

int sb_hashpipe_push(struct sb_hashpipe *hp, const void *p, size_t n)
{
	const unsigned char *src = p;

	if (n == 0)
		return 0;
	if (hp->res && src == hp->res) {
		if (n > hp->res_len)
			return -1;
		take(hp, src, n);
		hp->res += n;
		hp->res_len -= n;
		if (hp->res_len == 0)
			hp->res = NULL;
		return 0;
	}
	if (hp->res)
		return -1; /* would overwrite the reserved room */
	if (!hp->threaded) {
		take(hp, src, n);
		return 0;
	}
	while (n > 0) {
		size_t k;
		unsigned char *dst = head_room(hp, n, &k);

		memcpy(dst, src, k);
		take(hp, dst, k);
		src += k;
		n -= k;
	}
	return 0;
}

unsigned long long sb_hashpipe_bytes(const struct sb_hashpipe *hp)
{
	return (unsigned long long)(atomic_load(&hp->head) - hp->start);
}

void sb_hashpipe_final(struct sb_hashpipe *hp, unsigned char out[SB_SHA256_BYTES])
{
	sb_hashpipe_unreserve(hp);
	if (hp->threaded) {
		atomic_store(&hp->flush, 1);
		if (atomic_load(&hp->cons_waiting))
			wake(hp, &hp->data_cv);
		wait_tail(hp, atomic_load(&hp->head));
	}
	sb_sha256_final(&hp->sha, out);
	sb_sha256_init(&hp->sha);
	atomic_store(&hp->flush, 0);
	hp->start = atomic_load(&hp->head);
}
