/* The build context: opening it, reading its .dockerignore, and explaining
 * the ignore rules' verdict on a path (--explain-ignore). See context.h.
 *
 * The rest lives beside it: open.c opens files beneath the root, resolve.c
 * resolves and matches COPY sources, walk.c walks directories. */
#include "context/context_int.h"
#include "context/ignore.h"
#include "util/match.h"
#include "util/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char oom[] = "out of memory";

/* ---- ctx_open ---- */

static int load_ignore(struct ctx *c, const char *dockerfile, struct sb_error *err)
{
	char *name = NULL, *real = NULL, *text = NULL;
	struct stat st;
	size_t len;
	int fd = -1, rc = -1, r;

	if (dockerfile) {
		name = sb_printf("%s.dockerignore", dockerfile);
		if (!name)
			goto nomem;
		fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0 && errno != ENOENT) {
			ctx_sys_error(err, name, "cannot open", errno);
			goto out;
		}
		if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
			sb_error_file(err, name, "not a regular file");
			goto out;
		}
	}
	if (fd < 0) {
		free(name);
		name = sb_printf("%s/.dockerignore", c->dir);
		if (!name)
			goto nomem;
		r = ctx_resolve(c, ".dockerignore", &real, &st, err); /* no rules yet */
		if (r < 0)
			goto out;
		if (r == 0) {
			rc = 0;
			goto out;
		}
		if (ctx_open_file(c, real, &fd, err) < 0) {
			sb_error_prefix(err, "reading .dockerignore");
			goto out;
		}
	}
	/* no size limit: the rules are all read, however many */
	if (sb_read_all(fd, name, SIZE_MAX, &text, &len, err) < 0)
		goto out;
	c->src = real ? CTX_IGNORE_CONTEXT : CTX_IGNORE_DOCKERFILE;
	c->ignore_file = name;
	name = NULL;
	rc = ignore_add_file(c->ig, c->ignore_file, text, len, err);
	goto out;
nomem:
	sb_errorf(err, oom);
out:
	if (fd >= 0)
		close(fd);
	free(name);
	free(real);
	free(text);
	return rc;
}

int ctx_open(struct ctx **out, const char *dir, const char *dockerfile, struct sb_error *err)
{
	struct ctx *c = calloc(1, sizeof(*c));
	int rc = -1;

	*out = NULL;
	if (!c)
		return sb_errorf(err, oom);
	c->root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->root < 0) {
		ctx_sys_error(err, dir, "cannot open the build context", errno);
		sb_error_hint(err, "the context must be an existing directory");
		goto out;
	}
	c->dir = sb_strdup(dir);
	c->ig = ignore_new();
	if (!c->dir || !c->ig) {
		sb_errorf(err, oom);
		goto out;
	}
	if (load_ignore(c, dockerfile, err) < 0)
		goto out;
	*out = c;
	c = NULL;
	rc = 0;
out:
	ctx_free(c);
	return rc;
}

void ctx_free(struct ctx *c)
{
	if (!c)
		return;
	if (c->root >= 0)
		close(c->root);
	free(c->dir);
	free(c->ignore_file);
	ignore_free(c->ig);
	free(c);
}

const char *ctx_dir(const struct ctx *c)
{
	return c->dir;
}

/* ---- ctx_explain_ignore ---- */

void ctx_ignore_verdict_release(struct ctx_ignore_verdict *v)
{
	if (!v)
		return;
	free(v->path);
	free(v->pattern);
	free(v->file);
	free(v->parent);
	free(v->ignore_file);
	memset(v, 0, sizeof(*v));
}

/* Sets *parent to a copy of the shortest parent directory of path that p
 * matches, or NULL when p matches path itself. Returns 0, or -1 when out of
 * memory. */
static int deciding_parent(const struct ignore_pattern *p, const char *path, char **parent)
{
	*parent = NULL;
	if (ignore_pattern_match(p, path))
		return 0;
	for (const char *q = strchr(path, '/'); q; q = strchr(q + 1, '/')) {
		char *prefix = sb_strndup(path, (size_t)(q - path));

		if (!prefix)
			return -1;
		if (ignore_pattern_match(p, prefix)) {
			*parent = prefix;
			return 0;
		}
		free(prefix);
	}
	return 0;
}

int ctx_explain_ignore(struct ctx *c, const char *path, struct ctx_ignore_verdict *out,
		       struct sb_error *err)
{
	struct ctx_ignore_verdict v = {.source = c->src};
	const struct ignore_pattern *why;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	v.path = match_clean_rooted(path);
	if (!v.path || (c->ignore_file && !(v.ignore_file = sb_strdup(c->ignore_file))))
		goto out;
	v.excluded = ignore_check(c->ig, v.path, &why);
	if (why) {
		v.matched = true;
		v.exception = why->exception;
		v.line = why->line;
		v.pattern = sb_strdup(why->text);
		v.file = why->file ? sb_strdup(why->file) : NULL;
		if (!v.pattern || (why->file && !v.file) ||
		    deciding_parent(why, v.path, &v.parent) < 0)
			goto out;
	}
	*out = v;
	memset(&v, 0, sizeof(v));
	rc = 0;
out:
	if (rc < 0)
		sb_errorf(err, oom);
	ctx_ignore_verdict_release(&v);
	return rc;
}
