/* The streaming writer: exact sizes planned ahead, digests, PAX records where
 * ustar cannot hold a name, and atomic output. Everything written is read back
 * with libarchive. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image.h"
#include "util/sha256.h"
#include "util/mem.h"

struct fixture {
	char dir[64];
	char out[128];
};

static int open_file(void *ud, const struct img_entry *e, struct img_reader *r,
		     struct sb_error *err)
{
	struct fixture *fx = ud;
	char *p = sb_printf("%s/%s", fx->dir, e->source);
	int fd = open(p, O_RDONLY);
	struct stat st;

	free(p);
	if (fd >= 0 && fstat(fd, &st) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		return sb_errorf(err, "cannot open %s", e->source);
	return img_fd_reader(r, fd, &st, e, e->source, err);
}

static void write_src(struct fixture *fx, const char *name, size_t size)
{
	char *p = sb_printf("%s/%s", fx->dir, name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	for (size_t i = 0; i < size; i++)
		fputc((int)(i * 7 % 251), f);
	fclose(f);
	free(p);
}

static void add(struct img_tree *t, const char *path, enum img_type type, uint64_t size,
		const char *link, const char *source)
{
	struct sb_error err = {0};
	struct img_entry e = {.path = (char *)path,
			      .type = type,
			      .mode = type == IMG_DIR ? 0755 : 04755,
			      .size = size,
			      .link = (char *)link,
			      .source = (char *)source};

	assert_int_equal(img_tree_put(t, &e, &err), 0);
}

static char long_dir[200], long_file[400], long_target[300];

static void make_image(struct fixture *fx, struct image *img)
{
	struct img_tree *l0 = img_tree_new(), *l1 = img_tree_new();

	img_init(img);
	img->architecture = sb_strdup("amd64");
	img->os = sb_strdup("linux");
	img->tags = calloc(2, sizeof(char *));
	img->tags[0] = sb_strdup("t:1");
	img->layers = calloc(2, sizeof(*img->layers));
	img->layers[0] = l0;
	img->layers[1] = l1;
	img->nlayers = 2;

	write_src(fx, "big", 3 * 1024 * 1024 + 17);
	write_src(fx, "small", 139);
	write_src(fx, "empty", 0);
	add(l0, "server", IMG_DIR, 0, NULL, NULL);
	add(l0, "server/serve", IMG_REG, 3 * 1024 * 1024 + 17, NULL, "big");
	memset(long_dir, 'd', 120);
	long_dir[120] = '\0';
	snprintf(long_file, sizeof(long_file), "%s/%s", long_dir,
		 "f\xc3\xa9-with-a-name-that-is-quite-long-indeed-and-longer-than-100-in-total");
	memset(long_target, 't', 150);
	long_target[150] = '\0';
	add(l1, long_dir, IMG_DIR, 0, NULL, NULL);
	add(l1, long_file, IMG_REG, 139, NULL, "small");
	add(l1, "www", IMG_DIR, 0, NULL, NULL);
	add(l1, "www/empty", IMG_REG, 0, NULL, "empty");
	add(l1, "www/index.html", IMG_REG, 139, NULL, "small");
	add(l1, "www/link", IMG_SYMLINK, 0, long_target, NULL);
	add(l1, "www/same", IMG_HARDLINK, 0, "www/index.html", NULL);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	strcpy(fx->dir, "/tmp/sb-test-write-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->out, sizeof(fx->out), "%s/out.tar", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char *cmd = sb_printf("rm -rf '%s'", fx->dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(fx);
	return 0;
}

struct member {
	char *name;
	char *data;
	size_t len;
};

/* Reads every member of the tar in buf into memory (small test archives only). */
static size_t read_tar(const void *buf, size_t len, struct member *m, size_t max)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	size_t n = 0;

	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, buf, len), ARCHIVE_OK);
	while (n < max && archive_read_next_header(a, &ae) == ARCHIVE_OK) {
		size_t size = (size_t)archive_entry_size(ae);

		m[n].name = sb_strdup(archive_entry_pathname(ae));
		m[n].data = malloc(size + 1);
		m[n].len = size;
		assert_int_equal(archive_read_data(a, m[n].data, size), (la_ssize_t)size);
		m[n].data[size] = '\0';
		n++;
	}
	archive_read_free(a);
	return n;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct sb_buf b = {0};
	char chunk[65536];
	size_t n;

	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sb_buf_add(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return sb_buf_detach(&b);
}

