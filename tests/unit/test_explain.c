/* --explain of a build FROM a base image, on hand-made plans: which FROM
 * brings the base (named, a replaced stage, FROM ${BASE}), how many layers
 * and history entries are the base's, and the text form's exact lines. The
 * base is testdata/golden/explain-base/base.tar. */
#include "cli/explain.h"
#include "cli/explain_int.h"
#include "image/base.h"
#include "image/platform.h"
#include "util/mem.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#define BASE_NAME "registry.example/distroless/static:nonroot"

static char *golden_file(const char *name)
{
	/* __FILE__ is this file's path as the compiler was given it, relative to
	 * the build directory; the test may run there or below it. */
	static const char tail[] = "tests/unit/test_explain.c";
	const char *f = __FILE__;
	size_t n = strlen(f) - (sizeof(tail) - 1);
	const char *ups[] = {"", "../", "../../"};

	for (size_t i = 0; i < 3; i++) {
		char *p = sb_printf("%s%.*stestdata/golden/explain-base/%s",
				    f[0] == '/' ? "" : ups[i], (int)n, f, name);
		struct stat st;

		if (stat(p, &st) == 0)
			return p;
		free(p);
	}
	return NULL;
}

static struct img_base *open_base(void)
{
	struct img_platform p;
	struct img_base_select sel = {NULL, &p, "--build-context " BASE_NAME "=base.tar", 0};
	struct sb_error err = {0};
	struct img_base *b = NULL;
	char *path = golden_file("base.tar");

	assert_non_null(path);
	assert_int_equal(img_platform_parse("linux/amd64", &p, &err), 0);
	if (img_base_open(&b, path, &sel, &err) < 0)
		fail_msg("%s", err.msg);
	free(path);
	return b;
}

static void parse(struct df_file *df, const char *text)
{
	struct sb_error err = {0};

	if (df_parse(df, sb_strdup("Dockerfile"), sb_strdup(text), strlen(text), &err) < 0)
		fail_msg("%s", err.msg);
}

static void put_entry(struct img_tree *t, const char *path, enum img_type type, uint64_t size)
{
	struct img_entry e = {.path = (char *)path, .type = type, .mode = 0755, .size = size};
	struct sb_error err = {0};

	assert_int_equal(img_tree_put(t, &e, &err), 0);
}

static void add_history(struct image *img, const char *by, int empty, int inherited)
{
	struct sb_error err = {0};

	assert_int_equal(img_add_history(img, by, empty, &err), 0);
	img->config.history[img->config.nhistory - 1].inherited = inherited;
}

/* A plan FROM base b (named name) of nbase layers, then a COPY at line
 * copy_line making layer nbase; and the result that goes with it. */
static void make_plan(struct ev_plan *plan, struct img_result *res, struct img_base *b,
		      const char *name, size_t nbase, unsigned copy_line)
{
	struct image *img = &plan->img;
	size_t n = nbase + 1;

	memset(plan, 0, sizeof(*plan));
	memset(res, 0, sizeof(*res));
	img_init(img);
	img->layers = calloc(n, sizeof(*img->layers));
	img->layer_src = calloc(n, sizeof(*img->layer_src));
	assert_true(img->layers && img->layer_src);
	for (size_t i = 0; i < n; i++) {
		img->layers[i] = img_tree_new();
		assert_non_null(img->layers[i]);
		img->nlayers++;
	}
	for (size_t i = 0; i < nbase; i++) {
		img->layer_src[i].base = b;
		img->layer_src[i].index = i;
		img->layer_src[i].base_name = sb_strdup(name);
	}
	put_entry(img->layers[0], "etc", IMG_DIR, 0);
	put_entry(img->layers[0], "etc/passwd", IMG_REG, 94);
	put_entry(img->layers[nbase], "app", IMG_DIR, 0);
	put_entry(img->layers[nbase], "app/serve", IMG_REG, 51);
	add_history(img, "COPY etc /etc/ # buildkit", 0, 1);
	add_history(img, "USER 65532", 1, 1);
	add_history(img, "COPY serve /app/ # buildkit", 0, 0);
	plan->steps = calloc(1, sizeof(*plan->steps));
	assert_non_null(plan->steps);
	plan->steps[0].text = sb_strdup("COPY serve /app/");
	plan->steps[0].layer = (long)nbase;
	plan->steps[0].pos.line = copy_line;
	plan->nsteps = 1;

	res->diff_ids = calloc(n + 1, sizeof(char *));
	res->layer_sizes = calloc(n, sizeof(uint64_t));
	assert_true(res->diff_ids && res->layer_sizes);
	for (size_t i = 0; i < n; i++) {
		res->diff_ids[i] = sb_printf("sha256:%064zu", i);
		res->layer_sizes[i] = 1024 * (i + 2);
	}
	res->config = sb_strdup("{\"os\":\"linux\"}");
	res->manifest = sb_strdup("[]");
	strcpy(res->image_id, "sha256:0000");
}

