/* The build context on real temporary directories: walks, .dockerignore,
 * wildcards, clamping, and hostile symlinks that must never lead outside. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "context/context.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET "TOP-SECRET-OUTSIDE-THE-CONTEXT-0123456789"

struct fixture {
	char top[64]; /* mkdtemp: holds secret.txt and ctx/ */
	char *ctx;    /* the context directory */
	char *secret; /* a file beside the context */
};

static void mkfile(const char *dir, const char *rel, const char *content)
{
	char *p = sb_printf("%s/%s", dir, rel);
	FILE *f;

	assert_non_null(p);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
	free(p);
}

static void mkdirp(const char *dir, const char *rel)
{
	char *p = sb_printf("%s/%s", dir, rel);

	assert_non_null(p);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
}

static void mklink(const char *dir, const char *rel, const char *target)
{
	char *p = sb_printf("%s/%s", dir, rel);

	assert_non_null(p);
	assert_int_equal(symlink(target, p), 0);
	free(p);
}

static int rm_rf(const char *path)
{
	char *cmd = sb_printf("rm -rf '%s'", path);
	int rc = system(cmd);

	free(cmd);
	return rc;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->top, "/tmp/sb-ctx-test-XXXXXX");
	if (!mkdtemp(f->top))
		return -1;
	f->ctx = sb_printf("%s/ctx", f->top);
	f->secret = sb_printf("%s/secret.txt", f->top);
	if (mkdir(f->ctx, 0755) < 0)
		return -1;
	mkfile(f->top, "secret.txt", SECRET);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rm_rf(f->top);
	free(f->ctx);
	free(f->secret);
	free(f);
	return 0;
}

static struct ctx *open_ctx(struct fixture *f, const char *dockerfile)
{
	struct sb_error err = {0};
	struct ctx *c;

	if (ctx_open(&c, f->ctx, dockerfile, &err) < 0)
		fail_msg("ctx_open: %s", err.msg);
	return c;
}

/* Collects "path|real|type[|link]" lines of a walk. */
struct rec {
	struct sb_buf out;
	size_t count;
};

static int record(void *ud, const struct ctx_entry *e, struct sb_error *err)
{
	struct rec *r = ud;
	static const char *const types[] = {"dir", "reg", "lnk", "other"};

	(void)err;
	r->count++;
	if (sb_buf_addf(&r->out, "%s|%s|%s", e->path, e->real, types[e->type]) < 0)
		return -1;
	if (e->type == CTX_LNK && sb_buf_addf(&r->out, "|%s", e->link) < 0)
		return -1;
	if (e->type == CTX_REG && sb_buf_addf(&r->out, "|%llu", (unsigned long long)e->size) < 0)
		return -1;
	/* never a byte of the secret: its size is unique enough */
	assert_false(e->type == CTX_REG && e->size == strlen(SECRET));
	return sb_buf_addc(&r->out, '\n');
}

static char *walk(struct ctx *c, const char *path)
{
	struct rec r = {0};
	struct sb_error err = {0};

	if (ctx_walk(c, path, record, &r, &err) < 0)
		fail_msg("ctx_walk(%s): %s", path, err.msg);
	return sb_buf_detach(&r.out);
}

static int walk_err(struct ctx *c, const char *path, struct sb_error *err)
{
	struct rec r = {0};
	int rc = ctx_walk(c, path, record, &r, err);

	sb_buf_release(&r.out);
	return rc;
}

/* ctx_match joined with ',' */
static char *match(struct ctx *c, const char *src)
{
	struct sb_error err = {0};
	struct sb_buf b = {0};
	char **v;
	size_t n;

	if (ctx_match(c, src, &v, &n, &err) < 0)
		fail_msg("ctx_match(%s): %s", src, err.msg);
	sb_buf_adds(&b, "");
	for (size_t i = 0; i < n; i++)
		sb_buf_addf(&b, "%s%s", i ? "," : "", v[i]);
	assert_null(v[n]);
	sb_strv_free(v);
	return sb_buf_detach(&b);
}

#define ASSERT_MATCH(c, src, want)                                                                 \
	do {                                                                                       \
		char *got_ = match(c, src);                                                        \
		if (strcmp(got_, want) != 0)                                                       \
			fail_msg("ctx_match(\"%s\") = \"%s\", want \"%s\"", src, got_, want);      \
		free(got_);                                                                        \
	} while (0)

