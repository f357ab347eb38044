/* --build-context NAME=VALUE: VALUE parsed into what it names, and the
 * directory of a named context opened with errors that name the flag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "context/named.h"

static void parse_ok(const char *arg, const char *name, enum ctx_named_kind kind, const char *value)
{
	struct sb_error err = {0};
	struct ctx_named n;

	if (ctx_named_parse(arg, &n, &err) < 0)
		fail_msg("%s: %s", arg, err.msg);
	assert_string_equal(n.name, name);
	assert_int_equal(n.kind, kind);
	assert_string_equal(n.value, value);
	assert_ptr_equal(n.arg, arg);
	ctx_named_release(&n);
	sb_error_release(&err);
}

static void parse_bad(const char *arg, const char *msg)
{
	struct sb_error err = {0};
	struct ctx_named n;

	assert_int_equal(ctx_named_parse(arg, &n, &err), -1);
	assert_string_equal(err.msg, msg);
	assert_non_null(err.hint);
	ctx_named_release(&n);
	sb_error_release(&err);
}

static void test_kinds(void **state)
{
	(void)state;
	parse_ok("build=./out", "build", CTX_NAMED_DIR, "./out");
	parse_ok("build=/abs/out", "build", CTX_NAMED_DIR, "/abs/out");
	parse_ok("alpine:3.20=dir", "alpine:3.20", CTX_NAMED_DIR, "dir");
	/* only the first '=' splits: the path may hold more */
	parse_ok("a=b=c", "a", CTX_NAMED_DIR, "b=c");
	parse_ok("alpine=docker-image://alpine:3.20", "alpine", CTX_NAMED_IMAGE, "alpine:3.20");
	parse_ok("base=oci-layout://./layout:1.0", "base", CTX_NAMED_OCI_LAYOUT, "./layout:1.0");
	parse_ok("base=target:other", "base", CTX_NAMED_TARGET, "other");
	parse_ok("src=https://github.com/a/b.git", "src", CTX_NAMED_URL,
		 "https://github.com/a/b.git");
	parse_ok("src=http://example.com/ctx.tar", "src", CTX_NAMED_URL,
		 "http://example.com/ctx.tar");
	parse_ok("src=git@github.com:a/b.git", "src", CTX_NAMED_URL, "git@github.com:a/b.git");
	parse_ok("src=git://example.com/b", "src", CTX_NAMED_URL, "git://example.com/b");
	/* a scheme only counts at the start */
	parse_ok("x=dir/docker-image://y", "x", CTX_NAMED_DIR, "dir/docker-image://y");
}

static void test_bad(void **state)
{
	(void)state;
	parse_bad("build", "--build-context build: write NAME=VALUE");
	parse_bad("=./out", "--build-context =./out: write NAME=VALUE");
	parse_bad("build=", "--build-context build=: the value is empty");
	parse_bad("a=docker-image://", "--build-context a=docker-image://: the value is empty");
}

static void layout_ok(const char *arg, const char *path, const char *ref)
{
	struct sb_error err = {0};
	struct ctx_named n;

	if (ctx_named_parse(arg, &n, &err) < 0)
		fail_msg("%s: %s", arg, err.msg);
	assert_int_equal(n.kind, CTX_NAMED_OCI_LAYOUT);
	assert_string_equal(n.path, path);
	if (ref)
		assert_string_equal(n.ref, ref);
	else
		assert_null(n.ref);
	assert_true(ctx_named_is_image(&n));
	ctx_named_release(&n);
	sb_error_release(&err);
}

/* oci-layout://DIR[:TAG|@DIGEST], split as buildx splits it: the digest
 * first (it wins over a tag), then the tag. */
static void test_layout(void **state)
{
	static const char d[] =
	    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char arg[160];

	(void)state;
	layout_ok("base=oci-layout://./layout", "./layout", NULL);
	layout_ok("base=oci-layout://./layout:nonroot", "./layout", "nonroot");
	layout_ok("base=oci-layout:///abs/layout:1.0", "/abs/layout", "1.0");
	snprintf(arg, sizeof(arg), "base=oci-layout://l@%s", d);
	layout_ok(arg, "l", d);
	snprintf(arg, sizeof(arg), "base=oci-layout://l:tag@%s", d);
	layout_ok(arg, "l", d);
	parse_bad("base=oci-layout://:tag",
		  "--build-context base=oci-layout://:tag: no directory before the tag");
	parse_bad("base=oci-layout://l:", "--build-context base=oci-layout://l:: the tag is empty");
	parse_bad("base=oci-layout://l@sha256:12",
		  "--build-context base=oci-layout://l@sha256:12: invalid digest \"sha256:12\"");
}

