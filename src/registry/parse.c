/* The registry client's parsers of what comes from outside, curl-free (the
 * fuzz target fuzz_registry takes them without libcurl): the header lines of
 * a response, a WWW-Authenticate challenge, a token server's JSON answer, a
 * registry's JSON error body, GET /v2/'s answer, Docker's config.json and a
 * credential helper's answer, and an entry of the push cache. Nothing read
 * here goes into a message: it may hold a secret. */
#include "registry/parse.h"

#include "util/jtree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Response headers */

void reg_resp_release(struct reg_resp *r)
{
	free(r->location);
	free(r->content_type);
	free(r->digest);
	free(r->www_auth);
	free(r->retry_after);
	free(r->api_version);
	sb_buf_release(&r->body);
	*r = (struct reg_resp){0};
}

/* Keeps value in *slot (the first one; later ones are ignored). */
static int keep(char **slot, const char *v, size_t n)
{
	if (*slot)
		return 0;
	*slot = sb_strndup(v, n);
	return *slot ? 0 : -1;
}

int reg_resp_header(struct reg_resp *r, const char *p, size_t len)
{
	size_t nl, vl;
	const char *colon, *v;
	struct {
		const char *name;
		char **slot;
	} want[] = {{"location", &r->location},
		    {"content-type", &r->content_type},
		    {"docker-content-digest", &r->digest},
		    {"www-authenticate", &r->www_auth},
		    {"retry-after", &r->retry_after},
		    {"docker-distribution-api-version", &r->api_version}};

	if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
		/* a new response (after a redirect or a 100): forget the last */
		long keep_status = r->status;
		reg_resp_release(r);
		r->status = keep_status;
		return 0;
	}
	colon = memchr(p, ':', len);
	if (!colon)
		return 0;
	nl = (size_t)(colon - p);
	v = colon + 1;
	vl = len - nl - 1;
	while (vl && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strlen(want[i].name) == nl && !strncasecmp(p, want[i].name, nl) &&
		    keep(want[i].slot, v, vl) < 0)
			return -1;
	return 0;
}

/* distribution says Docker-Distribution-API-Version: registry/2.0 (with any
 * status); a registry that does not (the OCI spec does not ask for it)
 * answers 200, or 401 when it wants credentials. A web server answers 404,
 * 501, a page. */
int reg_is_registry(const struct reg_resp *resp)
{
	const char *v = resp->api_version;

	for (; v && *v; v += strspn(v, " ,")) {
		size_t n = strcspn(v, " ,");

		if (n == 12 && !strncmp(v, "registry/2.0", 12))
			return 1;
		v += n;
	}
	return resp->status == 200 || resp->status == 401;
}

/* Error bodies and tokens */

char *reg_error_words(const struct reg_resp *resp)
{
	yajl_val doc = NULL, errs, e;
	struct sb_error ignore = {0};
	const char *code, *msg;
	char *out = NULL;

	if (!resp->body.len || !resp->content_type || !strstr(resp->content_type, "json"))
		return NULL;
	if (jt_parse(resp->body.buf, resp->body.len, 16, "answer", &doc, &ignore) < 0)
		goto out;
	errs = jt_get(doc, "errors");
	if (!YAJL_IS_ARRAY(errs) || errs->u.array.len == 0)
		goto out;
	e = errs->u.array.values[0];
	code = jt_str(e, "code");
	msg = jt_str(e, "message");
	if (code && msg)
		out = sb_printf("%s: %s", code, msg);
	else if (code || msg)
		out = sb_strdup(code ? code : msg);
out:
	sb_error_release(&ignore);
	if (doc)
		yajl_tree_free(doc);
	return out;
}

enum reg_token_answer reg_token_parse(const char *body, size_t len, char **token)
{
	yajl_val doc = NULL;
	struct sb_error ignore = {0};
	const char *tok;
	enum reg_token_answer rc = REG_TOKEN_NONE;

