/* gen_image_seeds DIR: writes small image tars into DIR as seeds for
 * fuzz_image: good ones in each layout the reader knows (manual, docker save
 * with a repeated layer as a symlink, OCI with an index inside the index),
 * with the outer tar and the layers compressed each way (gzip also as two
 * members end to end, as src/util/pgzip.c writes), and hostile ones
 * like those of tests/unit/test_read.c: absolute and ".." names, duplicates,
 * truncation, a 1 TB size claim, a decompression bomb, deep JSON, links that
 * leave the archive or loop, lying digests and sizes. Also the bare JSON
 * documents (manifest, config, index) an image holds, an image of two layers
 * whose upper one deletes (whiteouts, an opaque directory) what the lower one
 * made, and an OCI archive whose index has a linux/amd64 and a linux/arm64
 * image, for the base image code (src/image/base*.c) behind fuzz_image.
 *
 * Each seed stays well under fuzz_image's -max_len (1 MiB). The build runs
 * it (build/tests/fuzz/image-seeds/), for tests/fuzz/run and for the replay
 * test; nothing here is kept in git. DIR is created if needed. Exits 1 on
 * any error.
 */
#include "../util/oci_json.h"
#include "../util/ustar.h"
#include "util/mem.h"
#include "util/sha256.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct m {
	const char *name;
	const char *data; /* NULL: len zero bytes */
	size_t len;
	int type; /* 0: file, 'd', 'l' symlink, 'h' hard link */
	const char *link;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("gen_image_seeds: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void ok(struct archive *a, int r, const char *what)
{
	if (r != ARCHIVE_OK)
		die("%s: %s", what, archive_error_string(a) ? archive_error_string(a) : "?");
}

static la_ssize_t mem_write(struct archive *a, void *ud, const void *buf, size_t n)
{
	(void)a;
	if (sb_buf_add(ud, buf, n) < 0)
		die("out of memory");
	return (la_ssize_t)n;
}

/* A tar of ms in memory, through filter ("none", "gzip", "bzip2", "xz",
 * "zstd"). */
static struct sb_buf tar(const struct m *ms, size_t n, const char *filter)
{
	struct sb_buf o = {0};
	struct archive *a = archive_write_new();
	char *zeros = NULL;

	if (!a)
		die("out of memory");
	ok(a, archive_write_set_format_pax_restricted(a), "tar format");
	/* Each filter by its own call (not by name), so that only these
	 * compressors are linked. */
	if (!strcmp(filter, "gzip"))
		ok(a, archive_write_add_filter_gzip(a), filter);
	else if (!strcmp(filter, "bzip2"))
		ok(a, archive_write_add_filter_bzip2(a), filter);
	else if (!strcmp(filter, "xz"))
		ok(a, archive_write_add_filter_xz(a), filter);
	else if (!strcmp(filter, "zstd"))
		ok(a, archive_write_add_filter_zstd(a), filter);
	else if (strcmp(filter, "none"))
		die("no such filter: %s", filter);
	ok(a, archive_write_set_bytes_in_last_block(a, 1), "block size");
	ok(a, archive_write_open(a, &o, NULL, mem_write, NULL), "open");
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		int t = ms[i].type;
		const char *d = ms[i].data;

		if (!e)
			die("out of memory");
		archive_entry_set_pathname(e, ms[i].name);
		archive_entry_set_filetype(e, t == 'd' ? AE_IFDIR : t == 'l' ? AE_IFLNK : AE_IFREG);
		archive_entry_set_perm(e, t == 'd' ? 0755 : 0644);
		archive_entry_set_mtime(e, 1700000000, 0);
		if (t == 'l')
			archive_entry_set_symlink(e, ms[i].link);
		if (t == 'h')
			archive_entry_set_hardlink(e, ms[i].link);
		if (!t)
			archive_entry_set_size(e, (la_int64_t)ms[i].len);
		ok(a, archive_write_header(a, e), ms[i].name);
		if (!t && ms[i].len) {
			if (!d && !(d = zeros = calloc(1, ms[i].len)))
				die("out of memory");
			if (archive_write_data(a, d, ms[i].len) != (la_ssize_t)ms[i].len)
				die("%s: %s", ms[i].name, archive_error_string(a));
			free(zeros);
			zeros = NULL;
		}
		archive_entry_free(e);
	}
	ok(a, archive_write_close(a), "close");
	ok(a, archive_write_free(a), "free");
	if (!o.buf && sb_buf_add(&o, "", 0) < 0)
		die("out of memory");
	return o;
}

