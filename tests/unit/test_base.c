/* Base images opened from local files: fixtures made here with libarchive (a
 * legacy docker save tar, OCI archives with gzip and zstd layers, an OCI
 * layout directory with a two-platform index, a layer with whiteouts and an
 * opaque directory), then the image chosen, its config and history, its
 * layers' trees, the file system, entry reads, and each error's text; opened
 * for its blobs only (a push), the same digests and sizes without the trees,
 * and its layers' bytes read and verified. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/base.h"
#include "image/base_priv.h"
#include "util/mem.h"
#include "util/sha256.h"

/* ---- fixtures ---- */

struct m {
	const char *name;
	const char *data; /* NULL: empty */
	int type;	  /* 0 file, 'd', 'l' symlink, 'h' hard link, 'c' char device */
	const char *link;
	int mode;
};

struct out {
	char *buf;
	size_t len;
};

static la_ssize_t mem_write(struct archive *a, void *ud, const void *buf, size_t n)
{
	struct out *o = ud;

	(void)a;
	o->buf = realloc(o->buf, o->len + n + 1);
	assert_non_null(o->buf);
	memcpy(o->buf + o->len, buf, n);
	o->len += n;
	return (la_ssize_t)n;
}

/* A tar of ms in memory; filter 0 none, 'g' gzip, 'z' zstd. */
static struct out make_tar(const struct m *ms, size_t n, int filter)
{
	struct out o = {0};
	struct archive *a = archive_write_new();

