/* A base image's layers copied byte for byte: img_base_blob's stored and
 * uncompressed streams and their digests, a file changed after it was
 * opened, and img_write of an image whose first layer comes from a base in
 * every format. The base is an image tar that the test writes itself, opened
 * with the image reader; struct img_base is filled by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/base_priv.h"
#include "image/digest.h"
#include "image/image.h"
#include "util/mem.h"
#include "util/sha256.h"

struct fixture {
	char dir[64];
	struct img_base base; /* of base.tar (manual layout: uncompressed) */
	struct img_base gz;   /* of base-gz.tar (OCI layout, gzip blobs) */
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

static char *path_in(struct fixture *fx, const char *name)
{
	return sb_printf("%s/%s", fx->dir, name);
}

static void write_src(struct fixture *fx, const char *name, const char *data)
{
	char *p = path_in(fx, name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(data, f);
	fclose(f);
	free(p);
}

static void add(struct img_tree *t, const char *path, enum img_type type, const char *source,
		uint64_t size)
{
	struct sb_error err = {0};
	struct img_entry e = {.path = (char *)path,
			      .type = type,
			      .mode = type == IMG_DIR ? 0755 : 0644,
			      .size = size,
			      .source = (char *)source};

	assert_int_equal(img_tree_put(t, &e, &err), 0);
}

static void image_new(struct image *img, size_t nlayers)
{
	img_init(img);
	img->architecture = sb_strdup("amd64");
	img->os = sb_strdup("linux");
	img->tags = calloc(2, sizeof(char *));
	img->tags[0] = sb_strdup("registry.example/t:1");
	img->layers = calloc(nlayers + 1, sizeof(*img->layers));
	img->nlayers = nlayers;
	img->epoch = 1700000000;
}

/* A two-layer base: etc/passwd, then hello.txt. */
static void write_base(struct fixture *fx, const char *name, enum img_format format,
		       enum img_compression comp)
{
	struct image img;
	char *out = path_in(fx, name);
	struct img_write_opts o = {
	    .format = format, .compression = comp, .output = out, .open = open_file, .open_ud = fx};
	struct img_result res;
	struct sb_error err = {0};

	image_new(&img, 2);
	img.layers[0] = img_tree_new();
	img.layers[1] = img_tree_new();
	add(img.layers[0], "etc", IMG_DIR, NULL, 0);
	add(img.layers[0], "etc/passwd", IMG_REG, "passwd", 52);
	add(img.layers[1], "hello.txt", IMG_REG, "hello", 6);
	if (img_write(&img, &o, &res, &err) < 0)
		fail_msg("%s", err.msg);
	img_result_release(&res);
	img_release(&img);
	free(out);
}

static enum img_compression comp_of(const char *s)
{
	return !strcmp(s, "gzip")   ? IMG_COMPRESS_GZIP
	       : !strcmp(s, "zstd") ? IMG_COMPRESS_ZSTD
				    : IMG_COMPRESS_NONE;
}

/* What base-open fills in, by hand: the reader's archive, its only image. */
static void base_open(struct fixture *fx, struct img_base *b, const char *name)
{
	struct sb_error err = {0};
	char *p = path_in(fx, name);
	struct rd_archive *ar;

	memset(b, 0, sizeof(*b));
	if (rd_open(&ar, p, NULL, &err) < 0 || rd_load_layers(ar, 0, &err) < 0)
		fail_msg("%s", err.msg);
	free(p);
	b->what = sb_printf("--build-context base=%s", name);
	b->ar = ar;
	b->compression = calloc(ar->images[0].nlayers, sizeof(*b->compression));
	for (size_t i = 0; i < ar->images[0].nlayers; i++)
		b->compression[i] = comp_of(ar->images[0].layers[i].compression);
}

static void base_close(struct img_base *b)
{
	free(b->what);
	rd_close(b->ar);
	free(b->compression);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	strcpy(fx->dir, "/tmp/sb-test-base-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	write_src(fx, "passwd", "root:x:0:0::/root:/bin/sh\nnonroot:x:65532:65532::/:\n");
	write_src(fx, "hello", "hello\n");
	write_src(fx, "app", "app\n");
	write_base(fx, "base.tar", IMG_FORMAT_MANUAL, IMG_COMPRESS_NONE);
	write_base(fx, "base-gz.tar", IMG_FORMAT_OCI, IMG_COMPRESS_GZIP);
	base_open(fx, &fx->base, "base.tar");
	base_open(fx, &fx->gz, "base-gz.tar");
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char *cmd = sb_printf("rm -rf '%s'", fx->dir);

	base_close(&fx->base);
	base_close(&fx->gz);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(fx);
	return 0;
}

/* Reads r to its end; *len bytes, yours. Returns read's result. */
static int drain(struct img_reader *r, char **out, size_t *len, struct sb_error *err)
{
	struct sb_buf b = {0};
	char chunk[1000]; /* small: many reads */
	size_t got;
	int rc;

	while ((rc = r->read(r->self, chunk, sizeof(chunk), &got, err)) == 0 && got)
		sb_buf_add(&b, chunk, got);
	r->close(r->self);
	*len = b.len;
	*out = sb_buf_detach(&b);
	if (!*out)
		*out = calloc(1, 1);
	return rc;
}

static void digest_of(const char *p, size_t n, char out[72])
{
	unsigned char d[SB_SHA256_BYTES];

	sb_sha256(p, n, d);
	dg_string(d, out);
}

static void test_info(void **state)
{
	struct fixture *fx = *state;
	struct img_base_layer_info info;

	img_base_layer_info(&fx->gz, 1, &info);
	assert_int_equal(info.compression, IMG_COMPRESS_GZIP);
	assert_string_equal(info.diff_id, fx->gz.ar->images[0].layers[1].diff_id);
	assert_true(info.stored_size < info.tar_size);
	img_base_layer_info(&fx->base, 0, &info);
	assert_int_equal(info.compression, IMG_COMPRESS_NONE);
	assert_null(info.media_type);
	assert_int_equal(info.stored_size, info.tar_size);
	assert_string_equal(info.diff_id, info.blob_digest);
}

/* Raw: the stored bytes, whose digest is the blob's; else the tar, whose
 * digest is the DiffID, and the same tar from either base. */
static void test_blob_streams(void **state)
{
	struct fixture *fx = *state;
	struct sb_error err = {0};
	struct img_reader r;
	struct img_base_layer_info info, plain;
	char *raw, *tar, *tar0, d[72];
	size_t rl, tl, tl0;

	for (size_t i = 0; i < 2; i++) {
		img_base_layer_info(&fx->gz, i, &info);
		assert_int_equal(img_base_blob(&fx->gz, i, 1, &r, &err), 0);
		assert_int_equal(drain(&r, &raw, &rl, &err), 0);
		assert_int_equal(rl, info.stored_size);
		digest_of(raw, rl, d);
		assert_string_equal(d, info.blob_digest);
		assert_int_equal((unsigned char)raw[0], 0x1f); /* gzip */
		assert_int_equal(img_base_blob(&fx->gz, i, 0, &r, &err), 0);
		assert_int_equal(drain(&r, &tar, &tl, &err), 0);
		assert_int_equal(tl, info.tar_size);
		digest_of(tar, tl, d);
		assert_string_equal(d, info.diff_id);
		/* The uncompressed base has the same layer, byte for byte. */
		img_base_layer_info(&fx->base, i, &plain);
		assert_string_equal(plain.diff_id, info.diff_id);
		assert_int_equal(img_base_blob(&fx->base, i, 0, &r, &err), 0);
		assert_int_equal(drain(&r, &tar0, &tl0, &err), 0);
		assert_int_equal(tl0, tl);
		assert_memory_equal(tar0, tar, tl);
		free(raw);
		free(tar);
		free(tar0);
	}
}

/* Replaces the first "hello" in the file with "jello". */
static void tamper(struct fixture *fx, const char *name)
{
	char *p = path_in(fx, name), buf[4096];
	FILE *f = fopen(p, "r+b");
	size_t n, off = 0;
	int done = 0;

	assert_non_null(f);
	while (!done && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
		for (size_t k = 0; k + 6 <= n; k++) {
			if (!memcmp(buf + k, "hello\n", 6)) {
				assert_int_equal(fseek(f, (long)(off + k), SEEK_SET), 0);
				fputc('j', f);
				done = 1;
				break;
			}
		}
		off += n;
	}
	assert_true(done);
	fclose(f);
	free(p);
}

static void test_tampered(void **state)
{
	struct fixture *fx = *state;
	struct sb_error err = {0};
	struct img_reader r;
	struct img_base_layer_info info;
	char *p = path_in(fx, "base.tar"), *bytes, *want;
	size_t n;

	tamper(fx, "base.tar");
	img_base_layer_info(&fx->base, 1, &info);
	assert_int_equal(img_base_blob(&fx->base, 1, 0, &r, &err), 0);
	assert_int_equal(drain(&r, &bytes, &n, &err), -1);
	free(bytes);
	assert_null(err.file);
	want =
	    sb_printf("--build-context base=base.tar: %s: layer 2 (%s): its content does not match "
		      "its DiffID %s: the file changed or is damaged",
		      p, info.blob_digest, info.diff_id);
	assert_string_equal(err.msg, want);
	assert_string_equal(err.hint, "the image given by --build-context base=base.tar changed "
				      "after it was opened, or is damaged: build again, or save "
				      "the image again");
	free(want);
	sb_error_release(&err);
	/* The stored bytes are checked against their own digest. */
	assert_int_equal(img_base_blob(&fx->base, 1, 1, &r, &err), 0);
	assert_int_equal(drain(&r, &bytes, &n, &err), -1);
	free(bytes);
	want =
	    sb_printf("--build-context base=base.tar: %s: layer 2 (%s): its content does not match "
		      "its DiffID %s: the file changed or is damaged",
		      p, info.blob_digest, info.blob_digest);
	assert_string_equal(err.msg, want);
	free(want);
	sb_error_release(&err);
	/* Layer 1 is untouched and still reads. */
	assert_int_equal(img_base_blob(&fx->base, 0, 0, &r, &err), 0);
	assert_int_equal(drain(&r, &bytes, &n, &err), 0);
	free(bytes);
	/* A build on it fails and writes nothing. */
	free(p);
	p = path_in(fx, "out-bad.tar");
	{
		struct image img;
		struct img_write_opts o = {.output = p, .open = open_file, .open_ud = fx};
		struct img_result res;

		image_new(&img, 1);
		img.layers[0] = img_tree_new();
		img.layer_src = calloc(1, sizeof(*img.layer_src));
		img.layer_src[0].base = &fx->base;
		img.layer_src[0].index = 1;
		assert_int_equal(img_write(&img, &o, &res, &err), -1);
		/* Copied as it is stored (uncompressed): its stored bytes'
		 * digest, its DiffID, is checked. */
		if (!strstr(err.msg, "its content does not match its DiffID"))
			fail_msg("%s", err.msg);
		assert_int_equal(access(p, F_OK), -1);
		sb_error_release(&err);
		img_release(&img);
	}
	free(p);
}

/* An image: layer 0 from base b's layer 0, layer 1 made from a tree, and
 * the base's history inherited. */
static void app_image(struct img_base *b, struct image *img, struct img_history *h)
{
	image_new(img, 2);
	img->layers[0] = img_tree_new();
	img->layers[1] = img_tree_new();
	add(img->layers[1], "app", IMG_REG, "app", 4);
	img->layer_src = calloc(2, sizeof(*img->layer_src));
	img->layer_src[0].base = b;
	img->layer_src[0].index = 0;
	img->layer_src[0].base_name = sb_strdup("registry.example/base:1");
	h[0] = (struct img_history){.created_by = "COPY passwd /etc/passwd # buildkit",
				    .inherited = 1,
				    .created = "2020-01-02T03:04:05.5Z",
				    .author = "Jane <j@example.com>"};
	h[1] = (struct img_history){.created_by = "COPY app /app # buildkit"};
	img->config.history = h;
	img->config.nhistory = 2;
}

static void app_release(struct image *img)
{
	img->config.history = NULL;
	img->config.nhistory = 0;
	img_release(img);
}

/* Writes the app image in format/comp, opens what came out, and returns
 * its layer 0 (*out is yours, rd_close). */
static const struct rd_layer *write_app(struct fixture *fx, struct img_base *b,
					enum img_format format, enum img_compression comp,
					struct rd_archive **out)
{
	struct image img;
	struct img_history h[2];
	char *p = path_in(fx, format == IMG_FORMAT_OCI ? "app-oci.tar" : "app.tar");
	struct img_write_opts o = {
	    .format = format, .compression = comp, .output = p, .open = open_file, .open_ud = fx};
	struct img_result res;
	struct sb_error err = {0};
	struct img_base_layer_info info;

	app_image(b, &img, h);
	if (img_write(&img, &o, &res, &err) < 0)
		fail_msg("%s", err.msg);
	img_base_layer_info(b, 0, &info);
	assert_string_equal(res.diff_ids[0], info.diff_id);
	assert_int_equal(res.layer_sizes[0], info.tar_size);
	/* The inherited entry keeps the base's fields, in OCI's order. */
	assert_non_null(strstr(res.config,
			       "{\"created\":\"2020-01-02T03:04:05.5Z\",\"created_by\":"
			       "\"COPY passwd /etc/passwd # buildkit\",\"author\":"
			       "\"Jane <j@example.com>\"},{\"created\":"
			       "\"2023-11-14T22:13:20Z\",\"created_by\":\"COPY app "
			       "/app # buildkit\",\"comment\":\"buildkit.dockerfile.v0\"}"));
	img_result_release(&res);
	app_release(&img);
	if (rd_open(out, p, NULL, &err) < 0 || rd_load_layers(*out, 0, &err) < 0)
		fail_msg("%s", err.msg);
	free(p);
	assert_int_equal((*out)->images[0].nlayers, 2);
	return &(*out)->images[0].layers[0];
}

static void test_write_tar_formats(void **state)
{
	struct fixture *fx = *state;
	static const enum img_format formats[] = {IMG_FORMAT_MANUAL, IMG_FORMAT_DOCKER};
	struct img_base *bases[] = {&fx->base, &fx->gz};

	/* The layer tar, byte for byte the base's, from either base. */
	for (size_t f = 0; f < 2; f++) {
		for (size_t k = 0; k < 2; k++) {
			struct rd_archive *ar;
			const struct rd_layer *l =
			    write_app(fx, bases[k], formats[f], IMG_COMPRESS_NONE, &ar);

			assert_string_equal(l->compression, "none");
			assert_string_equal(l->blob_digest,
					    fx->base.ar->images[0].layers[0].blob_digest);
			assert_string_equal(l->diff_id, fx->gz.ar->images[0].layers[0].diff_id);
			rd_close(ar);
		}
	}
}

static void test_write_oci(void **state)
{
	struct fixture *fx = *state;
	const struct rd_layer *gz0 = &fx->gz.ar->images[0].layers[0], *l;
	struct rd_archive *ar;

	/* The same compression: the stored blob as it is. */
	l = write_app(fx, &fx->gz, IMG_FORMAT_OCI, IMG_COMPRESS_GZIP, &ar);
	assert_string_equal(l->blob_digest, gz0->blob_digest);
	assert_int_equal(l->stored_size, gz0->stored_size);
	rd_close(ar);
	/* Another: decompressed, compressed again, the same DiffID. */
	l = write_app(fx, &fx->gz, IMG_FORMAT_OCI, IMG_COMPRESS_ZSTD, &ar);
	assert_string_equal(l->compression, "zstd");
	assert_string_equal(l->diff_id, gz0->diff_id);
	rd_close(ar);
	l = write_app(fx, &fx->gz, IMG_FORMAT_OCI, IMG_COMPRESS_NONE, &ar);
	assert_string_equal(l->compression, "none");
	assert_string_equal(l->blob_digest, gz0->diff_id);
	rd_close(ar);
	/* An uncompressed base compressed for the first time, as scratchbuild
	 * compresses its own layers: the same bytes as the gzip base's. */
	l = write_app(fx, &fx->base, IMG_FORMAT_OCI, IMG_COMPRESS_GZIP, &ar);
	assert_string_equal(l->blob_digest, gz0->blob_digest);
	rd_close(ar);
}

static void test_write_oci_dir(void **state)
{
	struct fixture *fx = *state;
	const struct rd_layer *gz0 = &fx->gz.ar->images[0].layers[0];
	struct image img;
	struct img_history h[2];
	char *p = path_in(fx, "app-dir"), *blob, *bytes, d[72];
	struct img_write_opts o = {.format = IMG_FORMAT_OCI_DIR,
				   .compression = IMG_COMPRESS_GZIP,
				   .output = p,
				   .open = open_file,
				   .open_ud = fx};
	struct img_result res;
	struct sb_error err = {0};
	struct sb_buf b = {0};
	char chunk[4096];
	size_t n;
	FILE *f;

	app_image(&fx->gz, &img, h);
	if (img_write(&img, &o, &res, &err) < 0)
		fail_msg("%s", err.msg);
	img_result_release(&res);
	app_release(&img);
	blob = sb_printf("%s/blobs/sha256/%s", p, gz0->blob_digest + 7);
	f = fopen(blob, "rb");
	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sb_buf_add(&b, chunk, n);
	fclose(f);
	n = b.len;
	bytes = sb_buf_detach(&b);
	digest_of(bytes, n, d);
	assert_string_equal(d, gz0->blob_digest);
	free(bytes);
	free(blob);
	free(p);
}

/* --dry-run reads and verifies the base layer, and writes nothing. */
static void test_dry_run(void **state)
{
	struct fixture *fx = *state;
	struct image img;
	struct img_history h[2];
	char *p = path_in(fx, "dry.tar");
	struct img_write_opts o = {.output = p, .open = open_file, .open_ud = fx, .dry_run = 1};
	struct img_result res;
	struct sb_error err = {0};

	app_image(&fx->gz, &img, h);
	if (img_write(&img, &o, &res, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(res.diff_ids[0], fx->gz.ar->images[0].layers[0].diff_id);
	assert_int_equal(access(p, F_OK), -1);
	img_result_release(&res);
	app_release(&img);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_info, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_blob_streams, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_tar_formats, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_oci, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_oci_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tampered, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
