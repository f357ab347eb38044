/* Table tests of BuildKit-style word processing (src/interp/shlex.c).
 * Cases from moby/moby builder/dockerfile/shell/envVarTest and wordsTest
 * (the latter stored as builder/dockerfile/wordsTest): the test tables of
 * BuildKit's lexer before it moved to frontend/dockerfile/shell, run with the
 * environment moby's lex_test.go gives them. Windows-only ("W") rows are left
 * out.
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

/* The lookup of both tables: "name=value" strings, the first match wins
 * (lex_test.go's getEnv). */
struct table_env {
	const char *vars[8];
	size_t n;
};

static const char *table_lookup(void *ud, const char *name)
{
	const struct table_env *e = ud;
	size_t len = strlen(name);

	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->vars[i], name, len) == 0 && e->vars[i][len] == '=')
			return e->vars[i] + len + 1;
	return NULL;
}

struct word_case {
	const char *in;
	const char *want; /* "error": processing fails */
};

/* envVarTest: ProcessWord with PWD=/home, SHELL=bash, KOREAN=한국어. */
static const struct word_case env_var_cases[] = {
    {"hello", "hello"},
    {"he'll'o", "hello"},
    {"he'llo", "error"},
    {"he\\'llo", "he'llo"},
    {"he\\\\'llo", "error"},
    {"abc\\tdef", "abctdef"},
    {"\"abc\\tdef\"", "abc\\tdef"},
    {"\"abc\\\\tdef\"", "abc\\tdef"},
    {"'abc\\tdef'", "abc\\tdef"},
    {"hello\\", "hello"},
    {"hello\\\\", "hello\\"},
    {"\"hello", "error"},
    {"\"hello\\\"", "error"},
    {"\"hel'lo\"", "hel'lo"},
    {"'hello", "error"},
    {"'hello\\'", "hello\\"},
    {"'hello\\there'", "hello\\there"},
    {"'hello\\\\there'", "hello\\\\there"},
    {"\"''\"", "''"},
    {"$.", "$."},
    {"he$1x", "hex"},
    {"he$.x", "he$.x"},
    /* Next one is different on Windows as $pwd==$PWD */
    {"he$pwd.", "he."},
    /* (Windows only, skipped) he$pwd. */
    {"he$PWD", "he/home"},
    {"he\\$PWD", "he$PWD"},
    {"he\\\\$PWD", "he\\/home"},
    {"\"he\\$PWD\"", "he$PWD"},
    {"\"he\\\\$PWD\"", "he\\/home"},
    {"\\${}", "${}"},
    {"\\${}aaa", "${}aaa"},
    {"he\\${}", "he${}"},
    {"he\\${}xx", "he${}xx"},
    {"${}", "error"},
    {"${}aaa", "error"},
    {"he${}", "error"},
    {"he${}xx", "error"},
    {"he${hi}", "he"},
    {"he${hi}xx", "hexx"},
    {"he${PWD}", "he/home"},
    {"he${.}", "error"},
    {"he${XXX:-000}xx", "he000xx"},
    {"he${PWD:-000}xx", "he/homexx"},
    {"he${XXX:-$PWD}xx", "he/homexx"},
    {"he${XXX:-${PWD:-yyy}}xx", "he/homexx"},
    {"he${XXX:-${YYY:-yyy}}xx", "heyyyxx"},
    {"he${XXX:YYY}", "error"},
    {"he${XXX:+${PWD}}xx", "hexx"},
    {"he${PWD:+${XXX}}xx", "hexx"},
    {"he${PWD:+${SHELL}}xx", "hebashxx"},
    {"he${XXX:+000}xx", "hexx"},
    {"he${PWD:+000}xx", "he000xx"},
    {"'he${XX}'", "he${XX}"},
    {"\"he${PWD}\"", "he/home"},
    {"\"he'$PWD'\"", "he'/home'"},
    {"\"$PWD\"", "/home"},
    {"'$PWD'", "$PWD"},
    {"'\\$PWD'", "\\$PWD"},
    {"'\"hello\"'", "\"hello\""},
    {"he\\$PWD", "he$PWD"},
    {"\"he\\$PWD\"", "he$PWD"},
    {"'he\\$PWD'", "he\\$PWD"},
    {"he${PWD", "error"},
    {"he${PWD:=000}xx", "error"},
    {"he${PWD:+${PWD}:}xx", "he/home:xx"},
    {"he${XXX:-\\$PWD:}xx", "he$PWD:xx"},
    {"he${XXX:-\\${PWD}z}xx", "he${PWDz}xx"},
    {"안녕하세요", "안녕하세요"},
    {"안'녕'하세요", "안녕하세요"},
    {"안'녕하세요", "error"},
    {"안녕\\'하세요", "안녕'하세요"},
    {"안\\\\'녕하세요", "error"},
    {"안녕\\t하세요", "안녕t하세요"},
    {"\"안녕\\t하세요\"", "안녕\\t하세요"},
    {"'안녕\\t하세요", "error"},
    {"안녕하세요\\", "안녕하세요"},
    {"안녕하세요\\\\", "안녕하세요\\"},
    {"\"안녕하세요", "error"},
    {"\"안녕하세요\\\"", "error"},
    {"\"안녕'하세요\"", "안녕'하세요"},
    {"'안녕하세요", "error"},
    {"'안녕하세요\\'", "안녕하세요\\"},
    {"안녕$1x", "안녕x"},
    {"안녕$.x", "안녕$.x"},
    /* Next one is different on Windows as $pwd==$PWD */
    {"안녕$pwd.", "안녕."},
    /* (Windows only, skipped) 안녕$pwd. */
    {"안녕$PWD", "안녕/home"},
    {"안녕\\$PWD", "안녕$PWD"},
    {"안녕\\\\$PWD", "안녕\\/home"},
    {"안녕\\${}", "안녕${}"},
    {"안녕\\${}xx", "안녕${}xx"},
    {"안녕${}", "error"},
    {"안녕${}xx", "error"},
    {"안녕${hi}", "안녕"},
    {"안녕${hi}xx", "안녕xx"},
    {"안녕${PWD}", "안녕/home"},
    {"안녕${.}", "error"},
    {"안녕${XXX:-000}xx", "안녕000xx"},
    {"안녕${PWD:-000}xx", "안녕/homexx"},
    {"안녕${XXX:-$PWD}xx", "안녕/homexx"},
    {"안녕${XXX:-${PWD:-yyy}}xx", "안녕/homexx"},
    {"안녕${XXX:-${YYY:-yyy}}xx", "안녕yyyxx"},
    {"안녕${XXX:YYY}", "error"},
    {"안녕${XXX:+${PWD}}xx", "안녕xx"},
    {"안녕${PWD:+${XXX}}xx", "안녕xx"},
    {"안녕${PWD:+${SHELL}}xx", "안녕bashxx"},
    {"안녕${XXX:+000}xx", "안녕xx"},
    {"안녕${PWD:+000}xx", "안녕000xx"},
    {"'안녕${XX}'", "안녕${XX}"},
    {"\"안녕${PWD}\"", "안녕/home"},
    {"\"안녕'$PWD'\"", "안녕'/home'"},
    {"'\"안녕\"'", "\"안녕\""},
    {"안녕\\$PWD", "안녕$PWD"},
    {"\"안녕\\$PWD\"", "안녕$PWD"},
    {"'안녕\\$PWD'", "안녕\\$PWD"},
    {"안녕${PWD", "error"},
    {"안녕${PWD:=000}xx", "error"},
    {"안녕${PWD:+${PWD}:}xx", "안녕/home:xx"},
    {"안녕${XXX:-\\$PWD:}xx", "안녕$PWD:xx"},
    {"안녕${XXX:-\\${PWD}z}xx", "안녕${PWDz}xx"},
    {"$KOREAN", "한국어"},
    {"안녕$KOREAN", "안녕한국어"},
    {"${{aaa}", "error"},
    {"${aaa}}", "}"},
    {"${aaa", "error"},
    {"${{aaa:-bbb}", "error"},
    {"${aaa:-bbb}}", "bbb}"},
    {"${aaa:-bbb", "error"},
    {"${aaa:-bbb}", "bbb"},
    {"${aaa:-${bbb:-ccc}}", "ccc"},
    {"${aaa:-bbb ${foo}", "error"},
    {"${aaa:-bbb {foo}", "bbb {foo"},
    {"${:}", "error"},
    {"${:-bbb}", "error"},
    {"${:+bbb}", "error"},

    /* Positional parameters won't be set: */
    /* http://pubs.opengroup.org/onlinepubs/009695399/utilities/xcu_chap02.html#tag_02_05_01 */
    {"$1", ""},
    {"${1}", ""},
    {"${1:+bbb}", ""},
    {"${1:-bbb}", "bbb"},
    {"$2", ""},
    {"${2}", ""},
    {"${2:+bbb}", ""},
    {"${2:-bbb}", "bbb"},
    {"$3", ""},
    {"${3}", ""},
    {"${3:+bbb}", ""},
    {"${3:-bbb}", "bbb"},
    {"$4", ""},
    {"${4}", ""},
    {"${4:+bbb}", ""},
    {"${4:-bbb}", "bbb"},
    {"$5", ""},
    {"${5}", ""},
    {"${5:+bbb}", ""},
    {"${5:-bbb}", "bbb"},
    {"$6", ""},
    {"${6}", ""},
    {"${6:+bbb}", ""},
    {"${6:-bbb}", "bbb"},
    {"$7", ""},
    {"${7}", ""},
    {"${7:+bbb}", ""},
    {"${7:-bbb}", "bbb"},
    {"$8", ""},
    {"${8}", ""},
    {"${8:+bbb}", ""},
    {"${8:-bbb}", "bbb"},
    {"$9", ""},
    {"${9}", ""},
    {"${9:+bbb}", ""},
    {"${9:-bbb}", "bbb"},
    {"$999", ""},
    {"${999}", ""},
    {"${999:+bbb}", ""},
    {"${999:-bbb}", "bbb"},
    {"$999aaa", "aaa"},
    {"${999}aaa", "aaa"},
    {"${999:+bbb}aaa", "aaa"},
    {"${999:-bbb}aaa", "bbbaaa"},
    {"$001", ""},
    {"${001}", ""},
    {"${001:+bbb}", ""},
    {"${001:-bbb}", "bbb"},
    {"$001aaa", "aaa"},
    {"${001}aaa", "aaa"},
    {"${001:+bbb}aaa", "aaa"},
    {"${001:-bbb}aaa", "bbbaaa"},

    /* Special parameters won't be set in the Dockerfile: */
    /* http://pubs.opengroup.org/onlinepubs/009695399/utilities/xcu_chap02.html#tag_02_05_02 */
    {"$@", ""},
    {"${@}", ""},
    {"${@:+bbb}", ""},
    {"${@:-bbb}", "bbb"},
    {"$@@@", "@@"},
    {"$@aaa", "aaa"},
    {"${@}aaa", "aaa"},
    {"${@:+bbb}aaa", "aaa"},
    {"${@:-bbb}aaa", "bbbaaa"},
    {"$*", ""},
    {"${*}", ""},
    {"${*:+bbb}", ""},
    {"${*:-bbb}", "bbb"},
    {"$#", ""},
    {"${#}", ""},
    {"${#:+bbb}", ""},
    {"${#:-bbb}", "bbb"},
    {"$?", ""},
    {"${?}", ""},
    {"${?:+bbb}", ""},
    {"${?:-bbb}", "bbb"},
    {"$-", ""},
    {"${-}", ""},
    {"${-:+bbb}", ""},
    {"${-:-bbb}", "bbb"},
    {"$$", ""},
    {"${$}", ""},
    {"${$:+bbb}", ""},
    {"${$:-bbb}", "bbb"},
    {"$!", ""},
    {"${!}", ""},
    {"${!:+bbb}", ""},
    {"${!:-bbb}", "bbb"},
    {"$0", ""},
    {"${0}", ""},
    {"${0:+bbb}", ""},
    {"${0:-bbb}", "bbb"},

};

