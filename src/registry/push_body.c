/* Where the bytes of an upload come from (a struct reg_body, opened afresh
 * for every attempt): a config from memory; a layer compressed for the push
 * from its scratch file (push_load.c made it and its digest); a layer sent
 * as the image stores it (compressed as asked, or an uncompressed tar) as it
 * streams from the image file. The layer copier writes into a file
 * descriptor, the client reads from one: a thread runs the copier into a
 * pipe that the client reads. Its bytes must come out as the digest that
 * push_load.c took: checked at the end of every attempt.
 *
 *   scratch file --pread--> reg_body read --> HTTP
 *   image file --img_layer_export (thread)--> pipe --> reg_body read --> HTTP
 */
#include "image/export.h"
#include "registry/push_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void *produce(void *ud)
{
	struct push_body *pb = ud;
	sigset_t pipe_sig;

	/* The reader may stop early (an attempt that failed): the write then
	 * fails with EPIPE instead of killing the program. */
	sigemptyset(&pipe_sig);
	sigaddset(&pipe_sig, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_sig, NULL);
	pb->rc = img_layer_export(pb->blob->base, pb->blob->layer, pb->comp, pb->wfd, "the upload",
				  pb->got, &pb->got_size, &pb->terr);
	close(pb->wfd);
	pb->wfd = -1;
	return NULL;
}

/* Waits for the thread; its error, if any, into err. */
static int finish(struct push_body *pb, struct sb_error *err)
{
	if (!pb->running)
		return 0;
	pthread_join(pb->thread, NULL);
	pb->running = 0;
	if (pb->rc < 0) {
		sb_error_release(err);
		*err = pb->terr;
		memset(&pb->terr, 0, sizeof(pb->terr));
		return -1;
	}
	return 0;
}

static void body_close(void *ud)
{
	struct push_body *pb = ud;
	struct sb_error ignored = {0};

	if (pb->rfd >= 0)
		close(pb->rfd);
	pb->rfd = -1;
	finish(pb, &ignored);
	sb_error_release(&ignored);
	sb_error_release(&pb->terr);
}

static int body_open(void *ud, struct sb_error *err)
{
	struct push_body *pb = ud;
	int fds[2];

	pb->off = 0;
	if (pb->blob->mem || pb->blob->spool >= 0)
		return 0;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return sb_errorf(err, "cannot make a pipe: %s", strerror(errno));
	pb->rfd = fds[0];
	pb->wfd = fds[1];
	pb->rc = 0;
	if (pthread_create(&pb->thread, NULL, produce, pb) != 0) {
		close(fds[0]);
		close(fds[1]);
		pb->rfd = pb->wfd = -1;
		return sb_errorf(err, "cannot start a thread to compress layer %zu",
				 pb->blob->layer + 1);
	}
	pb->running = 1;
	return 0;
}

static int body_read(void *ud, void *buf, size_t n, size_t *got, struct sb_error *err)
{
	struct push_body *pb = ud;
	ssize_t r;

	if (pb->blob->mem) {
		*got = n < pb->blob->size - pb->off ? n : (size_t)(pb->blob->size - pb->off);
		memcpy(buf, pb->blob->mem + pb->off, *got);
		pb->off += *got;
		return 0;
	}
	if (pb->blob->spool >= 0) {
		do
			r = pread(pb->blob->spool, buf, n, (off_t)pb->off);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return sb_errorf(err,
					 "reading layer %zu for the upload from its temporary "
					 "file: %s",
					 pb->blob->layer + 1, strerror(errno));
		if (r == 0 && pb->off != pb->blob->size)
			return sb_errorf(err,
					 "layer %zu: its temporary file ends after %llu of "
					 "%llu bytes",
					 pb->blob->layer + 1, (unsigned long long)pb->off,
					 (unsigned long long)pb->blob->size);
		*got = (size_t)r;
		pb->off += (size_t)r;
		return 0;
	}
	do
		r = read(pb->rfd, buf, n);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return sb_errorf(err, "reading layer %zu for the upload: %s", pb->blob->layer + 1,
				 strerror(errno));
	*got = (size_t)r;
	if (r > 0)
		return 0;
	if (finish(pb, err) < 0)
		return -1;
	if (strcmp(pb->got, pb->blob->digest) || pb->got_size != pb->blob->size)
		return sb_errorf(err,
				 "layer %zu compressed to %s (%llu bytes) this time, to %s "
				 "(%llu bytes) the first time: the image file changed",
				 pb->blob->layer + 1, pb->got, (unsigned long long)pb->got_size,
				 pb->blob->digest, (unsigned long long)pb->blob->size);
	return 0;
}

void push_body_init(struct push_body *pb, const struct push_blob *blob, enum img_compression comp,
		    struct reg_body *body)
{
	memset(pb, 0, sizeof(*pb));
	pb->blob = blob;
	pb->comp = comp;
	pb->rfd = pb->wfd = -1;
	body->open = body_open;
	body->read = body_read;
	body->close = body_close;
	body->ud = pb;
	body->size = blob->size;
}
