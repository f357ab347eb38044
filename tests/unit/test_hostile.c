/* Hostile build contexts. Each case either gives exactly what Docker would,
 * from inside the context, or fails with a clear error; never a byte from
 * outside. test_context.c has the basic symlink cases (/etc/shadow, "..",
 * absolute targets, loops, 10,000 entries, a deep tree); these extend them:
 * races between the walk and the open, unreadable files, long chains and
 * paths, odd names, a symlinked context, a symlinked .dockerignore.
 *
 * Cases marked "Docker 20.10:" were checked against a real BuildKit build. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "context/context.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SECRET "TOP-SECRET-OUTSIDE-THE-CONTEXT-0123456789"

struct fixture {
	char top[64]; /* mkdtemp: holds secret.txt, outside/ and ctx/ */
	char *ctx;
	char *secret;
	char *outside;	/* a directory beside the context, holding a copy of the secret */
	int no_openat2; /* open as on a kernel without openat2 */
};

static char *path_of(const char *dir, const char *rel)
{
	char *p = sb_printf("%s/%s", dir, rel);

	assert_non_null(p);
	return p;
}

static void mkfile(const char *dir, const char *rel, const char *content)
{
	char *p = path_of(dir, rel);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
	free(p);
}

static void mkdirp(const char *dir, const char *rel)
{
	char *p = path_of(dir, rel);

	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
}

static void mklink(const char *dir, const char *rel, const char *target)
{
	char *p = path_of(dir, rel);

	assert_int_equal(symlink(target, p), 0);
	free(p);
}

static void rm(const char *dir, const char *rel)
{
	char *p = path_of(dir, rel);
	char *cmd = sb_printf("rm -rf '%s'", p);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(p);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->top, "/tmp/sb-hostile-XXXXXX");
	if (!mkdtemp(f->top) || chmod(f->top, 0755) < 0)
		return -1;
	f->ctx = sb_printf("%s/ctx", f->top);
	f->secret = sb_printf("%s/secret.txt", f->top);
	f->outside = sb_printf("%s/outside", f->top);
	if (mkdir(f->ctx, 0755) < 0 || mkdir(f->outside, 0755) < 0)
		return -1;
	mkfile(f->top, "secret.txt", SECRET);
	mkfile(f->outside, "f", SECRET);
	*state = f;
	return 0;
}

/* The same fixture, the context opened without openat2. */
static int setup_no_openat2(void **state)
{
	if (setup(state) < 0)
		return -1;
	((struct fixture *)*state)->no_openat2 = 1;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = sb_printf("chmod -R u+rwx '%s'; rm -rf '%s'", f->top, f->top);

	if (system(cmd) != 0)
		return -1;
	free(cmd);
	free(f->ctx);
	free(f->secret);
	free(f->outside);
	free(f);
	return 0;
}

static struct ctx *open_ctx(struct fixture *f)
{
	struct sb_error err = {0};
	struct ctx *c;

	if (ctx_open(&c, f->ctx, NULL, &err) < 0)
		fail_msg("ctx_open: %s", err.msg);
	if (f->no_openat2)
		ctx_without_openat2(c);
	return c;
}

/* Reads all of an fd into a string. */
static char *slurp(int fd)
{
	struct sb_buf b = {0};
	char buf[4096];
	ssize_t n;

	sb_buf_adds(&b, "");
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sb_buf_add(&b, buf, (size_t)n);
	assert_true(n == 0);
	return sb_buf_detach(&b);
}

/* Collects the canonical path of every regular file a walk visits. */
struct files {
	struct sb_buf list;
	size_t count;
};

static int collect(void *ud, const struct ctx_entry *e, struct sb_error *err)
{
	struct files *fs = ud;

	(void)err;
	fs->count++;
	if (e->type == CTX_REG && sb_buf_addf(&fs->list, "%s\n", e->real) < 0)
		return -1;
	return 0;
}

