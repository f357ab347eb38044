/* -t NAME[:TAG] as docker build accepts it, and what goes into RepoTags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/reference.h"

static void check_ok(const char *in, const char *want)
{
	struct sb_error err = {0};
	char *out = NULL;

	if (img_reference_normalize(in, &out, &err) < 0)
		fail_msg("%s: %s", in, err.msg);
	assert_string_equal(out, want);
	free(out);
	sb_error_release(&err);
}

static void check_bad(const char *in, const char *want_msg)
{
	struct sb_error err = {0};
	char *out = NULL;

	assert_int_equal(img_reference_normalize(in, &out, &err), -1);
	assert_null(out);
	assert_string_equal(err.msg, want_msg);
	assert_non_null(err.hint);
	sb_error_release(&err);
}

static void test_valid(void **state)
{
	(void)state;
	check_ok("mini-image:1.0", "mini-image:1.0");
	check_ok("mini-image", "mini-image:latest");
	check_ok("a__b.c-d---e:V_1.2-x", "a__b.c-d---e:V_1.2-x");
	check_ok("team/app:1", "team/app:1");
	check_ok("localhost/app", "localhost/app:latest");
	check_ok("localhost:5000/team/app:2", "localhost:5000/team/app:2");
	check_ok("registry.example.com/a/b/c:t", "registry.example.com/a/b/c:t");
	check_ok("docker.io/library/busy:1", "busy:1");
	check_ok("docker.io/team/app", "team/app:latest");
	check_ok("library/busy", "busy:latest");
	check_ok("Registry.Example/app:1", "Registry.Example/app:1");
}

static void test_invalid(void **state)
{
	(void)state;
	check_bad("Mini:1", "-t \"Mini:1\": invalid reference format: repository name must be "
			    "lowercase");
	check_bad("", "-t \"\": invalid reference format: the name is empty");
	check_bad(":1", "-t \":1\": invalid reference format: the name is empty");
	check_bad("app:", "-t \"app:\": invalid reference format: the tag must be 1-128 of "
			  "[A-Za-z0-9_.-], not starting with '.' or '-'");
	check_bad("app:-x", "-t \"app:-x\": invalid reference format: the tag must be 1-128 of "
			    "[A-Za-z0-9_.-], not starting with '.' or '-'");
	check_bad("app@sha256:abc", "-t \"app@sha256:abc\": invalid reference format: a digest "
				    "cannot be used as a tag");
	check_bad("a..b", "-t \"a..b\": invalid reference format: each part of the name must be "
			  "lower-case letters and digits, joined by '.', '_', '__' or '-'");
	check_bad("-a", "-t \"-a\": invalid reference format: each part of the name must be "
			"lower-case letters and digits, joined by '.', '_', '__' or '-'");
	check_bad("a/", "-t \"a/\": invalid reference format: each part of the name must be "
			"lower-case letters and digits, joined by '.', '_', '__' or '-'");
	check_bad("a___b", "-t \"a___b\": invalid reference format: each part of the name must "
			   "be lower-case letters and digits, joined by '.', '_', '__' or '-'");
	check_bad("bad_host.:1/x", "-t \"bad_host.:1/x\": invalid reference format: the "
				   "registry host is not valid");
}

static void test_long(void **state)
{
	char name[300], want[400];
	struct sb_error err = {0};
	char *out = NULL;

	(void)state;
	memset(name, 'a', 256);
	name[256] = '\0';
	snprintf(want, sizeof(want),
		 "-t \"%s\": invalid reference format: the name is longer than 255 characters",
		 name);
	check_bad(name, want);
	name[255] = '\0';
	assert_int_equal(img_reference_normalize(name, &out, &err), 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_invalid),
	    cmocka_unit_test(test_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