	assert_non_null(a);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	if (filter == 'g')
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	if (filter == 'z')
		assert_int_equal(archive_write_add_filter_zstd(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_bytes_in_last_block(a, 1), ARCHIVE_OK);
	assert_int_equal(archive_write_open(a, &o, NULL, mem_write, NULL), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = ms[i].data ? strlen(ms[i].data) : 0;

		archive_entry_set_pathname(e, ms[i].name);
		archive_entry_set_mtime(e, 1000, 0);
		archive_entry_set_uid(e, ms[i].type == 'd' ? 0 : 65532);
		archive_entry_set_gid(e, ms[i].type == 'd' ? 0 : 65532);
		switch (ms[i].type) {
		case 'd':
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, ms[i].mode ? ms[i].mode : 0755);
			break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, ms[i].link);
			archive_entry_set_perm(e, 0777);
			break;
		case 'h':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, ms[i].link);
			archive_entry_set_perm(e, 0644);
			break;
		case 'c':
			archive_entry_set_filetype(e, AE_IFCHR);
			archive_entry_set_perm(e, 0666);
			break;
		default:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, ms[i].mode ? ms[i].mode : 0644);
			archive_entry_set_size(e, (la_int64_t)len);
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (len)
			assert_int_equal(archive_write_data(a, ms[i].data, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return o;
}

/* An outer tar: names[i] holding bufs[i] (a NULL name ends the list). */
static struct out make_outer(const char **names, struct out *bufs)
{
	struct out o = {0};
	struct archive *a = archive_write_new();

	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open(a, &o, NULL, mem_write, NULL), ARCHIVE_OK);
	for (size_t i = 0; names[i]; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)bufs[i].len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (bufs[i].len)
			assert_int_equal(archive_write_data(a, bufs[i].buf, bufs[i].len),
					 (la_ssize_t)bufs[i].len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return o;
}

static char dir[64];

static char *tmp(const char *name)
{
	char *p = sb_printf("%s/%s", dir, name);

	assert_non_null(p);
	return p;
}

static void save(const char *name, const void *buf, size_t len)
{
	char *p = tmp(name), *slash;
	FILE *f;

	/* Makes the directories on the way. */
	for (slash = strchr(p + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(p, 0755);
		*slash = '/';
	}
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
	free(p);
}

static void sha(const void *d, size_t n, char out[72])
{
	unsigned char h[32];

	sb_sha256(d, n, h);
	strcpy(out, "sha256:");
	for (int i = 0; i < 32; i++)
		sprintf(out + 7 + 2 * i, "%02x", h[i]);
}

static struct out str(char *s)
{
	struct out o = {s, strlen(s)};

	assert_non_null(s);
	return o;
}

/* The base's two layers: a root file system, and one with whiteouts. */
static const struct m layer1[] = {
    {"etc/", NULL, 'd', NULL, 0},
    {"etc/passwd", "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:\n",
     0, NULL, 0},
    {"etc/group", "root:x:0:\nnonroot:x:65532:\n", 0, NULL, 0},
    {"home/nonroot/", NULL, 'd', NULL, 0700},
    {"tmp/", NULL, 'd', NULL, 01777},
    {"usr/share/old/", NULL, 'd', NULL, 0},
    {"usr/share/old/a", "a", 0, NULL, 0},
    {"usr/share/old/b/", NULL, 'd', NULL, 0},
    {"usr/share/old/b/c", "c", 0, NULL, 0},
    {"gone", "gone", 0, NULL, 0},
    {"gonedir/", NULL, 'd', NULL, 0},
    {"gonedir/x", "x", 0, NULL, 0},
};
static const struct m layer2[] = {
    {".wh.gone", NULL, 0, NULL, 0},
    {".wh.gonedir", NULL, 0, NULL, 0},
    {"usr/", NULL, 'd', NULL, 0},
    {"usr/share/", NULL, 'd', NULL, 0},
    {"usr/share/old/", NULL, 'd', NULL, 0750},
    {"usr/share/old/.wh..wh..opq", NULL, 0, NULL, 0},
    {"usr/share/old/new", "new", 0, NULL, 0},
    {"etc/ssl/certs/ca.pem", "CERT", 0, NULL, 0},
    {"etc/ssl/certs/link.pem", NULL, 'h', "etc/ssl/certs/ca.pem", 0},
    {"bin", NULL, 'l', "usr/bin", 0},
};

static char *config_json(const char *arch, const char *d1, const char *d2)
{
	return sb_printf(
	    "{\"architecture\":\"%s\",\"author\":\"someone\",\"config\":{\"User\":\"65532\","
	    "\"ExposedPorts\":{\"8080/tcp\":{},\"443/tcp\":{}},\"Env\":[\"PATH=/usr/bin:/bin\","
	    "\"SSL_CERT_FILE=/etc/ssl/certs/ca.pem\"],\"Entrypoint\":[\"/app\"],"
	    "\"Cmd\":[\"--help\"],\"Volumes\":{\"/data\":{}},\"WorkingDir\":\"/home/nonroot\","
	    "\"Labels\":{\"z\":\"last\",\"a\":\"first\",\"a\":\"again\"},\"StopSignal\":"
	    "\"SIGTERM\","
	    "\"Healthcheck\":{\"Test\":[\"CMD\",\"/app\",\"health\"],\"Interval\":30000000000,"
	    "\"Retries\":3},\"ArgsEscaped\":true,\"OnBuild\":[\"ENV X=1\"],"
	    "\"Shell\":[\"/bin/sh\",\"-c\"],\"Hostname\":\"dropped\"},"
	    "\"created\":\"2024-01-01T00:00:00Z\",\"history\":[{\"created\":"
	    "\"2024-01-01T00:00:00Z\",\"created_by\":\"COPY rootfs / # buildkit\","
	    "\"comment\":\"buildkit.dockerfile.v0\"},{\"created\":\"2024-01-02T00:00:00Z\","
	    "\"author\":\"me\",\"created_by\":\"USER 65532\",\"empty_layer\":true},"
	    "{\"created_by\":\"COPY certs\"}],\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
	    "\"diff_ids\":[\"%s\",\"%s\"]}}",
	    arch, d1, d2);
}

/* base.tar: docker save's legacy layout, tagged
 * registry.example/distroless/static:nonroot; with two, a second image
 * tagged other:1 too. */
static void make_legacy(const char *name, int two)
{
	struct out l1 = make_tar(layer1, sizeof(layer1) / sizeof(layer1[0]), 0);
	struct out l2 = make_tar(layer2, sizeof(layer2) / sizeof(layer2[0]), 0);
	char d1[72], d2[72], cid[72], *n1, *n2, *cname, *cname2;
	struct out cfg, cfg2, man, outer, bufs[8];
	const char *names[8];

	sha(l1.buf, l1.len, d1);
	sha(l2.buf, l2.len, d2);
	cfg = str(config_json("amd64", d1, d2));
	cfg2 = str(config_json("arm64", d1, d2));
	sha(cfg.buf, cfg.len, cid);
	cname = sb_printf("%s.json", cid + 7);
	sha(cfg2.buf, cfg2.len, cid);
	cname2 = sb_printf("%s.json", cid + 7);
	n1 = sb_printf("%.64s/layer.tar", d1 + 7);
	n2 = sb_printf("%.64s/layer.tar", d2 + 7);
	man = str(sb_printf("[{\"Config\":\"%s\",\"RepoTags\":[\"registry.example/distroless/"
			    "static:nonroot\"],\"Layers\":[\"%s\",\"%s\"]}%s%s%s%s%s%s%s]",
			    cname, n1, n2, two ? ",{\"Config\":\"" : "", two ? cname2 : "",
			    two ? "\",\"RepoTags\":[\"other:1\"],\"Layers\":[\"" : "",
			    two ? n1 : "", two ? "\",\"" : "", two ? n2 : "", two ? "\"]}" : ""));
	names[0] = "manifest.json", bufs[0] = man;
	names[1] = "repositories", bufs[1] = str(sb_strdup("{}"));
	names[2] = cname, bufs[2] = cfg;
	names[3] = n1, bufs[3] = l1;
	names[4] = n2, bufs[4] = l2;
	names[5] = two ? cname2 : NULL, bufs[5] = cfg2;
	names[6] = NULL;
	outer = make_outer(names, bufs);
	save(name, outer.buf, outer.len);
	for (int i = 0; i < 6; i++)
		free(bufs[i].buf);
	free(outer.buf);
	free(n1);
	free(n2);
	free(cname);
	free(cname2);
}

/* A blob in DIR/blobs/sha256; its descriptor ({"mediaType",...) into desc. */
static void blob(const char *dirname, struct out o, const char *mt, const char *extra, char **desc)
{
	char d[72], *name;

	sha(o.buf, o.len, d);
	name = sb_printf("%s/blobs/sha256/%s", dirname, d + 7);
	save(name, o.buf, o.len);
	*desc = sb_printf("{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu%s}", mt, d, o.len,
			  extra ? extra : "");
	free(name);
	free(o.buf);
}

/* oci/: an OCI image layout, an index tagged nonroot holding two images
 * (linux/amd64 and linux/arm64) whose layers are gzip and zstd. */
static void make_oci_dir(void)
{
	struct out l1 = make_tar(layer1, sizeof(layer1) / sizeof(layer1[0]), 0);
	struct out l2 = make_tar(layer2, sizeof(layer2) / sizeof(layer2[0]), 0);
	char d1[72], d2[72], *dl1, *dl2, *dc[2], *dm[2], *di, *idx;
	const char *arch[2] = {"amd64", "arm64"};

	sha(l1.buf, l1.len, d1);
	sha(l2.buf, l2.len, d2);
	free(l1.buf);
	free(l2.buf);
	blob("oci", make_tar(layer1, sizeof(layer1) / sizeof(layer1[0]), 'g'),
	     "application/vnd.oci.image.layer.v1.tar+gzip", NULL, &dl1);
	blob("oci", make_tar(layer2, sizeof(layer2) / sizeof(layer2[0]), 'z'),
	     "application/vnd.oci.image.layer.v1.tar+zstd", NULL, &dl2);
	for (int i = 0; i < 2; i++) {
		char *plat =
		    sb_printf(",\"platform\":{\"architecture\":\"%s\",\"os\":\"linux\"}", arch[i]);

		blob("oci", str(config_json(arch[i], d1, d2)),
		     "application/vnd.oci.image.config.v1+json", NULL, &dc[i]);
		blob("oci",
		     str(sb_printf(
			 "{\"schemaVersion\":2,\"mediaType\":\"application/"
			 "vnd.oci.image.manifest.v1+json\",\"config\":%s,\"layers\":[%s,%s]}",
			 dc[i], dl1, dl2)),
		     "application/vnd.oci.image.manifest.v1+json", plat, &dm[i]);
		free(plat);
	}
	blob("oci", str(sb_printf("{\"schemaVersion\":2,\"manifests\":[%s,%s]}", dm[0], dm[1])),
	     "application/vnd.oci.image.index.v1+json",
	     ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"nonroot\"}", &di);
	idx = sb_printf("{\"schemaVersion\":2,\"manifests\":[%s]}", di);
	save("oci/index.json", idx, strlen(idx));
	save("oci/oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	free(idx);
	free(di);
	free(dl1);
	free(dl2);
	for (int i = 0; i < 2; i++) {
		free(dc[i]);
		free(dm[i]);
	}
}

/* ---- helpers ---- */

static const char *msg_of(struct sb_error *e)
{
	static char buf[4096];
	char *s = sb_error_format(e);

	assert_non_null(s);
	snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	return buf;
}

static struct img_base *open_ok(const char *name, const char *ref, const char *platform)
{
	struct img_platform p;
	struct img_base_select sel = {ref, platform ? &p : NULL, "--build-context b=x", 0};
	struct sb_error err = {0};
	struct img_base *b = NULL;
	char *path = tmp(name);

	if (platform)
		assert_int_equal(img_platform_parse(platform, &p, &err), 0);
	if (img_base_open(&b, path, &sel, &err) < 0)
		fail_msg("%s", msg_of(&err));
	sb_error_release(&err);
	free(path);
	return b;
}

/* The error opening name (the path relative to dir), dir replaced by "D". */
static const char *open_err(const char *name, const char *ref, const char *platform)
{
	static char buf[4096];
	struct img_platform p;
	struct img_base_select sel = {ref, platform ? &p : NULL, "--build-context b=x", 0};
	struct sb_error err = {0};
	struct img_base *b = NULL;
	char *path = tmp(name);
	const char *s, *at;
	size_t k = 0;

	if (platform)
		assert_int_equal(img_platform_parse(platform, &p, &err), 0);
	assert_int_equal(img_base_open(&b, path, &sel, &err), -1);
	assert_null(b);
	s = msg_of(&err);
	while ((at = strstr(s, dir)) && k < sizeof(buf) - 2) {
		memcpy(buf + k, s, (size_t)(at - s));
		k += (size_t)(at - s);
		buf[k++] = 'D';
		s = at + strlen(dir);
	}
	snprintf(buf + k, sizeof(buf) - k, "%s", s);
	sb_error_release(&err);
	free(path);
	return buf;
}

static int list_cb(void *ud, const struct img_entry *e, struct sb_error *err)
{
	struct sb_buf *b = ud;
	static const char t[] = "dflhp";

	(void)err;
	return sb_buf_addf(b, "%c %s %o %u %llu %s m%llu L%u\n", t[e->type], e->path,
			   (unsigned)e->mode, (unsigned)e->uid, (unsigned long long)e->size,
			   e->link ? e->link : "-", (unsigned long long)e->member,
			   (unsigned)e->layer);
}

static char *list(const struct img_tree *t)
{
	struct sb_buf b = {0};
	struct sb_error err = {0};

	assert_int_equal(img_tree_each(t, list_cb, &b, &err), 0);
	return sb_buf_detach(&b);
}

/* ---- tests ---- */

static void test_legacy(void **state)
{
	struct img_base *b;
	const struct img_config *c;
	char *s;

	(void)state;
	make_legacy("base.tar", 0);
	b = open_ok("base.tar", NULL, NULL);
	c = img_base_config(b);
	assert_string_equal(img_base_platform(b)->name, "linux/amd64");
	assert_string_equal(c->user, "65532");
	assert_string_equal(c->ports[0], "443/tcp");
	assert_string_equal(c->ports[1], "8080/tcp");
	assert_null(c->ports[2]);
	assert_string_equal(c->env[1], "SSL_CERT_FILE=/etc/ssl/certs/ca.pem");
	assert_string_equal(c->entrypoint[0], "/app");
	assert_string_equal(c->cmd[0], "--help");
	assert_string_equal(c->volumes[0], "/data");
	assert_string_equal(c->workdir, "/home/nonroot");
	assert_string_equal(c->labels[0], "a");
	assert_string_equal(c->labels[1], "again");
	assert_string_equal(c->labels[2], "z");
	assert_string_equal(c->labels[3], "last");
	assert_null(c->labels[4]);
	assert_string_equal(c->stop_signal, "SIGTERM");
	assert_string_equal(c->health->test[2], "health");
	assert_true(c->health->interval == 30000000000LL);
	assert_int_equal(c->health->retries, 3);
	assert_true(c->args_escaped);
	assert_string_equal(c->onbuild[0], "ENV X=1");
	assert_string_equal(c->shell[1], "-c");
	assert_string_equal(c->author, "someone");
	assert_int_equal(c->nhistory, 3);
	assert_true(c->history[0].inherited && c->history[1].inherited);
	assert_string_equal(c->history[0].created, "2024-01-01T00:00:00Z");
	assert_string_equal(c->history[0].comment, "buildkit.dockerfile.v0");
	assert_null(c->history[0].author);
	assert_string_equal(c->history[1].author, "me");
	assert_true(c->history[1].empty_layer);
	assert_null(c->history[2].created);
	assert_string_equal(c->history[2].created_by, "COPY certs");
	assert_int_equal(img_base_nlayers(b), 2);
	s = list(img_base_layer(b, 1));
	assert_string_equal(s, "f .wh.gone 644 65532 0 - m1 L1\n"
			       "f .wh.gonedir 644 65532 0 - m2 L1\n"
			       "l bin 777 65532 0 usr/bin m10 L0\n"
			       "d etc 755 0 0 - m0 L0\n"
			       "d etc/ssl 755 0 0 - m0 L0\n"
			       "d etc/ssl/certs 755 0 0 - m0 L0\n"
			       "f etc/ssl/certs/ca.pem 644 65532 4 - m8 L1\n"
			       "h etc/ssl/certs/link.pem 644 65532 0 etc/ssl/certs/ca.pem m9 L0\n"
			       "d usr 755 0 0 - m3 L0\n"
			       "d usr/share 755 0 0 - m4 L0\n"
			       "d usr/share/old 750 0 0 - m5 L0\n"
			       "f usr/share/old/.wh..wh..opq 644 65532 0 - m6 L1\n"
			       "f usr/share/old/new 644 65532 3 - m7 L1\n");
	free(s);
	assert_string_equal(base_rd_layer(b, 0)->compression, "none");
	assert_string_equal(base_rd_layer(b, 0)->blob_digest, base_rd_layer(b, 0)->diff_id);
	assert_true(base_rd_layer(b, 1)->tar_size == base_rd_layer(b, 1)->stored_size);
	img_base_free(b);
	/* By its whole tag, its tag part, its ID. */
	b = open_ok("base.tar", "registry.example/distroless/static:nonroot", NULL);
	img_base_free(b);
	b = open_ok("base.tar", "nonroot", "linux/amd64");
	img_base_free(b);
}

static void test_legacy_choose(void **state)
{
	struct img_base *b;

	(void)state;
	make_legacy("two.tar", 1);
	b = open_ok("two.tar", "other:1", NULL);
	assert_string_equal(img_base_platform(b)->name, "linux/arm64");
	img_base_free(b);
	b = open_ok("two.tar", NULL, "linux/arm64");
	assert_string_equal(img_base_platform(b)->name, "linux/arm64");
	img_base_free(b);
	assert_string_equal(open_err("two.tar", NULL, NULL),
			    "--build-context b=x: D/two.tar: 2 images fit, choose one: "
			    "other:1, registry.example/distroless/static:nonroot\n"
			    "hint: add :TAG or @sha256:DIGEST to choose one of them\n");
	assert_string_equal(open_err("two.tar", "latest", NULL),
			    "--build-context b=x: D/two.tar: no image tagged latest; it holds "
			    "other:1, registry.example/distroless/static:nonroot\n"
			    "hint: name one of the images it holds\n");
	assert_string_equal(open_err("two.tar", NULL, "linux/s390x"),
			    "--build-context b=x: D/two.tar: no image for linux/s390x; it has "
			    "other:1 (linux/arm64), registry.example/distroless/static:nonroot "
			    "(linux/amd64)\n"
			    "hint: build for one of those with --platform, or give an image that "
			    "has linux/s390x\n");
	assert_string_equal(
	    open_err("two.tar", "other:1", "linux/amd64"),
	    "--build-context b=x: D/two.tar: the image is for linux/arm64, the build "
	    "for linux/amd64\n"
	    "hint: build for its platform with --platform linux/arm64, or give an "
	    "image for linux/amd64\n");
}

/* The content of path in fs, read through img_base_read. */
static char *read_entry(struct img_base *b, const struct img_tree *fs, const char *path)
{
	const struct img_entry *e = img_tree_get(fs, path);
	struct sb_error err = {0};
	struct img_reader r;
	struct sb_buf buf = {0};
	char chunk[3];

	assert_non_null(e);
	if (img_base_read(b, e, &r, &err) < 0)
		fail_msg("%s", msg_of(&err));
	for (;;) {
		size_t got;

		assert_int_equal(r.read(r.self, chunk, sizeof(chunk), &got, &err), 0);
		if (got == 0)
			break;
		assert_int_equal(sb_buf_add(&buf, chunk, got), 0);
	}
	assert_true(*r.at_end);
	r.close(r.self);
	return sb_buf_detach(&buf);
}

static void test_fs(void **state)
{
	struct img_base *b;
	struct img_tree *fs;
	struct sb_error err = {0};
	char *s;

	(void)state;
	make_legacy("fs.tar", 0);
	b = open_ok("fs.tar", NULL, NULL);
	assert_int_equal(img_base_fs(b, 3, &fs, &err), 0);
	s = list(fs);
	assert_string_equal(s, "l bin 777 65532 0 usr/bin m10 L0\n"
			       "d etc 755 0 0 - m1 L0\n"
			       "f etc/group 644 65532 27 - m3 L0\n"
			       "f etc/passwd 644 65532 74 - m2 L0\n"
			       "d etc/ssl 755 0 0 - m0 L0\n"
			       "d etc/ssl/certs 755 0 0 - m0 L0\n"
			       "f etc/ssl/certs/ca.pem 644 65532 4 - m8 L1\n"
			       "f etc/ssl/certs/link.pem 644 65532 4 - m8 L1\n"
			       "d home 755 0 0 - m0 L0\n"
			       "d home/nonroot 700 0 0 - m4 L0\n"
			       "d tmp 1777 0 0 - m5 L0\n"
			       "d usr 755 0 0 - m3 L0\n"
			       "d usr/share 755 0 0 - m4 L0\n"
			       "d usr/share/old 750 0 0 - m5 L0\n"
			       "f usr/share/old/new 644 65532 3 - m7 L1\n");
	free(s);
	assert_int_equal(img_tree_get(fs, "etc/passwd")->origin, 3);
	assert_true(img_tree_get(fs, "etc/ssl/certs/ca.pem")->link_group != 0);
	assert_true(img_tree_get(fs, "etc/ssl/certs/ca.pem")->link_group ==
		    img_tree_get(fs, "etc/ssl/certs/link.pem")->link_group);
	s = read_entry(b, fs, "etc/passwd");
	assert_string_equal(s, "root:x:0:0:root:/root:/sbin/nologin\n"
			       "nonroot:x:65532:65532::/home/nonroot:\n");
	free(s);
	s = read_entry(b, fs, "etc/group");
	assert_string_equal(s, "root:x:0:\nnonroot:x:65532:\n");
	free(s);
	s = read_entry(b, fs, "etc/passwd"); /* back: the layer again */
	assert_int_equal(strlen(s), 74);
	free(s);
	s = read_entry(b, fs, "usr/share/old/new");
	assert_string_equal(s, "new");
	free(s);
	s = read_entry(b, fs, "etc/ssl/certs/link.pem");
	assert_string_equal(s, "CERT");
	free(s);
	img_tree_free(fs);
	img_base_free(b);
}

static void test_oci_dir(void **state)
{
	struct img_base *b;
	struct img_tree *fs;
	struct sb_error err = {0};
	char *s;

	(void)state;
	make_oci_dir();
	b = open_ok("oci", "nonroot", "linux/arm64");
	assert_string_equal(img_base_platform(b)->name, "linux/arm64");
	assert_int_equal(b->compression[0], IMG_COMPRESS_GZIP);
	assert_int_equal(b->compression[1], IMG_COMPRESS_ZSTD);
	assert_string_equal(base_rd_layer(b, 0)->media_type,
			    "application/vnd.oci.image.layer.v1.tar+gzip");
	assert_true(base_rd_layer(b, 0)->tar_size > base_rd_layer(b, 0)->stored_size);
	assert_int_equal(img_base_fs(b, 1, &fs, &err), 0);
	s = read_entry(b, fs, "etc/ssl/certs/ca.pem");
	assert_string_equal(s, "CERT");
	free(s);
	s = read_entry(b, fs, "etc/group");
	assert_string_equal(s, "root:x:0:\nnonroot:x:65532:\n");
	free(s);
	img_tree_free(fs);
	img_base_free(b);
	b = open_ok("oci", NULL, "linux/amd64");
	assert_string_equal(img_base_platform(b)->name, "linux/amd64");
	img_base_free(b);
	assert_string_equal(open_err("oci", "nonroot", "linux/s390x"),
			    "--build-context b=x: D/oci: no image for linux/s390x; it has nonroot "
			    "(linux/amd64), nonroot (linux/arm64)\n"
			    "hint: build for one of those with --platform, or give an image that "
			    "has linux/s390x\n");
	assert_string_equal(open_err("oci", "latest", NULL),
			    "--build-context b=x: D/oci: no image tagged latest; it holds nonroot, "
			    "nonroot\n"
			    "hint: name one of the images it holds\n");
	/* A symlink out of the layout. */
	s = tmp("oci/blobs/sha256/escape");
	assert_int_equal(symlink("../../../../etc/passwd", s), 0);
	free(s);
	save("oci2/oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	s = tmp("oci2/index.json");
	assert_int_equal(symlink("../../../etc/hostname", s), 0);
	free(s);
	assert_string_equal(open_err("oci2", NULL, NULL),
			    "--build-context b=x: D/oci2: \"index.json\": symlink index.json -> "
			    "../../../etc/hostname points outside the archive\n"
			    "hint: check that the file is a whole image: `docker save -o FILE "
			    "IMAGE`, or `skopeo copy docker-daemon:IMAGE oci:DIR:TAG`\n");
}

/* Reads all of layer i's bytes (raw: stored, else its tar) through
 * img_base_blob, which verifies them at the end; returns how many. */
static uint64_t read_blob(struct img_base *b, size_t i, int raw)
{
	struct img_reader r;
	struct sb_error err = {0};
	char buf[4096];
	uint64_t n = 0;
	size_t got;

	if (img_base_blob(b, i, raw, &r, &err) < 0)
		fail_msg("%s", msg_of(&err));
	do {
		if (r.read(r.self, buf, sizeof(buf), &got, &err) < 0)
			fail_msg("%s", msg_of(&err));
		n += got;
	} while (got > 0);
	r.close(r.self);
	return n;
}

/* name opened for its blobs only: no trees, and every layer's digests,
 * sizes, compression and media type as a full open finds them; its bytes,
 * stored and uncompressed, read and verified. */
static void same_blobs(const char *name, const char *ref, const char *platform)
{
	struct img_platform p;
	struct img_base_select sel = {ref, platform ? &p : NULL, "push", 1};
	struct sb_error err = {0};
	struct img_base *full = open_ok(name, ref, platform), *b = NULL;
	char *path = tmp(name);

	if (platform)
		assert_int_equal(img_platform_parse(platform, &p, &err), 0);
	if (img_base_open(&b, path, &sel, &err) < 0)
		fail_msg("%s", msg_of(&err));
	assert_int_equal(img_base_nlayers(b), img_base_nlayers(full));
	for (size_t i = 0; i < img_base_nlayers(b); i++) {
		struct img_base_layer_info x, y;

		assert_null(b->trees[i]);
		img_base_layer_info(b, i, &x);
		img_base_layer_info(full, i, &y);
		assert_string_equal(x.diff_id, y.diff_id);
		assert_int_equal(x.compression, y.compression);
		assert_int_equal(x.stored_size, y.stored_size);
		assert_string_equal(x.blob_digest, y.blob_digest);
		assert_int_equal(x.tar_size, y.tar_size);
		assert_true(x.media_type == y.media_type || !strcmp(x.media_type, y.media_type));
		assert_int_equal(read_blob(b, i, 1), x.stored_size);
		assert_int_equal(read_blob(b, i, 0), x.tar_size);
	}
	img_base_free(b);
	img_base_free(full);
	free(path);
}

static void test_blobs_only(void **state)
{
	(void)state;
	make_legacy("blobs.tar", 0);
	same_blobs("blobs.tar", NULL, NULL);
	make_oci_dir();
	same_blobs("oci", "nonroot", "linux/arm64");
	same_blobs("oci", NULL, "linux/amd64");
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/sb-base.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char *cmd = sb_printf("rm -rf '%s'", dir);
	int rc;

	(void)state;
	rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_legacy),     cmocka_unit_test(test_legacy_choose),
	    cmocka_unit_test(test_fs),	       cmocka_unit_test(test_oci_dir),
	    cmocka_unit_test(test_blobs_only),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
