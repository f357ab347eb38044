/* The blob calls of the distribution API: HEAD to see whether the registry
 * has a blob, POST ?mount= to take it from another repository, and the
 * upload (POST, then one PUT, or PATCH chunks and a PUT) with the digest
 * checked by the registry. An upload that fails on the way starts again
 * from its POST: the body is opened afresh. */
#include "registry/client.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int reg_blob_exists(struct reg_client *c, const char *repo, const char *digest, int for_push,
		    int *exists, struct sb_error *err)
{
	char *url = sb_printf("/v2/%s/blobs/%s", repo, digest),
	     *scope = reg_repo_scope(repo, for_push ? "pull,push" : "pull");
	struct reg_req req = {.method = "HEAD", .url = url, .scope = scope};
	struct reg_resp resp = {0};
	int rc = -1;

	*exists = 0;
	if (!url || !scope) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (reg_call(c, &req, &resp, err) < 0)
		goto out;
	if (resp.status == 200)
		*exists = 1;
	else if (resp.status != 404) {
		reg_status_error(c, &req, &resp, err);
		goto out;
	}
	rc = 0;
out:
	reg_resp_release(&resp);
	free(url);
	free(scope);
	return rc;
}

/* DELETE an upload that is not wanted; its failure does not matter (the
 * registry drops stale uploads itself). */
static void cancel_upload(struct reg_client *c, const char *url, const char *scope)
{
	struct reg_req req = {.method = "DELETE", .url = url, .scope = scope, .once = 1};
	struct reg_resp resp = {0};
	struct sb_error ignore = {0};

	reg_call(c, &req, &resp, &ignore);
	sb_error_release(&ignore);
	reg_resp_release(&resp);
}

int reg_blob_mount(struct reg_client *c, const char *repo, const char *from, const char *digest,
		   int *mounted, struct sb_error *err)
{
	char *path = sb_printf("/v2/%s/blobs/uploads/", repo), *u1 = NULL, *url = NULL,
	     *scope = sb_printf("repository:%s:pull,push repository:%s:pull", repo, from),
	     *loc = NULL;
	struct reg_req req = {.method = "POST", .scope = scope};
	struct reg_resp resp = {0};
	int rc = -1;

	*mounted = 0;
	u1 = path ? reg_url_add_query(path, "mount", digest) : NULL;
	url = u1 ? reg_url_add_query(u1, "from", from) : NULL;
	if (!url || !scope) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	req.url = url;
	if (reg_call(c, &req, &resp, err) < 0)
		goto out;
	if (resp.status == 201) {
		*mounted = 1;
	} else if (resp.status == 202 && resp.location) {
		char *abs = sb_printf("%s%s", c->base, url);
		loc = abs ? reg_url_resolve(abs, resp.location) : NULL;
		free(abs);
		if (loc)
			cancel_upload(c, loc, scope);
	} else if (resp.status != 202 && resp.status != 401 && resp.status != 403 &&
		   resp.status != 404) {
		/* 401/403/404: no right to read `from`, or no such blob there:
		 * the caller uploads it instead */
		reg_status_error(c, &req, &resp, err);
		goto out;
	}
	rc = 0;
out:
	reg_resp_release(&resp);
	free(loc);
	free(path);
	free(u1);
	free(url);
	free(scope);
	return rc;
}

/* POST /v2/REPO/blobs/uploads/: *loc the absolute URL of the new upload. */
static int start_upload(struct reg_client *c, const char *repo, const char *scope, char **loc,
			struct sb_error *err)
{
	char *path = sb_printf("/v2/%s/blobs/uploads/", repo), *abs = NULL;
	struct reg_req req = {.method = "POST", .url = path, .scope = scope};
	struct reg_resp resp = {0};
	int rc = -1;

	*loc = NULL;
	if (!path) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (reg_call(c, &req, &resp, err) < 0)
		goto out;
	if (resp.status != 202 || !resp.location) {
		reg_status_error(c, &req, &resp, err);
		if (resp.status == 202)
			sb_errorf(err, "registry %s: POST %s: 202 without a Location", c->host,
				  path);
		goto out;
	}
	abs = sb_printf("%s%s", c->base, path);
	*loc = abs ? reg_url_resolve(abs, resp.location) : NULL;
	if (!*loc) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	reg_resp_release(&resp);
	free(path);
	free(abs);
	return rc;
}

struct upload {
	struct reg_client *c;
	const char *digest, *scope;
	const struct reg_body *body;
	reg_progress_fn progress;
	void *progress_ud;
	int retryable; /* the last failure may go away when started again */
};

