/* Unit tests for BuildKit-style word processing (src/interp/shlex.c).
 *
 * Cases marked "docker" were checked against Docker 20.10's BuildKit (ENV
 * values in the saved image's history).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "interp/shlex.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

static const char *const env[][2] = {
    {"HOME", "/root"}, {"EMPTY", ""}, {"SP", "a  b"}, {"X", "x"}, {"Q", "\"q'"},
};

static const char *lookup(void *ud, const char *name)
{
	int *calls = ud;

	if (calls)
		(*calls)++;
	for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++)
		if (strcmp(env[i][0], name) == 0)
			return env[i][1];
	return NULL;
}

static void word_ok(const char *in, char escape, const char *want)
{
	struct sb_error err = {0};
	char *out = NULL;

	if (shlex_word(in, escape, lookup, NULL, &out, &err) < 0)
		fail_msg("%s: unexpected error: %s", in, err.msg);
	assert_non_null(out);
	if (strcmp(out, want) != 0)
		fail_msg("%s: got [%s], want [%s]", in, out, want);
	free(out);
}

static void word_err(const char *in, char escape, const char *want)
{
	struct sb_error err = {0};
	char *out = (char *)"unset";

	assert_int_equal(shlex_word(in, escape, lookup, NULL, &out, &err), -1);
	assert_null(out);
	assert_non_null(err.msg);
	assert_int_equal(err.line, 0);
	if (strcmp(err.msg, want) != 0)
		fail_msg("%s: got [%s], want [%s]", in, err.msg, want);
	sb_error_release(&err);
}

/* want: the words joined with '|' */
static void words_ok(const char *in, char escape, const char *want)
{
	struct sb_error err = {0};
	struct sb_buf b = {0};
	char **v = NULL;
	size_t n = 99;

	assert_int_equal(shlex_words(in, escape, lookup, NULL, &v, &n, &err), 0);
	assert_non_null(v);
	assert_null(v[n]);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sb_buf_addf(&b, "%s%s", i ? "|" : "", v[i]), 0);
	assert_int_equal(sb_buf_add(&b, "", 0), 0);
	if (strcmp(b.buf, want) != 0)
		fail_msg("%s: got [%s], want [%s]", in, b.buf, want);
	sb_buf_release(&b);
	sb_strv_free(v);
}

static void test_quotes_and_escapes(void **state)
{
	(void)state;
	word_ok("hello", '\\', "hello");
	word_ok("", '\\', "");
	word_ok("he'll'o", '\\', "hello"); /* docker */
	word_ok("he\\'llo", '\\', "he'llo");
	word_ok("abc\\\\def", '\\', "abc\\def"); /* docker */
	word_ok("abc\\def", '\\', "abcdef");
	word_ok("\"abc\\def\"", '\\', "abc\\def");	   /* docker */
	word_ok("'a\\\"b'", '\\', "a\\\"b");		   /* docker */
	word_ok("\"a\\\"b\\$c\\\\d\"", '\\', "a\"b$c\\d"); /* docker */
	word_ok("a\\ b", '\\', "a b");			   /* docker */
	word_ok("\"it's\"'\"'", '\\', "it's\"");
	word_ok("abc\\", '\\', "abc"); /* a trailing escape is dropped */
	word_err("\"a\\", '\\',
		 "failed to process \"\\\"a\\\\\": unexpected end of statement while looking for "
		 "matching double-quote");
	word_err("he'llo", '\\',
		 "failed to process \"he'llo\": unexpected end of statement while looking for "
		 "matching single-quote");
	/* docker: COPY "b c" gives this for the word `"b` */
	word_err("\"b", '\\',
		 "failed to process \"\\\"b\": unexpected end of statement while looking for "
		 "matching double-quote");
}

static void test_backtick(void **state)
{
	(void)state;
	word_ok("C:\\foo", '`', "C:\\foo"); /* docker */
	word_ok("\"a`\"b\"", '`', "a\"b");  /* docker */
	word_ok("\"a``b\"", '`', "a`b");    /* docker */
	word_ok("a`$b", '`', "a$b");	    /* docker */
	word_ok("\"x\\y\"", '`', "x\\y");   /* docker */
	word_ok("\"x\\\"y", '`', "x\\y");   /* \ does not escape the quote */
	word_ok("a` b", '`', "a b");
}

