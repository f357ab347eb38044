/* The inside of a registry client, shared by the files of src/registry/:
 * the client's state and one HTTP request. What it parses, the response and
 * the pure helpers (URLs, challenges, backoff) are in registry/parse.h. */
#ifndef SB_REGISTRY_CLIENT_H
#define SB_REGISTRY_CLIENT_H

#include "registry/curl_lib.h"
#include "registry/parse.h"
#include "registry/registry.h"
#include "util/mem.h"

#include <curl/curl.h>
#include <stdint.h>

/* A bearer token, kept for the scope it was asked for. */
struct reg_token {
	char *scope; /* "repository:NAME:pull,push" (several: space-separated) */
	char *token;
};

struct reg_client {
	char *host;	  /* "HOST[:PORT]" as in the reference */
	char *api_host;	  /* where requests go: registry-1.docker.io for docker.io */
	char *base;	  /* "https://API_HOST" or "http://API_HOST"; NULL until decided */
	int checked;	  /* GET /v2/ answered as a registry does */
	int loopback;	  /* 127.0.0.0/8, ::1, localhost: plain HTTP allowed */
	int insecure;	  /* named by --insecure-registry: plain HTTP, TLS unverified */
	unsigned retries; /* attempts after the first */
	unsigned max_backoff_ms;
	uint64_t chunk_size;
	char *docker_config; /* owned copy of opts->docker_config, or NULL */
	char *certs_d;	     /* owned: the directory of /etc/docker/certs.d */
	struct reg_curl lib; /* libcurl, loaded by reg_client_new */
	CURL *curl;	     /* one handle: its connections are kept alive */
	uint64_t requests;

	/* TLS, from certs.d (tls.c) */
	int tls_loaded;
	char *ca_bundle; /* the system store and the host's CAs, or NULL: system only */
	size_t ca_len;
	char *client_cert, *client_key; /* paths, or NULL */

	/* authentication (auth.c, creds.c) */
	int creds_loaded;
	struct reg_creds creds;
	enum reg_scheme scheme; /* the last challenge the registry sent */
	char *realm, *service;
	struct reg_token *tokens;
	size_t ntokens, tokcap;
};

/* One request. url is absolute, or a path ("/v2/...") after c->base. */
struct reg_req {
	const char *method; /* GET, HEAD, POST, PUT, PATCH, DELETE */
	const char *url;
	const char *scope; /* the token scope the request needs; NULL: none */
	const char *accept;
	const char *content_type;
	const char *content_range;
	const void *data; /* a body from memory of len bytes, or NULL */
	size_t len;
	/* Or a streamed body: opened and read to its end for every attempt;
	 * when body_open, already open: body_len bytes are read from it,
	 * once (the request cannot be repeated). */
	const struct reg_body *body;
	int body_open;
	uint64_t body_len;
	reg_progress_fn progress;
	void *progress_ud;
	uint64_t progress_base, progress_total;
	size_t max_resp;  /* response bytes kept; more is an error. 0: 1 MiB */
	int once;	  /* not retried here: the caller starts again */
	const char *auth; /* an Authorization line sent in place of the cached
			     credentials, no 401 answered (token requests) */
};

/* One exchange, no retry, no auth answer: 0 with resp filled for any HTTP
 * status; -1 for a transport error (resp->retryable then says whether a
 * new attempt may help). auth is a whole "Authorization: ..." header line
 * or NULL. Counts the request. */
int reg_send(struct reg_client *c, const struct reg_req *req, const char *auth,
	     struct reg_resp *resp, struct sb_error *err);

/* A request as the API calls make it: the cached credentials sent, a 401
 * answered once (token fetched), connection errors, 429 and 5xx retried with
 * backoff. 0 for any other final status (the caller judges it), -1 with err
 * set otherwise. */
int reg_call(struct reg_client *c, const struct reg_req *req, struct reg_resp *resp,
	     struct sb_error *err);
/* The same retries, but no credentials sent and a 401 a final answer; the
 * client's base must be decided (GET /v2/ of reg_client_base). */
int reg_call_plain(struct reg_client *c, const struct reg_req *req, struct reg_resp *resp,
		   struct sb_error *err);

/* reg_call for a request that succeeds with one status: any other final
 * status is recorded by reg_status_error and gives -1. */
int reg_call_want(struct reg_client *c, const struct reg_req *req, long want, struct reg_resp *resp,
		  struct sb_error *err);

/* Records "HOST: METHOD PATH: STATUS TEXT: the registry's own error" for an
 * unexpected status, with a hint for 401/403/404. Returns -1. */
int reg_status_error(struct reg_client *c, const struct reg_req *req, const struct reg_resp *resp,
		     struct sb_error *err);

/* "Not Found" for 404, and so on; "" for a status without a text here. */
const char *reg_status_text(long status);

/* Decides http or https for the client (c->base), and checks once that the
 * host is a registry: GET /v2/ answered 200 or 401, or with
 * Docker-Distribution-API-Version: registry/2.0. */
int reg_client_base(struct reg_client *c, struct sb_error *err);

/* auth.c */

/* The Authorization header line for a request needing scope, or NULL (*out)
 * when there is none: the basic credentials, or the scope's token, fetched
 * first when the token server is known but the scope has none yet. *out is
 * yours. */
int reg_auth_header(struct reg_client *c, const char *scope, char **out, struct sb_error *err);
/* GET /v2/'s 401: its challenge's scheme and token server remembered (a
 * Basic one only with credentials), so that a scope's first request goes
 * with its credentials. Nothing is fetched; a challenge this client cannot
 * read is ignored (the first 401 brings it again). */
void reg_auth_prepare(struct reg_client *c, const char *www_auth);
/* Answers a 401's challenge for scope: a token fetched (bearer) or the
 * credentials looked up (basic). -1 when that fails or there is nothing to
 * answer with. */
int reg_auth_answer(struct reg_client *c, const char *www_auth, const char *scope,
		    struct sb_error *err);
void reg_auth_release(struct reg_client *c);
/* creds.c */

/* The credentials Docker keeps for host in DIR/config.json (dir: NULL for
 * $DOCKER_CONFIG, else ~/.docker): auths, credHelpers, credsStore. None
 * found: 0 with every field NULL. */
int reg_creds_find(const char *dir, const char *host, struct reg_creds *out, struct sb_error *err);
/* tls.c */

/* Reads certs.d/HOST once: c->ca_bundle, c->client_cert, c->client_key. */
int reg_tls_load(struct reg_client *c, struct sb_error *err);
/* Sets the TLS options of the handle for a request to url. */
int reg_tls_apply(struct reg_client *c, CURL *h, struct sb_error *err);

#endif