/* Opens and reads every file of the walk; none may hold the secret. */
static void read_all_walked(struct ctx *c, const char *src)
{
	struct files fs = {0};
	struct sb_error err = {0};

	if (ctx_walk(c, src, NULL, collect, &fs, &err) < 0)
		fail_msg("walk %s: %s", src, err.msg);
	for (char *line = fs.list.buf ? strtok(fs.list.buf, "\n") : NULL; line;
	     line = strtok(NULL, "\n")) {
		int fd;
		char *text;

		if (ctx_open_file(c, line, &fd, &err) < 0)
			fail_msg("open %s: %s", line, err.msg);
		text = slurp(fd);
		close(fd);
		assert_null(strstr(text, SECRET));
		free(text);
	}
	sb_buf_release(&fs.list);
}

/* ---- symlinks, extending test_context.c ---- */

static void test_symlink_targets(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	struct ctx *c;
	char **v;
	size_t n;
	char *dotdots = sb_printf("../../../../../../../..%s", f->secret);

	mkdirp(f->ctx, "etc");
	mkfile(f->ctx, "etc/shadow", "inner\n");
	mklink(f->ctx, "lproc", "/proc/self/root/etc/shadow"); /* a magic link, as text */
	mklink(f->ctx, "dbl", "//etc//shadow");
	mklink(f->ctx, "dots", dotdots);
	mklink(f->ctx, "lfd", "/proc/self/fd/0");
	mklink(f->ctx, "lcwd", "/proc/self/cwd/secret.txt");
	mklink(f->ctx, "me", "/me/x"); /* resolves through itself: a loop */
	mklink(f->ctx, "updir", "../outside");
	c = open_ctx(f);
	/* resolved as if the context were "/" */
	assert_int_equal(ctx_match(c, "dbl", &v, &n, &err), 0);
	assert_int_equal(n, 1);
	sb_strv_free(v);
	read_all_walked(c, "dbl");
	for (const char *const *s =
		 (const char *const[]){"lproc", "dots", "lfd", "lcwd", "updir/f", "updir", NULL};
	     *s; s++) {
		assert_int_equal(ctx_match(c, *s, &v, &n, &err), 0);
		if (n != 0)
			fail_msg("%s matched %s", *s, v[0]);
		sb_strv_free(v);
	}
	assert_int_equal(ctx_match(c, "me", &v, &n, &err), -1);
	assert_non_null(strstr(err.msg, "too many levels of symbolic links"));
	sb_error_release(&err);
	/* a walk of the whole context reports the links, follows none */
	read_all_walked(c, ".");
	free(dotdots);
	ctx_free(c);
}

/* Docker 20.10: a chain of 255 symlinks copies, 256 fail ("too many
 * symlinks"); scratchbuild had a limit of 40. */
static void test_symlink_chain_limit(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	struct ctx *c;
	char **v;
	size_t n;
	char name[16], prev[16] = "f";

	mkfile(f->ctx, "f", "hi");
	for (int i = 1; i <= 256; i++) {
		snprintf(name, sizeof(name), "l%d", i);
		mklink(f->ctx, name, prev);
		strcpy(prev, name);
	}
	c = open_ctx(f);
	assert_int_equal(ctx_match(c, "l255", &v, &n, &err), 0);
	assert_int_equal(n, 1);
	sb_strv_free(v);
	assert_int_equal(ctx_match(c, "l256", &v, &n, &err), -1);
	assert_non_null(strstr(err.msg, "too many levels of symbolic links"));
	assert_non_null(err.hint);
	sb_error_release(&err);
	/* a loop through a directory: d/l -> .. */
	mkdirp(f->ctx, "d");
	mklink(f->ctx, "d/l", "..");
	{
		struct sb_buf deep = {0};

		sb_buf_adds(&deep, "d");
		for (int i = 0; i < 300; i++)
			sb_buf_adds(&deep, "/l/d");
		sb_buf_adds(&deep, "/../f");
		assert_int_equal(ctx_match(c, deep.buf, &v, &n, &err), -1);
		assert_non_null(strstr(err.msg, "too many levels"));
		sb_error_release(&err);
		sb_buf_release(&deep);
	}
	ctx_free(c);
}

/* ---- the context changes between the walk and the open ---- */

struct first_file {
	char *real;
};

static int find_file(void *ud, const struct ctx_entry *e, struct sb_error *err)
{
	struct first_file *ff = ud;

	(void)err;
	if (e->type == CTX_REG && !ff->real)
		ff->real = sb_strdup(e->real);
	return 0;
}

