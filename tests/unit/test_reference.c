/* -t NAME[:TAG] as docker build accepts it, and what goes into RepoTags; the
 * name a --build-context is looked up by. */
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

static void familiar_ok(const char *in, const char *want)
{
	const char *why = NULL;
	char *out = NULL;

	if (img_reference_familiar(in, &out, &why) < 0)
		fail_msg("%s: %s", in, why ? why : "out of memory");
	assert_string_equal(out, want);
	free(out);
}

static void familiar_bad(const char *in, const char *want_why)
{
	const char *why = NULL;
	char *out = NULL;

	assert_int_equal(img_reference_familiar(in, &out, &why), -1);
	assert_null(out);
	assert_string_equal(why, want_why);
}

/* BuildKit's key for a named context: ParseNormalizedNamed, FamiliarString,
 * ":latest" trimmed (dockerui NamedContext, buildx ParseContextNames). */
static void test_familiar(void **state)
{
	static const char dgst[] =
	    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char in[200], want[200];

	(void)state;
	familiar_ok("build", "build");
	familiar_ok("alpine", "alpine");
	familiar_ok("alpine:latest", "alpine");
	familiar_ok("alpine:3.20", "alpine:3.20");
	familiar_ok("library/alpine:3.20", "alpine:3.20");
	familiar_ok("docker.io/library/alpine", "alpine");
	familiar_ok("docker.io/library/alpine:latest", "alpine");
	familiar_ok("index.docker.io/library/alpine:3.20", "alpine:3.20");
	familiar_ok("docker.io/team/app:1", "team/app:1");
	familiar_ok("gcr.io/distroless/static:nonroot", "gcr.io/distroless/static:nonroot");
	familiar_ok("gcr.io/distroless/static:latest", "gcr.io/distroless/static");
	familiar_ok("localhost:5000/app", "localhost:5000/app");
	familiar_ok("my_stage.v2", "my_stage.v2");
	snprintf(in, sizeof(in), "docker.io/library/alpine@%s", dgst);
	snprintf(want, sizeof(want), "alpine@%s", dgst);
	familiar_ok(in, want);
	/* ":latest" before a digest is not at the end: it stays */
	snprintf(in, sizeof(in), "alpine:latest@%s", dgst);
	snprintf(want, sizeof(want), "alpine:latest@%s", dgst);
	familiar_ok(in, want);
	familiar_bad("Build", "repository name must be lowercase");
	familiar_bad("", "the name is empty");
	familiar_bad("a..b", "each part of the name must be lower-case letters and digits, "
			     "joined by '.', '_', '__' or '-'");
	familiar_bad("alpine@sha256:abc",
		     "the digest must be algorithm:hex, e.g. sha256:<64 hex digits>");
	familiar_bad("alpine:-x", "the tag must be 1-128 of [A-Za-z0-9_.-], not starting with "
				  "'.' or '-'");
}

static void parse_ok(const char *ref, const char *host, const char *repo, const char *tag,
		     const char *name)
{
	struct img_ref r;
	const char *why = "unset";

	assert_int_equal(img_reference_parse(ref, &r, &why), 0);
	assert_string_equal(r.host, host);
	assert_string_equal(r.repo, repo);
	assert_string_equal(r.tag, tag);
	assert_string_equal(r.name, name);
	img_ref_release(&r);
}

/* Where a push goes: Docker Hub's registry host and "library/" as
 * docker push resolves them; any other host kept with its port. */
static void test_parse_for_push(void **state)
{
	struct img_ref r;
	const char *why;

	(void)state;
	parse_ok("127.0.0.1:5000/seed:1", "127.0.0.1:5000", "seed", "1", "127.0.0.1:5000/seed:1");
	parse_ok("localhost/team/app", "localhost", "team/app", "latest",
		 "localhost/team/app:latest");
	parse_ok("alpine", "registry-1.docker.io", "library/alpine", "latest",
		 "docker.io/library/alpine:latest");
	parse_ok("docker.io/alpine:3", "registry-1.docker.io", "library/alpine", "3",
		 "docker.io/library/alpine:3");
	parse_ok("team/app:v2", "registry-1.docker.io", "team/app", "v2", "docker.io/team/app:v2");
	parse_ok("ghcr.io/o/r/app:1.0", "ghcr.io", "o/r/app", "1.0", "ghcr.io/o/r/app:1.0");
	assert_int_equal(img_reference_parse("127.0.0.1:5000/Seed:1", &r, &why), -1);
	assert_string_equal(why, "repository name must be lowercase");
	assert_int_equal(img_reference_parse("reg:5000/app@sha256:"
					     "0123456789abcdef0123456789abcdef0123456789abcdef"
					     "0123456789abcdef",
					     &r, &why),
			 -1);
	assert_string_equal(why, "a digest cannot be used as a tag");
	assert_int_equal(img_reference_parse("reg:x/app:1", &r, &why), -1);
	assert_string_equal(why, "the registry host is not valid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_invalid),
	    cmocka_unit_test(test_long),
	    cmocka_unit_test(test_familiar),
	    cmocka_unit_test(test_parse_for_push), /* keep one a line */
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
