/* The evaluator's stages as BuildKit reads them: COPY --from a stage's root
 * (every spelling), two stages of one name, --from=scratch, the hint for an
 * image reference in --from, and the refusal of a NUL byte in a word that
 * reaches a file system. */
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

#include "context/context.h"
#include "interp/eval_int.h"
#include "interp/parse.h"
#include "util/mem.h"

static char dir[64];

static void file(const char *name, const char *text)
{
	char *p = sb_printf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(p, 0644), 0);
	free(p);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/sb-test-stages-XXXXXX");
	assert_non_null(mkdtemp(dir));
	file("f1", "one\n");
	file("f2", "two\n");
	file("f3", "three\n");
	return 0;
}

static int teardown(void **state)
{
	char *cmd = sb_printf("rm -rf '%s'", dir);

	(void)state;
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

static int eval(const char *text, struct ev_plan *plan, struct sb_error *err)
{
	struct df_file f = {0};
	struct ev_eval_opts o = {.architecture = "amd64"};
	struct ctx *c = NULL;
	int rc = -1;

	if (df_parse(&f, sb_strdup("Dockerfile"), sb_strdup(text), strlen(text), err) < 0)
		return -1;
	if (ctx_open(&c, dir, NULL, err) == 0)
		rc = ev_eval(&f, c, &o, plan, err);
	ctx_free(c);
	df_file_release(&f);
	return rc;
}

static int line(void *ud, const struct img_entry *e, struct sb_error *err)
{
	(void)err;
	return sb_buf_addf(ud, "%s;", e->path);
}

static void expect_layer(const struct ev_plan *p, size_t i, const char *want)
{
	struct sb_buf b = {0};
	struct sb_error err = {0};

	assert_true(i < p->img.nlayers);
	assert_int_equal(img_tree_each(p->img.layers[i], line, &b, &err), 0);
	assert_string_equal(b.buf ? b.buf : "", want);
	sb_buf_release(&b);
}

static void test_copy_from_stage_root(void **state)
{
	static const char *const roots[] = {"/", ".", "./", "/.", "//", "/./"};
	struct sb_error err = {0};
	struct ev_plan p;

	(void)state;
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		char *df = sb_printf("FROM scratch AS a\nCOPY f1 /x/\nFROM scratch\n"
				     "COPY --from=a %s /\nCOPY --from=a %s /sub\n",
				     roots[i], roots[i]);

		assert_int_equal(eval(df, &p, &err), 0);
		expect_layer(&p, 0, "x;x/f1;");
		expect_layer(&p, 1, "sub;sub/x;sub/x/f1;");
		ev_plan_release(&p);
		free(df);
	}
	/* An empty stage: its root copies nothing but the destination. */
	assert_int_equal(eval("FROM scratch AS e\nFROM scratch\nCOPY --from=e / /d/\n", &p, &err),
			 0);
	expect_layer(&p, 0, "d;");
	ev_plan_release(&p);
}

static void test_duplicate_stage_names(void **state)
{
	struct sb_error err = {0};
	struct ev_plan p;

	(void)state;
	/* FROM a: the last "a" before it; COPY --from=a: the last in the file. */
	assert_int_equal(eval("FROM scratch AS a\nCOPY f1 /one\n"
			      "FROM scratch AS a\nCOPY f2 /two\n"
			      "FROM a AS b\nCOPY f3 /three\n"
			      "FROM scratch AS A\nCOPY f3 /third\n"
			      "FROM scratch\nCOPY --from=a / /a/\nCOPY --from=b / /b/\n",
			      &p, &err),
			 0);
	expect_layer(&p, 0, "a;a/third;");
	expect_layer(&p, 1, "b;b/three;b/two;");
	assert_int_equal(p.nwarnings, 2);
	assert_int_equal(p.warnings[0].line, 3);
	assert_int_equal(p.warnings[0].col, 17);
	assert_string_equal(p.warnings[0].msg,
			    "warning: Duplicate stage name \"a\", stage names should be unique");
	assert_int_equal(p.warnings[1].line, 7);
	ev_plan_release(&p);
}

static void test_copy_from_scratch(void **state)
{
	struct sb_error err = {0};
	struct ev_plan p;

	(void)state;
	assert_int_equal(
	    eval("FROM scratch\nCOPY --from=scratch / /x/\nCOPY --from=scratch . /\n", &p, &err),
	    0);
	expect_layer(&p, 0, "x;");
	expect_layer(&p, 1, "");
	ev_plan_release(&p);
	/* A stage called scratch comes first, as in BuildKit. */
	assert_int_equal(eval("FROM scratch AS scratch\nCOPY f1 /f\nFROM scratch\n"
			      "COPY --from=scratch / /x/\n",
			      &p, &err),
			 0);
	expect_layer(&p, 0, "x;x/f;");
	ev_plan_release(&p);
	/* Only lower case: SCRATCH would be an image to pull. */
	assert_int_equal(eval("FROM scratch\nCOPY --from=SCRATCH / /x/\n", &p, &err), -1);
	sb_error_release(&err);
	assert_int_equal(eval("FROM scratch\nCOPY --from=scratch /etc/passwd /etc/\n", &p, &err),
			 -1);
	assert_string_equal(err.msg, "COPY --from=scratch: \"/etc/passwd\" not found: scratch is "
				     "the empty image");
	sb_error_release(&err);
}

static void test_copy_from_image_hint(void **state)
{
	struct sb_error err = {0};
	struct ev_plan p;

	(void)state;
	assert_int_equal(eval("FROM scratch\nCOPY --from=nats:2.10 /n /n\n", &p, &err), -1);
	assert_int_equal(err.col, 6);
	assert_string_equal(err.hint, "pass the image's files with --build-context nats:2.10=DIR, "
				      "or copy from a stage");
	sb_error_release(&err);
	/* A name that could be a stage keeps the stage hint. */
	assert_int_equal(eval("FROM scratch\nCOPY --from=buidl /n /n\n", &p, &err), -1);
	assert_string_equal(err.hint, "name an earlier stage: FROM scratch AS buidl");
	sb_error_release(&err);
}

static void test_refuse_nul(void **state)
{
	static const char text[] = "FROM scratch\nCOPY f /dir\n";
	struct sb_error err = {0};
	struct df_file f = {0};
	struct eval ev = {.err = &err, .what = "COPY"};
	struct sb_pos pos;

	(void)state;
	assert_int_equal(df_parse(&f, sb_strdup("Dockerfile"), sb_strdup(text), strlen(text), &err),
			 0);
	ev.f = &f;
	pos = f.instrs[1].args[1].pos;
	assert_int_equal(ev_refuse_nul(&ev, "/dir", 4, pos), 0);
	assert_int_equal(ev_refuse_nul(&ev, "", 0, pos), 0);
	assert_null(err.msg);
	assert_int_equal(ev_refuse_nul(&ev, "/dir\0", 5, pos), -1);
	assert_string_equal(err.msg, "COPY: \"/dir\\0\" contains a NUL byte");
	assert_string_equal(err.hint, "remove it: no path or name can hold a NUL byte");
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 8);
	sb_error_release(&err);
	assert_int_equal(ev_refuse_nul(&ev, "\0a\0", 3, pos), -1);
	assert_string_equal(err.msg, "COPY: \"\\0a\\0\" contains a NUL byte");
	sb_error_release(&err);
	df_file_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_copy_from_stage_root),
	    cmocka_unit_test(test_duplicate_stage_names),
	    cmocka_unit_test(test_copy_from_scratch),
	    cmocka_unit_test(test_copy_from_image_hint),
	    cmocka_unit_test(test_refuse_nul),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
