/* A named build context: --build-context NAME=VALUE parsed and its
 * directory opened (see named.h). */
#include "context/named.h"

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
	}
	return "unknown";
}

int ctx_named_open(struct ctx_named *n, struct sb_error *err)
{
	struct stat st;

	if (stat(n->value, &st) < 0) {
		if (errno == ENOENT) {
			sb_errorf(err, "--build-context %s: no such directory", n->arg);
			return sb_error_hint(err, "give the directory that holds the files the "
						  "stage would have made, e.g. the build's output");
		}
		return sb_errorf(err, "--build-context %s: %s", n->arg, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode)) {
		sb_errorf(err, "--build-context %s: not a directory", n->arg);
		return sb_error_hint(err, "a named context is a directory here; image tars are not "
					  "supported yet");
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
	free(n->name);
	free(n->key);
	memset(n, 0, sizeof(*n));
}
