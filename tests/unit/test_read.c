/* The image tar reader against good images in every layout, and a corpus of
 * broken and hostile tars made here with libarchive: absolute names, "..",
 * duplicates, truncation, wrong digests, a 1 TB claim, a gzip bomb, deep and
 * huge JSON, manifests and symlinks pointing outside the archive. Then the
 * inspect output of the seed image, built from testdata/golden/seed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/oci_json.h"
#include "../util/ustar.h"
#include "cli/cli.h"
#include "util/sha256.h"
#include "context/context.h"
#include "image/read.h"
#include "util/jtree.h"
#include "interp/eval.h"
#include "interp/parse.h"
#include "interp/source.h"
#include "util/io.h"
#include "util/mem.h"

struct m {
	const char *name;
	const char *data; /* NULL: len zero bytes */
	size_t len;
	int type; /* 0: file, 'd', 'l' symlink, 'h' hard link */
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

/* A tar of ms in memory (gzip-compressed when gz). */
static struct out make_tar(const struct m *ms, size_t n, int gz)
{
	struct out o = {0};
	struct archive *a = archive_write_new();
	char *zeros = NULL;

	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	if (gz)
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_bytes_in_last_block(a, 1), ARCHIVE_OK);
	assert_int_equal(archive_write_open(a, &o, NULL, mem_write, NULL), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		int t = ms[i].type;

		archive_entry_set_pathname(e, ms[i].name);
		archive_entry_set_filetype(e, t == 'd' ? AE_IFDIR : t == 'l' ? AE_IFLNK : AE_IFREG);
		archive_entry_set_perm(e, ms[i].mode ? (mode_t)ms[i].mode : 0644);
		if (t == 'l')
			archive_entry_set_symlink(e, ms[i].link);
		if (t == 'h')
			archive_entry_set_hardlink(e, ms[i].link);
		if (!t)
			archive_entry_set_size(e, (la_int64_t)ms[i].len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (!t && ms[i].len) {
			const char *d = ms[i].data;

			if (!d)
				d = zeros = calloc(1, ms[i].len);
			assert_int_equal(archive_write_data(a, d, ms[i].len),
					 (la_ssize_t)ms[i].len);
			free(zeros);
			zeros = NULL;
		}
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return o;
}

static char dir[64];

static char *tmp(const char *name)
{
	return sb_printf("%s/%s", dir, name);
}

static void save(const char *name, struct out o)
{
	char *p = tmp(name);
	FILE *f = fopen(p, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(o.buf, 1, o.len, f), o.len);
	fclose(f);
	free(p);
	free(o.buf);
}

static void sha(const void *d, size_t n, char out[72])
{
	unsigned char h[32];

	sb_sha256(d, n, h);
	strcpy(out, "sha256:");
	for (int i = 0; i < 32; i++)
		sprintf(out + 7 + 2 * i, "%02x", h[i]);
}

static const struct m layer0[] = {
    {"server/", NULL, 0, 'd', NULL, 0755},
    {"server/serve", "#!/bin/sh\necho hi\n", 18, 0, NULL, 0755},
    {"server/link", NULL, 0, 'l', "/server/serve", 0777},
    {"server/hard", NULL, 0, 'h', "server/serve", 0},
};

/* Writes an image tar `name`: the layer tars given, a config listing their
 * DiffIDs (or bad_diff), a manifest. extra members are added as they are. */
static void image(const char *name, const struct out *layers, size_t nl, const char *bad_diff,
		  const struct m *extra, size_t nextra)
{
	struct m ms[16];
	struct sb_buf cfg = {0}, man = {0};
	char *lnames[4];
	size_t n = 0;

	assert_true(nl <= 4 && nextra <= 8);
	sb_buf_adds(&cfg, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Entrypoint\":"
			  "[\"/server/serve\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[");
	sb_buf_adds(&man, "[{\"Config\":\"config.json\",\"RepoTags\":[\"t:1\"],\"Layers\":[");
	for (size_t i = 0; i < nl; i++) {
		char d[72];
		struct archive *a = archive_read_new();
		struct archive_entry *e;
		struct sb_buf raw = {0};
		char buf[4096];
		la_ssize_t r;

		/* The DiffID is the digest of the uncompressed tar. */
		archive_read_support_filter_gzip(a);
		archive_read_support_filter_zstd(a);
		archive_read_support_format_raw(a);
		assert_int_equal(archive_read_open_memory(a, layers[i].buf, layers[i].len),
				 ARCHIVE_OK);
		assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_OK);
		while ((r = archive_read_data(a, buf, sizeof(buf))) > 0)
			sb_buf_add(&raw, buf, (size_t)r);
		archive_read_free(a);
		sha(raw.buf, raw.len, d);
		sb_buf_release(&raw);
		sb_buf_addf(&cfg, "%s\"%s\"", i ? "," : "", bad_diff ? bad_diff : d);
		lnames[i] = sb_printf("layer_%zu.tar", i);
		sb_buf_addf(&man, "%s\"%s\"", i ? "," : "", lnames[i]);
		ms[n++] = (struct m){lnames[i], layers[i].buf, layers[i].len, 0, NULL, 0};
	}
	sb_buf_adds(&cfg,
		    "]},\"history\":[{\"created_by\":\"COPY ./serve /server/ # buildkit\"}]}");
	sb_buf_adds(&man, "]}]");
	ms[n++] = (struct m){"config.json", cfg.buf, cfg.len, 0, NULL, 0};
	ms[n++] = (struct m){"manifest.json", man.buf, man.len, 0, NULL, 0};
	for (size_t i = 0; i < nextra; i++)
		ms[n++] = extra[i];
	save(name, make_tar(ms, n, 0));
	for (size_t i = 0; i < nl; i++)
		free(lnames[i]);
	sb_buf_release(&cfg);
	sb_buf_release(&man);
}