#define ASSERT_WALK(c, src, want)                                                                  \
	do {                                                                                       \
		char *got_ = walk(c, src);                                                         \
		if (strcmp(got_, want) != 0)                                                       \
			fail_msg("ctx_walk(\"%s\") =\n%s\nwant\n%s", src, got_, want);             \
		free(got_);                                                                        \
	} while (0)

static void test_walk_sorted(void **state)
{
	struct fixture *f = *state;
	struct ctx *c;

	mkdirp(f->ctx, "d");
	mkdirp(f->ctx, "d/sub");
	mkfile(f->ctx, "d/b", "bb");
	mkfile(f->ctx, "d/a-b", "x");
	mkfile(f->ctx, "d/Z", "zzz");
	mkfile(f->ctx, "d/sub/y", "y");
	mklink(f->ctx, "d/dangling", "../nope");
	mklink(f->ctx, "d/abs", "/etc/shadow");
	assert_int_equal(mkfifo("/dev/null/x", 0644) < 0, 1);
	{
		char *p = sb_printf("%s/d/fifo", f->ctx);
		assert_int_equal(mkfifo(p, 0644), 0);
		free(p);
	}
	c = open_ctx(f, NULL);
	ASSERT_WALK(c, "d",
		    "|d|dir\n"
		    "Z|d/Z|reg|3\n"
		    "a-b|d/a-b|reg|1\n"
		    "abs|d/abs|lnk|/etc/shadow\n"
		    "b|d/b|reg|2\n"
		    "dangling|d/dangling|lnk|../nope\n"
		    "fifo|d/fifo|other\n"
		    "sub|d/sub|dir\n"
		    "sub/y|d/sub/y|reg|1\n");
	ASSERT_WALK(c, "./d/../d/b", "|d/b|reg|2\n");
	ASSERT_WALK(c, "/d/sub", "|d/sub|dir\ny|d/sub/y|reg|1\n");
	ctx_free(c);
}

static void test_hardlinks_reported(void **state)
{
	struct fixture *f = *state;
	struct ctx *c;
	struct sb_error err = {0};
	char **v;
	size_t n;
	char *a = sb_printf("%s/h1", f->ctx), *b = sb_printf("%s/h2", f->ctx);

	mkfile(f->ctx, "h1", "same");
	assert_int_equal(link(a, b), 0);
	c = open_ctx(f, NULL);
	assert_int_equal(ctx_match(c, "h*", &v, &n, &err), 0);
	assert_int_equal(n, 2);
	sb_strv_free(v);
	ASSERT_WALK(c, "", "||dir\nh1|h1|reg|4\nh2|h2|reg|4\n");
	free(a);
	free(b);
	ctx_free(c);
}

static int check_nlink(void *ud, const struct ctx_entry *e, struct sb_error *err)
{
	(void)ud;
	(void)err;
	if (e->type == CTX_REG)
		assert_int_equal(e->nlink, 2);
	return 0;
}

static void test_nlink(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	struct ctx *c;
	char *a = sb_printf("%s/h1", f->ctx), *b = sb_printf("%s/h2", f->ctx);

	mkfile(f->ctx, "h1", "same");
	assert_int_equal(link(a, b), 0);
	c = open_ctx(f, NULL);
	assert_int_equal(ctx_walk(c, "", check_nlink, NULL, &err), 0);
	free(a);
	free(b);
	ctx_free(c);
}

static void test_dockerignore(void **state)
{
	struct fixture *f = *state;
	struct ctx *c;

	mkdirp(f->ctx, "d");
	mkdirp(f->ctx, "d/sub");
	mkdirp(f->ctx, "logs");
	mkfile(f->ctx, "d/keep", "k");
	mkfile(f->ctx, "d/other", "o");
	mkfile(f->ctx, "d/sub/z", "z");
	mkfile(f->ctx, "logs/a.log", "a");
	mkfile(f->ctx, "a.txt", "a");
	mkfile(f->ctx, "b.md", "b");
	mkfile(f->ctx, "Dockerfile", "FROM scratch\n");
	mkfile(f->ctx, ".dockerignore", "# comment\n*.md\nlogs\nd\n!d/keep\n");
	c = open_ctx(f, NULL);
	ASSERT_WALK(c, "",
		    "||dir\n"
		    ".dockerignore|.dockerignore|reg|30\n"
		    "Dockerfile|Dockerfile|reg|13\n"
		    "a.txt|a.txt|reg|1\n"
		    "d|d|dir\n"
		    "d/keep|d/keep|reg|1\n");
	ASSERT_MATCH(c, "b.md", "");
	ASSERT_MATCH(c, "logs", "");
	ASSERT_MATCH(c, "logs/a.log", "");
	ASSERT_MATCH(c, "d", "d"); /* exists: something below is re-included */
	ASSERT_MATCH(c, "d/other", "");
	ASSERT_MATCH(c, "d/keep", "d/keep");
	ASSERT_MATCH(c, "*", ".dockerignore,Dockerfile,a.txt,d");
	ASSERT_MATCH(c, "d/*", "d/keep");
	ASSERT_WALK(c, "d", "|d|dir\nkeep|d/keep|reg|1\n");
	ctx_free(c);
}

