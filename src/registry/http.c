/* One HTTP exchange through libcurl (reg_send), and a request as the API
 * calls make it (reg_call): credentials sent, a 401 answered once, retries
 * with backoff. The response's status, the headers the API uses and a
 * bounded body are kept; Authorization never goes into a message. */
#include "registry/client.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define RESP_MAX_DEFAULT (1u << 20)

struct xfer {
	struct reg_client *c;
	const struct reg_req *req;
	struct reg_resp *resp;
	size_t max;
	int too_large;
	uint64_t sent; /* body bytes handed to libcurl */
	int body_failed;
	struct sb_error *err;
};

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * nmemb;

	return reg_resp_header(x->resp, p, len) < 0 ? 0 : len;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * nmemb;

	if (x->resp->body.len + len > x->max) {
		x->too_large = 1;
		return 0;
	}
	return sb_buf_add(&x->resp->body, p, len) < 0 ? 0 : len;
}

static size_t on_read(char *buf, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	const struct reg_req *req = x->req;
	size_t n = size * nmemb, got = 0;

	if (req->data) {
		if (n > req->len - x->sent)
			n = req->len - (size_t)x->sent;
		memcpy(buf, (const char *)req->data + x->sent, n);
		x->sent += n;
		return n;
	}
	uint64_t left = (req->body_open ? req->body_len : req->body->size) - x->sent;
	if (n > left)
		n = (size_t)left;
	if (n == 0)
		return 0;
	if (req->body->read(req->body->ud, buf, n, &got, x->err) < 0) {
		x->body_failed = 1;
		return CURL_READFUNC_ABORT;
	}
	if (got == 0) {
		sb_errorf(x->err, "registry %s: the blob ended after %llu of %llu bytes",
			  x->c->host, (unsigned long long)x->sent,
			  (unsigned long long)left + x->sent);
		x->body_failed = 1;
		return CURL_READFUNC_ABORT;
	}
	x->sent += got;
	return got;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct xfer *x = ud;
	const struct reg_req *req = x->req;

	(void)dltotal, (void)dlnow, (void)ultotal;
	req->progress(req->progress_ud, req->progress_base + (uint64_t)ulnow, req->progress_total);
	return 0;
}

/* Whether a libcurl failure may go away on another attempt. */
static int curl_retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SEND_FAIL_REWIND: /* cut while sending a body: start it again */
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

static int add_header(const struct reg_curl *lib, struct curl_slist **l, const char *name,
		      const char *value)
{
	char *line;
	struct curl_slist *n;

	if (!value)
		return 0;
	line = sb_printf("%s: %s", name, value);
	if (!line)
		return -1;
	n = lib->slist_append(*l, line);
	free(line);
	if (!n)
		return -1;
	*l = n;
	return 0;
}

/* Sets the method and its body on the handle. */
static void set_method(CURL *h, const struct reg_req *req, struct xfer *x)
{
	const struct reg_curl *lib = &x->c->lib;
	const char *m = req->method;

	if (!strcmp(m, "HEAD")) {
		lib->easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(m, "GET")) {
		lib->easy_setopt(h, CURLOPT_HTTPGET, 1L);
		/* blobs may be served from storage elsewhere; libcurl drops
		 * our Authorization when the host changes */
		lib->easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
		lib->easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	} else if (!strcmp(m, "POST") && !req->body) {
		lib->easy_setopt(h, CURLOPT_POST, 1L);
		lib->easy_setopt(h, CURLOPT_POSTFIELDS, req->data ? (const char *)req->data : "");
		lib->easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->len);
	} else if (!strcmp(m, "PUT") || !strcmp(m, "PATCH")) {
		uint64_t n =
		    req->body ? (req->body_open ? req->body_len : req->body->size) : req->len;
		lib->easy_setopt(h, CURLOPT_UPLOAD, 1L);
		lib->easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		lib->easy_setopt(h, CURLOPT_READDATA, x);
		lib->easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)n);
		lib->easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
	} else {
		lib->easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
	}
}