static void test_roundtrip(void **state)
{
	struct fixture *fx = *state;
	struct image img;
	struct img_write_opts o = {.output = fx->out, .open = open_file, .open_ud = fx};
	struct img_result res;
	struct sb_error err = {0};
	struct member m[8], inner[16];
	uint64_t planned[2];
	size_t len, n;
	char *tar;

	make_image(fx, &img);
	for (int i = 0; i < 2; i++)
		assert_int_equal(img_layer_tar_size(&img, img.layers[i], &planned[i], &err), 0);
	if (img_write(&img, &o, &res, &err) < 0)
		fail_msg("%s", err.msg);
	tar = slurp(fx->out, &len);
	assert_int_equal(len, res.tar_bytes);
	n = read_tar(tar, len, m, 8);
	assert_int_equal(n, 4);
	assert_string_equal(m[0].name, "layer_0.tar");
	assert_string_equal(m[1].name, "layer_1.tar");
	assert_string_equal(m[2].name, "config.json");
	assert_string_equal(m[3].name, "manifest.json");
	assert_int_equal(m[0].len, planned[0]);
	assert_int_equal(m[1].len, planned[1]);
	assert_string_equal(m[3].data, "[{\"Config\":\"config.json\",\"RepoTags\":[\"t:1\"],"
				       "\"Layers\":[\"layer_0.tar\",\"layer_1.tar\"]}]");
	/* Each DiffID is the digest of the layer bytes. */
	for (int i = 0; i < 2; i++) {
		unsigned char d[32];
		char hex[65], want[80];

		sb_sha256((unsigned char *)m[i].data, m[i].len, d);
		for (int k = 0; k < 32; k++)
			sprintf(hex + 2 * k, "%02x", d[k]);
		snprintf(want, sizeof(want), "\"sha256:%s\"", hex);
		assert_non_null(strstr(m[2].data, want));
	}
	/* Layer 1: PAX names, the symlink's long target, the hard link. */
	n = read_tar(m[1].data, m[1].len, inner, 16);
	assert_int_equal(n, 7);
	{
		/* Directory names end in '/', as in Docker's layers. */
		char *d = sb_printf("%s/", long_dir);

		assert_string_equal(inner[0].name, d);
		free(d);
	}
	assert_string_equal(inner[1].name, long_file);
	assert_int_equal(inner[1].len, 139);
	assert_string_equal(inner[2].name, "www/");
	assert_string_equal(inner[6].name, "www/same");
	for (size_t i = 0; i < n; i++) {
		free(inner[i].name);
		free(inner[i].data);
	}
	/* Layer 0's content came through unchanged. */
	n = read_tar(m[0].data, m[0].len, inner, 16);
	assert_int_equal(n, 2);
	assert_int_equal(inner[1].len, 3 * 1024 * 1024 + 17);
	for (size_t i = 0; i < inner[1].len; i++)
		if ((unsigned char)inner[1].data[i] != (unsigned char)(i * 7 % 251))
			fail_msg("content differs at %zu", i);
	for (size_t i = 0; i < n; i++) {
		free(inner[i].name);
		free(inner[i].data);
	}
	for (int i = 0; i < 4; i++) {
		free(m[i].name);
		free(m[i].data);
	}
	free(tar);
	img_result_release(&res);
	img_release(&img);
}

/* Every format, and a dry run, gives back the DiffIDs it computed: those of
 * its config's rootfs.diff_ids, the same whatever the layout or compression,
 * beside each layer tar's planned length. */