/* Opens and loads name; returns 0, or -1 with the message in *msg. */
static int load(const char *name, const struct rd_limits *lim, struct rd_archive **ar, char **msg)
{
	struct sb_error err = {0};
	char *p = tmp(name);
	int rc = rd_open(ar, p, lim, &err);

	for (size_t i = 0; rc == 0 && i < (*ar)->nimages; i++)
		rc = rd_load_layers(*ar, i, &err);
	*msg = rc < 0 ? sb_error_format(&err) : NULL;
	sb_error_release(&err);
	free(p);
	return rc;
}

/* name must fail to load, with a message containing want. */
static void fails(const char *name, const struct rd_limits *lim, const char *want)
{
	struct rd_archive *ar = NULL;
	char *msg = NULL;

	assert_int_equal(load(name, lim, &ar, &msg), -1);
	if (!strstr(msg, want))
		fail_msg("%s: expected \"%s\" in: %s", name, want, msg);
	free(msg);
	rd_close(ar);
}

static void test_manual_ok(void **state)
{
	struct out l[2] = {make_tar(layer0, 4, 0), make_tar(layer0, 2, 1)};
	struct rd_archive *ar = NULL;
	char *msg = NULL;
	const struct rd_layer *x;

	(void)state;
	image("ok.tar", l, 2, NULL, NULL, 0);
	free(l[0].buf);
	free(l[1].buf);
	assert_int_equal(load("ok.tar", NULL, &ar, &msg), 0);
	assert_string_equal(ar->layout, "manual");
	assert_int_equal(ar->nimages, 1);
	assert_string_equal(ar->images[0].tags[0], "t:1");
	assert_int_equal(ar->images[0].nlayers, 2);
	x = &ar->images[0].layers[0];
	assert_true(x->verified);
	assert_string_equal(x->compression, "none");
	assert_int_equal(x->nentries, 4);
	assert_string_equal(x->entries[0].path, "server");
	assert_int_equal(x->entries[0].type, RD_DIR);
	assert_int_equal(x->entries[1].mode, 0755);
	assert_int_equal(x->entries[1].size, 18);
	assert_string_equal(x->entries[2].link, "/server/serve");
	assert_int_equal(x->entries[3].type, RD_HARDLINK);
	assert_string_equal(x->entries[3].link, "server/serve");
	x = &ar->images[0].layers[1];
	assert_string_equal(x->compression, "gzip");
	assert_true(x->verified);
	assert_string_equal(x->entries[1].sha256, ar->images[0].layers[0].entries[1].sha256);
	rd_close(ar);
}

