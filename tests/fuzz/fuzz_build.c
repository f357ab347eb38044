/* libFuzzer target for the whole build: the input is a Dockerfile, parsed,
 * evaluated against a small fixed build context and written as a dry run
 * (every layer made and hashed, nothing written), in a format picked from the
 * input's bytes. It reaches what fuzz_dockerfile cannot: stages, COPY and ADD
 * against real files, symbolic links and a tar archive, --chown lookups, the
 * writers.
 *
 * The context is made once per process in a temporary directory (removed at
 * exit): regular files (one executable), a directory tree, symbolic links
 * inside it, pointing out of it and dangling, etc/passwd and etc/group, a
 * .dockerignore, and a tar archive with a directory, files, a symlink and a
 * hard link.
 *
 * Beside it (not in it) lies a small linux/amd64 image tar of two layers, the
 * upper one deleting by whiteouts and an opaque directory, offered to every
 * build as the named context `base`, as `--build-context base=PATH` offers
 * it: `FROM base` and `COPY --from=base` reach the base image code
 * (src/image/base*.c, src/interp/from_image.c). tests/fuzz/seeds/build/ holds
 * Dockerfiles that use it.
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true && ninja -C build-fuzz
 * Run:   SB_FUZZ_TARGETS=build tests/fuzz/run [SECONDS]
 *
 * Nothing here may print or exit: a finding is a crash, a sanitizer report, a
 * leak or a broken invariant (abort()).
 */
#define _XOPEN_SOURCE 700
#include "context/context.h"
#include "context/named.h"
#include "image/base.h"
#include "image/image.h"
#include "image/platform.h"
#include "image/reference.h"
#include "interp/eval.h"
#include "interp/parse.h"
#include "interp/source.h"
#include "util/error.h"
#include "util/mem.h"
#include "util/sha256.h"

#include <archive.h>
#include <archive_entry.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The context directory, made by LLVMFuzzerInitialize; the base image tar
 * beside it, and the --build-context argument that names it. */
static char context_dir[64];
static char base_tar[80];
static char base_arg[96];

static void check(int ok)
{
	if (!ok)
		abort();
}

static void put(const char *name, const char *text, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", context_dir, name);
	f = fopen(path, "w");
	check(f != NULL);
	check(fputs(text, f) >= 0);
	check(fclose(f) == 0);
	check(chmod(path, mode) == 0);
}

static void dir(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", context_dir, name);
	check(mkdir(path, 0755) == 0);
}

static void link_to(const char *target, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", context_dir, name);
	check(symlink(target, path) == 0);
}

static void tar_member(struct archive *a, const char *path, int type, const char *body,
		       const char *link, int hard)
{
	struct archive_entry *e = archive_entry_new();
	size_t n = body ? strlen(body) : 0;

	check(e != NULL);
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, (unsigned)type);
	archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
	archive_entry_set_uid(e, 1000);
	archive_entry_set_gid(e, 1000);
	archive_entry_set_size(e, (la_int64_t)n);
	if (link && hard)
		archive_entry_set_hardlink(e, link);
	else if (link)
		archive_entry_set_symlink(e, link);
	check(archive_write_header(a, e) == ARCHIVE_OK);
	if (n)
		check(archive_write_data(a, body, n) == (la_ssize_t)n);
	archive_entry_free(e);
}

static void make_tar(const char *name)
{
	struct archive *a = archive_write_new();
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", context_dir, name);
	check(a != NULL);
	check(archive_write_set_format_pax_restricted(a) == ARCHIVE_OK);
	check(archive_write_open_filename(a, path) == ARCHIVE_OK);
	tar_member(a, "pkg/", AE_IFDIR, NULL, NULL, 0);
	tar_member(a, "pkg/bin", AE_IFREG, "#!/bin/sh\n", NULL, 0);
	tar_member(a, "pkg/link", AE_IFLNK, NULL, "bin", 0);
	tar_member(a, "pkg/hard", AE_IFREG, NULL, "pkg/bin", 1);
	tar_member(a, "../escape", AE_IFREG, "x\n", NULL, 0);
	check(archive_write_close(a) == ARCHIVE_OK);
	archive_write_free(a);
}

static la_ssize_t mem_write(struct archive *a, void *ud, const void *buf, size_t n)
{
	(void)a;
	check(sb_buf_add(ud, buf, n) == 0);
	return (la_ssize_t)n;
}

/* A layer tar in memory: members of tar_member's kinds, a name ending in
 * '/' a directory, "NAME>TARGET" a symbolic link, "NAME=TARGET" a hard
 * link, "NAME:TEXT" a file. */
static struct sb_buf layer(const char *const *members)
{
	struct archive *a = archive_write_new();
	struct sb_buf o = {0};

