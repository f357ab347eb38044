/* Error records and their formatting: file:line:col, the line, a caret, a hint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/mem.h"

static struct sb_src src_of(const char *text)
{
	struct sb_src s = {.name = "Dockerfile", .buf = (char *)text, .len = strlen(text)};
	return s;
}

static void test_caret_under_column(void **state)
{
	struct sb_src src = src_of("FROM scratch\nEXPOSE http\n");
	struct sb_error err = {0};
	char *s;

	(void)state;
	assert_int_equal(
	    sb_error_at(&err, &src, sb_pos_at(&src, 20), "EXPOSE: \"%s\" is not a port", "http"),
	    -1);
	sb_error_hint(&err, "write a port number");
	s = sb_error_format(&err);
	assert_string_equal(s, "Dockerfile:2:8: EXPOSE: \"http\" is not a port\n"
			       "    2 | EXPOSE http\n"
			       "      |        ^\n"
			       "hint: write a port number\n");
	free(s);
	sb_error_release(&err);
}

static void test_tabs_kept_and_crlf_dropped(void **state)
{
	struct sb_src src = src_of("\tCOPY\tx\r\n");
	struct sb_error err = {0};
	char *s;

	(void)state;
	sb_error_at(&err, &src, sb_pos_at(&src, 6), "bad");
	s = sb_error_format(&err);
	assert_string_equal(s, "Dockerfile:1:7: bad\n"
			       "    1 | \tCOPY\tx\n"
			       "      | \t    \t^\n");
	free(s);
	sb_error_release(&err);
}

static void test_without_position(void **state)
{
	struct sb_error err = {0};
	char *s;

	(void)state;
	sb_error_file(&err, "ctx/serve", "cannot read: %s", "Permission denied");
	sb_error_prefix(&err, "COPY %s", "serve");
	s = sb_error_format(&err);
	assert_string_equal(s, "ctx/serve: COPY serve: cannot read: Permission denied\n");
	free(s);
	sb_error_release(&err);
	sb_errorf(&err, "plain");
	s = sb_error_format(&err);
	assert_string_equal(s, "plain\n");
	free(s);
	sb_error_release(&err);
}

/* Names from a context or an image reach messages: anything a terminal would
 * act on is quoted, and the source line shows such a rune as '?' in one
 * column, as it shows a multi-byte rune, so the caret stays under its word. */
static void test_terminal_safe(void **state)
{
	struct sb_src src = src_of("COPY \xc3\xa9\x1b[2J x /\n");
	struct sb_error err = {0};
	char *s;

	(void)state;
	sb_error_at(&err, &src, sb_pos_at(&src, 12), "COPY: \"%s\" not found", "x");
	free(err.file);
	err.file = sb_strdup("a\nb/Dockerfile");
	sb_error_hint(&err, "remove \xe2\x80\xae it");
	s = sb_error_format(&err);
	assert_string_equal(s, "\"a\\nb/Dockerfile\":1:13: COPY: \"x\" not found\n"
			       "    1 | COPY \xc3\xa9?[2J x /\n"
			       "      |            ^\n"
			       "hint: \"remove \\u202e it\"\n");
	free(s);
	sb_error_release(&err);
	sb_error_file(&err, "ctx/\xff", "cannot read: \x1b]0;title\x07");
	s = sb_error_format(&err);
	assert_string_equal(s, "\"ctx/\\xff\": \"cannot read: \\x1b]0;title\\a\"\n");
	free(s);
	sb_error_release(&err);
}

static void test_pos_at(void **state)
{
	struct sb_src src = src_of("a\nbc\n\nd");
	struct sb_pos p = sb_pos_at(&src, 3);

	(void)state;
	assert_int_equal(p.line, 2);
	assert_int_equal(p.col, 2);
	p = sb_pos_at(&src, 6);
	assert_int_equal(p.line, 4);
	assert_int_equal(p.col, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_caret_under_column),
	    cmocka_unit_test(test_tabs_kept_and_crlf_dropped),
	    cmocka_unit_test(test_without_position),
	    cmocka_unit_test(test_terminal_safe),
	    cmocka_unit_test(test_pos_at),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