/* len bytes gzipped as one member of their own (libarchive's raw format:
 * no tar around them). */
static struct sb_buf gzip_member(const char *data, size_t len)
{
	struct sb_buf o = {0};
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();

	if (!a || !e)
		die("out of memory");
	ok(a, archive_write_set_format_raw(a), "raw format");
	ok(a, archive_write_add_filter_gzip(a), "gzip");
	ok(a, archive_write_set_bytes_in_last_block(a, 1), "block size");
	ok(a, archive_write_open(a, &o, NULL, mem_write, NULL), "open");
	archive_entry_set_pathname(e, "member");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)len);
	ok(a, archive_write_header(a, e), "member");
	if (archive_write_data(a, data, len) != (la_ssize_t)len)
		die("member: %s", archive_error_string(a));
	archive_entry_free(e);
	ok(a, archive_write_close(a), "close");
	ok(a, archive_write_free(a), "free");
	return o;
}

static void save(const char *name, const char *data, size_t len)
{
	FILE *f = fopen(name, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		die("cannot write %s", name);
}

static void save_tar(const char *name, const struct m *ms, size_t n, const char *filter)
{
	struct sb_buf o = tar(ms, n, filter);

	save(name, o.buf, o.len);
	sb_buf_release(&o);
}

static void sha(const void *d, size_t n, char out[72])
{
	unsigned char h[32];

	sb_sha256(d, n, h);
	strcpy(out, "sha256:");
	for (int i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", h[i]);
}

/* The digest of a layer's uncompressed tar. */
static void diff_id(const struct sb_buf *layer, char out[72])
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct sb_buf raw = {0};
	char buf[4096];
	la_ssize_t r;

	if (!a)
		die("out of memory");
	ok(a, archive_read_support_filter_gzip(a), "gzip");
	ok(a, archive_read_support_filter_bzip2(a), "bzip2");
	ok(a, archive_read_support_filter_xz(a), "xz");
	ok(a, archive_read_support_filter_zstd(a), "zstd");
	ok(a, archive_read_support_format_raw(a), "raw");
	ok(a, archive_read_open_memory(a, layer->buf, layer->len), "open layer");
	ok(a, archive_read_next_header(a, &e), "layer header");
	while ((r = archive_read_data(a, buf, sizeof(buf))) > 0)
		if (sb_buf_add(&raw, buf, (size_t)r) < 0)
			die("out of memory");
	if (r < 0)
		die("layer: %s", archive_error_string(a));
	archive_read_free(a);
	sha(raw.buf ? raw.buf : "", raw.len, out);
	sb_buf_release(&raw);
}

static const struct m files[] = {
    {"app", NULL, 0, 'd', NULL},
    {"app/run.sh", "#!/bin/sh\necho hi\n", 18, 0, NULL},
    {"app/link", NULL, 0, 'l', "/app/run.sh"},
    {"app/hard", NULL, 0, 'h', "app/run.sh"},
};

/* A manual-layout image (manifest.json, config.json, layer_N.tar) of the
 * given layer tars, with extra members after; bad_diff replaces every
 * DiffID when not NULL. */
static void manual(const char *name, const struct sb_buf *layers, size_t nl, const char *bad_diff,
		   const struct m *extra, size_t nextra, const char *filter)
{
	struct m ms[16];
	struct sb_buf cfg = {0}, man = {0};
	char *lnames[4];
	size_t n = 0;
	int e = 0;

	if (nl > 4 || nextra > 8)
		die("too many members");
	e |= sb_buf_adds(&cfg, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":"
			       "[\"PATH=/bin\"],\"Entrypoint\":[\"/app/run.sh\"],\"Labels\":{"
			       "\"a\":\"b\"}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[");
	e |= sb_buf_adds(&man, "[{\"Config\":\"config.json\",\"RepoTags\":[\"t:1\"],\"Layers\":[");
	for (size_t i = 0; i < nl; i++) {
		char d[72];

		diff_id(&layers[i], d);
		e |= sb_buf_addf(&cfg, "%s\"%s\"", i ? "," : "", bad_diff ? bad_diff : d);
		if (!(lnames[i] = sb_printf("layer_%zu.tar", i)))
			die("out of memory");
		e |= sb_buf_addf(&man, "%s\"%s\"", i ? "," : "", lnames[i]);
		ms[n++] = (struct m){lnames[i], layers[i].buf, layers[i].len, 0, NULL};
	}
	e |= sb_buf_adds(&cfg, "]},\"history\":[{\"created\":\"2023-11-14T22:13:20Z\","
			       "\"created_by\":\"COPY app /app/ # buildkit\"},{\"created_by\":"
			       "\"EXPOSE 80\",\"empty_layer\":true}]}");
	e |= sb_buf_adds(&man, "]}]");
	if (e)
		die("out of memory");
	ms[n++] = (struct m){"config.json", cfg.buf, cfg.len, 0, NULL};
	ms[n++] = (struct m){"manifest.json", man.buf, man.len, 0, NULL};
	for (size_t i = 0; i < nextra; i++)
		ms[n++] = extra[i];
	save_tar(name, ms, n, filter);
	for (size_t i = 0; i < nl; i++)
		free(lnames[i]);
	sb_buf_release(&cfg);
	sb_buf_release(&man);
}

static void good(void)
{
	static const char *const filters[] = {"none", "gzip", "bzip2", "xz", "zstd"};
	struct sb_buf l[2] = {tar(files, 4, "none"), tar(files, 2, "gzip")};

	manual("good-manual.tar", l, 2, NULL, NULL, 0, "none");
	manual("good-empty.tar", l, 0, NULL, NULL, 0, "none");
	/* The outer tar compressed, and a layer in each compression. */
	for (size_t i = 1; i < sizeof(filters) / sizeof(*filters); i++) {
		struct sb_buf c = tar(files, 4, filters[i]);
		char *a = sb_printf("good-outer-%s.tar", filters[i]);
		char *b = sb_printf("good-layer-%s.tar", filters[i]);

		if (!a || !b)
			die("out of memory");
		manual(a, l, 1, NULL, NULL, 0, filters[i]);
		manual(b, &c, 1, NULL, NULL, 0, "none");
		free(a);
		free(b);
		sb_buf_release(&c);
	}
	sb_buf_release(&l[0]);
	sb_buf_release(&l[1]);
}

/* A gzip layer of two members, as src/util/pgzip.c writes a layer of more
 * than one block (each 256 KiB of the tar a member of its own): the two
 * halves of a layer tar, each gzipped on its own, end to end. */
static void gzip_members(void)
{
	struct sb_buf raw = tar(files, 4, "none"), l = {0};
	size_t half = raw.len / 2;
	struct sb_buf a = gzip_member(raw.buf, half),
		      b = gzip_member(raw.buf + half, raw.len - half);

	if (sb_buf_add(&l, a.buf, a.len) < 0 || sb_buf_add(&l, b.buf, b.len) < 0)
		die("out of memory");
	manual("good-layer-gzip-members.tar", &l, 1, NULL, NULL, 0, "none");
	sb_buf_release(&l);
	sb_buf_release(&a);
	sb_buf_release(&b);
	sb_buf_release(&raw);
}

static void hostile(void)
{
	struct sb_buf l = tar(files, 2, "none"), t;
	const struct m abs[] = {{"/etc/passwd", "x", 1, 0, NULL}};
	const struct m dots[] = {{"a/../../x", "x", 1, 0, NULL}};
	const struct m dup[] = {{"./config.json", "{}", 2, 0, NULL}};
	const struct m esc[] = {{"escape.tar", NULL, 0, 'l', "../../etc/passwd"},
				{"loop.tar", NULL, 0, 'l', "loop.tar"}};
	const struct m labs[] = {{"/etc/shadow", "x", 1, 0, NULL}};
	const struct m ldots[] = {{"a/../../../etc/shadow", "x", 1, 0, NULL}};
	const struct m lhard[] = {{"h", NULL, 0, 'h', "../../etc/shadow"}};
	const struct m ldup[] = {{"a", "x", 1, 0, NULL}, {"./a", "y", 1, 0, NULL}};
	const struct m big[] = {{"big", "0123456789", 10, 0, NULL}};
	struct m zeros[8];
	char names[8][8];
	static const char trunc_man[] = "[{\"Config\":\"c.json\",\"Layers\":[\"layer_0.tar\"]}]";
	char *deep;

	manual("bad-abs.tar", &l, 1, NULL, abs, 1, "none");
	manual("bad-dots.tar", &l, 1, NULL, dots, 1, "none");
	manual("bad-dup.tar", &l, 1, NULL, dup, 1, "none");
	manual("bad-digest.tar", &l, 1,
	       "sha256:0000000000000000000000000000000000000000000000000000000000000000", NULL, 0,
	       "none");
	manual("bad-links.tar", &l, 1, NULL, esc, 2, "none");
	/* Truncated inside the layer. */
	t = tar((const struct m[]){{"layer_0.tar", l.buf, l.len, 0, NULL},
				   {"manifest.json", trunc_man, strlen(trunc_man), 0, NULL}},
		2, "none");
	save("bad-truncated.tar", t.buf, 1536);
	sb_buf_release(&t);
	/* A member, and a layer entry, that claim 1 TB. */
	t = tar((const struct m[]){{"manifest.json", "[]", 2, 0, NULL}}, 1, "none");
	ustar_claim(t.buf, (uint64_t)1 << 40);
	save("bad-tb-member.tar", t.buf, t.len);
	sb_buf_release(&t);
	t = tar(big, 1, "none");
	ustar_claim(t.buf, (uint64_t)1 << 40);
	manual("bad-tb-entry.tar", &t, 1, NULL, NULL, 0, "none");
	sb_buf_release(&t);
	/* Hostile layers. */
	const struct {
		const char *name;
		const struct m *ms;
		size_t n;
	} layers[] = {
	    {"bad-layer-abs.tar", labs, 1},
	    {"bad-layer-dots.tar", ldots, 1},
	    {"bad-layer-hard.tar", lhard, 1},
	    {"bad-layer-dup.tar", ldup, 2},
	};
	for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++) {
		t = tar(layers[i].ms, layers[i].n, "none");
		manual(layers[i].name, &t, 1, NULL, NULL, 0, "none");
		sb_buf_release(&t);
	}
	t = (struct sb_buf){sb_strdup("just some bytes, not a tar"), 26, 27};
	manual("bad-layer-notar.tar", &t, 1, NULL, NULL, 0, "none");
	sb_buf_release(&t);
	/* A decompression bomb: 8 x 4 MiB of zeros in a few KiB of gzip. */
	for (int i = 0; i < 8; i++) {
		snprintf(names[i], sizeof(names[i]), "z%d", i);
		zeros[i] = (struct m){names[i], NULL, 4u << 20, 0, NULL};
	}
	t = tar(zeros, 8, "gzip");
	manual("bad-bomb.tar", &t, 1, NULL, NULL, 0, "none");
	sb_buf_release(&t);
	/* Deep JSON. */
	if (!(deep = malloc(4096)))
		die("out of memory");
	memset(deep, '[', 4096);
	save_tar("bad-deep.tar", (const struct m[]){{"manifest.json", deep, 4096, 0, NULL}}, 1,
		 "none");
	save("deep.json", deep, 4096);
	free(deep);
	save_tar("bad-notjson.tar",
		 (const struct m[]){{"manifest.json", "[{\"Config\":", 11, 0, NULL}}, 1, "none");
	sb_buf_release(&l);
}

