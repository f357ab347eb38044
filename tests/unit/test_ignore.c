/* .dockerignore parsing and matching (moby/patternmatcher semantics). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "context/ignore.h"

#include <stdlib.h>
#include <string.h>

struct icase {
	const char *rules; /* a .dockerignore file */
	const char *path;
	bool excluded;
};

static const struct icase cases[] = {
    {"foo", "foo", true},
    {"foo", "foo/bar", true}, /* a parent matches */
    {"foo", "foobar", false},
    {"foo", "x/foo", false}, /* patterns are anchored at the root */
    {"/foo", "foo", true},   /* leading '/' removed */
    {"foo/", "foo/x", true}, /* cleaned */
    {"./foo/../bar", "bar/x", true},
    {"*.txt", "a.txt", true},
    {"*.txt", "d/a.txt", false}, /* '*' does not cross '/' */
    {"*/a.txt", "d/a.txt", true},
    {"**/a.txt", "a.txt", true}, /* ** matches zero directories */
    {"**/a.txt", "x/y/a.txt", true},
    {"**/foo", "x/y/foo/bar", true}, /* parent match through ** */
    {"a/**/b", "a/b", true},
    {"a/**/b", "a/x/y/b", true},
    {"a/**/b", "a/x/yb", false},
    {"a/**", "a/x", true},
    {"a/**", "a", false},
    {"**", "anything/at/all", true},
    {"foo**", "foobar/x", true}, /* string prefix, as patternmatcher */
    {"**foo", "barfoo", true},	 /* string suffix, as patternmatcher */
    {"**/*.go", "a/b/c.go", true},
    {"**/*.go", "c.go", true},
    {"**/*.go", "c.go/x", true},
    {"?", "a", true},
    {"?", "ab", false},
    {"[a-c]x", "bx", true},
    {"[^a-c]x", "bx", false},
    {"[^a-c]x", "dx", true},
    {"[!a]x", "!x", true}, /* '!' is literal in a class */
    {"[!a]x", "bx", false},
    {"a\\*b", "a*b", true},
    {"a\\*b", "axb", false},
    {"a.b", "axb", false}, /* '.' is literal */
    {"a.*", "a.b", true},
    {"# comment", "# comment", false},
    {" # not a comment", "# not a comment", true}, /* '#' only counts as the first byte */
    {"  spaced  \t", "spaced", true},
    {"\xEF\xBB\xBF"
     "bom",
     "bom", true},
    {"crlf\r\n", "crlf", true},
    {"\n\n\nfoo\n", "foo", true},
    {".", "x", false}, /* "." excludes nothing */
    {"/", "x", false},
    {"../x", "x", false},
    /* last match wins */
    {"*.md\n!README.md", "README.md", false},
    {"*.md\n!README.md", "CHANGES.md", true},
    {"*.md\n!README.md\nREADME.md", "README.md", true},
    {"!foo\nfoo", "foo", true},
    /* exceptions below an excluded directory */
    {"d\n!d/keep", "d/keep", false},
    {"d\n!d/keep", "d/other", true},
    {"d\n!d/keep", "d", true},
    {"d\n!d/keep", "d/keep/inner", false},
    {"d\n!d/**/*.txt", "d/sub/b.txt", false},
    {"d\n!d/**/*.txt", "d/sub/c", true},
    {"g\n!**/i.txt", "g/h/i.txt", false},
    /* MatchesOrParentMatches: an exception matching a parent re-includes */
    {"a/x\n!a", "a/x", false},
    {"**/foo\n!x/y/foo/keep", "x/y/foo/other", true},
    {"**/foo\n!x/y/foo/keep", "x/y/foo/keep", false},
    {"*\n!sub\nsub/*.o", "sub/a.o", true},
    {"*\n!sub\nsub/*.o", "sub/a.c", false},
    {"*\n!sub\nsub/*.o", "top", true},
    {"", "x", false},
};

static struct ignore *parse(const char *text)
{
	struct sb_error err = {0};
	struct ignore *ig = ignore_new();