static void test_result_every_format(void **state)
{
	static const struct {
		enum img_format format;
		enum img_compression compression;
		int dry_run;
	} cases[] = {
	    {IMG_FORMAT_MANUAL, IMG_COMPRESS_NONE, 0}, {IMG_FORMAT_DOCKER, IMG_COMPRESS_NONE, 0},
	    {IMG_FORMAT_OCI, IMG_COMPRESS_GZIP, 0},    {IMG_FORMAT_OCI_DIR, IMG_COMPRESS_ZSTD, 0},
	    {IMG_FORMAT_OCI, IMG_COMPRESS_NONE, 1},
	};
	struct fixture *fx = *state;
	struct image img;
	struct sb_error err = {0};
	char first[2][72];
	uint64_t planned[2];

	make_image(fx, &img);
	for (int i = 0; i < 2; i++)
		assert_int_equal(img_layer_tar_size(&img, img.layers[i], &planned[i], &err), 0);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char *out = sb_printf("%s/out-%zu", fx->dir, c);
		struct img_write_opts o = {.output = out,
					   .format = cases[c].format,
					   .compression = cases[c].compression,
					   .dry_run = cases[c].dry_run,
					   .open = open_file,
					   .open_ud = fx};
		struct img_result res;
		char *want;

		if (img_write(&img, &o, &res, &err) < 0)
			fail_msg("%s", err.msg);
		assert_non_null(res.diff_ids[0]);
		assert_non_null(res.diff_ids[1]);
		assert_null(res.diff_ids[2]);
		want = sb_printf("\"diff_ids\":[\"%s\",\"%s\"]", res.diff_ids[0], res.diff_ids[1]);
		assert_non_null(strstr(res.config, want));
		free(want);
		for (int i = 0; i < 2; i++) {
			assert_int_equal(res.layer_sizes[i], planned[i]);
			if (c == 0)
				strcpy(first[i], res.diff_ids[i]);
			assert_string_equal(res.diff_ids[i], first[i]);
		}
		img_result_release(&res);
		free(out);
	}
	img_release(&img);
}