int reg_send(struct reg_client *c, const struct reg_req *req, const char *auth,
	     struct reg_resp *resp, struct sb_error *err)
{
	struct xfer x = {.c = c, .req = req, .resp = resp, .err = err};
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	char *url = NULL, *path = NULL;
	int opened = 0, rc = -1;
	CURL *h = c->curl;
	CURLcode cr;

	reg_resp_release(resp);
	x.max = req->max_resp ? req->max_resp : RESP_MAX_DEFAULT;
	url = req->url[0] == '/' ? sb_printf("%s%s", c->base, req->url) : sb_strdup(req->url);
	path = url ? reg_url_path(url) : NULL;
	if (!path) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (add_header(&c->lib, &hdrs, "Accept", req->accept) < 0 ||
	    add_header(&c->lib, &hdrs, "Content-Type", req->content_type) < 0 ||
	    add_header(&c->lib, &hdrs, "Content-Range", req->content_range) < 0 ||
	    add_header(&c->lib, &hdrs, "Expect", "") < 0 ||
	    (auth && !(hdrs = c->lib.slist_append(hdrs, auth)))) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (req->body && !req->body_open) {
		if (req->body->open(req->body->ud, err) < 0)
			goto out;
		opened = 1;
	}
	c->lib.easy_reset(h);
	c->lib.easy_setopt(h, CURLOPT_URL, url);
	c->lib.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	c->lib.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	c->lib.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	c->lib.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	/* a registry that stops answering: under 1 byte/s for a minute */
	c->lib.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	c->lib.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	c->lib.easy_setopt(h, CURLOPT_USERAGENT, "scratchbuild/" SB_VERSION);
	c->lib.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	c->lib.easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	c->lib.easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	c->lib.easy_setopt(h, CURLOPT_HEADERDATA, &x);
	c->lib.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	c->lib.easy_setopt(h, CURLOPT_WRITEDATA, &x);
	if (req->progress) {
		c->lib.easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		c->lib.easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
		c->lib.easy_setopt(h, CURLOPT_XFERINFODATA, &x);
	}
	set_method(h, req, &x);
	if (!strncmp(url, "https://", 8) && reg_tls_apply(c, h, err) < 0)
		goto out;

	c->requests++;
	cr = c->lib.easy_perform(h);
	resp->curl_code = (int)cr;
	if (x.body_failed)
		goto out;
	if (x.too_large) {
		sb_errorf(err, "registry %s: %s %s: the answer is larger than %zu bytes", c->host,
			  req->method, path, x.max);
		goto out;
	}
	if (cr != CURLE_OK) {
		resp->retryable = curl_retryable(cr);
		sb_errorf(err, "registry %s: %s %s: %s", c->host, req->method, path,
			  errbuf[0] ? errbuf : c->lib.easy_strerror(cr));
		if (cr == CURLE_PEER_FAILED_VERIFICATION)
			sb_error_hint(err,
				      "the registry's certificate is not trusted: put the CA "
				      "that signed it in %s/%s/ca.crt, or name the registry "
				      "with --insecure-registry %s",
				      c->certs_d, c->host, c->host);
		else if (cr == CURLE_COULDNT_CONNECT)
			sb_error_hint(err, "check that a registry runs at %s", c->host);
		goto out;
	}
	c->lib.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	rc = 0;
out:
	if (opened)
		req->body->close(req->body->ud);
	c->lib.easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	c->lib.easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	c->lib.slist_free_all(hdrs);
	free(url);
	free(path);
	return rc;
}

/* One attempt with credentials: the cached ones first; a 401 with a
 * challenge answered once, then the request again. */
static int send_auth(struct reg_client *c, const struct reg_req *req, struct reg_resp *resp,
		     struct sb_error *err)
{
	char *auth = NULL;
	int rc = -1, same = req->url[0] == '/' || !strncmp(req->url, c->base, strlen(c->base));