	check(a != NULL);
	check(archive_write_set_format_pax_restricted(a) == ARCHIVE_OK);
	check(archive_write_set_bytes_in_last_block(a, 1) == ARCHIVE_OK);
	check(archive_write_open(a, &o, NULL, mem_write, NULL) == ARCHIVE_OK);
	for (; *members; members++) {
		const char *m = *members, *sep = m + strcspn(m, ":>=");
		char *name = sb_strndup(m, (size_t)(sep - m));

		check(name != NULL);
		if (!*sep)
			tar_member(a, name, AE_IFDIR, NULL, NULL, 0);
		else if (*sep == '>')
			tar_member(a, name, AE_IFLNK, NULL, sep + 1, 0);
		else if (*sep == '=')
			tar_member(a, name, AE_IFREG, NULL, sep + 1, 1);
		else
			tar_member(a, name, AE_IFREG, sep + 1, NULL, 0);
		free(name);
	}
	check(archive_write_close(a) == ARCHIVE_OK);
	archive_write_free(a);
	return o;
}

static void digest(const struct sb_buf *b, char out[72])
{
	unsigned char h[SB_SHA256_BYTES];

	sb_sha256(b->buf, b->len, h);
	strcpy(out, "sha256:");
	for (int i = 0; i < SB_SHA256_BYTES; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", h[i]);
}

/* base_tar: a docker-save-like image (manifest.json, config.json, two
 * layer tars) for linux/amd64, with a user, a working directory, an
 * environment, an entrypoint and an ONBUILD trigger in its config. */
static void make_base(void)
{
	static const char *const lower[] = {
	    "etc/",
	    "etc/passwd:root:x:0:0::/root:/bin/sh\nbase:x:2000:2000::/home/base:/bin/sh\n",
	    "etc/group:root:x:0:\nbase:x:2000:\n",
	    "bin/",
	    "bin/tool:#!/bin/sh\n",
	    "app/",
	    "app/old:old\n",
	    "app/conf/",
	    "app/conf/a:a\n",
	    "app/hard=bin/tool",
	    "lib>bin",
	    NULL};
	static const char *const upper[] = {"app/",
					    "app/.wh.old",
					    "app/conf/",
					    "app/conf/.wh..wh..opq",
					    "app/conf/b:b\n",
					    "app/new:new\n",
					    "home/",
					    "home/base/",
					    NULL};
	struct sb_buf l[2] = {layer(lower), layer(upper)}, cfg = {0};
	char d[2][72];
	struct archive *a = archive_write_new();
	struct archive_entry *e;
	const char *man = "[{\"Config\":\"config.json\",\"RepoTags\":[\"base:1\"],"
			  "\"Layers\":[\"l0.tar\",\"l1.tar\"]}]";

	digest(&l[0], d[0]);
	digest(&l[1], d[1]);
	check(sb_buf_addf(&cfg,
			  "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":"
			  "\"base\",\"WorkingDir\":\"/app\",\"Env\":[\"PATH=/bin\",\"B=from "
			  "base\"],\"Entrypoint\":[\"/bin/tool\"],\"OnBuild\":[\"LABEL on=1\"]},"
			  "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\",\"%s\"]},"
			  "\"history\":[{\"created_by\":\"ADD lower /\"},{\"created_by\":"
			  "\"ADD upper /\"}]}",
			  d[0], d[1]) == 0);
	check(a != NULL);
	check(archive_write_set_format_pax_restricted(a) == ARCHIVE_OK);
	check(archive_write_open_filename(a, base_tar) == ARCHIVE_OK);
	const struct {
		const char *name, *data;
		size_t len;
	} ms[] = {{"l0.tar", l[0].buf, l[0].len},
		  {"l1.tar", l[1].buf, l[1].len},
		  {"config.json", cfg.buf, cfg.len},
		  {"manifest.json", man, strlen(man)}};
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		check((e = archive_entry_new()) != NULL);
		archive_entry_set_pathname(e, ms[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)ms[i].len);
		check(archive_write_header(a, e) == ARCHIVE_OK);
		check(archive_write_data(a, ms[i].data, ms[i].len) == (la_ssize_t)ms[i].len);
		archive_entry_free(e);
	}
	check(archive_write_close(a) == ARCHIVE_OK);
	archive_write_free(a);
	sb_buf_release(&l[0]);
	sb_buf_release(&l[1]);
	sb_buf_release(&cfg);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_context(void)
{
	nftw(context_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	remove(base_tar);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	strcpy(context_dir, "/tmp/sb-fuzz-build-XXXXXX");
	check(mkdtemp(context_dir) != NULL);
	atexit(remove_context);
	put("a", "a\n", 0644);
	put("b", "bb\n", 0755);
	put("f", "f\n", 0644);
	put("f1", "one\n", 0644);
	put("a.txt", "a\n", 0600);
	put("serve", "#!/bin/sh\n", 0755);
	put("index.html", "<p>hi</p>\n", 0644);
	put("x.bak", "ignored\n", 0644);
	put(".dockerignore", "*.bak\n!keep.bak\n", 0644);
	dir("d");
	dir("d/sub");
	dir("etc");
	put("d/x", "x\n", 0644);
	put("d/sub/y", "y\n", 04755);
	put("etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n", 0644);
	put("etc/group", "root:x:0:\napp:x:1001:\n", 0644);
	link_to("a", "l");
	link_to("d", "ld");
	link_to("/etc/passwd", "abs");
	link_to("../../../../etc", "up");
	link_to("nowhere", "dangling");
	link_to("d/sub/y", "d/ly");
	make_tar("t.tar");
	snprintf(base_tar, sizeof(base_tar), "%s-base.tar", context_dir);
	snprintf(base_arg, sizeof(base_arg), "base=%s", base_tar);
	make_base();
	return 0;
}

static void consume_error(struct sb_error *err)
{
	char *s = sb_error_format(err);

	check(s != NULL);
	free(s);
	sb_error_release(err);
}

/* The named context `base`, as main opens --build-context base=PATH for a
 * linux/amd64 build. */
static void open_base(struct ctx_named *n)
{
	struct sb_error err = {0};
	struct img_platform amd64;
	struct img_base_select sel = {.platform = &amd64, .what = "--build-context base"};
	const char *why = NULL;

	check(img_platform_parse("linux/amd64", &amd64, &err) == 0);
	check(ctx_named_parse(base_arg, n, &err) == 0 && ctx_named_open(n, &err) == 0);
	check(n->kind == CTX_NAMED_IMAGE_TAR && ctx_named_is_image(n));
	check(img_reference_familiar(n->name, &n->key, &why) == 0);
	check(img_base_open(&n->image, n->path, &sel, &err) == 0);
}

/* The plan written as a dry run in one of the formats. */
static void write_plan(struct ev_plan *plan, struct ctx *c, const struct ctx_named *named,
		       uint32_t pick)
{
	static const enum img_format formats[] = {IMG_FORMAT_MANUAL, IMG_FORMAT_DOCKER,
						  IMG_FORMAT_OCI};
	struct img_write_opts wo = {0};
	struct img_result res = {0};
	struct src_opener *o = NULL;
	struct sb_error err = {0};
	size_t n = 0;

	if (src_opener_new(&o, c, &err) < 0) {
		consume_error(&err);
		return;
	}
	src_opener_named(o, named, 1);
	wo.format = formats[pick % 3];
	wo.compression = (pick / 3) % 4 == 3 ? IMG_COMPRESS_GZIP : IMG_COMPRESS_NONE;
	wo.output = "/dev/null";
	wo.open = src_open;
	wo.open_ud = o;
	wo.dry_run = 1;
	if (img_write(&plan->img, &wo, &res, &err) < 0) {
		check(err.msg != NULL);
		consume_error(&err);
	} else {
		while (res.diff_ids && res.diff_ids[n])
			n++;
		check(n == plan->img.nlayers);
		check(!strncmp(res.image_id, "sha256:", 7));
	}
	img_result_release(&res);
	src_opener_free(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const build_args[] = {"V=1", "EMPTY=", NULL};
	struct ev_eval_opts opts = {.architecture = "amd64", .build_args = (char **)build_args};
	struct sb_error err = {0};
	struct ev_plan plan;
	struct df_file f;
	struct ctx *c = NULL;
	struct ctx_named base;
	char *buf, *name;
	uint32_t pick = 2166136261u;

	if (!context_dir[0])
		LLVMFuzzerInitialize(NULL, NULL);
	for (size_t i = 0; i < size; i++)
		pick = (pick ^ data[i]) * 16777619u;
	buf = malloc(size + 1);
	name = sb_strdup("Dockerfile");
	if (!buf || !name) {
		free(buf);
		free(name);
		return 0;
	}
	if (size)
		memcpy(buf, data, size);
	if (df_parse(&f, name, buf, size, &err) < 0) {
		consume_error(&err);
		return 0;
	}
	if (ctx_open(&c, context_dir, NULL, &err) < 0) {
		consume_error(&err);
		df_file_release(&f);
		return 0;
	}
	open_base(&base);
	opts.contexts = &base;
	opts.ncontexts = 1;
	if (ev_eval(&f, c, &opts, &plan, &err) < 0) {
		/* A refusal names where in the Dockerfile, or what it is about. */
		check(err.msg != NULL && plan.img.nlayers == 0 && plan.nwarnings == 0);
		consume_error(&err);
	} else {
		for (size_t i = 0; i < plan.nwarnings; i++) {
			char *s = sb_error_format(&plan.warnings[i]);

			check(s != NULL && plan.warnings[i].line > 0);
			free(s);
		}
		write_plan(&plan, c, &base, pick);
		ev_plan_release(&plan);
	}
	ctx_named_release(&base);
	ctx_free(c);
	df_file_release(&f);
	return 0;
}
