/* A client for one registry host: its options, its libcurl handle, and the
 * choice between https and plain http that Docker makes. */
#include "registry/client.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_RETRIES	   5u
#define DEFAULT_BACKOFF_MS 8000u
#define DEFAULT_CHUNK	   (64ull << 20)

/* Whether host is one of --insecure-registry's values (HOST or HOST:PORT;
 * a value without a port names every port of the host). */
static int named_insecure(const char *host, const struct reg_opts *o)
{
	size_t hl = strcspn(host, ":");

	if (host[0] == '[')
		hl = strcspn(host, "]") + 1;
	for (size_t i = 0; o && i < o->ninsecure; i++) {
		const char *v = o->insecure[i];

		if (!strncmp(v, "http://", 7))
			v += 7;
		else if (!strncmp(v, "https://", 8))
			v += 8;
		if (!strcmp(v, host) || (strlen(v) == hl && !strncmp(v, host, hl)))
			return 1;
	}
	return 0;
}

int reg_client_new(struct reg_client **out, const char *host, const struct reg_opts *opts,
		   struct sb_error *err)
{
	struct reg_client *c = calloc(1, sizeof(*c));
	const char *certs_d = opts && opts->certs_d ? opts->certs_d : "/etc/docker/certs.d";

	*out = NULL;
	if (!c)
		return sb_errorf(err, "out of memory");
	c->host = sb_strdup(host);
	/* docker.io names Docker Hub, whose API is at registry-1.docker.io */
	c->api_host = sb_strdup(!strcmp(host, "docker.io") || !strcmp(host, "index.docker.io")
				    ? "registry-1.docker.io"
				    : host);
	c->certs_d = sb_strdup(certs_d);
	if (opts && opts->docker_config)
		c->docker_config = sb_strdup(opts->docker_config);
	if (!c->host || !c->api_host || !c->certs_d ||
	    (opts && opts->docker_config && !c->docker_config)) {
		reg_client_free(c);
		return sb_errorf(err, "out of memory");
	}
	c->loopback = reg_host_is_loopback(host);
	c->insecure = named_insecure(host, opts);
	c->retries = opts && opts->retries ? opts->retries : DEFAULT_RETRIES;
	c->max_backoff_ms =
	    opts && opts->max_backoff_ms ? opts->max_backoff_ms : DEFAULT_BACKOFF_MS;
	c->chunk_size = opts && opts->chunk_size ? opts->chunk_size : DEFAULT_CHUNK;
	if (reg_curl_load(&c->lib, err) < 0) {
		reg_client_free(c);
		return -1;
	}
	c->curl = c->lib.easy_init();
	if (!c->curl) {
		reg_client_free(c);
		return sb_errorf(err, "registry %s: libcurl could not start", host);
	}
	*out = c;
	return 0;
}

void reg_client_free(struct reg_client *c)
{
	if (!c)
		return;
	if (c->curl)
		c->lib.easy_cleanup(c->curl);
	reg_curl_unload(&c->lib);
	reg_auth_release(c);
	reg_creds_release(&c->creds);
	free(c->host);
	free(c->api_host);
	free(c->base);
	free(c->docker_config);
	free(c->certs_d);
	free(c->ca_bundle);
	free(c->client_cert);
	free(c->client_key);
	free(c);
}

uint64_t reg_client_requests(const struct reg_client *c)
{
	return c->requests;
}

/* Docker talks https to every registry. For one it deems insecure (loopback
 * addresses, --insecure-registry) it also tries plain http when https fails
 * (moby registry/service_v2.go: an http endpoint after the https one when
 * TLS verification is off). The outcome is the same here, the order for a
 * loopback address is not: GET /v2/ (which carries no credentials) goes out
 * over plain http first, because a TLS server answers a plain request at
 * once (Go's with a 400, others by closing), while a plain server takes its
 * time over a TLS handshake it cannot read (25 ms for distribution's). An
 * answer that is not a registry's sends the client to https for its life.
 * For --insecure-registry hosts, https first, as Docker. Unlike Docker, a
 * loopback registry that does speak TLS is still verified (only
 * --insecure-registry turns verification off), so that a wrong CA is found
 * in the tests as it would be on a real host.
 *
 * GET /v2/ is also the check every Docker client makes before anything else
 * (the API version): a host that is not a registry is said so at once,
 * rather than by the first blob request's odd status. */