	*token = NULL;
	if (jt_parse(body ? body : "", len, 8, "token", &doc, &ignore) < 0) {
		rc = REG_TOKEN_NOT_JSON;
		goto out;
	}
	tok = jt_str(doc, "token");
	if (!tok || !*tok)
		tok = jt_str(doc, "access_token");
	if (!tok || !*tok)
		goto out;
	*token = sb_strdup(tok);
	rc = *token ? REG_TOKEN_OK : REG_TOKEN_NOMEM;
out:
	sb_error_release(&ignore);
	if (doc)
		yajl_tree_free(doc);
	return rc;
}

/* WWW-Authenticate challenges and token scopes */

void reg_challenge_release(struct reg_challenge *ch)
{
	free(ch->realm);
	free(ch->service);
	free(ch->scope);
	free(ch->error);
	*ch = (struct reg_challenge){0};
}

/* One auth-param value at *p: a quoted string (backslash escapes) or a
 * token. Yours; *p moves past it. */
static char *param_value(const char **p)
{
	struct sb_buf b = {0};
	const char *s = *p;

	if (sb_buf_adds(&b, "") < 0)
		return NULL;
	if (*s == '"') {
		for (s++; *s && *s != '"'; s++) {
			if (*s == '\\' && s[1])
				s++;
			if (sb_buf_addc(&b, *s) < 0)
				goto oom;
		}
		if (*s == '"')
			s++;
	} else {
		size_t n = strcspn(s, ", \t");
		if (sb_buf_add(&b, s, n) < 0)
			goto oom;
		s += n;
	}
	*p = s;
	return sb_buf_detach(&b);
oom:
	sb_buf_release(&b);
	return NULL;
}

int reg_challenge_parse(const char *value, struct reg_challenge *out)
{
	const char *p = value;
	size_t n;

	*out = (struct reg_challenge){0};
	while (*p == ' ')
		p++;
	n = strcspn(p, " \t");
	if (n == 5 && !strncasecmp(p, "Basic", 5))
		out->scheme = REG_AUTH_BASIC;
	else if (n == 6 && !strncasecmp(p, "Bearer", 6))
		out->scheme = REG_AUTH_BEARER;
	else
		return -1;
	p += n;
	for (;;) {
		char **slot = NULL, *v;
		size_t kl;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		kl = strcspn(p, "= \t,");
		if (!kl || p[kl] != '=')
			break; /* the end, or a second challenge: the first is enough */
		if (kl == 5 && !strncasecmp(p, "realm", 5))
			slot = &out->realm;
		else if (kl == 7 && !strncasecmp(p, "service", 7))
			slot = &out->service;
		else if (kl == 5 && !strncasecmp(p, "scope", 5))
			slot = &out->scope;
		else if (kl == 5 && !strncasecmp(p, "error", 5))
			slot = &out->error;
		p += kl + 1;
		v = param_value(&p);
		if (!v) {
			reg_challenge_release(out);
			return -1;
		}
		if (slot) {
			free(*slot);
			*slot = v;
		} else {
			free(v);
		}
	}
	return 0;
}

/* Whether action (n bytes) is in the comma-separated list (ln bytes); "*"
 * in the list is every action. */
static int has_action(const char *list, size_t ln, const char *action, size_t n)
{
	for (const char *a = list, *end = list + ln; a < end;) {
		size_t an = strcspn(a, ",");

		if (an > (size_t)(end - a))
			an = (size_t)(end - a);
		if ((an == n && !strncmp(a, action, n)) || (an == 1 && *a == '*'))
			return 1;
		a += an + 1;
	}
	return 0;
}

/* Whether one scope item of want ("TYPE:NAME:ACTIONS", wn bytes) is within
 * an item of have (space-separated) for the same TYPE:NAME: each of its
 * actions among that item's. */