	assert_non_null(ig);
	if (ignore_add_file(ig, ".dockerignore", text, strlen(text), &err) < 0)
		fail_msg("parse \"%s\": %s", text, err.msg);
	return ig;
}

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ignore *ig = parse(cases[i].rules);
		bool got = ignore_check(ig, cases[i].path, NULL);

		if (got != cases[i].excluded)
			fail_msg("rules \"%s\" path \"%s\": excluded=%d, want %d", cases[i].rules,
				 cases[i].path, got, cases[i].excluded);
		ignore_free(ig);
	}
}

static void test_root_never_excluded(void **state)
{
	struct ignore *ig = parse("**\n*\n");

	(void)state;
	assert_false(ignore_check(ig, "", NULL));
	ignore_free(ig);
}

static void test_why(void **state)
{
	struct ignore *ig = parse("# header\n*.log\n\nlogs\n!logs/keep.log\n");
	const struct ignore_pattern *why;

	(void)state;
	assert_int_equal(ig->n, 3);
	assert_true(ignore_check(ig, "a.log", &why));
	assert_non_null(why);
	assert_string_equal(why->text, "*.log");
	assert_string_equal(why->file, ".dockerignore");
	assert_int_equal(why->line, 2);
	assert_false(why->exception);

	assert_true(ignore_check(ig, "logs/x", &why));
	assert_int_equal(why->line, 4);

	assert_false(ignore_check(ig, "logs/keep.log", &why));
	assert_non_null(why);
	assert_true(why->exception);
	assert_string_equal(why->text, "logs/keep.log");
	assert_int_equal(why->line, 5);

	assert_false(ignore_check(ig, "src/main.c", &why));
	assert_null(why);
	ignore_free(ig);
}

static void test_errors(void **state)
{
	static const char *const bad[] = {"!", "! ", "!/", "a[", "[]", "x/[a-", "a\\d"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sb_error err = {0};
		struct ignore *ig = ignore_new();
		char *text = malloc(strlen(bad[i]) + 8);

		assert_non_null(text);
		strcpy(text, "ok\n");
		strcat(text, bad[i]);
		if (ignore_add_file(ig, "ctx/.dockerignore", text, strlen(text), &err) == 0)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_non_null(err.msg);
		assert_string_equal(err.file, "ctx/.dockerignore");
		assert_non_null(strstr(err.msg, "line 2"));
		sb_error_release(&err);
		ignore_free(ig);
		free(text);
	}
}

static void test_long_line(void **state)
{
	struct sb_error err = {0};
	struct ignore *ig = ignore_new();
	size_t n = 70000;
	char *text = malloc(n);

	(void)state;
	assert_non_null(text);
	memset(text, 'a', n);
	assert_int_equal(ignore_add_file(ig, "x", text, n, &err), -1);
	assert_non_null(strstr(err.msg, "too long"));
	sb_error_release(&err);
	ignore_free(ig);
	free(text);
}

/* Found with fuzz_ignore: a backtracking matcher took exponential time in the
 * number of stars, so that one line of a .dockerignore hung the build. Each
 * of these finishes at once now (meson's test timeout is the judge). */
static void test_many_stars(void **state)
{
	struct ignore *ig = parse("*a*a*a*a*a*a*a*a*a*a*a*b\n"
				  "**/a**/a**/a**/a**/a**/a**/a**/a**/a**/a**/b\n"
				  "!?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*c\n");
	char path[4096];

	(void)state;
	assert_int_equal(ig->n, 3);
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	assert_false(ignore_check(ig, path, NULL));
	path[sizeof(path) - 2] = 'b';
	assert_true(ignore_check(ig, path, NULL));
	for (size_t i = 1; i < sizeof(path) - 1; i += 2)
		path[i] = '/';
	assert_true(ignore_check(ig, path, NULL)); /* "a/a/.../a/b": the second line */
	path[sizeof(path) - 2] = 'c';
	assert_false(ignore_check(ig, path, NULL));
	ignore_free(ig);
}