static void test_outer_names(void **state)
{
	struct out l = make_tar(layer0, 2, 0);
	const struct m abs[] = {{"/etc/passwd", "x", 1, 0, NULL, 0}};
	const struct m dots[] = {{"a/../../x", "x", 1, 0, NULL, 0}};
	const struct m dup[] = {{"./config.json", "{}", 2, 0, NULL, 0}};

	(void)state;
	image("abs.tar", &l, 1, NULL, abs, 1);
	fails("abs.tar", NULL, "member \"/etc/passwd\" is an absolute name");
	image("dots.tar", &l, 1, NULL, dots, 1);
	fails("dots.tar", NULL, "has a \"..\" component");
	image("dup.tar", &l, 1, NULL, dup, 1);
	fails("dup.tar", NULL, "member config.json appears twice");
	free(l.buf);
}

static void test_wrong_digest(void **state)
{
	struct out l = make_tar(layer0, 2, 0);

	(void)state;
	image("digest.tar", &l, 1,
	      "sha256:0000000000000000000000000000000000000000000000000000000000000000", NULL, 0);
	free(l.buf);
	fails("digest.tar", NULL, "rootfs.diff_ids[0] says sha256:0000");
}

static void test_truncated(void **state)
{
	struct out l = make_tar(layer0, 2, 0);
	char *p = tmp("trunc.tar");

	(void)state;
	image("trunc.tar", &l, 1, NULL, NULL, 0);
	free(l.buf);
	assert_int_equal(truncate(p, 1536), 0); /* inside layer_0.tar */
	free(p);
	fails("trunc.tar", NULL, "layer_0.tar claims 2560 bytes, but the archive ends");
}

static void test_terabyte(void **state)
{
	const struct m one[] = {{"big", "0123456789", 10, 0, NULL, 0}};
	struct out l = make_tar(one, 1, 0);
	const struct m outer[] = {{"manifest.json", "[]", 2, 0, NULL, 0}};
	struct out o = make_tar(outer, 1, 0);

	(void)state;
	/* A layer entry that claims 1 TB. */
	ustar_claim(l.buf, (uint64_t)1 << 40);
	image("tb-entry.tar", &l, 1, NULL, NULL, 0);
	free(l.buf);
	fails("tb-entry.tar", NULL, "big claims 1099511627776 bytes");
	/* A member of the image tar that claims 1 TB. */
	ustar_claim(o.buf, (uint64_t)1 << 40);
	save("tb-member.tar", o);
	fails("tb-member.tar", NULL, "manifest.json claims 1099511627776 bytes");
}

static void test_gzip_bomb(void **state)
{
	/* 16 files of 512 KiB: each below the limit, all together above. */
	struct m zeros[16];
	char names[16][8];
	struct out l;

	for (int i = 0; i < 16; i++) {
		snprintf(names[i], sizeof(names[i]), "z%d", i);
		zeros[i] = (struct m){names[i], NULL, 512u << 10, 0, NULL, 0};
	}
	l = make_tar(zeros, 16, 1);
	struct rd_limits lim;

	(void)state;
	assert_true(l.len < 64 * 1024); /* small compressed, 8 MiB inside */
	image("bomb.tar", &l, 1, NULL, NULL, 0);
	free(l.buf);
	rd_limits_default(&lim);
	lim.max_layer = 1u << 20;
	fails("bomb.tar", &lim, "more than 1048576 bytes once uncompressed");
}

