/* A named build context: --build-context NAME=VALUE parsed, its directory
 * opened, an image's file and reference told apart (see named.h). */
#include "context/named.h"

#include "image/base.h"
#include "util/mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The kinds buildx passes on as they are (ParseContextNames): everything
 * else is a local path. */
static const struct {
	const char *prefix;
	enum ctx_named_kind kind;
	int strip; /* the prefix is a scheme, not part of the value */
} kinds[] = {
    {"docker-image://", CTX_NAMED_IMAGE, 1},
    {"oci-layout://", CTX_NAMED_OCI_LAYOUT, 1},
    {"target:", CTX_NAMED_TARGET, 1},
    {"http://", CTX_NAMED_URL, 0},
    {"https://", CTX_NAMED_URL, 0},
    {"git://", CTX_NAMED_URL, 0},
    {"git@", CTX_NAMED_URL, 0},
};

/* v as buildx splits an OCI layout's value: first at '@' (a digest, which
 * wins), then at ':' (a tag); DIR alone takes the layout's only image (buildx
 * looks for the tag "latest" first, then for the only image). Sets n->path
 * and n->ref. */
static int split_ref(struct ctx_named *n, const char *v, struct sb_error *err)
{
	const char *at = strchr(v, '@');
	const char *colon = strchr(v, ':');
	const char *end = v + strlen(v);

	if (colon && at && colon > at)
		colon = NULL;
	if (at)
		n->ref = sb_strdup(at + 1);
	else if (colon)
		n->ref = sb_strdup(colon + 1);
	n->path = sb_strndup(v, (size_t)((colon ? colon : at ? at : end) - v));
	if (!n->path || ((at || colon) && !n->ref))
		return sb_errorf(err, "out of memory");
	if (!n->path[0]) {
		sb_errorf(err, "--build-context %s: no directory before the tag", n->arg);
		return sb_error_hint(err, "write oci-layout://DIR[:TAG|@sha256:HEX], e.g. "
					  "oci-layout://./base:nonroot");
	}
	if (n->ref && !n->ref[0]) {
		sb_errorf(err, "--build-context %s: the %s is empty", n->arg,
			  at ? "digest" : "tag");
		return sb_error_hint(err, "write DIR:TAG or DIR@sha256:HEX, or DIR alone for the "
					  "layout's only image");
	}
	if (at && (strncmp(n->ref, "sha256:", 7) || strlen(n->ref) != 71 ||
		   strspn(n->ref + 7, "0123456789abcdef") != 64)) {
		sb_errorf(err, "--build-context %s: invalid digest \"%s\"", n->arg, n->ref);
		return sb_error_hint(err, "write @sha256: and 64 lower-case hex digits");
	}
	return 0;
}

int ctx_named_parse(const char *arg, struct ctx_named *out, struct sb_error *err)
{
	const char *eq = strchr(arg, '=');

	memset(out, 0, sizeof(*out));
	out->arg = arg;
	if (!eq || eq == arg) {
		sb_errorf(err, "--build-context %s: write NAME=VALUE", arg);
		return sb_error_hint(err, "name the stage or image it replaces and the directory "
					  "that holds its files, e.g. --build-context build=./out");
	}
	out->name = sb_strndup(arg, (size_t)(eq - arg));
	if (!out->name)
		return sb_errorf(err, "out of memory");
	out->value = eq + 1;
	out->kind = CTX_NAMED_DIR;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t n = strlen(kinds[i].prefix);

		if (!strncmp(out->value, kinds[i].prefix, n)) {
			out->kind = kinds[i].kind;
			out->value += kinds[i].strip ? n : 0;
			break;
		}
	}
	if (!out->value[0]) {
		sb_errorf(err, "--build-context %s: the value is empty", arg);
		return sb_error_hint(err, "give the directory that holds its files, e.g. "
					  "--build-context build=./out");
	}
	if (out->kind == CTX_NAMED_OCI_LAYOUT)
		return split_ref(out, out->value, err);
	return 0;
}