static void test_env_var_table(void **state)
{
	struct table_env env = {{"PWD=/home", "SHELL=bash", "KOREAN=한국어"}, 3};
	size_t failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(env_var_cases) / sizeof(env_var_cases[0]); i++) {
		const struct word_case *c = &env_var_cases[i];
		struct sb_error err = {0};
		char *out = NULL;
		int rc = shlex_word(c->in, '\\', table_lookup, &env, &out, &err);

		if (strcmp(c->want, "error") == 0) {
			if (rc == 0) {
				print_error("%s: got [%s], want an error\n", c->in, out);
				failed++;
			}
		} else if (rc < 0) {
			print_error("%s: unexpected error: %s\n", c->in, err.msg);
			failed++;
		} else if (strcmp(out, c->want) != 0) {
			print_error("%s: got [%s], want [%s]\n", c->in, out, c->want);
			failed++;
		}
		free(out);
		sb_error_release(&err);
	}
	assert_int_equal(failed, 0);
}

/* wordsTest: ProcessWords; a row with env set adds that variable for the rows
 * after it. want is the words joined with ',' (the table's format). */
struct words_case {
	const char *env;
	const char *in;
	const char *want;
};

static const struct words_case words_cases[] = {
    {NULL, "hello", "hello"},
    {NULL, "hello${hi}bye", "hellobye"},
    {"hi=hi", NULL, NULL},
    {NULL, "hello${hi}bye", "hellohibye"},
    {"space=abc  def", NULL, NULL},
    {NULL, "hello${space}bye", "helloabc,defbye"},
    {NULL, "hello\"${space}\"bye", "helloabc  defbye"},
    {NULL, "hello \"${space}\"bye", "hello,abc  defbye"},
    {"leading=  ab c", NULL, NULL},
    {NULL, "hello${leading}def", "hello,ab,cdef"},
    {NULL, "hello\"${leading}\" def", "hello  ab c,def"},
    {NULL, "hello\"${leading}\"", "hello  ab c"},
    {NULL, "hello${leading}", "hello,ab,c"},
    {"trailing=ab c   ", NULL, NULL}, /* three trailing spaces */
    {NULL, "hello${trailing}", "helloab,c"},
    {NULL, "hello${trailing}d", "helloab,c,d"},
    {NULL, "hello\"${trailing}\"d", "helloab c   d"},
    {NULL, "hel\"lo${trailing}\"", "helloab c   "},
    {NULL, "hello\" there  \"", "hello there  "},
    {NULL, "hello there     ", "hello,there"},
    {NULL, "hello\\ there", "hello there"},
    /* The old table has "hello there" here; BuildKit's lex.go reports the
     * unterminated double quote (and moby's later table says error too). */
    {NULL, "hello\" there", "error"},
    {NULL, "hello\\\" there", "hello\",there"},
};

