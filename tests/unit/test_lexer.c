/* Unit tests for the re2c Dockerfile lexer (src/lexer/lexer.re). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lexer/lexer.h"

#include <stdio.h>
#include <string.h>

/* Splits src (len bytes) into lines; want holds "bol,start,end" per line. */
static void lines(const char *src, size_t len, const char *const *want, size_t n)
{
	struct lexer lx;
	struct lx_line ln;
	char got[64];
	size_t i = 0;

	lx_init(&lx, src, len);
	while (lx_next_line(&lx, &ln)) {
		assert_true(i < n);
		assert_int_equal(ln.lineno, i + 1);
		snprintf(got, sizeof(got), "%zu,%zu,%zu", ln.bol, ln.start, ln.end);
		assert_string_equal(got, want[i]);
		i++;
	}
	assert_int_equal(i, n);
	assert_int_equal(lx_next_line(&lx, &ln), 0);
}

static void test_lines(void **state)
{
	(void)state;
	lines("", 0, NULL, 0);
	lines("\n", 1, (const char *const[]){"0,0,0"}, 1);
	lines("ab\ncd", 5, (const char *const[]){"0,0,2", "3,3,5"}, 2);
	lines("ab\r\ncd\r\n", 8, (const char *const[]){"0,0,2", "4,4,6"}, 2);
	lines("ab\rcd\r", 6, (const char *const[]){"0,0,5"}, 1); /* lone CR stays, final dropped */
	lines("\r\n\r\n", 4, (const char *const[]){"0,0,0", "2,2,2"}, 2);
	lines("a\0b\nc", 5, (const char *const[]){"0,0,3", "4,4,5"}, 2);
	/* BOM only on the first line. */
	lines("\xef\xbb\xbf"
	      "a\n\xef\xbb\xbf",
	      8, (const char *const[]){"0,3,4", "5,5,8"}, 2);
	lines("\xef\xbb\xbf", 3, (const char *const[]){"0,3,3"}, 1);
	lines("\xef\xbb", 2, (const char *const[]){"0,0,2"}, 1);
	/* Never reads past len, even without a terminating NUL. */
	lines("ab\ncdXXXX", 5, (const char *const[]){"0,0,2", "3,3,5"}, 2);
}

static void test_space(void **state)
{
	static const char ideo[] = "\xe3\x80\x80", x[] = "x";
	static const char *const sp[] = {"\t",		 "\n",		 "\v",
					 "\f",		 "\r",		 " ",
					 "\xc2\x85",	 "\xc2\xa0",	 "\xe1\x9a\x80",
					 "\xe2\x80\x80", "\xe2\x80\x8a", "\xe2\x80\xa8",
					 "\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f",
					 "\xe3\x80\x80"};
	static const char *const not [] = {"a",	       "\xc2",	   "\xa0", "\xe2\x80\x8b",
					   "\xe2\x80", "\xc3\xa9", "\x1c", "\0"};
	const char *s = "  \xc2\xa0x y\t\xe3\x80\x80";
	const char *end = s + strlen(s);

	(void)state;
	for (size_t i = 0; i < sizeof(sp) / sizeof(sp[0]); i++)
		assert_int_equal(lx_space(sp[i], sp[i] + strlen(sp[i])), strlen(sp[i]));
	for (size_t i = 0; i < sizeof(not ) / sizeof(not [0]); i++)
		assert_int_equal(
		    lx_space(not [i], not [i] + (strlen(not [i]) ? strlen(not [i]) : 1)), 0);
	/* A multi-byte space cut by the end of the range is no space. */
	/* (One array each: begin and end must point into the same object.) */
	assert_int_equal(lx_space(ideo, ideo + 2), 0);
	assert_int_equal(lx_space(x, x), 0);

	assert_ptr_equal(lx_skip_space(s, end), s + 4);
	assert_ptr_equal(lx_trim_right(s, end), s + 7);
	assert_ptr_equal(lx_trim_right(s, s + 4), s);
	assert_ptr_equal(lx_skip_space(s, s), s);
	assert_true(lx_is_blank(' ') && lx_is_blank('\t') && lx_is_blank('\v') &&
		    lx_is_blank('\f') && lx_is_blank('\r'));
	assert_false(lx_is_blank('\n') || lx_is_blank('x') || lx_is_blank('\0'));
}

