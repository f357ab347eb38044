/* libFuzzer target for the image reader behind `scratchbuild inspect` and
 * `scratchbuild diff` (src/image/read*.c): the outer tar in any layout
 * (manual, docker save, OCI), the manifest, index and config JSON in it, and
 * the layer tars nested inside it, compressed or not.
 *
 * Each input is an image tar. The reader opens files by name, so the input is
 * put in an anonymous memory file (memfd_create) and read through
 * /proc/self/fd/N: nothing is written to any disk. rd_open, then every
 * image's config and layers, with limits small enough that a decompression
 * bomb ends quickly; when all of that succeeds, the commands themselves run
 * on it, standard output going to /dev/null: `inspect`, `inspect --json`, and
 * `diff --mtime` of the image against itself, which must say EQUAL. The same
 * bytes are then a bare JSON document (a manifest or a config as found in an
 * image) for jt_parse and the printers inspect and diff use on it.
 *
 * Besides crashes, sanitizer reports and leaks, a finding is a broken
 * invariant (abort()): a failure without an error message; a loaded image
 * whose digests are not what its layers and config hash to, or whose entries
 * escape the layer; an image that loads but that inspect refuses or that
 * differs from itself; JSON whose canonical text does not read back to the
 * same text.
 *
 * An image that loads is also opened as a base image (src/image/base*.c, what
 * FROM and COPY --from a named image context use): its file system made,
 * every file in it read through img_base_read, every layer streamed through
 * img_base_blob both as stored and uncompressed. Each must give exactly the
 * bytes it announced, or fail with a whole error.
 */
#include "fuzz_util.h"
#include "cli/cli.h"
#include "image/base.h"
#include "image/read.h"
#include "util/jtree.h"
#include "util/error.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	/* The commands print their reports; libFuzzer reports on stderr. */
	if (!freopen("/dev/null", "w", stdout))
		abort();
	return 0;
}

static int is_digest(const char *s)
{
	if (strncmp(s, "sha256:", 7) || strlen(s) != 71)
		return 0;
	for (int i = 7; i < 71; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return 0;
	return 1;
}

/* A path inside a layer: relative, no "." or ".." element, no "//". */
static int inside(const char *p)
{
	const char *s = p;

	if (!*p || *p == '/')
		return 0;
	while (*s) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && !strncmp(s, "..", 2)))
			return 0;
		s += n;
		if (*s == '/')
			s++;
		if (e && !*s)
			return 0; /* a trailing '/' */
	}
	return 1;
}

/* What every loaded image must satisfy. */
static void loaded(const struct rd_archive *ar)
{
	check(ar->nimages > 0 && ar->layout != NULL);
	for (size_t i = 0; i < ar->nimages; i++) {
		const struct rd_image *img = &ar->images[i];
		yajl_val ids = jt_get(jt_get(img->config, "rootfs"), "diff_ids");

		check(YAJL_IS_OBJECT(img->config) && img->config_raw != NULL);
		check(img->config_raw[img->config_len] == '\0' && is_digest(img->image_id));
		check(img->layers_loaded);
		check(YAJL_IS_ARRAY(ids) && ids->u.array.len == img->nlayers);
		for (size_t k = 0; k < img->nlayers; k++) {
			const struct rd_layer *l = &img->layers[k];

			check(l->verified && l->resolved != NULL && is_digest(l->diff_id));
			check(is_digest(l->blob_digest) && l->compression[0] != '\0');
			check(YAJL_IS_STRING(ids->u.array.values[k]) &&
			      !strcmp(ids->u.array.values[k]->u.string, l->diff_id));
			if (l->want_digest[0])
				check(!strcmp(l->want_digest, l->blob_digest));
			if (l->has_want_size)
				check(l->want_size == l->stored_size);
			for (size_t e = 0; e < l->nentries; e++) {
				const struct rd_entry *x = &l->entries[e];

				check(x->path && inside(x->path));
				check((x->type == RD_FILE) == (strlen(x->sha256) == 64));
				check(x->type == RD_FILE || x->size == 0);
				check((x->type == RD_SYMLINK || x->type == RD_HARDLINK) ==
				      (x->link != NULL));
				if (x->type == RD_HARDLINK)
					check(inside(x->link));
				check((x->mode & ~07777u) == 0);
			}
		}
	}
}

/* Bounds small enough that a bomb stops in milliseconds, large enough for
 * the seeds. */
static void limits(struct rd_limits *lim)
{
	rd_limits_default(lim);
	lim->max_json = 1u << 20;
	lim->max_layer = 16u << 20;
	lim->max_meta = 1u << 20;
	lim->max_members = 1000;
	lim->max_entries = 10000;
	lim->max_layers = 64;
	lim->max_images = 16;
}

/* Reads r to its end: -1 on a recorded error, else the byte count. */
static long long drain(struct img_reader *r, struct sb_error *err)
{
	char buf[4096];
	long long total = 0;
	size_t got;
	int rc;

	while ((rc = r->read(r->self, buf, sizeof(buf), &got, err)) == 0 && got > 0)
		total += (long long)got;
	r->close(r->self);
	return rc < 0 ? -1 : total;
}