static void test_reinclude_below(void **state)
{
	struct ignore *ig = parse("d\n!d/keep\nx/*\n!x/y/*\n");
	struct ignore *wild = parse("d\n!**/keep\n");
	struct ignore *none = parse("d\n");

	(void)state;
	assert_true(ignore_may_reinclude_below(ig, "d"));
	assert_false(ignore_may_reinclude_below(ig, "d/sub"));
	assert_false(ignore_may_reinclude_below(ig, "dd"));
	assert_true(ignore_may_reinclude_below(ig, "x/y"));
	assert_true(ignore_may_reinclude_below(wild, "anything"));
	assert_false(ignore_may_reinclude_below(none, "d"));
	ignore_free(ig);
	ignore_free(wild);
	ignore_free(none);
}

/* COPY --exclude / --parents patterns: patternmatcher.New without
 * ignorefile.ReadAll, so no comments and a leading '/' is kept. */
static void test_add_pattern(void **state)
{
	struct sb_error err = {0};
	struct ignore *ig = ignore_new();

	(void)state;
	assert_int_equal(ignore_add_pattern(ig, "#x", &err), 0);
	assert_int_equal(ignore_add_pattern(ig, "/abs", &err), 0);
	assert_int_equal(ignore_add_pattern(ig, "  ", &err), 0); /* skipped */
	assert_int_equal(ignore_add_pattern(ig, " a/./b/ ", &err), 0);
	assert_int_equal(ignore_add_pattern(ig, "!a/b/keep", &err), 0);
	assert_int_equal(ig->n, 4);
	assert_null(ig->pats[0].file);
	assert_int_equal(ig->pats[0].line, 0);
	assert_true(ignore_check(ig, "#x", NULL));
	assert_false(ignore_check(ig, "abs", NULL));
	assert_true(ignore_check(ig, "a/b/c", NULL));
	assert_false(ignore_check(ig, "a/b/keep", NULL));
	assert_int_equal(ignore_add_pattern(ig, "!", &err), -1);
	assert_non_null(strstr(err.msg, "illegal exclusion pattern"));
	assert_null(err.file);
	sb_error_release(&err);
	assert_int_equal(ignore_add_pattern(ig, "[", &err), -1);
	assert_non_null(strstr(err.msg, "syntax error"));
	sb_error_release(&err);
	ignore_free(ig);
}

static void test_may_match_below(void **state)
{
	struct ignore *lit = parse("a/b/c.txt\n");
	struct ignore *glob = parse("x/*/c/y?\n");
	struct ignore *dstar = parse("src/**/*.txt\n");
	struct ignore *exc = parse("!a/b\n");

	(void)state;
	assert_true(ignore_may_match_below(lit, ""));
	assert_true(ignore_may_match_below(lit, "a"));
	assert_true(ignore_may_match_below(lit, "a/b"));
	assert_false(ignore_may_match_below(lit, "a/b/c.txt")); /* nothing below */
	assert_false(ignore_may_match_below(lit, "b"));
	assert_false(ignore_may_match_below(lit, "a/c"));
	assert_true(ignore_may_match_below(glob, "x/q"));
	assert_true(ignore_may_match_below(glob, "x/q/c"));
	assert_false(ignore_may_match_below(glob, "x/q/d"));
	assert_false(ignore_may_match_below(glob, "y"));
	assert_true(ignore_may_match_below(dstar, "anything/at/all")); /* conservative */
	assert_false(ignore_may_match_below(exc, "a")); /* exceptions match nothing */
	ignore_free(lit);
	ignore_free(glob);
	ignore_free(dstar);
	ignore_free(exc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),	cmocka_unit_test(test_root_never_excluded),
	    cmocka_unit_test(test_why),		cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_long_line),	cmocka_unit_test(test_reinclude_below),
	    cmocka_unit_test(test_add_pattern), cmocka_unit_test(test_may_match_below),
	    cmocka_unit_test(test_many_stars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