static void test_json(void **state)
{
	size_t n = 100000, big = (16u << 20) + 10;
	char *deep = malloc(n), *huge = malloc(big);
	struct m ms[2] = {{"manifest.json", deep, n, 0, NULL, 0}};
	struct out l = make_tar(layer0, 2, 0);

	(void)state;
	memset(deep, '[', n);
	save("deep.tar", make_tar(ms, 1, 0));
	fails("deep.tar", NULL, "manifest.json: JSON nested deeper than 64 levels");
	memset(huge, ' ', big);
	memcpy(huge, "{}", 2);
	ms[0] = (struct m){"config.json", huge, big, 0, NULL, 0};
	/* The extra config.json comes first, so the duplicate check names the
	 * real one; use another name instead. */
	ms[0].name = "big.json";
	image("huge.tar", &l, 1, NULL, ms, 1);
	{
		struct rd_archive *ar = NULL;
		struct sb_error err = {0};
		char *p = tmp("huge.tar");

		assert_int_equal(rd_open(&ar, p, NULL, &err), 0);
		free(ar->images[0].config_member);
		ar->images[0].config_member = sb_strdup("big.json");
		assert_int_equal(rd_load_config(ar, 0, &err), -1);
		assert_non_null(strstr(err.msg, "big.json: 16777226 bytes, more than 16777216"));
		rd_close(ar);
		sb_error_release(&err);
		free(p);
	}
	free(l.buf);
	free(deep);
	free(huge);
}

static void write_manifest(const char *name, const char *manifest, const struct m *extra,
			   size_t nextra)
{
	struct m ms[8] = {{"manifest.json", manifest, strlen(manifest), 0, NULL, 0}};

	for (size_t i = 0; i < nextra; i++)
		ms[i + 1] = extra[i];
	save(name, make_tar(ms, nextra + 1, 0));
}

static void test_outside(void **state)
{
	const struct m cfg[] = {{"config.json", "{}", 2, 0, NULL, 0},
				{"escape.tar", NULL, 0, 'l', "../../etc/passwd", 0},
				{"loop.tar", NULL, 0, 'l', "loop.tar", 0}};

	(void)state;
	write_manifest("out1.tar",
		       "[{\"Config\":\"config.json\",\"Layers\":[\"../../etc/passwd\"]}]", cfg, 1);
	fails("out1.tar", NULL, "\"../../etc/passwd\" points outside the archive");
	write_manifest("out2.tar", "[{\"Config\":\"/etc/passwd\",\"Layers\":[]}]", cfg, 1);
	fails("out2.tar", NULL, "\"/etc/passwd\" points outside the archive");
	write_manifest("missing.tar", "[{\"Config\":\"config.json\",\"Layers\":[\"nope.tar\"]}]",
		       cfg, 1);
	fails("missing.tar", NULL, "\"nope.tar\": no member nope.tar in the archive");
	write_manifest("missing2.tar", "[{\"Config\":\"nope.json\",\"Layers\":[]}]", cfg, 1);
	fails("missing2.tar", NULL, "\"nope.json\": no member nope.json in the archive");
	write_manifest("escape.tar", "[{\"Config\":\"config.json\",\"Layers\":[]}]", cfg, 3);
	{
		struct rd_archive *ar = NULL;
		struct sb_error err = {0};
		char *p = tmp("escape.tar");

		assert_int_equal(rd_open(&ar, p, NULL, &err), 0);
		free(ar->images[0].config_member);
		ar->images[0].config_member = sb_strdup("escape.tar");
		assert_int_equal(rd_load_config(ar, 0, &err), -1);
		assert_non_null(strstr(err.msg, "symlink escape.tar -> ../../etc/passwd points "
						"outside the archive"));
		free(ar->images[0].config_member);
		ar->images[0].config_member = sb_strdup("loop.tar");
		assert_int_equal(rd_load_config(ar, 0, &err), -1);
		assert_non_null(strstr(err.msg, "too many links"));
		rd_close(ar);
		sb_error_release(&err);
		free(p);
	}
	write_manifest("notjson.tar", "[{\"Config\":", NULL, 0);
	fails("notjson.tar", NULL, "manifest.json: not valid JSON");
	write_manifest("empty.tar", "[]", NULL, 0);
	fails("empty.tar", NULL, "not a non-empty JSON array");
}