static void test_dockerfile_dockerignore(void **state)
{
	struct fixture *f = *state;
	struct ctx *c;
	char *df = sb_printf("%s/build.Dockerfile", f->top);

	mkfile(f->ctx, "a", "a");
	mkfile(f->ctx, "b", "b");
	mkfile(f->ctx, ".dockerignore", "a\n");
	mkfile(f->top, "build.Dockerfile.dockerignore", "b\n");
	c = open_ctx(f, df);
	ASSERT_MATCH(c, "*", ".dockerignore,a");
	ctx_free(c);
	/* no <dockerfile>.dockerignore: falls back to the context's */
	free(df);
	df = sb_printf("%s/other.Dockerfile", f->top);
	c = open_ctx(f, df);
	ASSERT_MATCH(c, "*", ".dockerignore,b");
	ctx_free(c);
	free(df);
}

static void test_bad_dockerignore(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	struct ctx *c;

	mkfile(f->ctx, ".dockerignore", "ok\n[oops\n");
	assert_int_equal(ctx_open(&c, f->ctx, NULL, &err), -1);
	assert_null(c);
	assert_non_null(strstr(err.msg, "line 2"));
	assert_non_null(strstr(err.file, ".dockerignore"));
	sb_error_release(&err);
}

static void test_wildcards(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	struct ctx *c;
	char **v;
	size_t n;

	mkdirp(f->ctx, "a");
	mkdirp(f->ctx, "a-b");
	mkdirp(f->ctx, "deep");
	mkdirp(f->ctx, "deep/inner");
	mkfile(f->ctx, "a/x", "1");
	mkfile(f->ctx, "a-b/x", "2");
	mkfile(f->ctx, "abc", "3");
	mkfile(f->ctx, "bcd", "4");
	mkfile(f->ctx, "!x", "5");
	mkfile(f->ctx, "deep/inner/zz", "6");
	mklink(f->ctx, "l2", "deep/inner");
	mklink(f->ctx, "ld", "deep");
	c = open_ctx(f, NULL);
	/* BuildKit walk order: depth-first, names sorted per directory */
	ASSERT_MATCH(c, "*/x", "a/x,a-b/x");
	ASSERT_MATCH(c, "[!a]*", "!x,a,a-b,abc"); /* '!' is literal, as in BuildKit */
	ASSERT_MATCH(c, "[^a]*", "!x,bcd,deep,l2,ld");
	ASSERT_MATCH(c, "a?c", "abc");
	ASSERT_MATCH(c, "*/zz", ""); /* symlinks after the wildcard are not followed */
	ASSERT_MATCH(c, "*/*/zz", "deep/inner/zz");
	ASSERT_MATCH(c, "ld/*/z?", "deep/inner/zz"); /* ... but before it they are */
	ASSERT_MATCH(c, "nothing*", "");
	ASSERT_MATCH(c, "nodir/*", "");
	ASSERT_MATCH(c, "abc/*", "");
	ASSERT_MATCH(c, "a[/]x", "a/x");
	ASSERT_MATCH(c, "/../../a*", "a,a-b,abc");
	assert_int_equal(ctx_match(c, "x[", &v, &n, &err), -1);
	assert_non_null(strstr(err.msg, "syntax error"));
	sb_error_release(&err);
	ctx_free(c);
}

