/* Go filepath.Match cases (from Go's documented behaviour) and path.Clean. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/match.h"

#include <stdlib.h>
#include <string.h>

struct mcase {
	const char *pattern, *name;
	int want; /* 1 match, 0 no match, -1 bad pattern */
};

static const struct mcase cases[] = {
    {"abc", "abc", 1},
    {"*", "abc", 1},
    {"*c", "abc", 1},
    {"a*", "a", 1},
    {"a*", "abc", 1},
    {"a*", "ab/c", 0},
    {"a*/b", "abc/b", 1},
    {"a*/b", "a/c/b", 0},
    {"a*b*c*d*e*/f", "axbxcxdxe/f", 1},
    {"a*b*c*d*e*/f", "axbxcxdxexxx/f", 1},
    {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", 0},
    {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", 0},
    {"a*b?c*x", "abxbbxdbxebxczzx", 1},
    {"a*b?c*x", "abxbbxdbxebxczzy", 0},
    {"ab[c]", "abc", 1},
    {"ab[b-d]", "abc", 1},
    {"ab[e-g]", "abc", 0},
    {"ab[^c]", "abc", 0},
    {"ab[^b-d]", "abc", 0},
    {"ab[^e-g]", "abc", 1},
    {"a\\*b", "a*b", 1},
    {"a\\*b", "ab", 0},
    {"a?b",
     "a\xe2\x98\xba"
     "b",
     1},
    {"a[^a]b",
     "a\xe2\x98\xba"
     "b",
     1},
    {"a???b",
     "a\xe2\x98\xba"
     "b",
     0},
    {"a[^a][^a][^a]b",
     "a\xe2\x98\xba"
     "b",
     0},
    {"[a-\xce\xb6]*", "\xce\xb1", 1},
    {"*[a-\xce\xb6]", "A", 0},
    {"a?b", "a/b", 0},
    {"a*b", "a/b", 0},
    {"[\\]a]", "]", 1},
    {"[\\-]", "-", 1},
    {"[x\\-]", "x", 1},
    {"[x\\-]", "-", 1},
    {"[x\\-]", "z", 0},
    {"[\\-x]", "x", 1},
    {"[\\-x]", "-", 1},
    {"[\\-x]", "a", 0},
    /* '!' is not a negation in Go (and in BuildKit: COPY [!a]* copies "!x") */
    {"[!a]", "!", 1},
    {"[!a]", "a", 1},
    {"[!a]", "b", 0},
    {"[]a]", "]", -1},
    {"[-]", "-", -1},
    {"[x-]", "x", -1},
    {"[x-]", "-", -1},
    {"[x-]", "z", -1},
    {"[-x]", "x", -1},
    {"[-x]", "-", -1},
    {"[-x]", "a", -1},
    {"\\", "a", -1},
    {"[a-b-c]", "a", -1},
    {"[", "a", -1},
    {"[^", "a", -1},
    {"[^bc", "a", -1},
    {"a[", "a", -1},
    {"a[", "ab", -1},
    {"a[", "x", -1},
    {"a/b[", "x", -1},
    {"*x", "xxx", 1},
    {"[]", "a", -1},
    {"a[]", "a", -1},
    {"*[", "a", -1},
    {"a*", "", 0},
    {"", "", 1},
    {"", "a", 0},
    {"*", "", 1},
    {"a[/]b", "a/b", 1},
    {"\\a", "a", 1},
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sb_error err = {0};
		int got = match_glob(cases[i].pattern, cases[i].name, &err);

		if (got != cases[i].want)
			fail_msg("match_glob(\"%s\", \"%s\") = %d, want %d", cases[i].pattern,
				 cases[i].name, got, cases[i].want);
		if (got < 0) {
			assert_non_null(err.msg);
			assert_non_null(strstr(err.msg, "syntax error in pattern"));
		}
		sb_error_release(&err);
	}
}

static void test_validate(void **state)
{
	(void)state;
	assert_int_equal(match_validate("*.go", NULL), 0);
	assert_int_equal(match_validate("a[", NULL), -1);
	assert_int_equal(match_validate("x/[a-", NULL), -1);
	/* Go checks the whole pattern even after the name failed to match */
	assert_int_equal(match_glob("x*[", "y", NULL), -1);
}

static void test_has_wildcards(void **state)
{
	(void)state;
	assert_true(match_has_wildcards("*.txt"));
	assert_true(match_has_wildcards("a/b?"));
	assert_true(match_has_wildcards("[ab]"));
	assert_false(match_has_wildcards("plain/path"));
	assert_false(match_has_wildcards("a\\*b"));
	assert_false(match_has_wildcards("a]"));
	assert_false(match_has_wildcards("trailing\\"));
}

static void test_clean(void **state)
{
	static const char *const c[][2] = {
	    {"", "."},
	    {"abc", "abc"},
	    {"abc/def", "abc/def"},
	    {"a/b/c", "a/b/c"},
	    {".", "."},
	    {"..", ".."},
	    {"../..", "../.."},
	    {"../../abc", "../../abc"},
	    {"/abc", "/abc"},
	    {"/", "/"},
	    {"abc/", "abc"},
	    {"/abc/", "/abc"},
	    {"abc//def//ghi", "abc/def/ghi"},
	    {"//abc", "/abc"},
	    {"abc//", "abc"},
	    {"abc/./def", "abc/def"},
	    {"/./abc/def", "/abc/def"},
	    {"abc/.", "abc"},
	    {"abc/def/ghi/../jkl", "abc/def/jkl"},
	    {"abc/def/../ghi/../jkl", "abc/jkl"},
	    {"abc/def/..", "abc"},
	    {"abc/def/../..", "."},
	    {"/abc/def/../..", "/"},
	    {"abc/def/../../..", ".."},
	    {"/abc/def/../../..", "/"},
	    {"abc/def/../../../ghi/jkl/../../../mno", "../../mno"},
	    {"abc/./../def", "def"},
	    {"abc//./../def", "def"},
	    {"abc/../../././../def", "../../def"},
	    {"/../x", "/x"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *got = match_clean(c[i][0]);

		assert_non_null(got);
		if (strcmp(got, c[i][1]) != 0)
			fail_msg("clean(\"%s\") = \"%s\", want \"%s\"", c[i][0], got, c[i][1]);
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_validate),
	    cmocka_unit_test(test_has_wildcards),
	    cmocka_unit_test(test_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
