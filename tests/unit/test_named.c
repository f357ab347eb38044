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

static void test_kind_text(void **state)
{
	(void)state;
	assert_string_equal(ctx_named_kind_text(CTX_NAMED_DIR), "a directory");
	assert_string_equal(ctx_named_kind_text(CTX_NAMED_IMAGE), "an image (docker-image://)");
	assert_string_equal(ctx_named_kind_text(CTX_NAMED_OCI_LAYOUT),
			    "an OCI layout (oci-layout://)");
}

static void test_open(void **state)
{
	char dir[] = "/tmp/sb-named.XXXXXX", file[64], arg[128];
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

	snprintf(arg, sizeof(arg), "build=%s", file);
	assert_int_equal(ctx_named_parse(arg, &n, &err), 0);
	assert_int_equal(ctx_named_open(&n, &err), -1);
	assert_null(n.ctx);
	assert_non_null(strstr(err.msg, ": not a directory"));
	assert_int_equal(strncmp(err.msg, "--build-context build=/tmp/", 27), 0);
	ctx_named_release(&n);
	sb_error_release(&err);

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
	    cmocka_unit_test(test_kinds),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_kind_text),
	    cmocka_unit_test(test_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