static void test_clamping(void **state)
{
	struct fixture *f = *state;
	struct ctx *c;

	mkdirp(f->ctx, "x");
	mkfile(f->ctx, "x/f", "s");
	c = open_ctx(f, NULL);
	ASSERT_MATCH(c, "../../../x/f", "x/f");
	ASSERT_MATCH(c, "/x/f", "x/f");
	ASSERT_MATCH(c, "x/../../x/./f", "x/f");
	ASSERT_MATCH(c, ".", "");
	ASSERT_MATCH(c, "/", "");
	ASSERT_MATCH(c, "..", "");
	ASSERT_MATCH(c, "../secret.txt", ""); /* i.e. <ctx>/secret.txt: not there */
	ASSERT_MATCH(c, "x/f/", "x/f");
	ASSERT_MATCH(c, "x/f/.", "x/f"); /* cleaned lexically first, like BuildKit */
	ASSERT_WALK(c, "../..", "||dir\nx|x|dir\nx/f|x/f|reg|1\n");
	ctx_free(c);
}

static void test_symlink_sources(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	struct ctx *c;

	mkdirp(f->ctx, "x");
	mkdirp(f->ctx, "etc");
	mkfile(f->ctx, "x/f", "s");
	mkfile(f->ctx, "etc/passwd", "inner\n");
	mklink(f->ctx, "pw", "/etc/passwd");
	mklink(f->ctx, "shadow", "/etc/shadow");
	mklink(f->ctx, "up", "../../..");
	mklink(f->ctx, "rootl", "/");
	mklink(f->ctx, "ld", "x");
	mklink(f->ctx, "lda", "/x");
	mklink(f->ctx, "x/back", "../pw");
	mklink(f->ctx, "sec", "../secret.txt");
	mklink(f->ctx, "secabs", f->secret);
	mklink(f->ctx, "outdir", f->top);
	mklink(f->ctx, "loop", "loop");
	mklink(f->ctx, "loopa", "loopb");
	mklink(f->ctx, "loopb", "loopa");
	c = open_ctx(f, NULL);
	/* followed, resolved inside the context */
	ASSERT_WALK(c, "pw", "|etc/passwd|reg|6\n");
	ASSERT_WALK(c, "x/back", "|etc/passwd|reg|6\n");
	ASSERT_WALK(c, "ld/f", "|x/f|reg|1\n");
	ASSERT_WALK(c, "lda/f", "|x/f|reg|1\n");
	ASSERT_WALK(c, "rootl/x/f", "|x/f|reg|1\n");
	ASSERT_WALK(c, "up/x", "|x|dir\nback|x/back|lnk|../pw\nf|x/f|reg|1\n");
	ASSERT_MATCH(c, "pw", "pw");
	/* targets that do not exist inside the context */
	ASSERT_MATCH(c, "shadow", "");
	ASSERT_MATCH(c, "sec", "");
	ASSERT_MATCH(c, "secabs", "");
	ASSERT_MATCH(c, "outdir", "");
	ASSERT_MATCH(c, "outdir/secret.txt", "");
	ASSERT_MATCH(c, "up/secret.txt", "");
	assert_int_equal(walk_err(c, "shadow", &err), -1);
	assert_non_null(strstr(err.msg, "not found"));
	assert_string_equal(err.file, "shadow");
	sb_error_release(&err);
	/* loops */
	assert_int_equal(walk_err(c, "loop", &err), -1);
	assert_non_null(strstr(err.msg, "too many levels of symbolic links"));
	sb_error_release(&err);
	{
		char **v;
		size_t n;

		assert_int_equal(ctx_match(c, "loopa/x", &v, &n, &err), -1);
		assert_non_null(strstr(err.msg, "too many levels of symbolic links"));
		sb_error_release(&err);
	}
	ctx_free(c);
}

static void test_symlink_and_ignore(void **state)
{
	struct fixture *f = *state;
	struct ctx *c;

	mkdirp(f->ctx, "x");
	mkfile(f->ctx, "x/f", "s");
	mkfile(f->ctx, "secret", "s");
	mklink(f->ctx, "lsec", "secret");
	mklink(f->ctx, "lexc", "x");
	mkfile(f->ctx, ".dockerignore", "secret\nlexc\n");
	c = open_ctx(f, NULL);
	ASSERT_MATCH(c, "lsec", "");   /* the target is excluded */
	ASSERT_MATCH(c, "lexc/f", ""); /* a link on the way is excluded */
	ASSERT_MATCH(c, "x/f", "x/f");
	ctx_free(c);
}

