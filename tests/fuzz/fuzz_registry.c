/* libFuzzer target for what the registry client reads from the network and
 * from disk (src/registry/parse.c, url.c, retry.c, base64.c), without
 * libcurl: each input is given to every parser at once, since any of them
 * may meet any bytes.
 *
 *   - as a WWW-Authenticate value, whole and line by line (reg_challenge_parse);
 *   - as two token scopes, "HAVE\nWANT" (reg_scope_covers);
 *   - as a token server's JSON answer (reg_token_parse);
 *   - as the header lines of a response (reg_resp_header), whose Location is
 *     then resolved against an upload URL, whose Retry-After is read, whose
 *     challenge is parsed, and which is then judged as GET /v2/'s answer;
 *   - as a JSON error body (reg_error_words);
 *   - as Docker's config.json, for Docker Hub, ghcr.io and a loopback
 *     registry (reg_creds_parse), and as a credential helper's answer;
 *   - as base64, and as bytes to encode and decode back;
 *   - as a URL and a host (reg_url_path, reg_query_escape,
 *     reg_host_is_loopback);
 *   - as an entry file of the push cache (reg_push_cache_entry).
 *
 * Nothing runs a credential helper or opens a connection. Besides crashes,
 * sanitizer reports and leaks, a finding is a broken invariant (abort()): a
 * failure without a whole error, a parsed challenge of another scheme, a
 * token that is empty, a scope that does not cover itself, base64 that does
 * not decode back to what was encoded, a cache entry read as a digest that
 * is not "sha256:" and 64 hex digits, or a miss that wrote anything.
 */
#include "fuzz_util.h"
#include "registry/parse.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void challenge(const char *s)
{
	struct reg_challenge ch;

	if (reg_challenge_parse(s, &ch) < 0)
		return;
	check(ch.scheme == REG_AUTH_BASIC || ch.scheme == REG_AUTH_BEARER);
	reg_challenge_release(&ch);
}

static void scopes(const char *s)
{
	const char *nl = strchr(s, '\n');
	char *have = sb_strndup(s, nl ? (size_t)(nl - s) : strlen(s));

	if (!have)
		return;
	check(reg_scope_covers(have, have) == 1);
	if (nl) {
		check(reg_scope_covers(nl + 1, nl + 1) == 1);
		(void)reg_scope_covers(have, nl + 1);
	}
	free(have);
}

static void token(const char *s, size_t size)
{
	char *tok = NULL;
	enum reg_token_answer a = reg_token_parse(s, size, &tok);

	check((a == REG_TOKEN_OK) == (tok != NULL));
	check(!tok || *tok);
	free(tok);
}

/* The input as a response: header lines, and the same bytes as its body. */
static void response(const char *s, size_t size)
{
	struct reg_resp r = {.status = 401};
	char *words, *abs;

	for (const char *p = s; *p;) {
		size_t n = strcspn(p, "\n");

		n += p[n] == '\n';
		if (reg_resp_header(&r, p, n) < 0)
			goto out;
		challenge(p);
		p += n;
	}
	if (r.location) {
		abs = reg_url_resolve("https://r.example:5000/v2/app/blobs/uploads/?state=1",
				      r.location);
		check(abs == NULL || !strncmp(abs, "https://r.example:5000", 22) ||
		      strstr(r.location, "//") != NULL);
		free(abs);
		abs = reg_url_resolve("http://[::1]:5000", r.location);
		free(abs);
	}
	(void)reg_retry_after_s(r.retry_after, 1700000000);
	if (r.www_auth)
		challenge(r.www_auth);
	(void)reg_is_registry(&r);
	free(r.content_type);
	r.content_type = sb_strdup("application/json; charset=utf-8");
	if (r.content_type && sb_buf_add(&r.body, s, size) == 0) {
		words = reg_error_words(&r);
		free(words);
	}
out:
	reg_resp_release(&r);
}

static void config(const char *s, size_t size)
{
	static const char *const hosts[] = {"docker.io", "ghcr.io", "localhost:5000"};
	struct sb_error err = {0};
	struct reg_creds cr;
	char *helper;

	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		if (reg_creds_parse(s, size, "config.json", hosts[i], &helper, &cr, &err) < 0) {
			check(!helper && !cr.user && !cr.secret && !cr.identity_token);
			consume_error(&err);
			continue;
		}
		check(!helper || (*helper && !cr.user && !cr.secret && !cr.identity_token));
		check(!cr.user == !cr.secret);
		free(helper);
		reg_creds_release(&cr);
	}
	if (reg_helper_parse(s, size, "docker-credential-fuzz", &cr, &err) < 0)
		consume_error(&err);
	reg_creds_release(&cr);
}

static void base64(const char *s, const uint8_t *data, size_t size)
{
	size_t n = 0, m = 0;
	char *dec = reg_base64_decode(s, &n), *enc, *back;

	free(dec);
	enc = reg_base64_encode(data, size);
	if (!enc)
		return;
	check(strlen(enc) == (size + 2) / 3 * 4);
	back = reg_base64_decode(enc, &m);
	check(back == NULL || (m == size && !memcmp(back, data, size)));
	free(back);
	free(enc);
}

static void cache_entry(const char *s)
{
	char digest[72] = "";
	uint64_t n = 42;

	if (!reg_push_cache_entry(s, digest, &n)) {
		check(!digest[0] && n == 42);
		return;
	}
	check(strlen(digest) == 71 && !strncmp(digest, "sha256:", 7) &&
	      strspn(digest + 7, "0123456789abcdef") == 64);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *esc, *path;

	if (!s)
		return 0;
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	challenge(s);
	scopes(s);
	token(s, size);
	response(s, size);
	config(s, size);
	base64(s, data, size);
	cache_entry(s);
	path = reg_url_path(s);
	esc = reg_query_escape(s);
	check(esc == NULL || strspn(esc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					 "0123456789-._~%") == strlen(esc));
	(void)reg_host_is_loopback(s);
	free(path);
	free(esc);
	free(s);
	return 0;
}