/* docker save's legacy layout: <hex>/layer.tar, the same layer again as a
 * symlink, the config named by its digest, "repositories". */
static void docker_save(void)
{
	struct sb_buf l = tar(files, 4, "none");
	char d[72], cd[72];
	const char *id1 = "1111111111111111111111111111111111111111111111111111111111111111";
	const char *id2 = "2222222222222222222222222222222222222222222222222222222222222222";
	char *cfg, *man, *cname, *l1, *l2, *t2;

	sha(l.buf, l.len, d);
	cfg = sb_printf("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
			"\"layers\",\"diff_ids\":[\"%s\",\"%s\"]},\"history\":[{\"created_by\":"
			"\"COPY a\"},{\"created_by\":\"COPY b\"}]}",
			d, d);
	if (!cfg)
		die("out of memory");
	sha(cfg, strlen(cfg), cd);
	cname = sb_printf("%s.json", cd + 7);
	l1 = sb_printf("%s/layer.tar", id1);
	l2 = sb_printf("%s/layer.tar", id2);
	t2 = sb_printf("../%s/layer.tar", id1);
	man = sb_printf("[{\"Config\":\"%s\",\"RepoTags\":[\"a:1\"],\"Layers\":[\"%s\",\"%s\"]}]",
			cname, l1, l2);
	if (!cname || !l1 || !l2 || !t2 || !man)
		die("out of memory");
	{
		const struct m ms[] = {{id1, NULL, 0, 'd', NULL},
				       {l1, l.buf, l.len, 0, NULL},
				       {id2, NULL, 0, 'd', NULL},
				       {l2, NULL, 0, 'l', t2},
				       {cname, cfg, strlen(cfg), 0, NULL},
				       {"manifest.json", man, strlen(man), 0, NULL},
				       {"repositories", "{\"a\":{\"1\":\"x\"}}", 15, 0, NULL}};

		save_tar("good-docker-save.tar", ms, 7, "none");
		save("manifest.json", man, strlen(man));
		save("config.json", cfg, strlen(cfg));
		/* The config's name is not its digest. */
		cname[0] = cname[0] == 'f' ? 'e' : 'f';
		memcpy(strstr(man, "\"Config\":\"") + 10, cname, 1);
		save_tar("bad-docker-save-name.tar", ms, 7, "none");
	}
	free(cfg), free(man), free(cname), free(l1), free(l2), free(t2);
	sb_buf_release(&l);
}