static void test_open_file(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	struct ctx *c;
	char buf[16] = {0};
	int fd;

	mkdirp(f->ctx, "x");
	mkfile(f->ctx, "x/f", "hello");
	mklink(f->ctx, "l", "x/f");
	mklink(f->ctx, "out", f->secret);
	c = open_ctx(f, NULL);
	assert_int_equal(ctx_open_file(c, "x/f", &fd, &err), 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "hello");
	close(fd);
	/* symlinks are refused, whatever they point to */
	assert_int_equal(ctx_open_file(c, "l", &fd, &err), -1);
	assert_int_equal(fd, -1);
	sb_error_release(&err);
	assert_int_equal(ctx_open_file(c, "out", &fd, &err), -1);
	sb_error_release(&err);
	assert_int_equal(ctx_open_file(c, "../secret.txt", &fd, &err), -1);
	sb_error_release(&err);
	assert_int_equal(ctx_open_file(c, "x", &fd, &err), -1);
	assert_non_null(strstr(err.msg, "regular file"));
	sb_error_release(&err);
	ctx_free(c);
}

static void test_many_entries(void **state)
{
	struct fixture *f = *state;
	struct ctx *c;
	struct rec r = {0};
	struct sb_error err = {0};
	char name[32], *prev = NULL;

	mkdirp(f->ctx, "big");
	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "big/f%05d", (i * 7919) % 10000);
		mkfile(f->ctx, name, "");
	}
	c = open_ctx(f, NULL);
	assert_int_equal(ctx_walk(c, "big", record, &r, &err), 0);
	assert_int_equal(r.count, 10001);
	/* sorted: each line after the first is greater than the one before */
	assert_non_null(strtok(r.out.buf, "\n")); /* the directory itself */
	for (char *line = strtok(NULL, "\n"); line; line = strtok(NULL, "\n")) {
		if (prev && strcmp(prev, line) >= 0)
			fail_msg("not sorted: \"%s\" then \"%s\"", prev, line);
		prev = line;
	}
	sb_buf_release(&r.out);
	ctx_free(c);
}

static void test_deep_tree(void **state)
{
	struct fixture *f = *state;
	struct sb_buf p = {0};
	struct rec r = {0};
	struct sb_error err = {0};
	struct ctx *c;

	/* deeper than the fd stack, and longer than PATH_MAX */
	sb_buf_adds(&p, "");
	for (int i = 0; i < 300; i++) {
		sb_buf_adds(&p, i ? "/dddddddddddddddd" : "dddddddddddddddd");
		/* mkdirat relative to a moving fd keeps each call short */
	}
	{
		int fd = open(f->ctx, O_RDONLY | O_DIRECTORY);

		for (int i = 0; i < 300; i++) {
			int nfd;

			assert_int_equal(mkdirat(fd, "dddddddddddddddd", 0755), 0);
			nfd = openat(fd, "dddddddddddddddd", O_RDONLY | O_DIRECTORY);
			assert_true(nfd >= 0);
			close(fd);
			fd = nfd;
		}
		assert_int_equal(close(openat(fd, "leaf", O_CREAT | O_WRONLY, 0644)), 0);
		close(fd);
	}
	c = open_ctx(f, NULL);
	if (ctx_walk(c, "", record, &r, &err) < 0)
		fail_msg("deep walk: %s: %s", err.file, err.msg);
	assert_int_equal(r.count, 302);
	sb_buf_release(&r.out);
	sb_buf_release(&p);
	ctx_free(c);
	/* rm -rf copes with the depth */
}

static void test_open_errors(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	struct ctx *c;

	assert_int_equal(ctx_open(&c, f->secret, NULL, &err), -1);
	assert_null(c);
	assert_non_null(err.hint);
	sb_error_release(&err);
	assert_int_equal(ctx_open(&c, "/nonexistent/sb", NULL, &err), -1);
	sb_error_release(&err);
	c = open_ctx(f, NULL);
	assert_string_equal(ctx_dir(c), f->ctx);
	ctx_free(c);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_walk_sorted),
	    T(test_hardlinks_reported),
	    T(test_nlink),
	    T(test_dockerignore),
	    T(test_dockerfile_dockerignore),
	    T(test_bad_dockerignore),
	    T(test_wildcards),
	    T(test_clamping),
	    T(test_symlink_sources),
	    T(test_symlink_and_ignore),
	    T(test_open_file),
	    T(test_many_entries),
	    T(test_deep_tree),
	    T(test_open_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