static void test_hostile_layers(void **state)
{
	const struct m abs[] = {{"/etc/shadow", "x", 1, 0, NULL, 0}};
	const struct m dots[] = {{"a/../../../etc/shadow", "x", 1, 0, NULL, 0}};
	const struct m hard[] = {{"h", NULL, 0, 'h', "../../etc/shadow", 0}};
	const struct m dup[] = {{"a", "x", 1, 0, NULL, 0}, {"./a", "y", 1, 0, NULL, 0}};
	const struct m notar[] = {{"x", "just some bytes, not a tar at all", 33, 0, NULL, 0}};
	struct out l;

	(void)state;
	l = make_tar(abs, 1, 0);
	image("labs.tar", &l, 1, NULL, NULL, 0);
	free(l.buf);
	fails("labs.tar", NULL, "layer layer_0.tar: entry \"/etc/shadow\" is an absolute name");
	l = make_tar(dots, 1, 0);
	image("ldots.tar", &l, 1, NULL, NULL, 0);
	free(l.buf);
	fails("ldots.tar", NULL, "has a \"..\" component");
	l = make_tar(hard, 1, 0);
	image("lhard.tar", &l, 1, NULL, NULL, 0);
	free(l.buf);
	fails("lhard.tar", NULL, "hard link target \"../../etc/shadow\" has a \"..\" component");
	l = make_tar(dup, 2, 0);
	image("ldup.tar", &l, 1, NULL, NULL, 0);
	free(l.buf);
	fails("ldup.tar", NULL, "entry a appears twice");
	/* A layer that is not a tar: its bytes as a layer. */
	l = (struct out){sb_strdup(notar[0].data), notar[0].len};
	image("lnotar.tar", &l, 1, NULL, NULL, 0);
	free(l.buf);
	fails("lnotar.tar", NULL, "layer_0.tar");
}

/* docker save's legacy layout: <hex>/layer.tar, a repeated layer as a
 * symlink, the config named by its digest. */