static char *walked_file(struct ctx *c, const char *src)
{
	struct first_file ff = {0};
	struct sb_error err = {0};

	if (ctx_walk(c, src, NULL, find_file, &ff, &err) < 0)
		fail_msg("walk: %s", err.msg);
	assert_non_null(ff.real);
	return ff.real;
}

static void expect_open_fails(struct ctx *c, const char *real, const char *what)
{
	struct sb_error err = {0};
	int fd = 123;

	if (ctx_open_file(c, real, &fd, &err) == 0) {
		char *text = slurp(fd);

		fail_msg("%s: ctx_open_file(%s) succeeded and read \"%s\"", what, real, text);
	}
	assert_int_equal(fd, -1);
	assert_non_null(err.msg);
	assert_non_null(err.file);
	assert_string_equal(err.file, real); /* the error names the file */
	sb_error_release(&err);
}

static void test_dir_swapped_for_symlink(void **state)
{
	struct fixture *f = *state;
	struct ctx *c;
	char *real;
	char *d = path_of(f->ctx, "d"), *moved = path_of(f->top, "moved");

	mkdirp(f->ctx, "d");
	mkfile(f->ctx, "d/f", "inner");
	c = open_ctx(f);
	real = walked_file(c, "d");
	assert_string_equal(real, "d/f");
	/* swap: d becomes a link to a directory outside holding "f" */
	assert_int_equal(rename(d, moved), 0);
	assert_int_equal(symlink(f->outside, d), 0);
	expect_open_fails(c, real, "directory swapped for an absolute symlink");
	assert_int_equal(unlink(d), 0);
	assert_int_equal(symlink("../outside", d), 0);
	expect_open_fails(c, real, "directory swapped for a relative symlink");
	/* and a walk now sees a link, not a directory */
	read_all_walked(c, ".");
	free(real);
	free(d);
	free(moved);
	ctx_free(c);
}

static void test_file_swapped(void **state)
{
	struct fixture *f = *state;
	struct ctx *c;
	char *real, *p = path_of(f->ctx, "f");

	mkfile(f->ctx, "f", "inner");
	c = open_ctx(f);
	real = walked_file(c, "f");
	/* a symlink to the secret */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink(f->secret, p), 0);
	expect_open_fails(c, real, "file swapped for a symlink");
	/* a FIFO with no writer: the open must not block */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkfifo(p, 0644), 0);
	alarm(10); /* a hang fails the test instead of the suite's timeout */
	expect_open_fails(c, real, "file swapped for a FIFO");
	alarm(0);
	/* a directory */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	expect_open_fails(c, real, "file swapped for a directory");
	/* gone */
	assert_int_equal(rmdir(p), 0);
	expect_open_fails(c, real, "file removed");
	free(real);
	free(p);
	ctx_free(c);
}

/* ---- permissions ---- */

/* Runs fn in a child as nobody (65534) when we are root. Returns the child's
 * exit status, or -1 when the test must be skipped. */
static int as_nobody(int (*fn)(struct fixture *), struct fixture *f)
{
	pid_t pid;
	int status;

	if (geteuid() != 0)
		return fn(f); /* not root: permissions already apply */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0)
			_exit(77);
		_exit(fn(f));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* In the child: no cmocka asserts, an exit code per failure. */
static int unreadable_child(struct fixture *f)
{
	struct sb_error err = {0};
	struct ctx *c;
	struct files fs = {0};
	int fd;

	if (ctx_open(&c, f->ctx, NULL, &err) < 0)
		return 10;
	/* the walk only stats: it sees the file */
	if (ctx_walk(c, "locked", NULL, collect, &fs, &err) < 0)
		return 11;
	sb_buf_release(&fs.list);
	if (ctx_open_file(c, "locked", &fd, &err) == 0)
		return 12; /* read a file it may not */
	if (!err.file || strcmp(err.file, "locked") != 0 || !strstr(err.msg, "Permission denied"))
		return 13;
	sb_error_release(&err);
	/* an unreadable directory: the walk names it */
	if (ctx_walk(c, "closed", NULL, collect, &fs, &err) == 0)
		return 14;
	if (!err.file || strcmp(err.file, "closed") != 0 || !strstr(err.msg, "Permission denied"))
		return 15;
	sb_error_release(&err);
	sb_buf_release(&fs.list);
	ctx_free(c);
	return 0;
}

