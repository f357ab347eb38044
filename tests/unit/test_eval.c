/* The evaluator: Dockerfile text + a context directory -> the plan, checked
 * entry by entry and field by field without writing anything. */
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
#include "interp/eval.h"
#include "interp/parse.h"
#include "util/mem.h"

static char dir[64];

static void file(const char *name, const char *text, mode_t mode)
{
	char *p = sb_printf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(p, mode), 0);
	free(p);
}

static void subdir(const char *name, mode_t mode)
{
	char *p = sb_printf("%s/%s", dir, name);

	assert_int_equal(mkdir(p, mode), 0);
	assert_int_equal(chmod(p, mode), 0);
	free(p);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/sb-test-eval-XXXXXX");
	assert_non_null(mkdtemp(dir));
	file("a", "a\n", 0644);
	file("b", "bb\n", 0755);
	subdir("priv", 0700);
	file("priv/x", "x\n", 0600);
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

/* Evaluates text against the context with the options o; returns 0 or -1
 * with err set. */
static int eval_with(const char *text, const struct ev_eval_opts *o, struct ev_plan *plan,
		     struct sb_error *err)
{
	struct df_file f = {0};
	struct ctx *c = NULL;
	int rc = -1;

	if (df_parse(&f, sb_strdup("Dockerfile"), sb_strdup(text), strlen(text), err) < 0)
		return -1;
	if (ctx_open(&c, dir, NULL, err) == 0)
		rc = ev_eval(&f, c, o, plan, err);
	ctx_free(c);
	df_file_release(&f);
	return rc;
}

/* Evaluates text for linux/amd64. */
static int eval(const char *text, struct ev_plan *plan, struct sb_error *err)
{
	struct ev_eval_opts o = {.architecture = "amd64"};

	return eval_with(text, &o, plan, err);
}

static int line(void *ud, const struct img_entry *e, struct sb_error *err)
{
	(void)err;
	return sb_buf_addf(ud, "%s %o %u:%u%s%s;", e->path, e->mode, e->uid, e->gid,
			   e->link ? " -> " : "", e->link ? e->link : "");
}

static char *layer(const struct ev_plan *p, size_t i)
{
	struct sb_buf b = {0};
	struct sb_error err = {0};

	assert_true(i < p->img.nlayers);
	assert_int_equal(img_tree_each(p->img.layers[i], line, &b, &err), 0);
	return sb_buf_detach(&b);
}

static void expect_layer(const struct ev_plan *p, size_t i, const char *want)
{
	char *got = layer(p, i);

	assert_string_equal(got, want);
	free(got);
}

static void test_parents_keep_the_mode_they_already_have(void **state)
{
	struct ev_plan p;
	struct sb_error err = {0};

	(void)state;
	/* /priv comes from the context with 0700; a later COPY into it writes
	 * it again with 0700, as Docker's layer does. New parents are 0755. */
	assert_int_equal(eval("FROM scratch\nCOPY priv /priv/\nCOPY a /priv/deep/\n", &p, &err), 0);
	expect_layer(&p, 0, "priv 755 0:0;priv/x 600 0:0;");
	expect_layer(&p, 1, "priv 755 0:0;priv/deep 755 0:0;priv/deep/a 644 0:0;");
	ev_plan_release(&p);
	assert_int_equal(eval("FROM scratch\nCOPY . /\nCOPY a /priv/\n", &p, &err), 0);
	expect_layer(&p, 1, "priv 700 0:0;priv/a 644 0:0;");
	ev_plan_release(&p);
}

static void test_destinations(void **state)
{
	struct ev_plan p;
	struct sb_error err = {0};

	(void)state;
	assert_int_equal(eval("FROM scratch\nCOPY a /x\nCOPY a /y/\nCOPY a .\nCOPY a rel/\n"
			      "COPY priv /x2\nCOPY b /x2\n",
			      &p, &err),
			 0);
	expect_layer(&p, 0, "x 644 0:0;");
	expect_layer(&p, 1, "y 755 0:0;y/a 644 0:0;");
	expect_layer(&p, 2, "a 644 0:0;");
	expect_layer(&p, 3, "rel 755 0:0;rel/a 644 0:0;");
	expect_layer(&p, 4, "x2 755 0:0;x2/x 600 0:0;");
	/* /x2 is a directory by now: the file goes inside it. */
	expect_layer(&p, 5, "x2 755 0:0;x2/b 755 0:0;");
	assert_int_equal(p.nwarnings, 0);
	ev_plan_release(&p);
}

static void test_several_sources_onto_a_file_keep_the_last(void **state)
{
	struct ev_plan p;
	struct sb_error err = {0};
	const struct img_entry *e;

	(void)state;
	assert_int_equal(eval("FROM scratch\nCOPY a b /f\n", &p, &err), 0);
	e = img_tree_get(p.img.layers[0], "f");
	assert_non_null(e);
	assert_int_equal(e->size, 3);
	assert_int_equal(p.nwarnings, 1);
	assert_non_null(strstr(p.warnings[0].msg, "each replaced the one before"));
	ev_plan_release(&p);
}

static void test_config_and_history(void **state)
{
	struct ev_plan p;
	struct sb_error err = {0};
	const struct img_config *c;

	(void)state;
	assert_int_equal(eval("from scratch AS x\nEXPOSE 80 1.2.3.4:8080:9000/UDP 7-9/sctp 80/tcp\n"
			      "ENTRYPOINT [\"/x\", \"caf\\u00e9\\n\"]\nENTRYPOINT []\n"
			      "ENTRYPOINT echo \"a  b\"\n",
			      &p, &err),
			 0);
	c = &p.img.config;
	assert_string_equal(c->ports[0], "7/sctp");
	/* Bytewise, as Go sorts map keys: '/' comes before '0'. */
	assert_string_equal(c->ports[1], "8/sctp");
	assert_string_equal(c->ports[2], "80/tcp");
	assert_string_equal(c->ports[3], "9/sctp");
	assert_string_equal(c->ports[4], "9000/udp");
	assert_null(c->ports[5]);
	assert_string_equal(c->history[0].created_by,
			    "EXPOSE map[7/sctp:{} 8/sctp:{} 80/tcp:{} 9/sctp:{} 9000/udp:{}]");
	assert_string_equal(c->history[1].created_by, "ENTRYPOINT [\"/x\" \"café\\n\"]");
	assert_string_equal(c->history[2].created_by, "ENTRYPOINT []");
	assert_string_equal(c->history[3].created_by,
			    "ENTRYPOINT [\"/bin/sh\" \"-c\" \"echo \\\"a  b\\\"\"]");
	assert_string_equal(c->entrypoint[2], "echo \"a  b\"");
	assert_int_equal(p.img.nlayers, 0);
	assert_int_equal(p.nsteps, 4);
	assert_string_equal(p.steps[0].text, "EXPOSE 80 1.2.3.4:8080:9000/UDP 7-9/sctp 80/tcp");
	ev_plan_release(&p);
	/* ENTRYPOINT [] leaves no entrypoint (an empty list is not written). */
	assert_int_equal(eval("FROM scratch\nENTRYPOINT [\"/x\"]\nENTRYPOINT []\n", &p, &err), 0);
	assert_true(!p.img.config.entrypoint || !p.img.config.entrypoint[0]);
	ev_plan_release(&p);
}

static void test_later_stage_replaces_earlier(void **state)
{
	struct ev_plan p;
	struct sb_error err = {0};

	(void)state;
	assert_int_equal(eval("FROM scratch AS one\nCOPY a /one\nEXPOSE 1\n"
			      "FROM scratch AS two\nCOPY b /two\n",
			      &p, &err),
			 0);
	assert_int_equal(p.img.nlayers, 1);
	expect_layer(&p, 0, "two 755 0:0;");
	assert_null(p.img.config.ports);
	assert_int_equal(p.img.config.nhistory, 1);
	ev_plan_release(&p);
}

static void test_errors_point_at_the_word(void **state)
{
	struct ev_plan p;
	struct sb_error err = {0};

	(void)state;
	assert_int_equal(eval("FROM scratch\nCOPY a nope /d/\n", &p, &err), -1);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 8);
	sb_error_release(&err);
	assert_int_equal(eval("FROM scratch\nEXPOSE 1-0\n", &p, &err), -1);
	assert_string_equal(err.msg, "EXPOSE: \"1-0\" is not a port");
	sb_error_release(&err);
	assert_int_equal(eval("FROM scratch\nEXPOSE 65536\n", &p, &err), -1);
	sb_error_release(&err);
	assert_int_equal(eval("FROM scratch\nCOPY a /x\nCOPY b /x/y\n", &p, &err), -1);
	assert_string_equal(err.msg, "COPY: cannot create directory /x: an earlier layer has a "
				     "file there");
	sb_error_release(&err);
}