static void test_variables(void **state)
{
	(void)state;
	word_ok("$HOME", '\\', "/root");
	word_ok("${HOME}/x", '\\', "/root/x");
	word_ok("\\$HOME", '\\', "$HOME"); /* docker */
	word_ok("'$HOME'", '\\', "$HOME");
	word_ok("\"$HOME\"", '\\', "/root");
	word_ok("$", '\\', "$");     /* docker */
	word_ok("$/x", '\\', "$/x"); /* docker */
	word_ok("a$", '\\', "a$");
	word_ok("$12x", '\\', "x"); /* docker: $12 is one name */
	word_ok("$HOMEx", '\\', "");
	word_ok("$@$*$#$?$-$$$!x", '\\', "x");
	word_ok("$Q", '\\', "\"q'"); /* values are not re-processed */
	word_ok("$UNSET", '\\', "");
	word_ok("${UNSET}", '\\', "");
	word_ok("${UNSET:-\"a b\"}", '\\', "a b"); /* docker */
	word_ok("${UNSET:-$HOME}", '\\', "/root");
	word_ok("${UNSET:-a\\}b}", '\\', "a}b");
	word_ok("${UNSET:-${EMPTY:-x}}", '\\', "x");
	word_ok("${EMPTY:-def}", '\\', "def");
	word_ok("${HOME:-def}", '\\', "/root");
	word_ok("${EMPTY-def}", '\\', "");
	word_ok("${UNSET-def}", '\\', "def");
	word_ok("${X:+alt}", '\\', "alt");
	word_ok("${EMPTY:+alt}", '\\', ""); /* docker */
	word_ok("${EMPTY+alt}", '\\', "alt");
	word_ok("${UNSET+alt}", '\\', "");
	word_ok("${UNSET:+alt}", '\\', "");
	word_ok("${HOME:+x$SP}", '\\', "xa  b"); /* docker */
	word_ok("${HOME:?}", '\\', "/root");
	word_ok("${EMPTY?}", '\\', "");
}

static void test_variable_errors(void **state)
{
	(void)state;
	/* docker */
	word_err("${x:?oops}", '\\', "failed to process \"${x:?oops}\": x: oops");
	word_err("${UNSET:?}", '\\',
		 "failed to process \"${UNSET:?}\": UNSET: is not allowed to be unset");
	word_err("${EMPTY:?}", '\\',
		 "failed to process \"${EMPTY:?}\": EMPTY: is not allowed to be empty");
	word_err("${UNSET?no $X}", '\\', "failed to process \"${UNSET?no $X}\": UNSET: no x");
	word_err("${", '\\', "failed to process \"${\": syntax error: missing '}'");
	word_err("${}", '\\', "failed to process \"${}\": syntax error: bad substitution");
	word_err("${:x}", '\\', "failed to process \"${:x}\": syntax error: bad substitution");
	word_err("${{x}", '\\', "failed to process \"${{x}\": syntax error: bad substitution");
	word_err("${HOME", '\\', "failed to process \"${HOME\": syntax error: missing '}'");
	word_err("${HOME:", '\\', "failed to process \"${HOME:\": syntax error: missing '}'");
	word_err("${HOME:-x", '\\', "failed to process \"${HOME:-x\": syntax error: missing '}'");
	/* the quote runs to the end, so BuildKit reports the brace */
	word_err("${HOME:-'x}", '\\',
		 "failed to process \"${HOME:-'x}\": syntax error: missing '}'");
	word_err("${HOME:-'x'", '\\',
		 "failed to process \"${HOME:-'x'\": syntax error: missing '}'");
	word_err("${HOME:x}", '\\',
		 "failed to process \"${HOME:x}\": unsupported modifier (:x) in substitution");
	word_err("${HOME x}", '\\',
		 "failed to process \"${HOME x}\": unsupported modifier ( ) in substitution");
	word_err("${HOME:#x}", '\\',
		 "failed to process \"${HOME:#x}\": unsupported modifier (:#) in substitution");
	word_err("${HOME=x}", '\\',
		 "failed to process \"${HOME=x}\": unsupported modifier (=) in substitution");
	word_err("a\tb\n\"", '\\',
		 "failed to process \"a\\tb\\n\\\"\": unexpected end of statement while looking "
		 "for matching double-quote");
}