static void test_find_named(void **state)
{
	struct img_base *b = open_base();
	struct df_file df;
	struct ev_plan plan;
	struct img_result res;
	struct sb_explain_base eb;

	(void)state;
	parse(&df, "FROM scratch AS tools\nCOPY x /x\n\nFROM " BASE_NAME " AS rt\nFROM rt\n"
		   "COPY serve /app/\n");
	make_plan(&plan, &res, b, BASE_NAME, 2, 6);
	assert_int_equal(sb_explain_base_find(&plan, &df, &eb), 0);
	assert_string_equal(eb.name, BASE_NAME);
	assert_int_equal(eb.nlayers, 2);
	assert_int_equal(eb.nhistory, 2);
	assert_non_null(eb.from);
	assert_int_equal(eb.from->pos.line, 4);
	assert_string_equal(eb.from_text, "FROM " BASE_NAME " AS rt");
	sb_explain_base_release(&eb);
	ev_plan_release(&plan);
	img_result_release(&res);
	df_file_release(&df);
	img_base_free(b);
}

/* --build-context rt=base.tar replaces the stage rt: its FROM names the
 * base by its stage name, whatever its image. */
static void test_find_replaced_stage(void **state)
{
	struct img_base *b = open_base();
	struct df_file df;
	struct ev_plan plan;
	struct img_result res;
	struct sb_explain_base eb;

	(void)state;
	parse(&df, "FROM scratch AS RT\nFROM rt\nCOPY serve /app/\n");
	make_plan(&plan, &res, b, "rt", 1, 3);
	assert_int_equal(sb_explain_base_find(&plan, &df, &eb), 0);
	assert_int_equal(eb.nlayers, 1);
	assert_int_equal(eb.from->pos.line, 1);
	assert_string_equal(eb.from_text, "FROM scratch AS RT");
	sb_explain_base_release(&eb);
	ev_plan_release(&plan);
	img_result_release(&res);
	df_file_release(&df);
	img_base_free(b);
}

/* FROM ${BASE}: no FROM names the base as written; the one before the first
 * step brings it. */
static void test_find_variable(void **state)
{
	struct img_base *b = open_base();
	struct df_file df;
	struct ev_plan plan;
	struct img_result res;
	struct sb_explain_base eb;

	(void)state;
	parse(&df, "ARG BASE=" BASE_NAME "\nFROM ${BASE}\nCOPY serve /app/\nFROM scratch AS "
		   "unused\n");
	make_plan(&plan, &res, b, BASE_NAME, 2, 3);
	assert_int_equal(sb_explain_base_find(&plan, &df, &eb), 0);
	assert_int_equal(eb.from->pos.line, 2);
	assert_string_equal(eb.from_text, "FROM ${BASE}");
	sb_explain_base_release(&eb);
	ev_plan_release(&plan);
	img_result_release(&res);
	df_file_release(&df);
	img_base_free(b);
}

/* Without layer_src, no base: the explanation is the one it always was. */
static void test_no_base(void **state)
{
	struct df_file df;
	struct ev_plan plan;
	struct img_result res;
	struct sb_explain_base eb;

	(void)state;
	parse(&df, "FROM scratch\nCOPY serve /app/\n");
	make_plan(&plan, &res, NULL, "x", 0, 2);
	free(plan.img.layer_src);
	plan.img.layer_src = NULL;
	assert_int_equal(sb_explain_base_find(&plan, &df, &eb), 0);
	assert_null(eb.name);
	assert_int_equal(eb.nlayers, 0);
	sb_explain_base_release(&eb);
	ev_plan_release(&plan);
	img_result_release(&res);
	df_file_release(&df);
}