/* Labels "k=v;" in the config's order. */
static char *labels(const struct ev_plan *p)
{
	struct sb_buf b = {0};

	for (char **l = p->img.config.labels; l && l[0]; l += 2)
		assert_int_equal(sb_buf_addf(&b, "%s=%s;", l[0], l[1]), 0);
	return sb_buf_detach(&b);
}

/* --platform linux/arm/v7: the config's platform, the ARGs in FROM without a
 * declaration and in a stage after one; FROM --platform changes neither. */
static void test_platform(void **state)
{
	struct img_platform arm;
	struct ev_eval_opts o = {.architecture = "amd64", .platform = &arm};
	struct ev_plan p;
	struct sb_error err = {0};
	char *got;

	(void)state;
	assert_int_equal(img_platform_parse("linux/arm", &arm, &err), 0);
	assert_int_equal(
	    eval_with("FROM scratch AS b-arm\n"
		      "FROM --platform=$BUILDPLATFORM b-${TARGETARCH}\n"
		      "LABEL before=[$TARGETARCH]\n"
		      "ARG TARGETPLATFORM TARGETOS TARGETARCH TARGETVARIANT\n"
		      "LABEL p=$TARGETPLATFORM o=$TARGETOS a=$TARGETARCH v=$TARGETVARIANT\n",
		      &o, &p, &err),
	    0);
	assert_string_equal(p.img.architecture, "arm");
	assert_string_equal(p.img.os, "linux");
	assert_string_equal(p.img.variant, "v7");
	got = labels(&p);
	assert_string_equal(got, "a=arm;before=[];o=linux;p=linux/arm/v7;v=v7;");
	free(got);
	ev_plan_release(&p);
}

