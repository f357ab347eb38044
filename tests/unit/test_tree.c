/* Layer trees: layer-tar order, replacement, hard-link groups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "util/mem.h"

static void put(struct img_tree *t, const char *path, enum img_type type, uint64_t group)
{
	struct sb_error err = {0};
	struct img_entry e = {
	    .path = (char *)path, .type = type, .mode = 0644, .link_group = group};

	if (type == IMG_REG)
		e.source = (char *)path;
	if (img_tree_put(t, &e, &err) < 0)
		fail_msg("put %s: %s", path, err.msg);
}

static int collect(void *ud, const struct img_entry *e, struct sb_error *err)
{
	struct sb_buf *b = ud;

	(void)err;
	sb_buf_addf(b, "%s%s%s%s;", e->path, e->type == IMG_DIR ? "/" : "",
		    e->type == IMG_HARDLINK ? "=>" : "", e->type == IMG_HARDLINK ? e->link : "");
	return 0;
}

static char *order(struct img_tree *t)
{
	struct sb_buf b = {0};
	struct sb_error err = {0};

	assert_int_equal(img_tree_each(t, collect, &b, &err), 0);
	return sb_buf_detach(&b);
}

static void test_walk_order_is_go_walk_order(void **state)
{
	struct img_tree *t = img_tree_new();
	char *s;

	(void)state;
	/* "a-c" sorts before "a/b" as a string, but a directory's contents come
	 * right after it, as filepath.Walk visits them. */
	put(t, "a-c", IMG_REG, 0);
	put(t, "a", IMG_DIR, 0);
	put(t, "a/b", IMG_REG, 0);
	put(t, "B", IMG_REG, 0);
	put(t, "a/a", IMG_REG, 0);
	s = order(t);
	assert_string_equal(s, "B;a/;a/a;a/b;a-c;");
	assert_int_equal(img_tree_count(t), 5);
	free(s);
	img_tree_free(t);
}

static void test_replace(void **state)
{
	struct img_tree *t = img_tree_new();
	struct sb_error err = {0};
	struct img_entry dir = {.path = "d", .type = IMG_DIR, .mode = 0700, .uid = 5};
	char *s;

	(void)state;
	put(t, "d", IMG_DIR, 0);
	put(t, "d/x", IMG_REG, 0);
	/* A directory onto a directory keeps the contents and takes the metadata. */
	assert_int_equal(img_tree_put(t, &dir, &err), 0);
	assert_int_equal(img_tree_get(t, "d")->mode, 0700);
	assert_int_equal(img_tree_get(t, "d")->uid, 5);
	assert_non_null(img_tree_get(t, "d/x"));
	/* A file onto a directory replaces it and what was below it. */
	put(t, "d", IMG_REG, 0);
	assert_null(img_tree_get(t, "d/x"));
	assert_int_equal(img_tree_count(t), 1);
	s = order(t);
	assert_string_equal(s, "d;");
	free(s);
	/* No parent: an internal error, never a silent mkdir. */
	dir.path = "p/q";
	assert_int_equal(img_tree_put(t, &dir, &err), -1);
	assert_non_null(err.msg);
	sb_error_release(&err);
	img_tree_free(t);
}

static void test_link_groups_first_in_order_keeps_content(void **state)
{
	struct img_tree *t = img_tree_new();
	struct sb_error err = {0};
	char *s;

	(void)state;
	put(t, "d", IMG_DIR, 0);
	put(t, "d/x", IMG_REG, 7);
	put(t, "d/hard", IMG_REG, 7);
	put(t, "d/solo", IMG_REG, 0);
	put(t, "d/y", IMG_REG, 9);
	put(t, "d/z", IMG_REG, 9);
	assert_int_equal(img_tree_link_groups(t, &err), 0);
	s = order(t);
	assert_string_equal(s, "d/;d/hard;d/solo;d/x=>d/hard;d/y;d/z=>d/y;");
	assert_int_equal(img_tree_get(t, "d/x")->size, 0);
	assert_null(img_tree_get(t, "d/x")->source);
	free(s);
	img_tree_free(t);
}

static void test_many_children(void **state)
{
	struct img_tree *t = img_tree_new();
	char name[32];

	(void)state;
	put(t, "d", IMG_DIR, 0);
	/* Reverse order: every insertion goes to the front. */
	for (int i = 9999; i >= 0; i--) {
		snprintf(name, sizeof(name), "d/f%05d", i);
		put(t, name, IMG_REG, 0);
	}
	assert_int_equal(img_tree_count(t), 10001);
	assert_non_null(img_tree_get(t, "d/f00000"));
	assert_non_null(img_tree_get(t, "d/f09999"));
	assert_null(img_tree_get(t, "d/f1"));
	img_tree_free(t);
}

/* The limits: IMG_MAX_DEPTH components and IMG_MAX_PATH bytes hold, one more
 * is a clear error naming the path (shortened), with a hint. */
static void test_limits(void **state)
{
	struct img_tree *t = img_tree_new();
	struct sb_error err = {0};
	struct sb_buf path = {0};
	struct img_entry e = {.type = IMG_DIR, .mode = 0755};

	(void)state;
	for (int i = 0; i < IMG_MAX_DEPTH; i++) {
		sb_buf_adds(&path, i ? "/d" : "d");
		put(t, path.buf, IMG_DIR, 0);
	}
	assert_int_equal(img_tree_count(t), IMG_MAX_DEPTH);
	sb_buf_adds(&path, "/f");
	e.path = path.buf;
	assert_int_equal(img_tree_put(t, &e, &err), -1);
	assert_string_equal(err.msg, "nested 4097 levels deep in the image; the limit is 4096");
	assert_int_equal(strlen(err.file), 123);
	assert_string_equal(err.file + 117, "/d/d/f");
	assert_non_null(err.hint);
	sb_error_release(&err);
	img_tree_free(t);
	sb_buf_release(&path);

	/* a name of IMG_MAX_PATH bytes, and one of a byte more */
	t = img_tree_new();
	for (int i = 0; i < IMG_MAX_PATH; i++)
		sb_buf_addc(&path, 'x');
	put(t, path.buf, IMG_REG, 0);
	sb_buf_addc(&path, 'x');
	e.path = path.buf;
	assert_int_equal(img_tree_put(t, &e, &err), -1);
	assert_string_equal(err.msg, "a path of 16385 bytes in the image; the limit is 16384");
	assert_int_equal(img_tree_count(t), 1);
	sb_error_release(&err);
	img_tree_free(t);
	sb_buf_release(&path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_walk_order_is_go_walk_order),
	    cmocka_unit_test(test_replace),
	    cmocka_unit_test(test_link_groups_first_in_order_keeps_content),
	    cmocka_unit_test(test_many_children),
	    cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
