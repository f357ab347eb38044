/* A small driver of the registry client for the tests:
 *
 *   regtool [OPTIONS] HOST exists REPO DIGEST          yes or no
 *   regtool [OPTIONS] HOST mount REPO FROM DIGEST      mounted or uploaded-needed
 *   regtool [OPTIONS] HOST upload REPO FILE            the blob's digest
 *   regtool [OPTIONS] HOST put-manifest REPO REF TYPE FILE
 *   regtool [OPTIONS] HOST get-manifest REPO REF       the media type, then the body
 *
 * OPTIONS: --config DIR, --certs-d DIR, --insecure HOST, --chunk BYTES,
 * --retries N, --backoff MS. "requests N" goes to stderr at the end. */
#include "registry/registry.h"
#include "util/io.h"
#include "util/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct file_body {
	const char *path;
	int fd;
};

static int fb_open(void *ud, struct sb_error *err)
{
	struct file_body *f = ud;

	f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
	return f->fd < 0 ? sb_error_file(err, f->path, "cannot open: %s", strerror(errno)) : 0;
}

static int fb_read(void *ud, void *buf, size_t n, size_t *got, struct sb_error *err)
{
	struct file_body *f = ud;
	ssize_t r = read(f->fd, buf, n);

	if (r < 0)
		return sb_error_file(err, f->path, "cannot read: %s", strerror(errno));
	*got = (size_t)r;
	return 0;
}

static void fb_close(void *ud)
{
	struct file_body *f = ud;

	close(f->fd);
	f->fd = -1;
}

static int file_digest(const char *path, char out[72], uint64_t *size, struct sb_error *err)
{
	struct sb_sha256 h;
	unsigned char sum[SB_SHA256_BYTES], buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return sb_error_file(err, path, "cannot open: %s", strerror(errno));
	sb_sha256_init(&h);
	*size = 0;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		sb_sha256_update(&h, buf, (size_t)r);
		*size += (uint64_t)r;
	}
	close(fd);
	if (r < 0)
		return sb_error_file(err, path, "cannot read: %s", strerror(errno));
	sb_sha256_final(&h, sum);
	strcpy(out, "sha256:");
	for (int i = 0; i < SB_SHA256_BYTES; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", sum[i]);
	return 0;
}

static int run(struct reg_client *c, int argc, char **argv, struct sb_error *err)
{
	const char *cmd = argv[0];

	if (!strcmp(cmd, "exists") && argc == 3) {
		int yes;
		if (reg_blob_exists(c, argv[1], argv[2], 0, &yes, err) < 0)
			return -1;
		puts(yes ? "yes" : "no");
		return 0;
	}
	if (!strcmp(cmd, "mount") && argc == 4) {
		int yes;
		if (reg_blob_mount(c, argv[1], argv[2], argv[3], &yes, err) < 0)
			return -1;
		puts(yes ? "mounted" : "not mounted");
		return 0;
	}
	if (!strcmp(cmd, "upload") && argc == 3) {
		struct file_body f = {.path = argv[2], .fd = -1};
		struct reg_body b = {.open = fb_open, .read = fb_read, .close = fb_close, .ud = &f};
		char digest[72];
		if (file_digest(argv[2], digest, &b.size, err) < 0 ||
		    reg_blob_upload(c, argv[1], digest, &b, NULL, NULL, err) < 0)
			return -1;
		puts(digest);
		return 0;
	}
	if (!strcmp(cmd, "put-manifest") && argc == 5) {
		int fd = open(argv[4], O_RDONLY | O_CLOEXEC);
		char *buf = NULL;
		size_t len = 0;
		int rc;
		if (fd < 0)
			return sb_error_file(err, argv[4], "cannot open: %s", strerror(errno));
		rc = sb_read_all(fd, argv[4], 4 << 20, &buf, &len, err);
		close(fd);
		if (rc == 0)
			rc = reg_manifest_put(c, argv[1], argv[2], argv[3], buf, len, err);
		free(buf);
		return rc;
	}
	if (!strcmp(cmd, "get-manifest") && argc == 3) {
		char *body, *type;
		size_t len;
		if (reg_manifest_get(c, argv[1], argv[2], &body, &len, &type, err) < 0)
			return -1;
		printf("%s\n", type);
		fwrite(body, 1, len, stdout);
		free(body);
		free(type);
		return 0;
	}
	return sb_errorf(err, "regtool: unknown command or wrong arguments: %s", cmd);
}

int main(int argc, char **argv)
{
	struct reg_opts o = {0};
	char *insecure[8];
	struct reg_client *c = NULL;
	struct sb_error err = {0};
	int i = 1, rc = 1;

	o.insecure = insecure;
	for (; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		const char *v = argv[i + 1];
		if (!strcmp(argv[i], "--config"))
			o.docker_config = v;
		else if (!strcmp(argv[i], "--certs-d"))
			o.certs_d = v;
		else if (!strcmp(argv[i], "--insecure") && o.ninsecure < 8)
			insecure[o.ninsecure++] = argv[i + 1];
		else if (!strcmp(argv[i], "--chunk"))
			o.chunk_size = strtoull(v, NULL, 10);
		else if (!strcmp(argv[i], "--retries"))
			o.retries = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(argv[i], "--backoff"))
			o.max_backoff_ms = (unsigned)strtoul(v, NULL, 10);
		else
			break;
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: regtool [OPTIONS] HOST COMMAND ARGS...\n");
		return 2;
	}
	if (reg_client_new(&c, argv[i], &o, &err) == 0 &&
	    run(c, argc - i - 1, argv + i + 1, &err) == 0)
		rc = 0;
	if (c)
		fprintf(stderr, "requests %llu\n", (unsigned long long)reg_client_requests(c));
	if (rc) {
		char *msg = sb_error_format(&err);
		fprintf(stderr, "%s\n", msg ? msg : "out of memory");
		free(msg);
	}
	sb_error_release(&err);
	reg_client_free(c);
	return rc;
}