/* PUT LOC?digest= with the rest of the body (a whole one, or none after
 * the chunks). */
static int finish(struct upload *u, const char *loc, int whole, struct sb_error *err)
{
	char *url = reg_url_add_query(loc, "digest", u->digest);
	struct reg_req req = {.method = "PUT",
			      .url = url,
			      .scope = u->scope,
			      .content_type = "application/octet-stream",
			      .body = whole ? u->body : NULL,
			      .data = whole ? NULL : "",
			      .progress = whole ? u->progress : NULL,
			      .progress_ud = u->progress_ud,
			      .progress_total = u->body->size,
			      .once = 1};
	struct reg_resp resp = {0};
	int rc = -1;

	if (!url) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (reg_call(u->c, &req, &resp, err) < 0) {
		u->retryable = resp.retryable;
		goto out;
	}
	if (resp.status != 201) {
		u->retryable = reg_status_retryable(resp.status);
		reg_status_error(u->c, &req, &resp, err);
		goto out;
	}
	rc = 0;
out:
	reg_resp_release(&resp);
	free(url);
	return rc;
}

/* PATCH the body in chunks of c->chunk_size, then PUT ?digest=. */
static int chunked(struct upload *u, const char *first, struct sb_error *err)
{
	struct reg_client *c = u->c;
	char *loc = sb_strdup(first), *range = NULL;
	uint64_t off = 0, size = u->body->size;
	struct reg_resp resp = {0};
	int opened = 0, rc = -1;

	if (!loc) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	if (u->body->open(u->body->ud, err) < 0)
		goto out;
	opened = 1;
	while (off < size) {
		uint64_t n = size - off < c->chunk_size ? size - off : c->chunk_size;
		struct reg_req req = {.method = "PATCH",
				      .url = loc,
				      .scope = u->scope,
				      .content_type = "application/octet-stream",
				      .body = u->body,
				      .body_open = 1,
				      .body_len = n,
				      .progress = u->progress,
				      .progress_ud = u->progress_ud,
				      .progress_base = off,
				      .progress_total = size,
				      .once = 1};
		char *next;

		free(range);
		range = sb_printf("%llu-%llu", (unsigned long long)off,
				  (unsigned long long)(off + n - 1));
		req.content_range = range;
		if (!range) {
			sb_errorf(err, "out of memory");
			goto out;
		}
		if (reg_call(c, &req, &resp, err) < 0) {
			u->retryable = resp.retryable;
			goto out;
		}
		if (resp.status != 202 || !resp.location) {
			/* 416: the registry lost track of the upload; start again */
			u->retryable = reg_status_retryable(resp.status) || resp.status == 416 ||
				       resp.status == 404;
			reg_status_error(c, &req, &resp, err);
			goto out;
		}
		next = reg_url_resolve(loc, resp.location);
		if (!next) {
			sb_errorf(err, "out of memory");
			goto out;
		}
		free(loc);
		loc = next;
		off += n;
	}
	rc = finish(u, loc, 0, err);
out:
	if (opened)
		u->body->close(u->body->ud);
	reg_resp_release(&resp);
	free(range);
	free(loc);
	return rc;
}

int reg_blob_upload(struct reg_client *c, const char *repo, const char *digest,
		    const struct reg_body *body, reg_progress_fn progress, void *progress_ud,
		    struct sb_error *err)
{
	char *scope = reg_repo_scope(repo, "pull,push"), *loc = NULL;
	struct upload u = {.c = c,
			   .digest = digest,
			   .scope = scope,
			   .body = body,
			   .progress = progress,
			   .progress_ud = progress_ud};
	unsigned waited = 0;
	int rc = -1;

	if (!scope)
		return sb_errorf(err, "out of memory");
	for (unsigned attempt = 0;; attempt++) {
		unsigned ms;

		u.retryable = 0;
		if (start_upload(c, repo, scope, &loc, err) < 0)
			break;
		rc = body->size > c->chunk_size ? chunked(&u, loc, err) : finish(&u, loc, 1, err);
		free(loc);
		loc = NULL;
		if (rc == 0 || !u.retryable || attempt >= c->retries)
			break;
		ms = reg_backoff_ms(attempt, c->max_backoff_ms, -1);
		if (waited + ms > c->max_backoff_ms * 4)
			break;
		/* the upload is dropped; a new one starts with the body afresh */
		reg_sleep_ms(ms);
		waited += ms;
		sb_error_release(err);
	}
	if (rc < 0 && u.retryable)
		sb_error_hint(err,
			      "the upload failed %u times; run the command again: what the "
			      "registry has is not sent twice",
			      c->retries + 1);
	free(scope);
	return rc;
}