static void test_docker_save(void **state)
{
	struct out l = make_tar(layer0, 2, 0);
	char d[72], cd[72], *cfg, *man, *cname, *lname;
	const char *id1 = "1111111111111111111111111111111111111111111111111111111111111111";
	const char *id2 = "2222222222222222222222222222222222222222222222222222222222222222";
	struct rd_archive *ar = NULL;
	char *msg = NULL;

	(void)state;
	sha(l.buf, l.len, d);
	cfg = sb_printf("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
			"\"layers\",\"diff_ids\":[\"%s\",\"%s\"]}}",
			d, d);
	sha(cfg, strlen(cfg), cd);
	cname = sb_printf("%s.json", cd + 7);
	lname = sb_printf("%s/layer.tar", id1);
	man = sb_printf("[{\"Config\":\"%s\",\"RepoTags\":[\"a:1\"],\"Layers\":[\"%s/layer.tar\","
			"\"%s/layer.tar\"]}]",
			cname, id1, id2);
	{
		char *l2 = sb_printf("%s/layer.tar", id2), *t2 = sb_printf("../%s/layer.tar", id1);
		const struct m ms[] = {{id1, NULL, 0, 'd', NULL, 0755},
				       {lname, l.buf, l.len, 0, NULL, 0},
				       {id2, NULL, 0, 'd', NULL, 0755},
				       {l2, NULL, 0, 'l', t2, 0},
				       {cname, cfg, strlen(cfg), 0, NULL, 0},
				       {"manifest.json", man, strlen(man), 0, NULL, 0},
				       {"repositories", "{}", 2, 0, NULL, 0}};

		save("legacy.tar", make_tar(ms, 7, 0));
		/* The same with a config whose name is not its digest. */
		cname[0] = cname[0] == 'f' ? 'e' : 'f';
		free(man);
		man = sb_printf(
		    "[{\"Config\":\"%s\",\"Layers\":[\"%s/layer.tar\",\"%s/layer.tar\"]}]", cname,
		    id1, id2);
		const struct m bad[] = {{lname, l.buf, l.len, 0, NULL, 0},
					{l2, NULL, 0, 'l', t2, 0},
					{cname, cfg, strlen(cfg), 0, NULL, 0},
					{"manifest.json", man, strlen(man), 0, NULL, 0}};
		save("legacy-bad.tar", make_tar(bad, 4, 0));
		free(l2);
		free(t2);
	}
	assert_int_equal(load("legacy.tar", NULL, &ar, &msg), 0);
	assert_string_equal(ar->layout, "docker-save");
	assert_true(ar->images[0].config_named);
	assert_string_equal(ar->images[0].image_id, cd);
	assert_int_equal(ar->images[0].nlayers, 2);
	assert_string_equal(ar->images[0].layers[1].resolved, lname);
	assert_false(ar->images[0].layers[0].blob_named);
	assert_true(ar->images[0].layers[1].verified);
	rd_close(ar);
	fails("legacy-bad.tar", NULL, "its name says sha256:");
	free(cfg);
	free(man);
	free(cname);
	free(lname);
	free(l.buf);
}

/* An OCI image layout: index.json, a manifest blob, config and a gzip layer
 * blob, each named by its digest; then a descriptor with the wrong size. */