static void test_unreadable(void **state)
{
	struct fixture *f = *state;
	char *p = path_of(f->ctx, "locked"), *d = path_of(f->ctx, "closed");
	int rc;

	mkfile(f->ctx, "locked", "no");
	mkdirp(f->ctx, "closed");
	mkfile(f->ctx, "closed/x", "x");
	assert_int_equal(chmod(p, 0), 0);
	assert_int_equal(chmod(d, 0), 0);
	rc = as_nobody(unreadable_child, f);
	if (rc == 77) {
		skip(); /* cannot drop privileges here (no setresuid): say so */
	} else if (rc != 0) {
		fail_msg("unreadable file/dir: child check %d failed", rc);
	}
	free(p);
	free(d);
}

/* An unreadable .dockerignore is an error naming it, not "no rules". */
static int unreadable_ignore_child(struct fixture *f)
{
	struct sb_error err = {0};
	struct ctx *c;

	if (ctx_open(&c, f->ctx, NULL, &err) == 0)
		return 20;
	if (!strstr(err.msg, ".dockerignore") && !(err.file && strstr(err.file, ".dockerignore")))
		return 21;
	sb_error_release(&err);
	return 0;
}

static void test_unreadable_dockerignore(void **state)
{
	struct fixture *f = *state;
	char *p = path_of(f->ctx, ".dockerignore");
	int rc;

	mkfile(f->ctx, ".dockerignore", "secret\n");
	assert_int_equal(chmod(p, 0), 0);
	rc = as_nobody(unreadable_ignore_child, f);
	if (rc == 77)
		skip();
	else if (rc != 0)
		fail_msg("unreadable .dockerignore: child check %d failed", rc);
	free(p);
}

/* ---- sizes and names ---- */

/* 10,000 entries with patterns: .dockerignore, --exclude with an exception. */
static void test_many_entries_patterns(void **state)
{
	struct fixture *f = *state;
	struct ctx *c;
	struct files fs = {0};
	struct sb_error err = {0};
	char name[32];
	const char *ex[] = {"*[02468]", "!f0000?"};
	struct ctx_walk_opts o = {.exclude = ex, .nexclude = 2};

	mkdirp(f->ctx, "big");
	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "big/f%05d", (i * 7919) % 10000);
		mkfile(f->ctx, name, "");
	}
	mkfile(f->ctx, ".dockerignore", "big/*5\n");
	c = open_ctx(f);
	/* odd names stay (5000), less those ending in 5 (1000), plus the even
	 * names f00000..f00008 re-included by the exception (5) */
	assert_int_equal(ctx_walk(c, "big", &o, collect, &fs, &err), 0);
	assert_int_equal(fs.count, 1 + 4000 + 5);
	sb_buf_release(&fs.list);
	ctx_free(c);
}

/* A source of about 4,000 bytes (and one beyond PATH_MAX), opened through
 * every path that takes one. */
