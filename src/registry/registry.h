/* Talking to a registry: the OCI distribution API over HTTP(S), through
 * libcurl. One struct reg_client per registry host (e.g. "127.0.0.1:5000",
 * "ghcr.io"; Docker Hub is "registry-1.docker.io" for "docker.io"):
 *
 *   - credentials as Docker keeps them: $DOCKER_CONFIG/config.json or
 *     ~/.docker/config.json (`auths`, `credsStore`, `credHelpers`, running
 *     `docker-credential-NAME get`); anonymous, basic and bearer-token
 *     challenges (WWW-Authenticate), tokens cached per scope for the client's
 *     life. No secret ever goes into an error, a hint or a progress line.
 *   - TLS verified against the system store and
 *     /etc/docker/certs.d/HOST[:PORT]/ (*.crt CAs, client.cert/client.key);
 *     plain HTTP only for loopback hosts or the hosts of opts->insecure, as
 *     Docker does.
 *   - retries with backoff on connection errors, 429 and 5xx, bounded in
 *     count and in time.
 *
 * Library code: errors go into struct sb_error (the host, the request, the
 * registry's own error text), nothing is printed.
 */
#ifndef SB_REGISTRY_H
#define SB_REGISTRY_H

#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

struct reg_client;

struct reg_opts {
	char *const *insecure; /* --insecure-registry HOST[:PORT] values; borrowed */
	size_t ninsecure;
	const char *docker_config; /* directory holding config.json; NULL: $DOCKER_CONFIG,
				      else ~/.docker */
	const char *certs_d;	   /* NULL: /etc/docker/certs.d */
	unsigned retries;	   /* attempts after the first; 0: the default (5) */
	unsigned max_backoff_ms;   /* the longest wait between attempts; 0: 8000 */
	uint64_t chunk_size;	   /* uploads above it go in PATCH chunks of this size;
				      0: 64 MiB */
};

/* A client for the registry at host ("HOST[:PORT]", as in a reference). *out
 * is yours (reg_client_free). Nothing is sent yet. */
int reg_client_new(struct reg_client **out, const char *host, const struct reg_opts *opts,
		   struct sb_error *err);
void reg_client_free(struct reg_client *c);

/* How many HTTP requests the client has sent (retries included), for the
 * summary and the tests. */
uint64_t reg_client_requests(const struct reg_client *c);

/* Where the bytes of an upload come from: opened afresh for every attempt
 * (a retry starts the body again), then read to the end. */
struct reg_body {
	int (*open)(void *ud, struct sb_error *err);
	/* Reads up to n bytes; *got 0 at the end. */
	int (*read)(void *ud, void *buf, size_t n, size_t *got, struct sb_error *err);
	void (*close)(void *ud);
	void *ud;
	uint64_t size; /* exact length */
};

/* Progress of one upload, bytes sent so far of total. May be NULL. */
typedef void (*reg_progress_fn)(void *ud, uint64_t sent, uint64_t total);

/* HEAD /v2/REPO/blobs/DIGEST: *exists 1 when the registry has it. for_push:
 * the check is part of a push to REPO, and asks for the push's token
 * (repository:REPO:pull,push) as Docker's client does, so that one token
 * serves every request of the push; else for a pull token. */
int reg_blob_exists(struct reg_client *c, const char *repo, const char *digest, int for_push,
		    int *exists, struct sb_error *err);

/* POST /v2/REPO/blobs/uploads/?mount=DIGEST&from=FROM: *mounted 1 when the
 * registry mounted it (201), 0 when it opened an upload instead (202, then
 * cancelled) or refused. */
int reg_blob_mount(struct reg_client *c, const char *repo, const char *from, const char *digest,
		   int *mounted, struct sb_error *err);

/* Uploads a blob whose digest is known: POST an upload, then PUT (monolithic)
 * or PATCH chunks and PUT, with ?digest= checked by the registry. */
int reg_blob_upload(struct reg_client *c, const char *repo, const char *digest,
		    const struct reg_body *body, reg_progress_fn progress, void *progress_ud,
		    struct sb_error *err);

/* PUT /v2/REPO/manifests/REF (a tag, or the digest of body) with body as
 * media_type. The registry's Docker-Content-Digest is checked against the
 * body's own digest. */
int reg_manifest_put(struct reg_client *c, const char *repo, const char *ref,
		     const char *media_type, const char *body, size_t len, struct sb_error *err);

/* GET /v2/REPO/manifests/REF: the body, its media type. *body and *media_type
 * are yours (free(3)). Used by the tests and by a push that checks a tag. */
int reg_manifest_get(struct reg_client *c, const char *repo, const char *ref, char **body,
		     size_t *len, char **media_type, struct sb_error *err);

#endif