/* An OCI layout: index.json -> a nested index -> a manifest -> a config and
 * a gzip layer, all blobs named by digest. lie makes the layer's size wrong. */
static void oci(const char *name, int lie)
{
	struct sb_buf l = tar(files, 4, "gzip"), raw = tar(files, 4, "none");
	char ld[72], dd[72], cd[72], md[72], xd[72];
	char *cfg, *man, *sub, *idx, *lp, *cp, *mp, *xp;

	sha(l.buf, l.len, ld);
	sha(raw.buf, raw.len, dd);
	cfg = oci_config_json(dd);
	if (!cfg)
		die("out of memory");
	sha(cfg, strlen(cfg), cd);
	man = oci_manifest_json(cd, strlen(cfg), ld, l.len + (size_t)lie);
	if (!man)
		die("out of memory");
	sha(man, strlen(man), md);
	sub = oci_index_json(md, strlen(man));
	if (!sub)
		die("out of memory");
	sha(sub, strlen(sub), xd);
	idx = oci_nested_index_json(xd, strlen(sub));
	lp = sb_printf("blobs/sha256/%s", ld + 7);
	cp = sb_printf("blobs/sha256/%s", cd + 7);
	mp = sb_printf("blobs/sha256/%s", md + 7);
	xp = sb_printf("blobs/sha256/%s", xd + 7);
	if (!idx || !lp || !cp || !mp || !xp)
		die("out of memory");
	{
		const struct m ms[] = {
		    {"oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30, 0, NULL},
		    {"index.json", idx, strlen(idx), 0, NULL},
		    {xp, sub, strlen(sub), 0, NULL},
		    {mp, man, strlen(man), 0, NULL},
		    {cp, cfg, strlen(cfg), 0, NULL},
		    {lp, l.buf, l.len, 0, NULL}};

		save_tar(name, ms, 6, "none");
	}
	if (!lie) {
		save("index.json", sub, strlen(sub));
		save("oci-manifest.json", man, strlen(man));
	}
	free(cfg), free(man), free(sub), free(idx), free(lp), free(cp), free(mp), free(xp);
	sb_buf_release(&l);
	sb_buf_release(&raw);
}

/* Two layers, the upper one deleting: app/old by a whiteout, the contents
 * of etc/conf/ by an opaque directory (one file put back), app/gone/ and what
 * is below it by a whiteout of the directory; what base_fs.c applies. */
static void whiteouts(void)
{
	const struct m lower[] = {
	    {"app", NULL, 0, 'd', NULL},       {"app/run.sh", "#!/bin/sh\n", 10, 0, NULL},
	    {"app/old", "old\n", 4, 0, NULL},  {"app/gone", NULL, 0, 'd', NULL},
	    {"app/gone/x", "x\n", 2, 0, NULL}, {"etc", NULL, 0, 'd', NULL},
	    {"etc/conf", NULL, 0, 'd', NULL},  {"etc/conf/a", "a\n", 2, 0, NULL},
	    {"etc/conf/b", NULL, 0, 'l', "a"}, {"etc/keep", "keep\n", 5, 0, NULL},
	};
	const struct m upper[] = {
	    {"app", NULL, 0, 'd', NULL},
	    {"app/.wh.old", NULL, 0, 0, NULL},
	    {"app/.wh.gone", NULL, 0, 0, NULL},
	    {"app/new", "new\n", 4, 0, NULL},
	    {"etc", NULL, 0, 'd', NULL},
	    {"etc/conf", NULL, 0, 'd', NULL},
	    {"etc/conf/.wh..wh..opq", NULL, 0, 0, NULL},
	    {"etc/conf/a", "again\n", 6, 0, NULL},
	};
	struct sb_buf l[2] = {tar(lower, sizeof(lower) / sizeof(*lower), "none"),
			      tar(upper, sizeof(upper) / sizeof(*upper), "gzip")};

	manual("good-whiteouts.tar", l, 2, NULL, NULL, 0, "none");
	sb_buf_release(&l[0]);
	sb_buf_release(&l[1]);
}

/* One platform's manifest (and its config) of the OCI archive of
 * oci_platforms: its members appended to ms at *n, its descriptor to idx. */
static void oci_platform(const char *arch, const struct sb_buf *l, const char *ld, const char *dd,
			 struct m *ms, size_t *n, char **owned, struct sb_buf *idx)
{
	char cd[72], md[72], *cfg, *man;

	cfg = sb_printf("{\"architecture\":\"%s\",\"os\":\"linux\",\"config\":{\"Cmd\":"
			"[\"/app/run.sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":"
			"[\"%s\"]}}",
			arch, dd);
	if (!cfg)
		die("out of memory");
	sha(cfg, strlen(cfg), cd);
	man = oci_manifest_json(cd, strlen(cfg), ld, l->len);
	if (!man)
		die("out of memory");
	sha(man, strlen(man), md);
	owned[0] = cfg;
	owned[1] = man;
	owned[2] = sb_printf("blobs/sha256/%s", cd + 7);
	owned[3] = sb_printf("blobs/sha256/%s", md + 7);
	if (!owned[2] || !owned[3] ||
	    sb_buf_addf(idx,
			"%s{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
			"\"digest\":\"%s\",\"size\":%zu,\"platform\":{\"architecture\":"
			"\"%s\",\"os\":\"linux\"}}",
			idx->buf[idx->len - 1] == '[' ? "" : ",", md, strlen(man), arch) < 0)
		die("out of memory");
	ms[(*n)++] = (struct m){owned[2], cfg, strlen(cfg), 0, NULL};
	ms[(*n)++] = (struct m){owned[3], man, strlen(man), 0, NULL};
}

/* An OCI archive whose index.json lists a linux/amd64 and a linux/arm64
 * manifest, both present, sharing one layer: the platform choice of
 * img_base_open. */
static void oci_platforms(void)
{
	struct sb_buf l = tar(files, 4, "gzip"), raw = tar(files, 4, "none"), idx = {0};
	char ld[72], dd[72], *owned[8], *lp;
	struct m ms[8];
	size_t n = 0;

	sha(l.buf, l.len, ld);
	sha(raw.buf, raw.len, dd);
	lp = sb_printf("blobs/sha256/%s", ld + 7);
	if (!lp || sb_buf_adds(&idx, "{\"schemaVersion\":2,\"manifests\":[") < 0)
		die("out of memory");
	ms[n++] = (struct m){"oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30, 0, NULL};
	ms[n++] = (struct m){lp, l.buf, l.len, 0, NULL};
	oci_platform("amd64", &l, ld, dd, ms, &n, owned, &idx);
	oci_platform("arm64", &l, ld, dd, ms, &n, owned + 4, &idx);
	if (sb_buf_adds(&idx, "]}") < 0)
		die("out of memory");
	ms[n++] = (struct m){"index.json", idx.buf, idx.len, 0, NULL};
	save_tar("good-oci-platforms.tar", ms, n, "none");
	save("index-platforms.json", idx.buf, idx.len);
	for (size_t i = 0; i < 8; i++)
		free(owned[i]);
	free(lp);
	sb_buf_release(&idx);
	sb_buf_release(&l);
	sb_buf_release(&raw);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: gen_image_seeds DIR\n", stderr);
		return 2;
	}
	if ((mkdir(argv[1], 0777) < 0 && errno != EEXIST) || chdir(argv[1]) < 0) {
		perror(argv[1]);
		return 1;
	}
	good();
	gzip_members();
	hostile();
	docker_save();
	oci("good-oci.tar", 0);
	oci("bad-oci-size.tar", 1);
	whiteouts();
	oci_platforms();
	return 0;
}