static void test_long_paths(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	struct sb_buf rel = {0};
	struct ctx_ignore_verdict v;
	struct ctx *c;
	char comp[201];
	char **m;
	size_t n;
	int dfd, fd;

	memset(comp, 'c', 200);
	comp[200] = '\0';
	dfd = open(f->ctx, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	sb_buf_adds(&rel, "");
	for (int i = 0; i < 24; i++) { /* 24 * 201 = 4824 bytes */
		int nfd;

		assert_int_equal(mkdirat(dfd, comp, 0755), 0);
		nfd = openat(dfd, comp, O_RDONLY | O_DIRECTORY);
		assert_true(nfd >= 0);
		close(dfd);
		dfd = nfd;
		sb_buf_addf(&rel, "%s%s", i ? "/" : "", comp);
		if (i == 19) { /* 4019 bytes */
			fd = openat(dfd, "leaf", O_CREAT | O_WRONLY, 0644);
			assert_true(fd >= 0);
			assert_int_equal(write(fd, "deep", 4), 4);
			close(fd);
		}
	}
	fd = openat(dfd, "end", O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	close(dfd);
	mkfile(f->ctx, ".dockerignore", "**/end\n");
	c = open_ctx(f);
	{
		/* ~4,000 bytes */
		char *src = sb_strndup(rel.buf, 20 * 201 - 1);
		char *leaf = sb_printf("./%s/leaf", src), *text;

		assert_true(strlen(leaf) > 4000);
		assert_int_equal(ctx_match(c, leaf, &m, &n, &err), 0);
		assert_int_equal(n, 1);
		assert_int_equal(ctx_open_file(c, m[0], &fd, &err), 0);
		text = slurp(fd);
		close(fd);
		assert_string_equal(text, "deep");
		free(text);
		sb_strv_free(m);
		free(leaf);
		free(src);
	}
	{
		/* beyond PATH_MAX: found and explained, and excluded */
		char *end = sb_printf("%s/end", rel.buf);

		assert_true(strlen(end) > 4096);
		if (ctx_explain_ignore(c, end, &v, &err) < 0)
			fail_msg("explain: %s", err.msg);
		assert_true(v.excluded);
		assert_string_equal(v.pattern, "**/end");
		ctx_ignore_verdict_release(&v);
		assert_int_equal(ctx_match(c, end, &m, &n, &err), 0);
		assert_int_equal(n, 0);
		sb_strv_free(m);
		free(end);
	}
	/* a component longer than NAME_MAX: a clear error, not a crash */
	{
		char big[400];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		if (ctx_match(c, big, &m, &n, &err) == 0) {
			assert_int_equal(n, 0);
			sb_strv_free(m);
		} else {
			assert_non_null(strstr(err.msg, "too long"));
			sb_error_release(&err);
		}
	}
	sb_buf_release(&rel);
	ctx_free(c);
}

static void test_odd_names(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	struct ctx *c;
	struct files fs = {0};
	char **m;
	size_t n;

	mkdirp(f->ctx, "odd");
	mkfile(f->ctx, "odd/new\nline", "1");
	mkfile(f->ctx, "odd/bad\xff\xfe", "2");
	mkfile(f->ctx, "odd/\xc3\xa9t\xc3\xa9", "3");
	mkfile(f->ctx, "odd/ lead", "4");
	mkfile(f->ctx, "odd/*", "5");
	mkfile(f->ctx, "odd/-", "6");
	mkfile(f->ctx, ".dockerignore", "odd/new?line\n");
	c = open_ctx(f);
	/* sorted bytewise, the excluded one missing */
	assert_int_equal(ctx_walk(c, "odd", NULL, collect, &fs, &err), 0);
	assert_string_equal(fs.list.buf, "odd/ lead\n"
					 "odd/*\n"
					 "odd/-\n"
					 "odd/bad\xff\xfe\n"
					 "odd/\xc3\xa9t\xc3\xa9\n");
	sb_buf_release(&fs.list);
	/* wildcards match invalid UTF-8 byte by byte, '?' matches '\n' */
	assert_int_equal(ctx_match(c, "odd/bad??", &m, &n, &err), 0);
	assert_int_equal(n, 1);
	sb_strv_free(m);
	assert_int_equal(ctx_match(c, "odd/[*]", &m, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(m[0], "odd/*");
	sb_strv_free(m);
	/* no unescaped wildcard: a literal path, backslash included (BuildKit) */
	assert_int_equal(ctx_match(c, "odd/\\*", &m, &n, &err), 0);
	assert_int_equal(n, 0);
	sb_strv_free(m);
	/* a literal source with a newline, excluded */
	assert_int_equal(ctx_match(c, "odd/new\nline", &m, &n, &err), 0);
	assert_int_equal(n, 0);
	sb_strv_free(m);
	{
		struct ctx_ignore_verdict v;

		assert_int_equal(ctx_explain_ignore(c, "odd/new\nline", &v, &err), 0);
		assert_true(v.excluded);
		ctx_ignore_verdict_release(&v);
	}
	read_all_walked(c, "odd");
	ctx_free(c);
}

/* ---- the context itself ---- */

static void test_context_is_symlink(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	struct ctx *c;
	char *link = path_of(f->top, "ctxlink"), *flink = path_of(f->top, "flink");
	char *dangling = path_of(f->top, "dangling");

	mkfile(f->ctx, "a", "a");
	mkfile(f->ctx, ".dockerignore", "b\n");
	mkfile(f->ctx, "b", "b");
	mklink(f->ctx, "up", "../secret.txt");
	assert_int_equal(symlink(f->ctx, link), 0);
	/* the docker CLI resolves the context path (filepath.EvalSymlinks):
	 * a symlinked context is its target, rules included */
	assert_int_equal(ctx_open(&c, link, NULL, &err), 0);
	{
		char **m;
		size_t n;

		assert_int_equal(ctx_match(c, "*", &m, &n, &err), 0);
		assert_int_equal(n, 3); /* .dockerignore, a, up */
		sb_strv_free(m);
		/* "../secret.txt" from inside stays inside */
		assert_int_equal(ctx_match(c, "up", &m, &n, &err), 0);
		assert_int_equal(n, 0);
		sb_strv_free(m);
	}
	read_all_walked(c, ".");
	ctx_free(c);
	/* a link to a file, a dangling link: clear errors */
	assert_int_equal(symlink(f->secret, flink), 0);
	assert_int_equal(ctx_open(&c, flink, NULL, &err), -1);
	assert_non_null(err.hint);
	assert_string_equal(err.file, flink);
	sb_error_release(&err);
	assert_int_equal(symlink("/nonexistent/sb", dangling), 0);
	assert_int_equal(ctx_open(&c, dangling, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "No such file"));
	sb_error_release(&err);
	free(link);
	free(flink);
	free(dangling);
}

/* Docker 20.10: a .dockerignore that is a symlink is resolved inside the
 * context: "-> rules.txt" applies rules.txt; "-> ../outside.ignore" reads the
 * context's own outside.ignore when there is one, and nothing otherwise (the
 * file outside is never read). */
static void test_dockerignore_symlink(void **state)
{
	struct fixture *f = *state;
	struct ctx *c;
	char **m;
	size_t n;
	struct sb_error err = {0};

	mkfile(f->top, "outside.ignore", "keep\n");
	mkfile(f->ctx, "secret", "s");
	mkfile(f->ctx, "keep", "k");
	mkfile(f->ctx, "rules.txt", "secret\n");
	mklink(f->ctx, ".dockerignore", "rules.txt");
	c = open_ctx(f);
	assert_int_equal(ctx_match(c, "secret", &m, &n, &err), 0);
	assert_int_equal(n, 0);
	sb_strv_free(m);
	ctx_free(c);

	rm(f->ctx, ".dockerignore");
	mklink(f->ctx, ".dockerignore", "../outside.ignore");
	c = open_ctx(f);
	assert_int_equal(ctx_match(c, "*", &m, &n, &err), 0);
	assert_int_equal(n, 4); /* nothing excluded: "keep" outside was not read */
	sb_strv_free(m);
	{
		struct ctx_ignore_verdict v;

		assert_int_equal(ctx_explain_ignore(c, "keep", &v, &err), 0);
		assert_int_equal(v.source, CTX_IGNORE_NONE);
		ctx_ignore_verdict_release(&v);
	}
	ctx_free(c);

	mkfile(f->ctx, "outside.ignore", "secret\n");
	c = open_ctx(f);
	assert_int_equal(ctx_match(c, "secret", &m, &n, &err), 0);
	assert_int_equal(n, 0);
	sb_strv_free(m);
	assert_int_equal(ctx_match(c, "keep", &m, &n, &err), 0);
	assert_int_equal(n, 1);
	sb_strv_free(m);
	ctx_free(c);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
/* The same test where the kernel has no openat2. */
#define N(fn)                                                                                      \
	{                                                                                          \
#fn " without openat2", fn, setup_no_openat2, teardown, NULL                       \
	}
	const struct CMUnitTest tests[] = {
	    T(test_symlink_targets),
	    T(test_symlink_chain_limit),
	    T(test_dir_swapped_for_symlink),
	    T(test_file_swapped),
	    T(test_unreadable),
	    T(test_unreadable_dockerignore),
	    T(test_many_entries_patterns),
	    T(test_long_paths),
	    T(test_odd_names),
	    T(test_context_is_symlink),
	    T(test_dockerignore_symlink),
	    N(test_symlink_targets),
	    N(test_symlink_chain_limit),
	    N(test_dir_swapped_for_symlink),
	    N(test_file_swapped),
	    N(test_unreadable),
	    N(test_many_entries_patterns),
	    N(test_long_paths),
	    N(test_odd_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
