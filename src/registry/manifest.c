/* Manifests: PUT with its media type, the registry's Docker-Content-Digest
 * checked against the body's own; GET with every manifest and index type
 * accepted. */
#include "registry/client.h"

#include "image/digest.h"
#include "util/sha256.h"

#include <stdlib.h>
#include <string.h>

#define MANIFEST_MAX (4u << 20) /* distribution's own limit */

static const char accept_all[] = "application/vnd.oci.image.manifest.v1+json, "
				 "application/vnd.oci.image.index.v1+json, "
				 "application/vnd.docker.distribution.manifest.v2+json, "
				 "application/vnd.docker.distribution.manifest.list.v2+json";

/* One call on repo's manifest ref that succeeds with status want, with the
 * URL and token scope (for actions) made for it here. */
static int manifest_call(struct reg_client *c, struct reg_req *req, const char *repo,
			 const char *ref, const char *actions, long want, struct reg_resp *resp,
			 struct sb_error *err)
{
	char *url = sb_printf("/v2/%s/manifests/%s", repo, ref),
	     *scope = reg_repo_scope(repo, actions);
	int rc;

	req->url = url;
	req->scope = scope;
	if (url && scope)
		rc = reg_call_want(c, req, want, resp, err);
	else
		rc = sb_errorf(err, "out of memory");
	req->url = req->scope = NULL;
	free(url);
	free(scope);
	return rc;
}

int reg_manifest_put(struct reg_client *c, const char *repo, const char *ref,
		     const char *media_type, const char *body, size_t len, struct sb_error *err)
{
	struct reg_req req = {
	    .method = "PUT", .content_type = media_type, .data = body, .len = len};
	struct reg_resp resp = {0};
	unsigned char sum[SB_SHA256_BYTES];
	char want[DG_STRING_LEN + 1];
	int rc = -1;

	if (manifest_call(c, &req, repo, ref, "pull,push", 201, &resp, err) < 0)
		goto out;
	sb_sha256(body, len, sum);
	dg_string(sum, want);
	if (resp.digest && strcmp(resp.digest, want)) {
		sb_errorf(err,
			  "registry %s: PUT /v2/%s/manifests/%s: the registry stored %s, not "
			  "the manifest sent (%s)",
			  c->host, repo, ref, resp.digest, want);
		sb_error_hint(err, "the registry changed the manifest; it may not support %s",
			      media_type);
		goto out;
	}
	rc = 0;
out:
	reg_resp_release(&resp);
	return rc;
}

int reg_manifest_get(struct reg_client *c, const char *repo, const char *ref, char **body,
		     size_t *len, char **media_type, struct sb_error *err)
{
	struct reg_req req = {.method = "GET", .accept = accept_all, .max_resp = MANIFEST_MAX};
	struct reg_resp resp = {0};
	int rc = -1;

	*body = *media_type = NULL;
	*len = 0;
	if (manifest_call(c, &req, repo, ref, "pull", 200, &resp, err) < 0)
		goto out;
	*media_type = sb_strdup(resp.content_type ? resp.content_type : "");
	*len = resp.body.len;
	*body = sb_buf_detach(&resp.body);
	if (!*media_type || !*body) {
		free(*media_type);
		free(*body);
		*body = *media_type = NULL;
		sb_errorf(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	reg_resp_release(&resp);
	return rc;
}
