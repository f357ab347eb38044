/* Platform specifiers normalised as containerd (and so BuildKit) does. The
 * cases marked "Docker" were built with docker build --platform here (Docker
 * 20.10, BuildKit) and give the TARGETPLATFORM shown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "image/platform.h"

#include <stdio.h>
#include <string.h>

struct pcase {
	const char *spec, *want; /* want: os/arch[/variant] */
};

static const struct pcase good[] = {
    {"linux/amd64", "linux/amd64"},
    {"arm64", "linux/arm64"},		/* Docker */
    {"linux/arm", "linux/arm/v7"},	/* Docker */
    {"arm", "linux/arm/v7"},		/* Docker */
    {"linux/arm64/v8", "linux/arm64"},	/* Docker */
    {"linux/aarch64/8", "linux/arm64"}, /* Docker */
    {"linux/arm64/9", "linux/arm64/v9"},
    {"linux/arm64/v9", "linux/arm64/v9"},  /* Docker */
    {"aarch64", "linux/arm64"},		   /* Docker */
    {"x86_64", "linux/amd64"},		   /* Docker */
    {"x86-64", "linux/amd64"},		   /* Docker */
    {"linux/amd64/v1", "linux/amd64"},	   /* Docker */
    {"linux/amd64/v2", "linux/amd64/v2"},  /* Docker */
    {"LINUX/X86_64/V2", "linux/amd64/v2"}, /* Docker */
    {"armhf", "linux/arm/v7"},		   /* Docker */
    {"Linux/ARMHF", "linux/arm/v7"},	   /* Docker */
    {"armel", "linux/arm/v6"},		   /* Docker */
    {"linux/arm/7", "linux/arm/v7"},	   /* Docker */
    {"linux/ARM/V7", "linux/arm/v7"},	   /* Docker */
    {"linux/arm/v6", "linux/arm/v6"},	   /* Docker */
    {"linux/arm/5", "linux/arm/v5"},
    {"linux/arm/8", "linux/arm/v8"}, /* Docker */
    {"i386", "linux/386"},	     /* Docker */
    {"386", "linux/386"},	     /* Docker */
    {"linux/i386/v1", "linux/386"},
    {"linux/386/v1", "linux/386/v1"}, /* Docker */
    {"LINUX/ARM64", "linux/arm64"},   /* Docker */
    {"s390x", "linux/s390x"},
    {"linux/ppc64le", "linux/ppc64le"},
    {"riscv64", "linux/riscv64"},
    {"linux/riscv64", "linux/riscv64"},	  /* Docker */
    {"linux/mips64le", "linux/mips64le"}, /* Docker */
    {"macos/arm64", "darwin/arm64"},
    {"windows/amd64", "windows/amd64"},
    /* An os/arch pair is taken as written, as BuildKit does (Docker builds
     * linux/foo). */
    {"linux/foo", "linux/foo"}, /* Docker */
};

static void test_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct img_platform p;
		struct sb_error err = {0};
		char parts[96];

		if (img_platform_parse(good[i].spec, &p, &err) != 0)
			fail_msg("%s: %s", good[i].spec, err.msg);
		if (strcmp(p.name, good[i].want) != 0)
			fail_msg("%s: got %s, want %s", good[i].spec, p.name, good[i].want);
		snprintf(parts, sizeof(parts), "%s/%s%s%s", p.os, p.architecture,
			 p.variant[0] ? "/" : "", p.variant);
		assert_string_equal(parts, p.name);
	}
}

static const struct pcase bad[] = {
    {"foo", "\"foo\" is neither an operating system nor an architecture"},    /* Docker */
    {"linux/*", "wildcards are not supported in a platform"},		      /* Docker */
    {"linux/arm/v7/x", "a platform is os/arch or os/arch/variant, not more"}, /* Docker */
    {"linux/ar m", "\"ar m\" is not a platform component: each part between the slashes "
		   "is letters, digits, '_' or '-'"}, /* Docker */
    {"linux//arm", "\"\" is not a platform component: each part between the slashes is "
		   "letters, digits, '_' or '-'"}, /* Docker */
    {"", "\"\" is not a platform component: each part between the slashes is letters, "
	 "digits, '_' or '-'"},
    {"linux/arm64/v8.0", "\"v8.0\" is not a platform component: each part between the "
			 "slashes is letters, digits, '_' or '-'"},
    {"linux/", "\"\" is not a platform component: each part between the slashes is "
	       "letters, digits, '_' or '-'"},
    {"linux/amd64,linux/arm64", "\"amd64,linux\" is not a platform component: each part "
				"between the slashes is letters, digits, '_' or '-'"}, /* Docker */
    {"linux/abcdefghijklmnopqrstuvwxyz0123456789",
     "\"abcdefghijklmnopqrstuvwxyz0123456789\" is too long for a platform component"},
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct img_platform p;
		struct sb_error err = {0};

		if (img_platform_parse(bad[i].spec, &p, &err) != -1)
			fail_msg("%s: accepted as %s", bad[i].spec, p.name);
		assert_non_null(err.msg);
		if (strcmp(err.msg, bad[i].want) != 0)
			fail_msg("%s: got '%s', want '%s'", bad[i].spec, err.msg, bad[i].want);
		sb_error_release(&err);
	}
}

/* A bare operating system takes the build machine's architecture. */
static void test_os_only(void **state)
{
	struct img_platform host, p;
	struct sb_error err = {0};

	(void)state;
	img_platform_host(&host);
	assert_string_equal(host.os, "linux");
	assert_int_equal(img_platform_parse("Linux", &p, &err), 0);
	assert_string_equal(p.name, host.name);
	assert_int_equal(img_platform_parse("windows", &p, &err), 0);
	assert_string_equal(p.os, "windows");
	assert_string_equal(p.architecture, host.architecture);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_os_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