static void test_kind_text(void **state)
{
	(void)state;
	assert_string_equal(ctx_named_kind_text(CTX_NAMED_DIR), "a directory");
	assert_string_equal(ctx_named_kind_text(CTX_NAMED_IMAGE), "an image (docker-image://)");
	assert_string_equal(ctx_named_kind_text(CTX_NAMED_OCI_LAYOUT),
			    "an OCI layout (oci-layout://)");
	assert_string_equal(ctx_named_kind_text(CTX_NAMED_IMAGE_TAR), "an image tar");
}

static void test_open(void **state)
{
	char dir[] = "/tmp/sb-named.XXXXXX", file[64], arg[256];
	struct sb_error err = {0};
	struct ctx_named n;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/f", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);

	snprintf(arg, sizeof(arg), "build=%s", dir);
	assert_int_equal(ctx_named_parse(arg, &n, &err), 0);
	assert_int_equal(ctx_named_open(&n, &err), 0);
	assert_non_null(n.ctx);
	assert_string_equal(ctx_dir(n.ctx), dir);
	ctx_named_release(&n);

	/* A regular file is an image tar, opened later by the caller. */
	snprintf(arg, sizeof(arg), "base=%s", file);
	assert_int_equal(ctx_named_parse(arg, &n, &err), 0);
	assert_int_equal(ctx_named_open(&n, &err), 0);
	assert_null(n.ctx);
	assert_int_equal(n.kind, CTX_NAMED_IMAGE_TAR);
	assert_true(ctx_named_is_image(&n));
	assert_string_equal(n.path, file);
	assert_null(n.ref);
	ctx_named_release(&n);

	/* FILE:TAG and FILE@DIGEST when FILE is one */
	snprintf(arg, sizeof(arg), "base=%s:nonroot", file);
	assert_int_equal(ctx_named_parse(arg, &n, &err), 0);
	assert_int_equal(ctx_named_open(&n, &err), 0);
	assert_int_equal(n.kind, CTX_NAMED_IMAGE_TAR);
	assert_string_equal(n.path, file);
	assert_string_equal(n.ref, "nonroot");
	ctx_named_release(&n);
	snprintf(arg, sizeof(arg), "base=%s@sha256:%064d", file, 7);
	assert_int_equal(ctx_named_parse(arg, &n, &err), 0);
	assert_int_equal(ctx_named_open(&n, &err), 0);
	assert_string_equal(n.path, file);
	assert_int_equal(strncmp(n.ref, "sha256:0000", 11), 0);
	ctx_named_release(&n);
	snprintf(arg, sizeof(arg), "base=%s@sha256:bad", file);
	assert_int_equal(ctx_named_parse(arg, &n, &err), 0);
	assert_int_equal(ctx_named_open(&n, &err), -1);
	assert_non_null(strstr(err.msg, ": invalid digest \"sha256:bad\""));
	ctx_named_release(&n);
	sb_error_release(&err);

	/* neither a directory nor a regular file */
	assert_int_equal(ctx_named_parse("build=/dev/null", &n, &err), 0);
	assert_int_equal(ctx_named_open(&n, &err), -1);
	assert_null(n.ctx);
	assert_string_equal(
	    err.msg, "--build-context build=/dev/null: neither a directory nor an image tar");
	ctx_named_release(&n);
	sb_error_release(&err);

	/* an OCI layout must be a directory */
	snprintf(arg, sizeof(arg), "base=oci-layout://%s:1", file);
	assert_int_equal(ctx_named_parse(arg, &n, &err), 0);
	assert_int_equal(ctx_named_open(&n, &err), -1);
	assert_non_null(strstr(err.msg, "/f is not a directory"));
	ctx_named_release(&n);
	sb_error_release(&err);
	snprintf(arg, sizeof(arg), "base=oci-layout://%s", dir);
	assert_int_equal(ctx_named_parse(arg, &n, &err), 0);
	assert_int_equal(ctx_named_open(&n, &err), 0);
	assert_null(n.ctx);
	ctx_named_release(&n);

	snprintf(arg, sizeof(arg), "build=%s/nope", dir);
	assert_int_equal(ctx_named_parse(arg, &n, &err), 0);
	assert_int_equal(ctx_named_open(&n, &err), -1);
	assert_non_null(strstr(err.msg, "/nope: no such directory"));
	ctx_named_release(&n);
	sb_error_release(&err);

	unlink(file);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kinds),  cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_layout), cmocka_unit_test(test_kind_text),
	    cmocka_unit_test(test_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
