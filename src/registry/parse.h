/* The curl-free part of the registry client, which the unit tests and the
 * fuzz target fuzz_registry reach without libcurl: a response as read from
 * the wire, the parsers of what registries, token servers, Docker's
 * config.json and credential helpers answer and of the push cache's entries
 * (parse.c), and the pure helpers
 * for URLs (url.c), backoff (retry.c) and base64 (base64.c). */
#ifndef SB_REGISTRY_PARSE_H
#define SB_REGISTRY_PARSE_H

#include "util/error.h"
#include "util/mem.h"

#include <stddef.h>
#include <stdint.h>

/* Where credentials for a host come from; every field may be NULL. */
struct reg_creds {
	char *user;
	char *secret;	      /* a password or a personal access token */
	char *identity_token; /* an OAuth refresh token, in place of user/secret */
};

enum reg_scheme { REG_AUTH_NONE, REG_AUTH_BASIC, REG_AUTH_BEARER };

struct reg_resp {
	long status;
	char *location, *content_type, *digest, *www_auth, *retry_after;
	char *api_version; /* Docker-Distribution-API-Version */
	struct sb_buf body;
	int retryable; /* after a failure: a connection error, 429 or 5xx */
	int curl_code; /* libcurl's result of the last attempt */
};

void reg_resp_release(struct reg_resp *r);

/* parse.c: responses */

/* Takes one header line of a response (len bytes, CRLF or not) into r: the
 * first Location, Content-Type, Docker-Content-Digest, WWW-Authenticate,
 * Retry-After and Docker-Distribution-API-Version; a status line ("HTTP/")
 * forgets the headers of the response before (a redirect, a 100). -1 when
 * out of memory. */
int reg_resp_header(struct reg_resp *r, const char *line, size_t len);
/* Whether r, the answer to GET /v2/, is a registry's. */
int reg_is_registry(const struct reg_resp *r);
/* The registry's own words: "CODE: message" of the first error of a JSON
 * error body, or NULL. Yours. */
char *reg_error_words(const struct reg_resp *r);

/* What a token server's answer held. */
enum reg_token_answer { REG_TOKEN_OK, REG_TOKEN_NOT_JSON, REG_TOKEN_NONE, REG_TOKEN_NOMEM };
/* The token ("token", else "access_token") of a token server's JSON answer
 * (len bytes): REG_TOKEN_OK with *token yours, else *token NULL. */
enum reg_token_answer reg_token_parse(const char *body, size_t len, char **token);

/* parse.c: challenges */

struct reg_challenge {
	enum reg_scheme scheme;
	char *realm, *service, *scope, *error; /* all may be NULL */
};
/* Parses a WWW-Authenticate value (its first challenge). -1 when it is not
 * Basic or Bearer, or out of memory. */
int reg_challenge_parse(const char *value, struct reg_challenge *out);
void reg_challenge_release(struct reg_challenge *ch);
/* 1 when a token granted for the scope `have` serves a request needing
 * `want` (both space-separated items "TYPE:NAME:ACTIONS"): each item of want
 * within an item of have for the same TYPE:NAME whose actions include its own
 * ("repository:R:pull" within "repository:R:pull,push"; "*" is every
 * action). An empty want is served by an empty have only. */
int reg_scope_covers(const char *have, const char *want);

/* parse.c: Docker's config.json */

/* What config.json (text, len bytes; path for messages) says of host:
 * *helper (yours) the NAME of docker-credential-NAME when credHelpers names
 * one for host or credsStore one for all, else *out from the `auths` entry
 * of host (every field NULL when there is none). A credHelpers entry of ""
 * for host means its `auths` entry, whatever credsStore says, as Docker
 * reads it. -1 with err when the file
 * is not JSON or its entry is broken; *out then empty. */
int reg_creds_parse(const char *text, size_t len, const char *path, const char *host, char **helper,
		    struct reg_creds *out, struct sb_error *err);
/* A credential helper's answer to `get` ({"Username", "Secret"}; Username
 * "<token>" for an identity token) into *out. prog names the helper in
 * messages. */
int reg_helper_parse(const char *text, size_t len, const char *prog, struct reg_creds *out,
		     struct sb_error *err);
void reg_creds_release(struct reg_creds *cr);
/* The key Docker files host under: "https://index.docker.io/v1/" for Docker
 * Hub, else host itself. */
const char *reg_creds_key(const char *host);

/* parse.c: the push cache (push_cache.c) */

/* One entry file's text, exactly "sha256:<64 hex> <size>\n" as push_cache.c
 * writes it (the newline may be missing): 1 with digest and size filled,
 * else 0 with both untouched (a miss): anything else, a size too big for
 * 64 bits included. */
int reg_push_cache_entry(const char *text, char digest[72], uint64_t *size);

/* base64.c: standard alphabet with padding. Yours, NULL when out of
 * memory or (decode) not base64. */
char *reg_base64_encode(const void *p, size_t n);
char *reg_base64_decode(const char *s, size_t *n);

/* url.c: pure helpers */

/* 1 for localhost, 127.0.0.0/8 and ::1 (host with or without :PORT, IPv6 in
 * brackets), else 0. */
int reg_host_is_loopback(const char *host);
/* "repository:REPO:ACTIONS": the token scope of a request on repo. Yours. */
char *reg_repo_scope(const char *repo, const char *actions);
/* Percent-encodes s for a query value (RFC 3986 unreserved kept). Yours. */
char *reg_query_escape(const char *s);
/* The absolute URL of location (absolute, "//host/..", "/path" or relative)
 * sent in answer to a request for url. Yours, NULL when out of memory. */
char *reg_url_resolve(const char *url, const char *location);
/* url with "NAME=escaped value" appended as a query parameter. Yours. */
char *reg_url_add_query(const char *url, const char *name, const char *value);
/* The path and no query of url, for messages ("/v2/app/blobs/uploads/"). Yours. */
char *reg_url_path(const char *url);

/* retry.c */

/* The wait before attempt+1 (attempt 0 is the first retry): 500 ms doubled
 * each time, at most max_ms; a Retry-After of retry_after_s seconds (-1: none)
 * lengthens it, up to max_ms. */
unsigned reg_backoff_ms(unsigned attempt, unsigned max_ms, long retry_after_s);
/* A Retry-After value in seconds (delta-seconds or an HTTP date), -1 when
 * absent or not understood. now: the time a date is measured from. */
long reg_retry_after_s(const char *value, long long now);
/* 1 when an HTTP status is worth another attempt: 408, 429, 5xx but 501. */
int reg_status_retryable(long status);
/* Sleeps ms milliseconds. */
void reg_sleep_ms(unsigned ms);

#endif