struct fs_walk {
	struct img_base *b;
};

static int read_entry(void *ud, const struct img_entry *e, struct sb_error *err)
{
	struct fs_walk *w = ud;
	struct img_reader r;
	long long n;

	(void)err;
	if (e->type != IMG_REG)
		return 0;
	if (img_base_read(w->b, e, &r, err) < 0) {
		consume_error(err);
		return 0;
	}
	n = drain(&r, err);
	if (n < 0)
		consume_error(err);
	else
		check((uint64_t)n == e->size);
	return 0;
}

/* The image as a base: its file system, its entries' bytes, its layers. */
static void as_base(const char *path)
{
	struct sb_error err = {0};
	struct img_base *b = NULL;
	struct img_platform host;
	struct img_base_select sel = {.platform = &host, .what = "--build-context fuzz=image"};
	struct img_tree *fs = NULL;
	struct fs_walk w;

	img_platform_host(&host);
	if (img_base_open(&b, path, &sel, &err) < 0) {
		check(b == NULL);
		consume_error(&err);
		return;
	}
	check(img_base_config(b) != NULL && img_base_platform(b) != NULL);
	if (img_base_fs(b, 1, &fs, &err) < 0) {
		consume_error(&err);
	} else {
		w.b = b;
		check(img_tree_each(fs, read_entry, &w, &err) == 0);
		img_tree_free(fs);
	}
	for (size_t i = 0; i < img_base_nlayers(b); i++) {
		struct img_base_layer_info info;

		img_base_layer_info(b, i, &info);
		check(img_base_layer(b, i) != NULL && info.diff_id != NULL);
		for (int raw = 0; raw < 2; raw++) {
			struct img_reader r;
			long long n;

			if (img_base_blob(b, i, raw, &r, &err) < 0) {
				consume_error(&err);
				continue;
			}
			n = drain(&r, &err);
			if (n < 0)
				consume_error(&err);
			else
				check((uint64_t)n == (raw ? info.stored_size : info.tar_size));
		}
	}
	img_base_free(b);
}

static void image(const char *path)
{
	struct sb_error err = {0};
	struct rd_archive *ar = NULL;
	struct rd_limits lim;
	char *inspect[] = {"inspect", (char *)path, NULL};
	char *inspect_json[] = {"inspect", (char *)path, "--json", NULL};
	char *diff[] = {"diff", (char *)path, (char *)path, "--mtime", NULL};

	limits(&lim);
	if (rd_open(&ar, path, &lim, &err) < 0) {
		check(ar == NULL);
		consume_error(&err);
		return;
	}
	for (size_t i = 0; i < ar->nimages; i++) {
		if (rd_load_config(ar, i, &err) < 0 || rd_load_layers(ar, i, &err) < 0) {
			consume_error(&err);
			rd_close(ar);
			return;
		}
		/* Loading twice is a no-op. */
		check(rd_load_layers(ar, i, &err) == 0);
	}
	loaded(ar);
	rd_close(ar);
	/* It loads within the small limits, so the commands, which use the
	 * default ones, must take it too. */
	check(sb_cmd_inspect(2, inspect) == 0);
	check(sb_cmd_inspect(3, inspect_json) == 0);
	check(sb_cmd_diff(4, diff) == 0);
	as_base(path);
}

/* The same bytes as a bare JSON document. */
static void json(const uint8_t *data, size_t size)
{
	struct sb_error err = {0};
	yajl_val v = NULL, w = NULL;
	char *buf = malloc(size + 1), *text = NULL, *again = NULL;
	yajl_gen g = NULL;

	if (!buf)
		return;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (jt_parse(buf, size, 64, "fuzz.json", &v, &err) < 0) {
		check(v == NULL);
		consume_error(&err);
		goto out;
	}
	/* Compact with keys sorted: reading it back gives the same text. */
	text = jt_text(v);
	if (!text)
		goto out;
	check(jt_parse(text, strlen(text), 64, "canonical", &w, &err) == 0);
	again = jt_text(w);
	check(again == NULL || !strcmp(text, again));
	for (int sort = 0; sort < 2; sort++) {
		const unsigned char *out;
		size_t len;

		g = yajl_gen_alloc(NULL);
		if (!g)
			goto out;
		if (jt_gen(g, v, sort, &err) < 0)
			consume_error(&err);
		else
			check(yajl_gen_get_buf(g, &out, &len) == yajl_gen_status_ok && len > 0);
		yajl_gen_free(g);
		g = NULL;
	}
	(void)jt_str(v, "Config");
	(void)jt_get(v, "manifests");
out:
	yajl_tree_free(v);
	yajl_tree_free(w);
	free(again);
	free(text);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = memfd_create("fuzz-image", MFD_CLOEXEC);
	size_t off = 0;

	check(fd >= 0);
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);

		check(n > 0);
		off += (size_t)n;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	image(path);
	close(fd);
	json(data, size);
	return 0;
}