static void oci(const char *name, int lie)
{
	struct out l = make_tar(layer0, 2, 1), raw = make_tar(layer0, 2, 0);
	char ld[72], dd[72], cd[72], md[72];
	char *cfg, *man, *idx, *lp, *cp, *mp;

	sha(l.buf, l.len, ld);
	sha(raw.buf, raw.len, dd);
	cfg = oci_config_json(dd);
	sha(cfg, strlen(cfg), cd);
	man = oci_manifest_json(cd, strlen(cfg), ld, l.len + (size_t)lie);
	sha(man, strlen(man), md);
	idx = oci_index_json(md, strlen(man));
	lp = sb_printf("blobs/sha256/%s", ld + 7);
	cp = sb_printf("blobs/sha256/%s", cd + 7);
	mp = sb_printf("blobs/sha256/%s", md + 7);
	{
		const struct m ms[] = {
		    {"oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30, 0, NULL, 0},
		    {"index.json", idx, strlen(idx), 0, NULL, 0},
		    {mp, man, strlen(man), 0, NULL, 0},
		    {cp, cfg, strlen(cfg), 0, NULL, 0},
		    {lp, l.buf, l.len, 0, NULL, 0}};

		save(name, make_tar(ms, 5, 0));
	}
	free(cfg), free(man), free(idx), free(lp), free(cp), free(mp), free(l.buf), free(raw.buf);
}

static void test_oci(void **state)
{
	struct rd_archive *ar = NULL;
	char *msg = NULL;

	(void)state;
	oci("oci.tar", 0);
	assert_int_equal(load("oci.tar", NULL, &ar, &msg), 0);
	assert_string_equal(ar->layout, "oci");
	assert_string_equal(ar->images[0].tags[0], "1.0");
	assert_true(ar->images[0].config_named);
	assert_true(ar->images[0].layers[0].blob_named);
	assert_true(ar->images[0].layers[0].verified);
	assert_string_equal(ar->images[0].layers[0].compression, "gzip");
	assert_string_equal(ar->images[0].layers[0].media_type,
			    "application/vnd.oci.image.layer.v1.tar+gzip");
	rd_close(ar);
	oci("oci-lie.tar", 1);
	fails("oci-lie.tar", NULL, "the manifest says sha256:");
}

/* ---- inspect on the seed image, built as scratchbuild builds it ---- */

static const char seed_expected[] =
    "out.tar: manual layout, 1 image\n"
    "\n"
    "image 0\n"
    "  tags: golden:1\n"
    "  config: config.json, 952 bytes\n"
    "  image id: sha256:42d05c31668b7ac99c9465e4c2e4fa4e13f1eacb0e5dadc1fc0f397bf8c68b51 "
    "(the config's SHA-256; nothing names it)\n"
    "  architecture: amd64\n"
    "  os: linux\n"
    "  created: 1970-01-01T00:00:00Z\n"
    "  exposed ports: 8080/tcp\n"
    "  env:\n"
    "    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
    "  entrypoint: [\"/server/serve\"]\n"
    "  workdir: /\n"
    "  history:\n"
    "    0: COPY ./serve /server/ # buildkit\n"
    "    1: COPY ./index.html /www/ # buildkit\n"
    "    2: EXPOSE map[8080/tcp:{}]  (empty layer)\n"
    "    3: ENTRYPOINT [\"/server/serve\"]  (empty layer)\n"
    "  layers: 2\n"
    "  layer 0 (COPY ./serve /server/): layer_0.tar\n"
    "    diff id: sha256:7cd4699fc0a6f92b7c0e7f8bc24cb391d6d7a8084bb68569131597f147fb467a "
    "(verified)\n"
    "    stored: 2560 bytes, none, "
    "sha256:7cd4699fc0a6f92b7c0e7f8bc24cb391d6d7a8084bb68569131597f147fb467a\n"
    "    entries: 2, 2560 bytes of tar\n"
    "    drwxr-xr-x 0/0          0 1970-01-01 00:00:00 server/\n"
    "    -rwxr-xr-x 0/0         51 1970-01-01 00:00:00 server/serve  "
    "sha256:0309dea8d838fc3ea27b78d6c52c9ebf8b6bbd275259e84873e4eac5a453cb0a\n"
    "  layer 1 (COPY ./index.html /www/): layer_1.tar\n"
    "    diff id: sha256:e16ebee37bdf80b53a8fdc9e96d84376daae8bb1819b27a0a60d77b0dda5f8e6 "
    "(verified)\n"
    "    stored: 2560 bytes, none, "
    "sha256:e16ebee37bdf80b53a8fdc9e96d84376daae8bb1819b27a0a60d77b0dda5f8e6\n"
    "    entries: 2, 2560 bytes of tar\n"
    "    drwxr-xr-x 0/0          0 1970-01-01 00:00:00 www/\n"
    "    -rw-r--r-- 0/0        139 1970-01-01 00:00:00 www/index.html  "
    "sha256:f842025ec537c0a68b04a896893049eb1b341b4d5e9b8bd9eff651eea615106d\n";

static char *seed_dir(void)
{
	/* __FILE__ is this file's path as the compiler was given it, relative to
	 * the build directory; the test may run there or below it. */
	static const char tail[] = "tests/unit/test_read.c";
	const char *f = __FILE__;
	size_t n = strlen(f) - (sizeof(tail) - 1);
	const char *ups[] = {"", "../", "../../"};

	for (size_t i = 0; i < 3; i++) {
		char *p =
		    sb_printf("%s%.*stestdata/golden/seed", f[0] == '/' ? "" : ups[i], (int)n, f);
		struct stat st;

		if (stat(p, &st) == 0)
			return p;
		free(p);
	}
	return NULL;
}

static void build_seed(const char *seed, const char *out)
{
	struct sb_error err = {0};
	struct df_file f = {0};
	struct ctx *c = NULL;
	struct ev_plan plan = {0};
	struct ev_eval_opts o = {.architecture = "amd64"};
	struct src_opener *src = NULL;
	struct img_write_opts w = {0};
	struct img_result res = {0};
	char *df = sb_printf("%s/Dockerfile", seed), *buf;
	char *tags[] = {"golden:1", NULL};
	size_t len;
	int fd = open(df, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(sb_read_all(fd, df, 1 << 20, &buf, &len, &err), 0);
	close(fd);
	assert_int_equal(df_parse(&f, sb_strdup("Dockerfile"), buf, len, &err), 0);
	assert_int_equal(ctx_open(&c, seed, NULL, &err), 0);
	o.tags = tags;
	if (ev_eval(&f, c, &o, &plan, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(src_opener_new(&src, c, &err), 0);
	w.output = out;
	w.open = src_open;
	w.open_ud = src;
	assert_int_equal(img_write(&plan.img, &w, &res, &err), 0);
	img_result_release(&res);
	ev_plan_release(&plan);
	src_opener_free(src);
	ctx_free(c);
	df_file_release(&f);
	free(df);
}

static char *run_inspect(char **argv, int argc, int *status)
{
	char *p = tmp("stdout"), *buf = NULL;
	int saved = dup(1), fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t len;
	struct sb_error err = {0};

	assert_true(fd >= 0 && saved >= 0);
	fflush(stdout);
	dup2(fd, 1);
	close(fd);
	*status = sb_cmd_inspect(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fd = open(p, O_RDONLY);
	assert_int_equal(sb_read_all(fd, p, 1 << 24, &buf, &len, &err), 0);
	close(fd);
	free(p);
	return buf;
}

static void test_inspect_seed(void **state)
{
	char *seed = seed_dir(), *cwd = getcwd(NULL, 0), *text;
	char *argv[] = {"inspect", "out.tar", NULL, NULL};
	int status;

	(void)state;
	if (!seed)
		skip();
	{
		char *abs = realpath(seed, NULL);

		free(seed);
		seed = abs;
	}
	assert_int_equal(chdir(dir), 0);
	build_seed(seed, "out.tar");
	text = run_inspect(argv, 2, &status);
	assert_int_equal(status, 0);
	if (strcmp(text, seed_expected))
		fail_msg("inspect output differs; got:\n%s", text);
	free(text);
	argv[2] = "--json";
	text = run_inspect(argv, 3, &status);
	assert_int_equal(status, 0);
	{
		yajl_val v = NULL;
		struct sb_error err = {0};

		assert_int_equal(jt_parse(text, strlen(text), 64, "json", &v, &err), 0);
		yajl_val img = YAJL_GET_ARRAY(jt_get(v, "images"))->values[0];
		yajl_val ls = jt_get(img, "layers");
		yajl_val e = YAJL_GET_ARRAY(jt_get(ls->u.array.values[1], "entries"))->values[1];

		assert_string_equal(jt_str(e, "path"), "www/index.html");
		assert_string_equal(jt_str(e, "mode"), "0644");
		assert_string_equal(jt_str(e, "mode_string"), "-rw-r--r--");
		assert_true(YAJL_IS_TRUE(jt_get(ls->u.array.values[1], "verified")));
		yajl_tree_free(v);
	}
	free(text);
	/* A broken image: exit 1. */
	argv[1] = "digest.tar";
	argv[2] = NULL;
	text = run_inspect(argv, 2, &status);
	assert_int_equal(status, 1);
	free(text);
	assert_int_equal(chdir(cwd), 0);
	free(cwd);
	free(seed);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/sb-read.XXXXXX");
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
	    cmocka_unit_test(test_manual_ok),
	    cmocka_unit_test(test_outer_names),
	    cmocka_unit_test(test_wrong_digest),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_terabyte),
	    cmocka_unit_test(test_gzip_bomb),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_outside),
	    cmocka_unit_test(test_hostile_layers),
	    cmocka_unit_test(test_docker_save),
	    cmocka_unit_test(test_oci),
	    cmocka_unit_test(test_inspect_seed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