static void directive(const char *line, const char *key, const char *value)
{
	struct lx_directive d;
	int ok = lx_directive(line, line + strlen(line), &d);

	if (!key) {
		assert_int_equal(ok, 0);
		return;
	}
	assert_int_equal(ok, 1);
	assert_int_equal(d.key_len, strlen(key));
	assert_memory_equal(d.key, key, d.key_len);
	assert_int_equal(d.value_len, strlen(value));
	assert_memory_equal(d.value, value, d.value_len);
}

static void test_directive(void **state)
{
	(void)state;
	directive("# escape=`", "escape", "`");
	directive("#escape=\\", "escape", "\\");
	directive("#  Syntax  =  docker/dockerfile:1  \t", "Syntax", "docker/dockerfile:1");
	directive("# check=skip=all;error=true", "check", "skip=all;error=true");
	directive("# key2=a b", "key2", "a b");
	directive("# any=x", "any", "x"); /* the key is checked by the parser */
	directive("# escape= ", "escape", " ");
	directive("# escape=  \t", "escape", "\t");
	directive("# escape=", NULL, NULL);
	directive("# 2x=y", NULL, NULL);
	directive("# es-cape=y", NULL, NULL);
	directive("# escape", NULL, NULL);
	directive("# escape:`", NULL, NULL);
	directive("## escape=`", NULL, NULL);
	directive("FROM x", NULL, NULL);
	directive("", NULL, NULL);
	directive("# escape\v=`", NULL, NULL); /* \v is not Go's \s */
}

static void test_continuation(void **state)
{
	const char *s;

	(void)state;
	s = "RUN a \\";
	assert_ptr_equal(lx_continuation(s, s + strlen(s), '\\'), s + 6);
	s = "RUN a \\ \t ";
	assert_ptr_equal(lx_continuation(s, s + strlen(s), '\\'), s + 6);
	/* An escaped escape ends the line (BuildKit's `([^\\])\\[ \t]*$`):
	 * Docker reads `ENV C a\\\\` then `ENV D b` as two instructions. */
	s = "RUN a \\\\";
	assert_null(lx_continuation(s, s + strlen(s), '\\'));
	s = "ENV C trailing\\\\backslash\\\\ ";
	assert_null(lx_continuation(s, s + strlen(s), '\\'));
	/* Three: BuildKit looks at one byte before the last escape only. */
	s = "RUN a \\\\\\";
	assert_null(lx_continuation(s, s + strlen(s), '\\'));
	s = "RUN a\\\\b \\";
	assert_ptr_equal(lx_continuation(s, s + strlen(s), '\\'), s + 9);
	s = "RUN a ``";
	assert_null(lx_continuation(s, s + strlen(s), '`'));
	assert_null(lx_continuation(s, s + strlen(s), '\\'));
	s = "RUN a \\`";
	assert_ptr_equal(lx_continuation(s, s + strlen(s), '`'), s + 7);
	s = "\\\\";
	assert_null(lx_continuation(s, s + 2, '\\'));
	s = "RUN a \\x";
	assert_null(lx_continuation(s, s + strlen(s), '\\'));
	s = "RUN a \\\r"; /* only spaces and tabs may follow */
	assert_null(lx_continuation(s, s + strlen(s), '\\'));
	s = "RUN a `";
	assert_null(lx_continuation(s, s + strlen(s), '\\'));
	assert_ptr_equal(lx_continuation(s, s + strlen(s), '`'), s + 6);
	s = "\\";
	assert_ptr_equal(lx_continuation(s, s + 1, '\\'), s);
	assert_null(lx_continuation(s, s, '\\'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lines),
	    cmocka_unit_test(test_space),
	    cmocka_unit_test(test_directive),
	    cmocka_unit_test(test_continuation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