static void test_words_table(void **state)
{
	struct table_env env = {{NULL}, 0};
	size_t failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(words_cases) / sizeof(words_cases[0]); i++) {
		const struct words_case *c = &words_cases[i];
		struct sb_error err = {0};
		struct sb_buf b = {0};
		char **v = NULL;
		size_t n = 0;

		if (c->env) {
			assert_true(env.n < sizeof(env.vars) / sizeof(env.vars[0]));
			env.vars[env.n++] = c->env;
			continue;
		}
		if (shlex_words(c->in, '\\', table_lookup, &env, &v, &n, &err) < 0) {
			assert_int_equal(sb_buf_addf(&b, "error"), 0);
		} else {
			for (size_t k = 0; k < n; k++)
				assert_int_equal(sb_buf_addf(&b, "%s%s", k ? "," : "", v[k]), 0);
		}
		assert_int_equal(sb_buf_add(&b, "", 0), 0);
		if (strcmp(b.buf, c->want) != 0) {
			print_error("%s: got [%s], want [%s]\n", c->in, b.buf, c->want);
			failed++;
		}
		sb_buf_release(&b);
		sb_strv_free(v);
		sb_error_release(&err);
	}
	assert_int_equal(failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_env_var_table),
	    cmocka_unit_test(test_words_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