static int set_base(struct reg_client *c, const char *scheme, struct sb_error *err)
{
	free(c->base);
	if (!(c->base = sb_printf("%s://%s", scheme, c->api_host)))
		return sb_errorf(err, "out of memory");
	return 0;
}

/* TLS did not work at all: the server does not speak it. */
static int tls_not_spoken(const struct reg_resp *resp)
{
	return resp->curl_code == CURLE_SSL_CONNECT_ERROR || resp->curl_code == CURLE_RECV_ERROR ||
	       resp->curl_code == CURLE_GOT_NOTHING;
}

/* GET /v2/ over scheme first, then over the other (then) when the first
 * gives no answer to keep: http then https for a loopback registry, https
 * then http for an --insecure-registry host. An answer over https is kept
 * whatever it is; one over plain http only from a registry (or a status to
 * retry), since a TLS server answers a plain request too. After a plain
 * http that failed, https is asked at once, and a plain server that answers
 * but is not a registry is kept on http, for its answer to be said. After
 * an https that failed (a TLS handshake the server did not understand, or
 * no answer), plain http is used from then on, as Docker's next endpoint. */
static int probe_base(struct reg_client *c, const char *first, const char *then,
		      const struct reg_req *req, struct reg_resp *resp, int *answered,
		      struct sb_error *err)
{
	int plain_first = !strcmp(first, "http");
	struct reg_resp got = {0};
	int rc = 0;

	if (set_base(c, first, err) < 0)
		return -1;
	if (reg_send(c, req, NULL, &got, err) == 0 &&
	    (!plain_first || reg_is_registry(&got) || reg_status_retryable(got.status))) {
		*resp = got;
		*answered = !reg_status_retryable(got.status);
		return 0;
	}
	/* a TLS server's 400, or nothing: not a request the registry counts */
	c->requests--;
	sb_error_release(err);
	if (set_base(c, then, err) < 0) {
		rc = -1;
		goto out;
	}
	if (!plain_first)
		goto out;
	if (reg_send(c, req, NULL, resp, err) == 0) {
		*answered = !reg_status_retryable(resp->status);
		goto out;
	}
	if (tls_not_spoken(resp) && got.status) {
		/* a plain server, not a registry: its answer is the one to say */
		sb_error_release(err);
		reg_resp_release(resp);
		*resp = got;
		memset(&got, 0, sizeof(got));
		*answered = 1;
		return set_base(c, first, err);
	}
	/* refused: asked again with retries; a TLS registry we cannot verify:
	 * said by reg_send */
	rc = resp->retryable ? 0 : -1;
out:
	reg_resp_release(&got);
	return rc;
}

static int choose_base(struct reg_client *c, const struct reg_req *req, struct reg_resp *resp,
		       int *answered, struct sb_error *err)
{
	*answered = 0;
	if (c->base)
		return 0;
	if (c->loopback && !c->insecure)
		return probe_base(c, "http", "https", req, resp, answered, err);
	if (c->insecure)
		return probe_base(c, "https", "http", req, resp, answered, err);
	return set_base(c, "https", err);
}

int reg_client_base(struct reg_client *c, struct sb_error *err)
{
	struct reg_resp resp = {0};
	struct reg_req req = {.method = "GET", .url = "/v2/", .max_resp = 64 << 10};
	int rc = -1, answered = 0;

	if (c->base && c->checked)
		return 0;
	if (choose_base(c, &req, &resp, &answered, err) < 0)
		goto out;
	sb_error_release(err);
	if (!answered && reg_call_plain(c, &req, &resp, err) < 0)
		goto out;
	if (!reg_is_registry(&resp)) {
		/* what it answered, as every unexpected status is said */
		sb_errorf(err, "registry %s: GET /v2/: %ld%s%s: not a registry", c->host,
			  resp.status, *reg_status_text(resp.status) ? " " : "",
			  reg_status_text(resp.status));
		sb_error_hint(err, "check the host and port of the reference: a registry answers "
				   "GET /v2/ with 200 or 401");
		goto out;
	}
	if (resp.status == 401 && resp.www_auth)
		reg_auth_prepare(c, resp.www_auth);
	c->checked = 1;
	rc = 0;
out:
	if (rc < 0) {
		free(c->base);
		c->base = NULL;
	}
	reg_resp_release(&resp);
	return rc;
}