	if (req->auth) {
		return reg_send(c, req, req->auth, resp, err);
	}
	if (same && reg_auth_header(c, req->scope, &auth, err) < 0)
		goto out;
	if (reg_send(c, req, auth, resp, err) < 0)
		goto out;
	if (resp->status == 401 && same && resp->www_auth && !(req->body && req->body_open)) {
		char *challenge = resp->www_auth;

		resp->www_auth = NULL;
		rc = reg_auth_answer(c, challenge, req->scope, err);
		free(challenge);
		if (rc < 0)
			goto out;
		rc = -1;
		free(auth);
		auth = NULL;
		if (reg_auth_header(c, req->scope, &auth, err) < 0 ||
		    reg_send(c, req, auth, resp, err) < 0)
			goto out;
	}
	rc = 0;
out:
	if (auth) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	return rc;
}

/* reg_call's attempts: with credentials (send_auth), or plain (reg_send). */
static int call(struct reg_client *c, const struct reg_req *req, int plain, struct reg_resp *resp,
		struct sb_error *err)
{
	unsigned waited = 0, budget = c->max_backoff_ms * 4;

	for (unsigned attempt = 0;; attempt++) {
		int rc = plain ? reg_send(c, req, NULL, resp, err) : send_auth(c, req, resp, err);
		long ra;
		unsigned ms;

		if (rc == 0 && !reg_status_retryable(resp->status))
			return 0;
		if (rc == 0)
			resp->retryable = 1;
		if (!resp->retryable || req->once || attempt >= c->retries)
			break;
		ra = reg_retry_after_s(resp->retry_after, (long long)time(NULL));
		ms = reg_backoff_ms(attempt, c->max_backoff_ms, ra);
		if (waited + ms > budget)
			break;
		reg_sleep_ms(ms);
		waited += ms;
	}
	if (resp->status && reg_status_retryable(resp->status)) {
		reg_status_error(c, req, resp, err);
		resp->retryable = 1;
	}
	if (resp->retryable && !req->once && c->retries)
		sb_error_hint(err,
			      "the registry did not answer after %u attempts; check that it "
			      "runs and is reachable, then run the command again",
			      c->retries + 1);
	return -1;
}

int reg_call(struct reg_client *c, const struct reg_req *req, struct reg_resp *resp,
	     struct sb_error *err)
{
	if (reg_client_base(c, err) < 0)
		return -1;
	return call(c, req, 0, resp, err);
}

int reg_call_plain(struct reg_client *c, const struct reg_req *req, struct reg_resp *resp,
		   struct sb_error *err)
{
	return call(c, req, 1, resp, err);
}

const char *reg_status_text(long s)
{
	switch (s) {
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Payload Too Large";
	case 416:
		return "Range Not Satisfiable";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "";
	}
}

int reg_call_want(struct reg_client *c, const struct reg_req *req, long want, struct reg_resp *resp,
		  struct sb_error *err)
{
	if (reg_call(c, req, resp, err) < 0)
		return -1;
	if (resp->status != want)
		return reg_status_error(c, req, resp, err);
	return 0;
}

int reg_status_error(struct reg_client *c, const struct reg_req *req, const struct reg_resp *resp,
		     struct sb_error *err)
{
	char *url = req->url[0] == '/' && c->base ? sb_printf("%s%s", c->base, req->url)
						  : sb_strdup(req->url);
	char *path = url ? reg_url_path(url) : NULL;
	char *words = reg_error_words(resp);
	const char *text = reg_status_text(resp->status);

	sb_errorf(err, "registry %s: %s %s: %ld%s%s%s%s", c->host, req->method,
		  path ? path : req->url, resp->status, *text ? " " : "", text, words ? ": " : "",
		  words ? words : "");
	if (resp->status == 401)
		sb_error_hint(err,
			      "check the user name and password for %s in the Docker "
			      "config.json (docker login %s)",
			      c->host, c->host);
	else if (resp->status == 403)
		sb_error_hint(err,
			      "the account has no right to do this on %s; check the "
			      "repository name and its permissions",
			      c->host);
	free(words);
	free(path);
	free(url);
	return -1;
}