static void test_words(void **state)
{
	(void)state;
	words_ok("", '\\', "");
	words_ok("  ", '\\', "");
	words_ok("a b  c", '\\', "a|b|c");
	words_ok(" \"a b\" c ", '\\', "a b|c");
	words_ok("$SP", '\\', "a|b");	   /* unquoted expansion splits */
	words_ok("\"$SP\"", '\\', "a  b"); /* quoted does not */
	words_ok("x$SP", '\\', "xa|b");
	words_ok("a\\ b", '\\', "a b");
	words_ok("a \"\" b", '\\', "a|b"); /* empty quotes give no word */
	words_ok("a''b c", '\\', "ab|c");
	words_ok("${UNSET:-p q}", '\\', "p|q");
	words_ok("a\xc2\xa0"
		 "b\tc\xe3\x80\x80",
		 '\\', "a|b|c"); /* Unicode white space */
	words_ok("8080/tcp  \"80\"", '\\', "8080/tcp|80");
}

static void test_words_error(void **state)
{
	struct sb_error err = {0};
	char **v = (char **)&err;
	size_t n = 7;

	(void)state;
	assert_int_equal(shlex_words("a 'b", '\\', lookup, NULL, &v, &n, &err), -1);
	assert_null(v);
	assert_int_equal(n, 0);
	assert_string_equal(err.msg, "failed to process \"a 'b\": unexpected end of statement "
				     "while looking for matching single-quote");
	sb_error_release(&err);
}

/* Splits with options and returns the words joined by "|". */
static char *words_opts(const char *in, struct shlex_opts o)
{
	struct sb_error err = {0};
	struct sb_buf b = {0};
	char **v;
	size_t n;

	if (shlex_words_opts(in, '\\', &o, lookup, NULL, &v, &n, &err) < 0)
		fail_msg("%s: unexpected error: %s", in, err.msg);
	assert_int_equal(sb_buf_adds(&b, ""), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sb_buf_addf(&b, "%s%s", i ? "|" : "", v[i]), 0);
	assert_null(v[n]);
	sb_strv_free(v);
	return sb_buf_detach(&b);
}

/* BuildKit's Lex.RawQuotes, RawEscapes and SkipUnsetEnv (as its heredoc
 * detection uses them). */