static int item_covered(const char *have, const char *want, size_t wn)
{
	const char *colon = NULL;
	size_t rn;

	for (const char *p = want; p < want + wn; p++)
		if (*p == ':')
			colon = p;
	if (!colon)
		return 0;
	rn = (size_t)(colon - want); /* "TYPE:NAME" */
	for (const char *h = have; *h;) {
		size_t hn = strcspn(h, " "), ok = 1;

		if (hn > rn && !strncmp(h, want, rn) && h[rn] == ':' &&
		    !memchr(h + rn + 1, ':', hn - rn - 1)) {
			for (const char *a = colon + 1, *end = want + wn; a < end && ok;) {
				size_t an = strcspn(a, ",");

				if (an > (size_t)(end - a))
					an = (size_t)(end - a);
				ok = has_action(h + rn + 1, hn - rn - 1, a, an);
				a += an + 1;
			}
			if (ok)
				return 1;
		}
		h += hn;
		while (*h == ' ')
			h++;
	}
	return 0;
}

int reg_scope_covers(const char *have, const char *want)
{
	if (!strcmp(have, want))
		return 1;
	if (!*want)
		return 0;
	for (const char *w = want; *w;) {
		size_t wn = strcspn(w, " ");

		if (wn && !item_covered(have, w, wn))
			return 0;
		w += wn;
		while (*w == ' ')
			w++;
	}
	return 1;
}

/* Docker's config.json and credential helpers */

static const char hub_key[] = "https://index.docker.io/v1/";

static int is_hub(const char *host)
{
	return !strcmp(host, "docker.io") || !strcmp(host, "index.docker.io") ||
	       !strcmp(host, "registry-1.docker.io");
}

const char *reg_creds_key(const char *host)
{
	return is_hub(host) ? hub_key : host;
}

void reg_creds_release(struct reg_creds *cr)
{
	char **f[] = {&cr->user, &cr->secret, &cr->identity_token};

	for (size_t i = 0; i < 3; i++) {
		if (*f[i]) {
			explicit_bzero(*f[i], strlen(*f[i]));
			free(*f[i]);
		}
		*f[i] = NULL;
	}
}

/* Whether an `auths` key names host: Docker keeps "host", "https://host"
 * or "http://host/v1/" alike (it compares hostnames). */
static int key_names(const char *key, const char *host)
{
	size_t n;

	if (!strncmp(key, "https://", 8))
		key += 8;
	else if (!strncmp(key, "http://", 7))
		key += 7;
	n = strcspn(key, "/");
	if (is_hub(host))
		return (n == 15 && !strncmp(key, "index.docker.io", 15)) ||
		       (n == 9 && !strncmp(key, "docker.io", 9));
	return strlen(host) == n && !strncmp(key, host, n);
}

/* Takes an `auths` entry: auth (base64 user:password), or username and
 * password, and identitytoken. */
static int from_entry(yajl_val e, const char *path, struct reg_creds *out, struct sb_error *err)
{
	const char *auth = jt_str(e, "auth"), *user = jt_str(e, "username"),
		   *pass = jt_str(e, "password"), *idt = jt_str(e, "identitytoken");
	char *plain = NULL, *colon;
	size_t n = 0;

	if (auth && *auth) {
		plain = reg_base64_decode(auth, &n);
		colon = plain ? memchr(plain, ':', n) : NULL;
		if (!colon || strlen(plain) != n) {
			if (plain)
				explicit_bzero(plain, n);
			free(plain);
			sb_error_file(err, path,
				      "the `auth` of an `auths` entry is not base64 of "
				      "user:password");
			return sb_error_hint(err, "log in again with docker login, or correct the "
						  "entry");
		}
		*colon = '\0';
		out->user = sb_strdup(plain);
		out->secret = sb_strdup(colon + 1);
		explicit_bzero(plain, n);
		free(plain);
	} else if (user && pass) {
		out->user = sb_strdup(user);
		out->secret = sb_strdup(pass);
	}
	if (idt && *idt)
		out->identity_token = sb_strdup(idt);
	if ((auth && *auth && (!out->user || !out->secret)) ||
	    (idt && *idt && !out->identity_token))
		return sb_errorf(err, "out of memory");
	return 0;
}