/* --build-arg replaces a platform ARG's value, not the image's platform; a
 * global ARG's default may use one. */
static void test_platform_build_arg(void **state)
{
	char *args[] = {"TARGETARCH=x", NULL};
	struct ev_eval_opts o = {.architecture = "amd64", .build_args = args};
	struct ev_plan p;
	struct sb_error err = {0};
	char *got;

	(void)state;
	assert_int_equal(eval_with("ARG D=dist/$TARGETPLATFORM\n"
				   "FROM scratch AS b-x\n"
				   "FROM b-$TARGETARCH\n"
				   "ARG D TARGETARCH TARGETVARIANT\n"
				   "LABEL d=$D a=$TARGETARCH v=[$TARGETVARIANT]\n",
				   &o, &p, &err),
			 0);
	assert_string_equal(p.img.architecture, "amd64");
	assert_null(p.img.variant);
	got = labels(&p);
	assert_string_equal(got, "a=x;d=dist/linux/amd64;v=[];");
	free(got);
	ev_plan_release(&p);
}

/* FROM --platform must be a platform in every stage, used or not. */
static void test_from_platform_errors(void **state)
{
	struct ev_plan p;
	struct sb_error err = {0};

	(void)state;
	assert_int_equal(eval("FROM --platform=nope scratch AS x\nFROM scratch\n", &p, &err), -1);
	assert_int_equal(err.line, 1);
	assert_string_equal(err.msg, "FROM --platform=nope: \"nope\" is neither an operating "
				     "system nor an architecture");
	sb_error_release(&err);
	assert_int_equal(eval("FROM --platform scratch\n", &p, &err), -1);
	assert_string_equal(err.msg, "FROM --platform needs a value");
	sb_error_release(&err);
	assert_int_equal(eval("FROM --platform= scratch\n", &p, &err), 0);
	ev_plan_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parents_keep_the_mode_they_already_have),
	    cmocka_unit_test(test_destinations),
	    cmocka_unit_test(test_several_sources_onto_a_file_keep_the_last),
	    cmocka_unit_test(test_config_and_history),
	    cmocka_unit_test(test_later_stage_replaces_earlier),
	    cmocka_unit_test(test_errors_point_at_the_word),
	    cmocka_unit_test(test_platform),
	    cmocka_unit_test(test_platform_build_arg),
	    cmocka_unit_test(test_from_platform_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