static const char want_text[] =
    "Dockerfile:1  FROM " BASE_NAME "\n"
    "  -> base " BASE_NAME ": 2 layers, 2 history entries\n"
    "  -> config.User from the base: \"65532\"\n"
    "  -> config.Env from the base: "
    "[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
    "\"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt\"]\n"
    "  -> config.Entrypoint from the base: [\"/app/serve\"]\n"
    "  -> config.Cmd from the base: [\"--port\",\"8080\"]\n"
    "  -> config.WorkingDir from the base: \"/home/nonroot\"\n"
    "  -> config.Labels from the base: {\"org.example.base\":\"distroless-like\"}\n"
    "  -> layer 0 from base " BASE_NAME " (its layer 1 of 2): layer_0.tar, 2048 bytes, "
    "sha256:0000000000000000000000000000000000000000000000000000000000000000\n"
    "       2 entries, copied byte for byte\n"
    "  -> layer 1 from base " BASE_NAME " (its layer 2 of 2): layer_1.tar, 3072 bytes, "
    "sha256:0000000000000000000000000000000000000000000000000000000000000001\n"
    "       0 entries, copied byte for byte\n"
    "  -> history[0]..history[1]: the base's, kept as it wrote them\n"
    "Dockerfile:2  COPY serve /app/\n"
    "  -> layer 2: layer_2.tar, 4096 bytes, "
    "sha256:0000000000000000000000000000000000000000000000000000000000000002\n"
    "       drwxr-xr-x 0:0          0  app/\n"
    "       -rwxr-xr-x 0:0         51  app/serve\n"
    "\n"
    "manifest.json:\n"
    "[\n\n]\n"
    "\n"
    "config.json (its SHA-256 is the image ID, sha256:0000):\n"
    "{\n"
    "  \"os\": \"linux\"\n"
    "}\n";

static void test_text(void **state)
{
	struct img_base *b = open_base();
	struct df_file df;
	struct ev_plan plan;
	struct img_result res;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	assert_non_null(out);
	parse(&df, "FROM " BASE_NAME "\nCOPY serve /app/\n");
	make_plan(&plan, &res, b, BASE_NAME, 2, 2);
	assert_int_equal(sb_explain(out, &df, &plan, &res, NULL, IMG_FORMAT_MANUAL), 0);
	assert_int_equal(fclose(out), 0);
	assert_string_equal(text, want_text);
	free(text);
	ev_plan_release(&plan);
	img_result_release(&res);
	df_file_release(&df);
	img_base_free(b);
}

/* The page: the FROM line links to the base's card, the layers are folded,
 * a name from the image is escaped. */
static void test_html(void **state)
{
	struct img_base *b = open_base();
	struct df_file df;
	struct ev_plan plan;
	struct img_result res;
	char *page = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&page, &len);

	(void)state;
	assert_non_null(out);
	parse(&df, "FROM a<b>\nCOPY serve /app/\n");
	make_plan(&plan, &res, b, "a<b>", 2, 2);
	assert_int_equal(sb_explain_html(out, &df, &plan, &res, NULL, IMG_FORMAT_MANUAL), 0);
	assert_int_equal(fclose(out), 0);
	assert_non_null(strstr(page, "<a id=\"L1\" href=\"#from-base\" class=\"first\"><span "
				     "class=\"ln\">1</span><span class=\"to layer\">&rarr; base, 2 "
				     "layers</span>FROM a&lt;b&gt;</a>"));
	assert_non_null(strstr(page, "starts from base <code>a&lt;b&gt;</code>: its 2 layers"));
	assert_non_null(strstr(page, "<details class=\"layer\" id=\"layer-1\"><summary>layer 1 "
				     "&middot; from base a&lt;b&gt; (its layer 2 of 2)"));
	assert_non_null(strstr(page, "<details open class=\"layer\" id=\"layer-2\">"));
	assert_non_null(
	    strstr(page, "history[0]..history[1] are the base's, kept as it wrote them."));
	assert_null(strstr(page, "<b>"));
	free(page);
	ev_plan_release(&plan);
	img_result_release(&res);
	df_file_release(&df);
	img_base_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find_named),	  cmocka_unit_test(test_find_replaced_stage),
	    cmocka_unit_test(test_find_variable), cmocka_unit_test(test_no_base),
	    cmocka_unit_test(test_text),	  cmocka_unit_test(test_html),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