int reg_creds_parse(const char *text, size_t len, const char *path, const char *host, char **helper,
		    struct reg_creds *out, struct sb_error *err)
{
	yajl_val doc = NULL, helpers, auths, store;
	struct sb_error ignore = {0};
	const char *name = NULL;
	int pinned = 0; /* credHelpers names the host (with "": the auths, as Docker) */
	int rc = -1;

	*out = (struct reg_creds){0};
	*helper = NULL;
	if (jt_parse(text, len, 32, path, &doc, &ignore) < 0) {
		/* not jt_parse's message: it would quote the file, secrets and all */
		sb_error_file(err, path, "not valid JSON");
		sb_error_hint(err, "correct it, or log in again with docker login");
		goto out;
	}
	helpers = jt_get(doc, "credHelpers");
	for (size_t i = 0; YAJL_IS_OBJECT(helpers) && i < helpers->u.object.len && !pinned; i++)
		if (key_names(helpers->u.object.keys[i], host) &&
		    YAJL_IS_STRING(helpers->u.object.values[i])) {
			name = YAJL_GET_STRING(helpers->u.object.values[i]);
			pinned = 1;
		}
	store = jt_get(doc, "credsStore");
	if (!pinned && YAJL_IS_STRING(store))
		name = YAJL_GET_STRING(store);
	if (name && *name) {
		*helper = sb_strdup(name);
		rc = *helper ? 0 : sb_errorf(err, "out of memory");
		goto out;
	}
	auths = jt_get(doc, "auths");
	rc = 0;
	for (size_t i = 0; YAJL_IS_OBJECT(auths) && i < auths->u.object.len; i++)
		if (key_names(auths->u.object.keys[i], host) &&
		    YAJL_IS_OBJECT(auths->u.object.values[i])) {
			rc = from_entry(auths->u.object.values[i], path, out, err);
			break;
		}
out:
	if (rc < 0)
		reg_creds_release(out);
	sb_error_release(&ignore);
	if (doc)
		yajl_tree_free(doc);
	return rc;
}

int reg_helper_parse(const char *text, size_t len, const char *prog, struct reg_creds *out,
		     struct sb_error *err)
{
	yajl_val doc = NULL;
	struct sb_error ignore = {0};
	const char *user, *secret;
	int rc = -1;

	*out = (struct reg_creds){0};
	if (jt_parse(text ? text : "", len, 8, prog, &doc, &ignore) < 0) {
		sb_errorf(err, "%s get did not answer with JSON", prog);
		goto out;
	}
	user = jt_str(doc, "Username");
	secret = jt_str(doc, "Secret");
	if (secret && *secret) {
		/* Docker's convention: an identity token under the name <token> */
		if (user && !strcmp(user, "<token>")) {
			out->identity_token = sb_strdup(secret);
		} else {
			out->user = sb_strdup(user ? user : "");
			out->secret = sb_strdup(secret);
		}
		if (!out->identity_token && (!out->user || !out->secret)) {
			sb_errorf(err, "out of memory");
			goto out;
		}
	}
	rc = 0;
out:
	if (rc < 0)
		reg_creds_release(out);
	sb_error_release(&ignore);
	if (doc)
		yajl_tree_free(doc);
	return rc;
}

/* The push cache's entries */

int reg_push_cache_entry(const char *text, char digest[72], uint64_t *size)
{
	const char *hex = text + 7, *num = text + 7 + 65;
	unsigned long long n;
	char *end;

	if (strncmp(text, "sha256:", 7) || strspn(hex, "0123456789abcdef") != 64 ||
	    hex[64] != ' ' || !(*num >= '0' && *num <= '9'))
		return 0;
	errno = 0;
	n = strtoull(num, &end, 10);
	if (errno || (*end && strcmp(end, "\n")))
		return 0;
	memcpy(digest, text, 71);
	digest[71] = '\0';
	*size = n;
	return 1;
}
