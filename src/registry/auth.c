/* Answering a registry's WWW-Authenticate challenge (parsed by parse.c):
 * Basic with the user's credentials, Bearer with a token from the realm the
 * registry names (GET realm?service=&scope=, the credentials as Basic when
 * there are some, or an OAuth refresh with an identity token), cached per
 * scope for the client's life. Tokens and passwords stay out of every
 * message. */
#include "registry/client.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TOKEN_ANSWER_MAX (1u << 20)

void reg_auth_release(struct reg_client *c)
{
	for (size_t i = 0; i < c->ntokens; i++) {
		explicit_bzero(c->tokens[i].token, strlen(c->tokens[i].token));
		free(c->tokens[i].token);
		free(c->tokens[i].scope);
	}
	free(c->tokens);
	c->tokens = NULL;
	c->ntokens = c->tokcap = 0;
	free(c->realm);
	free(c->service);
	c->realm = c->service = NULL;
}

static const char *cached_token(struct reg_client *c, const char *scope)
{
	const char *s = scope ? scope : "";

	for (size_t i = c->ntokens; i-- > 0;)
		if (reg_scope_covers(c->tokens[i].scope, s))
			return c->tokens[i].token;
	return NULL;
}

static int load_creds(struct reg_client *c, struct sb_error *err)
{
	if (c->creds_loaded)
		return 0;
	if (reg_creds_find(c->docker_config, c->host, &c->creds, err) < 0)
		return -1;
	c->creds_loaded = 1;
	return 0;
}

/* "Authorization: Basic base64(user:secret)", or NULL without credentials. */
static int basic_line(struct reg_client *c, char **out, struct sb_error *err)
{
	char *pair, *b64;

	*out = NULL;
	if (load_creds(c, err) < 0)
		return -1;
	if (!c->creds.user || !c->creds.secret)
		return 0;
	pair = sb_printf("%s:%s", c->creds.user, c->creds.secret);
	b64 = pair ? reg_base64_encode(pair, strlen(pair)) : NULL;
	*out = b64 ? sb_printf("Authorization: Basic %s", b64) : NULL;
	if (pair)
		explicit_bzero(pair, strlen(pair));
	if (b64)
		explicit_bzero(b64, strlen(b64));
	free(pair);
	free(b64);
	return *out ? 0 : sb_errorf(err, "out of memory");
}

static int fetch_token(struct reg_client *c, const char *scope, const char *key,
		       struct sb_error *err);

int reg_auth_header(struct reg_client *c, const char *scope, char **out, struct sb_error *err)
{
	const char *tok;

	*out = NULL;
	if (c->scheme == REG_AUTH_BASIC)
		return basic_line(c, out, err);
	if (c->scheme != REG_AUTH_BEARER)
		return 0;
	/* the token server known (a challenge seen, GET /v2/'s at the latest):
	 * the scope's token is fetched before its first request, as Docker's
	 * client does, rather than after that request's 401 */
	if (scope && *scope && !cached_token(c, scope) && fetch_token(c, scope, scope, err) < 0)
		return -1;
	if (!(tok = cached_token(c, scope)))
		return 0;
	*out = sb_printf("Authorization: Bearer %s", tok);
	return *out ? 0 : sb_errorf(err, "out of memory");
}

/* The token request's URL: realm?service=S&scope=A&scope=B. Yours. */
static char *token_url(const char *realm, const char *service, const char *scope)
{
	char *url = sb_strdup(realm), *next, *one;

	if (url && service && *service) {
		next = reg_url_add_query(url, "service", service);
		free(url);
		url = next;
	}
	while (url && scope && *scope) {
		size_t n = strcspn(scope, " ");
		one = sb_strndup(scope, n);
		next = one ? reg_url_add_query(url, "scope", one) : NULL;
		free(one);
		free(url);
		url = next;
		scope += n;
		while (*scope == ' ')
			scope++;
	}
	return url;
}

/* The form an OAuth refresh posts (Docker: identitytoken in config.json). */
static char *refresh_form(const char *service, const char *scope, const char *refresh)
{
	char *s = reg_query_escape(service ? service : ""), *r = reg_query_escape(refresh),
	     *form = NULL;
	char *sc = reg_query_escape(scope ? scope : "");

	if (s && r && sc)
		form = sb_printf("grant_type=refresh_token&client_id=scratchbuild&service=%s&"
				 "scope=%s&refresh_token=%s",
				 s, sc, r);
	if (r)
		explicit_bzero(r, strlen(r));
	free(s);
	free(r);
	free(sc);
	return form;
}

/* Keeps the token of a token server's JSON answer for scope. */
static int keep_token(struct reg_client *c, const char *scope, const struct reg_resp *resp,
		      struct sb_error *err)
{
	struct reg_token t = {0};
	enum reg_token_answer got = reg_token_parse(resp->body.buf, resp->body.len, &t.token);