static void test_words_opts(void **state)
{
	static const struct {
		const char *in;
		struct shlex_opts o;
		const char *want;
	} cases[] = {
	    {"a 'b c' \"d\\\"e\" \\x", {1, 1, 0}, "a|'b c'|\"d\\\"e\"|\\x"},
	    {"a 'b c' \"d\\\"e\" \\x", {1, 0, 0}, "a|'b c'|\"d\"e\"|x"},
	    {"a 'b c' \"d\\\"e\" \\x", {0, 1, 0}, "a|b c|d\\\"e|\\x"},
	    {"$U ${U} ${U:-x y} ${U+z} $HOME ${X}", {0, 0, 1}, "$U|${U}|${U:-x|y}|${U+z}|/root|x"},
	    {"$U ${U} ${U:-x y} $HOME", {0, 0, 0}, "x|y|/root"},
	    {"\"$U\"'$U'", {1, 0, 1}, "\"$U\"'$U'"},
	    {"${U:-\\}}", {0, 1, 1}, "${U:-}}"},
	    {"${U:x}", {0, 0, 1}, "${U:x}"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = words_opts(cases[i].in, cases[i].o);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s: got %s, want %s", cases[i].in, got, cases[i].want);
		free(got);
	}
}

/* ${...} nesting is limited (a recursive scanner; BuildKit has no limit):
 * 256 levels work, deeper is an error instead of a stack overflow. */
static void test_deep_nesting(void **state)
{
	struct sb_error err = {0};
	struct sb_buf in = {0};
	char *out = NULL;

	(void)state;
	for (int i = 0; i < 256; i++)
		assert_int_equal(sb_buf_adds(&in, "${U:-"), 0);
	assert_int_equal(sb_buf_adds(&in, "x"), 0);
	for (int i = 0; i < 256; i++)
		assert_int_equal(sb_buf_addc(&in, '}'), 0);
	assert_int_equal(shlex_word(in.buf, '\\', lookup, NULL, &out, &err), 0);
	assert_string_equal(out, "x");
	free(out);
	sb_buf_release(&in);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(sb_buf_adds(&in, "\"${U:-"), 0);
	assert_int_equal(shlex_word(in.buf, '\\', lookup, NULL, &out, &err), -1);
	assert_null(out);
	assert_non_null(strstr(err.msg, "syntax error: ${...} nested more than 256 deep"));
	sb_error_release(&err);
	sb_buf_release(&in);
}

/* A lookup in "NAME=value" strings (ud: a NULL-terminated array). */
static const char *lookup_in(void *ud, const char *name)
{
	const char *const *e = ud;
	size_t n = strlen(name);

	for (; *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

struct mod_case {
	const char *in;
	const char *env[4];
	const char *want; /* NULL: an error */
};

/* The pattern modifiers. Inputs and results from BuildKit's own table,
 * TestProcessWithMatches in frontend/dockerfile/shell/lex_test.go (moby/buildkit,
 * Apache-2.0), then cases of ours. */
static const struct mod_case mod_cases[] = {
    {"${FOO#()[]{\\}^$.\\*\\?|\\\\}", {"FOO=()[]{}^$.*?|\\x"}, "x"},
    {"${FOO%%\\**}", {"FOO=xx**"}, "xx"},
    {"${FOO#*x*y}", {"FOO=xxyy"}, "y"},
    {"${FOO#*}", {"FOO=xxyy"}, "xxyy"},
    {"${FOO#$BAR}", {"FOO=xxyy", "BAR=x"}, "xyy"},
    {"${FOO#$BAR}", {"FOO=xxyy", "BAR="}, "xxyy"},
    {"${FOO#}", {"FOO=xxyy"}, "xxyy"},
    {"${FOO##*x}", {"FOO=xxyy"}, "yy"},
    {"${FOO##}", {"FOO=xxyy"}, "xxyy"},
    {"${FOO#?\\?}", {"FOO=???y"}, "?y"},
    {"${ABC:-.}${FOO%x}${ABC:-.}", {"FOO=xxyy"}, ".xxyy."},
    {"${FOO%%\\**\\*}", {"FOO=a***yy*"}, "a"},
    {"${FOO%}", {"FOO=xxyy"}, "xxyy"},
    {"${FOO%%$BAR}", {"FOO=xxyy", "BAR="}, "xxyy"},
    {"${FOO:#}", {NULL}, NULL},
    {"${FOO:##}", {NULL}, NULL},
    {"${FOO:%}", {NULL}, NULL},
    {"${FOO:%%}", {NULL}, NULL},
    {"${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}",
     {"FOO=/foo*/*/*.txt", "NEEDLE=\\*/"},
     "/foo.*/*.txt - /foo..*.txt"},
    {"${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}",
     {"FOO=/tmp/tmp/bar.txt", "NEEDLE=/tmp"},
     "/tmp/bar.txt - /bar.txt"},
    {"${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
     {"FOO=/a/foo/b/c.txt", "NEEDLE=/?/", "REPLACEMENT=/"},
     "/foo/b/c.txt - /foo/c.txt"},
    {"${FOO/$NEEDLE/$REPLACEMENT}",
     {"FOO=http://google.de", "NEEDLE=http://", "REPLACEMENT=https://"},
     "https://google.de"},
    {"${FOO//\\//\\/}", {"FOO=/tmp/foo.txt"}, "\\/tmp\\/foo.txt"},
    {"${FOO/$BAR/ww}", {"FOO=xxyy", "BAR="}, "wwxxyy"},
    {"${FOO//ww}", {"FOO=xxyy"}, NULL},
    {"${FOO//}", {"FOO=xxyy"}, NULL},
    {"${FOO///}", {"FOO=xxyy"}, "xxyy"},
    {"${FOO///}", {NULL}, ""},
    {"${FOO=aaa}", {"FOO=xxx"}, NULL},
    {"${FOO=}", {NULL}, NULL},
    /* Ours: file names, shortest and longest, unset variables. */
    {"${V#*.} ${V##*.} ${V%.*} ${V%%.*}", {"V=app.tar.gz"}, "tar.gz gz app.tar app"},
    {"${V#*/}|${V##*/}|${V%/*}|${V%%/*}", {"V=usr/local/bin"}, "local/bin|bin|usr/local|usr"},
    {"${V/a/A}|${V//a/A}|${V/a*/X}|${V//?/.}", {"V=banana"}, "bAnana|bAnAnA|bX|......"},
    {"[${U#x}${U%x}${U/x/y}${U//x/y}]", {NULL}, "[]"},
    {"${U/*/y}", {NULL}, "y"},
    {"${V%\\}}", {"V=a}}"}, "a}"},
    {"${V//\\}/)}", {"V=}a}"}, ")a)"},
    /* ? and * take whole UTF-8 characters, and never a newline. */
    {"${V#?}|${V%?}", {"V=\xc3\xa9t\xc3\xa9"}, "t\xc3\xa9|\xc3\xa9t"},
    {"${V#*}|${V##*}|${V%%*}", {"V=a\nb"}, "a\nb|\nb|a\n"},
    /* %: the value goes through Go's []rune, invalid bytes become U+FFFD. */
    {"${V%b}", {"V=\xff-b"}, "\xef\xbf\xbd-"},
    {"${V#b}", {"V=\xff-b"}, "\xff-b"},
    /* //: an empty match right after a match is not replaced; $0 is the match. */
    {"${V//*/x}", {"V=abc"}, "x"},
    {"${V//b*/[$0]}", {"V=abc"}, "a[]"}, /* $0 is a variable here */
    {"${V//b/'[$0]'}", {"V=abc"}, "a[b]c"},
    {"${V//b/'$$'}", {"V=abc"}, "a$c"},
    {"${V/b/'$0'}", {"V=abc"}, "a$0c"},
    /* Escapes BuildKit refuses in patterns. */
    {"${V#\\x}", {"V=abc"}, NULL},
    {"${V%\\}", {"V=abc"}, NULL},
    {"${V/a", {"V=abc"}, NULL},
    {"${V/a/b", {"V=abc"}, NULL},
};

static void test_modifiers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(mod_cases) / sizeof(mod_cases[0]); i++) {
		const struct mod_case *c = &mod_cases[i];
		struct sb_error err = {0};
		char *out = NULL;
		int rc = shlex_word(c->in, '\\', lookup_in, (void *)c->env, &out, &err);

		if (!c->want) {
			if (rc == 0)
				fail_msg("%s: got [%s], want an error", c->in, out);
			assert_non_null(err.msg);
			sb_error_release(&err);
			continue;
		}
		if (rc < 0)
			fail_msg("%s: unexpected error: %s", c->in, err.msg);
		if (strcmp(out, c->want) != 0)
			fail_msg("%s: got [%s], want [%s]", c->in, out, c->want);
		free(out);
	}
}

static void test_modifier_messages(void **state)
{
	(void)state;
	word_err("${HOME#\\x}", '\\',
		 "failed to process \"${HOME#\\\\x}\": invalid pattern (\\x) in substitution: "
		 "invalid escape '\\x'");
	word_err("${HOME/a", '\\',
		 "failed to process \"${HOME/a\": syntax error: missing '/' in ${}");
	word_err("${HOME/a/b", '\\', "failed to process \"${HOME/a/b\": syntax error: missing '}'");
	word_err("${HOME:%x}", '\\',
		 "failed to process \"${HOME:%x}\": unsupported modifier (:%) in substitution");
}

static void test_modifiers_skip_unset(void **state)
{
	static const struct shlex_opts o = {.skip_unset = 1};
	static const char *const e[] = {"V=a.b", NULL};
	struct sb_error err = {0};
	char *out;

	(void)state;
	/* BuildKit writes an unset variable's form back, with one "/" for //. */
	assert_int_equal(shlex_word_opts("${U#*.}|${U//a/b}|${V%.*}", '\\', &o, lookup_in,
					 (void *)e, &out, &err),
			 0);
	assert_string_equal(out, "${U#*.}|${U/a/b}|a");
	free(out);
}

static void test_lookup(void **state)
{
	struct sb_error err = {0};
	char *out;
	int calls = 0;

	(void)state;
	/* The lookup is asked once per variable; a NULL lookup means all unset. */
	assert_int_equal(shlex_word("$A${B}${C:-x}", '\\', lookup, &calls, &out, &err), 0);
	assert_string_equal(out, "x");
	assert_int_equal(calls, 3);
	free(out);
	assert_int_equal(shlex_word("[$HOME]", '\\', NULL, NULL, &out, &err), 0);
	assert_string_equal(out, "[]");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quotes_and_escapes),
	    cmocka_unit_test(test_backtick),
	    cmocka_unit_test(test_variables),
	    cmocka_unit_test(test_variable_errors),
	    cmocka_unit_test(test_words),
	    cmocka_unit_test(test_words_error),
	    cmocka_unit_test(test_words_opts),
	    cmocka_unit_test(test_deep_nesting),
	    cmocka_unit_test(test_lookup),
	    cmocka_unit_test(test_modifiers),
	    cmocka_unit_test(test_modifier_messages),
	    cmocka_unit_test(test_modifiers_skip_unset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