static void test_same_input_same_bytes(void **state)
{
	struct fixture *fx = *state;
	struct image img;
	struct img_write_opts o = {.output = fx->out, .open = open_file, .open_ud = fx};
	struct img_result r1, r2;
	struct sb_error err = {0};
	size_t l1, l2;
	char *a, *b;

	make_image(fx, &img);
	assert_int_equal(img_write(&img, &o, &r1, &err), 0);
	a = slurp(fx->out, &l1);
	/* Other mtimes on disk change nothing. */
	{
		char *p = sb_printf("%s/big", fx->dir);
		struct timespec ts[2] = {{1, 0}, {1, 0}};

		utimensat(AT_FDCWD, p, ts, 0);
		free(p);
	}
	assert_int_equal(img_write(&img, &o, &r2, &err), 0);
	b = slurp(fx->out, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(a, b, l1);
	assert_string_equal(r1.image_id, r2.image_id);
	img_result_release(&r1);
	img_result_release(&r2);
	free(a);
	free(b);
	img_release(&img);
}

static void test_failure_keeps_old_file(void **state)
{
	struct fixture *fx = *state;
	struct image img;
	struct img_write_opts o = {.output = fx->out, .open = open_file, .open_ud = fx};
	struct img_result res;
	struct sb_error err = {0};
	size_t len;
	char *p, *old;

	make_image(fx, &img);
	p = sb_printf("%s", fx->out);
	{
		FILE *f = fopen(p, "w");

		fputs("previous image", f);
		fclose(f);
	}
	/* The file shrinks between planning and writing. */
	write_src(fx, "small", 100);
	assert_int_equal(img_write(&img, &o, &res, &err), -1);
	assert_non_null(strstr(err.msg, "changed while the image was being built"));
	old = slurp(p, &len);
	assert_string_equal(old, "previous image");
	free(old);
	sb_error_release(&err);
	/* Grows: also refused. */
	write_src(fx, "small", 200);
	assert_int_equal(img_write(&img, &o, &res, &err), -1);
	assert_non_null(strstr(err.msg, "changed"));
	sb_error_release(&err);
	/* No partial file is left beside it. */
	{
		char *partial = sb_printf("%s/.out.tar.scratchbuild-partial", fx->dir);

		assert_int_equal(access(partial, F_OK), -1);
		free(partial);
	}
	free(p);
	img_release(&img);
}

/* A source that lies about its size: it gives `delta` bytes more (or fewer)
 * than planned, at most `piece` bytes per read. */
struct liar {
	long delta;
	size_t piece;
};

struct liar_reader {
	uint64_t left;
	size_t piece;
};

static int liar_read(void *self, void *buf, size_t n, size_t *got, struct sb_error *err)
{
	struct liar_reader *l = self;

	(void)err;
	if (n > l->piece)
		n = l->piece;
	if (n > l->left)
		n = (size_t)l->left;
	memset(buf, 'x', n);
	l->left -= n;
	*got = n;
	return 0;
}

static int open_liar(void *ud, const struct img_entry *e, struct img_reader *r,
		     struct sb_error *err)
{
	struct liar *how = ud;
	struct liar_reader *l = malloc(sizeof(*l));

	(void)err;
	assert_non_null(l);
	l->left = (uint64_t)((long)e->size + how->delta);
	l->piece = how->piece;
	r->read = liar_read;
	r->close = free;
	r->self = l;
	return 0;
}

/* Files that change while they are read, after the writer checked their
 * size: shorter, longer by one byte or by many, in one read or in small
 * pieces. Each is refused with the same message, and nothing is written. */
static void test_changes_while_read(void **state)
{
	static const struct liar cases[] = {
	    {0, 1u << 30},    {0, 1000},       {0, 1},	 /* exact: builds */
	    {-1, 1u << 30},   {-1, 1000},      {-17, 1}, /* shorter */
	    {1, 1u << 30},    {1, 1000},       {1, 1},	 /* one byte more */
	    {4096, 1u << 30}, {1 << 22, 4096},		 /* much more */
	};
	struct fixture *fx = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct liar how = cases[i];
		struct image img;
		struct img_write_opts o = {.output = fx->out, .open = open_liar, .open_ud = &how};
		struct img_result res;
		struct sb_error err = {0};
		int rc;

		make_image(fx, &img);
		unlink(fx->out);
		rc = img_write(&img, &o, &res, &err);
		if (how.delta == 0) {
			if (rc != 0)
				fail_msg("case %zu: %s", i, err.msg);
			assert_int_equal(access(fx->out, F_OK), 0);
			img_result_release(&res);
		} else {
			assert_int_equal(rc, -1);
			assert_non_null(err.msg);
			if (!strstr(err.msg, how.delta < 0 ? "changed while the image was being "
							     "built (it became shorter)"
							   : "changed while the image was being "
							     "built (it grew)"))
				fail_msg("case %zu: %s", i, err.msg);
			assert_string_equal(err.hint,
					    "build again once nothing writes to the build context");
			assert_int_equal(access(fx->out, F_OK), -1);
		}
		sb_error_release(&err);
		img_release(&img);
	}
}

static void test_missing_directory(void **state)
{
	struct fixture *fx = *state;
	struct image img;
	char *out = sb_printf("%s/no/such/dir/out.tar", fx->dir);
	struct img_write_opts o = {.output = out, .open = open_file, .open_ud = fx};
	struct img_result res;
	struct sb_error err = {0};

	make_image(fx, &img);
	assert_int_equal(img_write(&img, &o, &res, &err), -1);
	assert_string_equal(err.msg, "cannot create the output: No such file or directory");
	assert_non_null(strstr(err.hint, "does not exist"));
	sb_error_release(&err);
	free(out);
	img_release(&img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_same_input_same_bytes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_result_every_format, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failure_keeps_old_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_directory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_changes_while_read, setup, teardown),
	};
	setlocale(LC_CTYPE, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