	/* not jt_parse's message: it would quote the answer, token and all */
	if (got == REG_TOKEN_NOT_JSON)
		return sb_errorf(err,
				 "registry %s: the token server at %s did not answer with JSON",
				 c->host, c->realm);
	if (got == REG_TOKEN_NONE)
		return sb_errorf(err,
				 "registry %s: the token server at %s answered without a token",
				 c->host, c->realm);
	t.scope = sb_strdup(scope ? scope : "");
	if (!t.scope || !t.token ||
	    sb_grow(&c->tokens, &c->tokcap, c->ntokens + 1, sizeof(*c->tokens)) < 0) {
		free(t.scope);
		if (t.token)
			explicit_bzero(t.token, strlen(t.token));
		free(t.token);
		return sb_errorf(err, "out of memory");
	}
	c->tokens[c->ntokens++] = t;
	return 0;
}

/* Plain http to a realm that is neither loopback nor insecure would carry
 * the password in the clear: refused. */
static int realm_safe(struct reg_client *c, const char *realm)
{
	const char *host;

	if (!strncasecmp(realm, "https://", 8))
		return 1;
	if (strncasecmp(realm, "http://", 7))
		return 0;
	host = realm + 7;
	return reg_host_is_loopback(host) || c->insecure;
}

static int fetch_token(struct reg_client *c, const char *scope, const char *key,
		       struct sb_error *err)
{
	struct reg_req req = {.method = "GET", .max_resp = TOKEN_ANSWER_MAX};
	struct reg_resp resp = {0};
	char *url = NULL, *form = NULL, *basic = NULL;
	int rc = -1;

	if (load_creds(c, err) < 0)
		return -1;
	if (!realm_safe(c, c->realm) && (c->creds.secret || c->creds.identity_token)) {
		sb_errorf(err,
			  "registry %s: the token server %s is not https; the credentials "
			  "are not sent in the clear",
			  c->host, c->realm);
		return sb_error_hint(err,
				     "name the registry with --insecure-registry %s if "
				     "that is intended",
				     c->host);
	}
	if (c->creds.identity_token) {
		form = refresh_form(c->service, scope, c->creds.identity_token);
		req.method = "POST";
		req.url = c->realm;
		req.data = form;
		req.len = form ? strlen(form) : 0;
		req.content_type = "application/x-www-form-urlencoded";
		if (!form) {
			sb_errorf(err, "out of memory");
			goto out;
		}
	} else {
		url = token_url(c->realm, c->service, scope);
		if (!url || basic_line(c, &basic, err) < 0) {
			if (!url)
				sb_errorf(err, "out of memory");
			goto out;
		}
		req.url = url;
		req.auth = basic;
	}
	if (reg_call(c, &req, &resp, err) < 0)
		goto out;
	if (resp.status != 200) {
		reg_status_error(c, &req, &resp, err);
		sb_error_prefix(err, "token server");
		if (resp.status == 401 || resp.status == 403)
			sb_error_hint(err,
				      "check the user name and password for %s in the Docker "
				      "config.json (docker login %s)",
				      c->host, c->host);
		goto out;
	}
	rc = keep_token(c, key, &resp, err);
out:
	if (form)
		explicit_bzero(form, strlen(form));
	if (basic)
		explicit_bzero(basic, strlen(basic));
	free(form);
	free(basic);
	free(url);
	reg_resp_release(&resp);
	return rc;
}

void reg_auth_prepare(struct reg_client *c, const char *www_auth)
{
	struct reg_challenge ch;
	struct sb_error ignored = {0};

	if (c->scheme != REG_AUTH_NONE || reg_challenge_parse(www_auth, &ch) < 0)
		return;
	if (ch.scheme == REG_AUTH_BASIC) {
		if (load_creds(c, &ignored) == 0 && c->creds.user && c->creds.secret)
			c->scheme = REG_AUTH_BASIC;
	} else if (ch.realm) {
		c->realm = ch.realm;
		c->service = ch.service;
		ch.realm = ch.service = NULL;
		c->scheme = REG_AUTH_BEARER;
	}
	sb_error_release(&ignored);
	reg_challenge_release(&ch);
}

int reg_auth_answer(struct reg_client *c, const char *www_auth, const char *scope,
		    struct sb_error *err)
{
	struct reg_challenge ch;
	int rc = -1;

	if (reg_challenge_parse(www_auth, &ch) < 0)
		return sb_errorf(err, "registry %s: an authentication this client does not speak",
				 c->host);
	if (ch.scheme == REG_AUTH_BASIC) {
		/* without credentials the request goes again as it was, and the
		 * caller reports the second 401 with its hint */
		if (load_creds(c, err) < 0)
			goto out;
		c->scheme = REG_AUTH_BASIC;
		rc = 0;
		goto out;
	}
	if (!ch.realm) {
		sb_errorf(err, "registry %s: a Bearer challenge without a realm", c->host);
		goto out;
	}
	free(c->realm);
	free(c->service);
	c->realm = ch.realm;
	c->service = ch.service;
	ch.realm = ch.service = NULL;
	c->scheme = REG_AUTH_BEARER;
	/* cached under the request's scope; asked for the challenge's when the
	 * request names none */
	rc = fetch_token(c, scope ? scope : ch.scope, scope ? scope : "", err);
out:
	reg_challenge_release(&ch);
	return rc;
}