const char *ctx_named_kind_text(enum ctx_named_kind k)
{
	switch (k) {
	case CTX_NAMED_DIR:
		return "a directory";
	case CTX_NAMED_IMAGE:
		return "an image (docker-image://)";
	case CTX_NAMED_OCI_LAYOUT:
		return "an OCI layout (oci-layout://)";
	case CTX_NAMED_TARGET:
		return "a bake target (target:)";
	case CTX_NAMED_URL:
		return "a remote context (a URL)";
	case CTX_NAMED_IMAGE_TAR:
		return "an image tar";
	}
	return "unknown";
}

int ctx_named_is_image(const struct ctx_named *n)
{
	return n->kind == CTX_NAMED_OCI_LAYOUT || n->kind == CTX_NAMED_IMAGE_TAR;
}

/* oci-layout://DIR: DIR must be a directory. */
static int open_layout(struct ctx_named *n, struct sb_error *err)
{
	struct stat st;

	if (stat(n->path, &st) < 0 && errno != ENOENT)
		return sb_errorf(err, "--build-context %s: %s: %s", n->arg, n->path,
				 strerror(errno));
	if (errno == ENOENT)
		sb_errorf(err, "--build-context %s: no such directory %s", n->arg, n->path);
	else if (!S_ISDIR(st.st_mode))
		sb_errorf(err, "--build-context %s: %s is not a directory", n->arg, n->path);
	else
		return 0;
	return sb_error_hint(err, "an OCI layout is a directory holding oci-layout and "
				  "index.json (skopeo copy IMAGE oci:DIR:TAG writes one); an "
				  "image tar is given without oci-layout://");
}

/* PATH[:TAG|@DIGEST] where PATH is a regular file: an image tar. Returns 1
 * when it is one (n->path, n->ref set), 0 when not, -1 on error. */
static int find_tar(struct ctx_named *n, const struct stat *whole, struct sb_error *err)
{
	struct stat st;

	if (whole) {
		if (!S_ISREG(whole->st_mode))
			return 0;
		n->path = sb_strdup(n->value);
		if (!n->path)
			return sb_errorf(err, "out of memory");
	} else {
		if (!strchr(n->value, '@') && !strchr(n->value, ':'))
			return 0;
		struct sb_error split = {0};
		int rc = split_ref(n, n->value, &split);

		/* Only a regular file before the tag makes it a tar reference:
		 * otherwise the value is a path that does not exist. */
		if (!n->path || stat(n->path, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(n->path);
			free(n->ref);
			n->path = n->ref = NULL;
			sb_error_release(&split);
			return 0;
		}
		if (rc < 0) {
			sb_error_release(err);
			*err = split;
			return -1;
		}
		sb_error_release(&split);
	}
	n->kind = CTX_NAMED_IMAGE_TAR;
	return 1;
}

int ctx_named_open(struct ctx_named *n, struct sb_error *err)
{
	struct stat st;
	int tar;

	if (n->kind == CTX_NAMED_OCI_LAYOUT) {
		errno = 0;
		return open_layout(n, err);
	}
	if (stat(n->value, &st) < 0) {
		int e = errno;

		if ((tar = find_tar(n, NULL, err)) != 0)
			return tar < 0 ? -1 : 0;
		errno = e;
		if (errno == ENOENT) {
			sb_errorf(err, "--build-context %s: no such directory", n->arg);
			return sb_error_hint(err, "give the directory that holds the files the "
						  "stage would have made, e.g. the build's output");
		}
		return sb_errorf(err, "--build-context %s: %s", n->arg, strerror(errno));
	}
	if ((tar = find_tar(n, &st, err)) != 0)
		return tar < 0 ? -1 : 0;
	if (!S_ISDIR(st.st_mode)) {
		sb_errorf(err, "--build-context %s: neither a directory nor an image tar", n->arg);
		return sb_error_hint(err, "give a directory that holds its files, an image tar "
					  "(docker save -o base.tar IMAGE) or an OCI layout "
					  "(oci-layout://DIR:TAG)");
	}
	if (ctx_open(&n->ctx, n->value, NULL, err) < 0) {
		sb_error_prefix(err, "--build-context %s", n->arg);
		return -1;
	}
	return 0;
}

void ctx_named_release(struct ctx_named *n)
{
	ctx_free(n->ctx);
	img_base_free(n->image);
	free(n->path);
	free(n->ref);
	free(n->name);
	free(n->key);
	memset(n, 0, sizeof(*n));
}
