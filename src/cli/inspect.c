/* scratchbuild inspect IMAGE.tar [--json] [--base NAME=PATH]...: what an
 * image tar holds, in plain words or as JSON, every digest checked on the
 * way; with --base, which of its layers and history entries are that base's. */
#include "cli/base_match.h"
#include "cli/cli.h"
#include "cli/print.h"
#include "image/read.h"
#include "util/jgen.h"
#include "util/jtree.h"
#include "util/mem.h"
#include "util/utf8.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char inspect_usage[] =
    "usage: scratchbuild inspect IMAGE.tar [--json] [--base NAME=PATH]...\n"
    "\n"
    "Prints the manifest, the config, the history and every layer's files of an\n"
    "image tar (scratchbuild's, docker save's or an OCI layout), checking every\n"
    "digest. --json prints the same as JSON.\n"
    "--base NAME=PATH (repeatable): the image at PATH is a base; the layers of\n"
    "IMAGE that are its layers (the same DiffIDs, at the bottom) and the history\n"
    "entries that are its history are marked as base NAME's.\n"
    "Exit status: 0 ok, 1 the image is broken or hostile, 2 usage.\n";

/* s, a string from the image, as a terminal may show it. */
static void put(const char *s)
{
	sb_utf8_put_shown(stdout, s);
}

/* The letter ls(1) shows for e's type. */
static char type_letter(const struct rd_entry *e)
{
	return "-dlhcbp"[e->type];
}

static void time_string(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, 32, "@%" PRId64, t);
}

/* The instruction that made layer k, from the history entries that made
 * layers ("COPY ./serve /server/"), or NULL when they do not line up. */
static const char *layer_step(const struct rd_image *img, size_t k)
{
	yajl_val h = jt_get(img->config, "history");
	size_t n = 0;
	const char *found = NULL;

	if (!YAJL_IS_ARRAY(h))
		return NULL;
	for (size_t i = 0; i < h->u.array.len; i++) {
		yajl_val e = h->u.array.values[i], empty = jt_get(e, "empty_layer");

		if (YAJL_IS_TRUE(empty))
			continue;
		if (n++ == k)
			found = jt_str(e, "created_by");
	}
	return n == img->nlayers ? found : NULL;
}

static void print_json_value(const char *label, yajl_val v)
{
	char *s = jt_text(v);

	printf("  %s: ", label);
	put(s ? s : "?");
	putchar('\n');
	free(s);
}

static void print_keys(const char *label, yajl_val v)
{
	if (!YAJL_IS_OBJECT(v))
		return print_json_value(label, v);
	printf("  %s:", label);
	for (size_t i = 0; i < v->u.object.len; i++) {
		putchar(' ');
		put(v->u.object.keys[i]);
	}
	printf("\n");
}

static void print_list(const char *label, yajl_val v)
{
	if (!YAJL_IS_ARRAY(v))
		return print_json_value(label, v);
	printf("  %s:\n", label);
	for (size_t i = 0; i < v->u.array.len; i++) {
		yajl_val x = v->u.array.values[i];

		if (YAJL_IS_STRING(x)) {
			fputs("    ", stdout);
			put(x->u.string);
			putchar('\n');
		} else
			print_json_value("  ", x);
	}
}

static void print_labels(yajl_val v)
{
	if (!YAJL_IS_OBJECT(v))
		return print_json_value("labels", v);
	printf("  labels:\n");
	for (size_t i = 0; i < v->u.object.len; i++) {
		yajl_val x = v->u.object.values[i];
		char *s = YAJL_IS_STRING(x) ? NULL : jt_text(x);

		fputs("    ", stdout);
		put(v->u.object.keys[i]);
		putchar('=');
		put(s ? s : YAJL_IS_STRING(x) ? x->u.string : "");
		putchar('\n');
		free(s);
	}
}

static void print_health(yajl_val v)
{
	static const char *const durations[] = {"Interval", "Timeout", "StartPeriod",
						"StartInterval"};

	if (!YAJL_IS_OBJECT(v))
		return print_json_value("healthcheck", v);
	print_json_value("healthcheck", jt_get(v, "Test"));
	for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		yajl_val d = jt_get(v, durations[i]);

		if (YAJL_IS_INTEGER(d))
			printf("    %s: %.3fs\n", durations[i], (double)YAJL_GET_INTEGER(d) / 1e9);
	}
	if (YAJL_IS_INTEGER(jt_get(v, "Retries")))
		printf("    Retries: %lld\n", YAJL_GET_INTEGER(jt_get(v, "Retries")));
}

/* The runtime config ("config" of the image config), field by field. */
static void print_runtime(yajl_val c)
{
	static const struct {
		const char *key, *label;
		char how; /* j: JSON, k: keys, l: list, s: string, L: labels, h: health */
	} fields[] = {
	    {"User", "user", 's'},
	    {"ExposedPorts", "exposed ports", 'k'},
	    {"Env", "env", 'l'},
	    {"Entrypoint", "entrypoint", 'j'},
	    {"Cmd", "cmd", 'j'},
	    {"ArgsEscaped", "args escaped", 'j'},
	    {"Volumes", "volumes", 'k'},
	    {"WorkingDir", "workdir", 's'},
	    {"Labels", "labels", 'L'},
	    {"StopSignal", "stop signal", 's'},
	    {"Healthcheck", "healthcheck", 'h'},
	    {"Shell", "shell", 'j'},
	    {"OnBuild", "onbuild", 'l'},
	};

	if (!YAJL_IS_OBJECT(c))
		return;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		yajl_val v = jt_get(c, fields[i].key);

		if (!v || YAJL_IS_NULL(v))
			continue;
		if (fields[i].how == 's' && YAJL_IS_STRING(v)) {
			printf("  %s: ", fields[i].label);
			put(v->u.string);
			putchar('\n');
		} else if (fields[i].how == 'k')
			print_keys(fields[i].label, v);
		else if (fields[i].how == 'l')
			print_list(fields[i].label, v);
		else if (fields[i].how == 'L')
			print_labels(v);
		else if (fields[i].how == 'h')
			print_health(v);
		else
			print_json_value(fields[i].label, v);
	}
	for (size_t i = 0; i < c->u.object.len; i++) {
		const char *k = c->u.object.keys[i];
		int known = 0;

		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
			known |= !strcmp(k, fields[f].key);
		if (!known && !YAJL_IS_NULL(c->u.object.values[i]))
			print_json_value(k, c->u.object.values[i]);
	}
}

static void print_entry(const struct rd_entry *e)
{
	char mode[11], when[32];

	sb_mode_string(type_letter(e), e->mode, mode);
	time_string(e->mtime, when);
	printf("    %s %" PRId64 "/%" PRId64 " %10" PRIu64 " %s ", mode, e->uid, e->gid, e->size,
	       when);
	put(e->path);
	if (e->type == RD_DIR)
		putchar('/');
	if (e->type == RD_SYMLINK || e->type == RD_HARDLINK) {
		fputs(e->type == RD_SYMLINK ? " -> " : " link to ", stdout);
		put(e->link);
	} else if (e->type == RD_FILE)
		printf("  sha256:%s", e->sha256);
	printf("\n");
}

static void print_text(const struct rd_archive *ar, const struct sb_bases *bases)
{
	printf("%s: %s layout, %zu image%s\n", ar->path, ar->layout, ar->nimages,
	       ar->nimages == 1 ? "" : "s");
	for (size_t i = 0; i < ar->nimages; i++) {
		const struct rd_image *img = &ar->images[i];
		yajl_val c = img->config, h = jt_get(c, "history");
		static const char *const top[] = {"architecture", "variant", "os", "created",
						  "author"};
		struct sb_base_match base;

		sb_bases_match(bases, img, &base);

		printf("\nimage %zu\n", i);
		printf("  tags:");
		for (char **t = img->tags; t && *t; t++) {
			putchar(' ');
			put(*t);
		}
		printf("%s\n", img->tags && img->tags[0] ? "" : " (none)");
		if (img->platform[0]) {
			fputs("  platform: ", stdout);
			put(img->platform);
			fputs(" (its index descriptor's)\n", stdout);
		}
		if (img->manifest_member) {
			fputs("  manifest: ", stdout);
			put(img->manifest_member);
			putchar('\n');
		}
		fputs("  config: ", stdout);
		put(img->config_member);
		printf(", %zu bytes\n", img->config_len);
		printf("  image id: %s (%s)\n", img->image_id,
		       img->config_named ? "verified against its name"
					 : "the config's SHA-256; nothing names it");
		for (size_t k = 0; k < sizeof(top) / sizeof(top[0]); k++)
			if (jt_str(c, top[k])) {
				printf("  %s: ", top[k]);
				put(jt_str(c, top[k]));
				putchar('\n');
			}
		print_runtime(jt_get(c, "config"));
		for (size_t k = 0; k < c->u.object.len; k++) {
			const char *key = c->u.object.keys[k];
			int known = !strcmp(key, "config") || !strcmp(key, "history") ||
				    !strcmp(key, "rootfs");

			for (size_t t = 0; t < sizeof(top) / sizeof(top[0]); t++)
				known |=
				    !strcmp(key, top[t]) && YAJL_IS_STRING(c->u.object.values[k]);
			if (!known)
				print_json_value(key, c->u.object.values[k]);
		}
		if (YAJL_IS_ARRAY(h)) {
			printf("  history:\n");
			for (size_t k = 0; k < h->u.array.len; k++) {
				yajl_val e = h->u.array.values[k];
				const char *by = jt_str(e, "created_by");

				printf("    %zu: ", k);
				put(by ? by : "(no created_by)");
				printf("%s", YAJL_IS_TRUE(jt_get(e, "empty_layer"))
						 ? "  (empty layer)"
						 : "");
				if (k < base.nhistory) {
					fputs("  (base ", stdout);
					put(base.name);
					putchar(')');
				}
				putchar('\n');
			}
		}
		printf("  layers: %zu\n", img->nlayers);
		for (size_t k = 0; k < img->nlayers; k++) {
			const struct rd_layer *l = &img->layers[k];
			const char *step = layer_step(img, k);

			size_t sl = step ? strlen(step) : 0;

			if (sl >= 11 && !strcmp(step + sl - 11, " # buildkit"))
				sl -= 11;
			char *what = step ? sb_strndup(step, sl) : NULL;

			printf("  layer %zu", k);
			if (what) {
				fputs(" (", stdout);
				put(what);
				putchar(')');
			}
			fputs(": ", stdout);
			put(l->member);
			if (strcmp(l->member, l->resolved)) {
				fputs(" -> ", stdout);
				put(l->resolved);
			}
			free(what);
			putchar('\n');
			if (k < base.nlayers) {
				fputs("    from base ", stdout);
				put(base.name);
				printf(" (its layer %zu of %zu)\n", k + 1, base.nlayers);
			}
			printf("    diff id: %s (verified)\n", l->diff_id);
			printf("    stored: %" PRIu64 " bytes, %s, %s%s\n", l->stored_size,
			       l->compression, l->blob_digest, l->blob_named ? " (verified)" : "");
			if (l->media_type)
				printf("    media type: %s\n", l->media_type);
			printf("    entries: %zu, %" PRIu64 " bytes of tar\n", l->nentries,
			       l->tar_size);
			for (size_t e = 0; e < l->nentries; e++)
				print_entry(&l->entries[e]);
		}
	}
}

/* ---- JSON ---- */

/* Names that are not valid UTF-8 get U+FFFD for each bad byte (jgen_str), as
 * Go writes them, so any name gives valid JSON. */
static void print_json_entry(struct jgen *j, const struct rd_entry *x)
{
	char mode[11], oct[8];

	sb_mode_string(type_letter(x), x->mode, mode);
	snprintf(oct, sizeof(oct), "%04o", (unsigned)x->mode);
	jgen_map_open(j);
	jgen_str(j, "path"), jgen_str(j, x->path);
	jgen_str(j, "type"), jgen_str(j, rd_type_name(x->type));
	jgen_str(j, "mode"), jgen_str(j, oct);
	jgen_str(j, "mode_string"), jgen_str(j, mode);
	jgen_str(j, "uid"), jgen_int(j, x->uid);
	jgen_str(j, "gid"), jgen_int(j, x->gid);
	jgen_str(j, "size"), jgen_int(j, (long long)x->size);
	jgen_str(j, "sha256"), jgen_str_or_null(j, x->type == RD_FILE ? x->sha256 : NULL);
	jgen_str(j, "link"), jgen_str_or_null(j, x->link);
	jgen_str(j, "mtime"), jgen_int(j, x->mtime);
	jgen_map_close(j);
}

/* base: NULL without --base, else what matched img (maybe nothing). */
static void print_json_layer(struct jgen *j, const struct rd_image *img, size_t k,
			     const struct sb_base_match *base)
{
	const struct rd_layer *l = &img->layers[k];

	jgen_map_open(j);
	jgen_str(j, "member"), jgen_str(j, l->member);
	jgen_str(j, "resolved"), jgen_str(j, l->resolved);
	jgen_str(j, "created_by"), jgen_str_or_null(j, layer_step(img, k));
	jgen_str(j, "media_type"), jgen_str_or_null(j, l->media_type);
	jgen_str(j, "compression"), jgen_str(j, l->compression);
	jgen_str(j, "stored_size"), jgen_int(j, (long long)l->stored_size);
	jgen_str(j, "blob_digest"), jgen_str(j, l->blob_digest);
	jgen_str(j, "blob_named"), jgen_bool(j, l->blob_named);
	jgen_str(j, "tar_size"), jgen_int(j, (long long)l->tar_size);
	jgen_str(j, "diff_id"), jgen_str(j, l->diff_id);
	jgen_str(j, "verified"), jgen_bool(j, l->verified);
	if (base) {
		jgen_str(j, "from_base");
		if (k < base->nlayers) {
			jgen_map_open(j);
			jgen_str(j, "name"), jgen_str(j, base->name);
			jgen_str(j, "layer"), jgen_int(j, (long long)k + 1);
			jgen_str(j, "of"), jgen_int(j, (long long)base->nlayers);
			jgen_map_close(j);
		} else {
			jgen_null(j);
		}
	}
	jgen_str(j, "entries"), jgen_array_open(j);
	for (size_t e = 0; e < l->nentries; e++)
		print_json_entry(j, &l->entries[e]);
	jgen_array_close(j);
	jgen_map_close(j);
}

static int print_json(const struct rd_archive *ar, const struct sb_bases *bases,
		      struct sb_error *err)
{
	struct jgen j;
	int rc = -1;

	if (jgen_start(&j, 1, err) < 0)
		return -1;
	jgen_map_open(&j);
	jgen_str(&j, "file"), jgen_str(&j, ar->path);
	jgen_str(&j, "layout"), jgen_str(&j, ar->layout);
	jgen_str(&j, "images"), jgen_array_open(&j);
	for (size_t i = 0; i < ar->nimages; i++) {
		const struct rd_image *img = &ar->images[i];
		struct sb_base_match base;

		sb_bases_match(bases, img, &base);
		jgen_map_open(&j);
		jgen_str(&j, "tags"), jgen_array_open(&j);
		for (char **t = img->tags; t && *t; t++)
			jgen_str(&j, *t);
		jgen_array_close(&j);
		jgen_str(&j, "manifest"), jgen_str_or_null(&j, img->manifest_member);
		jgen_str(&j, "config_member"), jgen_str(&j, img->config_member);
		jgen_str(&j, "image_id"), jgen_str(&j, img->image_id);
		jgen_str(&j, "config_named"), jgen_bool(&j, img->config_named);
		jgen_str(&j, "config");
		if (j.st == yajl_gen_status_ok && jt_gen(j.g, img->config, 0, err) < 0)
			goto out;
		if (bases->n) {
			jgen_str(&j, "base_history");
			jgen_int(&j, (long long)base.nhistory);
		}
		jgen_str(&j, "layers"), jgen_array_open(&j);
		for (size_t k = 0; k < img->nlayers; k++)
			print_json_layer(&j, img, k, bases->n ? &base : NULL);
		jgen_array_close(&j);
		jgen_map_close(&j);
	}
	jgen_array_close(&j);
	jgen_map_close(&j);
	if (jgen_fwrite(&j, stdout, err) < 0) {
		sb_errorf(err, "cannot write JSON");
		goto out;
	}
	rc = 0;
out:
	jgen_release(&j);
	return rc;
}

int sb_cmd_inspect(int argc, char **argv)
{
	struct sb_error err = {0};
	struct rd_archive *ar = NULL;
	struct sb_bases bases = {0};
	const char *path = NULL;
	int json = 0, status = 1;

	for (int i = 1; i < argc; i++) {
		const char *base = !strncmp(argv[i], "--base=", 7)		? argv[i] + 7
				   : !strcmp(argv[i], "--base") && i + 1 < argc ? argv[++i]
										: NULL;
		int rc = base ? sb_bases_add(&bases, base, &err) : 0;

		if (rc < 0)
			goto out;
		if (rc > 0 || !strcmp(argv[i], "--base")) {
			fprintf(stderr, "scratchbuild inspect: --base takes NAME=PATH\n%s",
				inspect_usage);
			status = 2;
			goto out;
		}
		if (base) {
			continue;
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(inspect_usage, stdout);
			status = 0;
			goto out;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "scratchbuild inspect: unknown option %s\n%s", argv[i],
				inspect_usage);
			status = 2;
			goto out;
		} else if (path) {
			fprintf(stderr, "scratchbuild inspect: one image tar at a time\n%s",
				inspect_usage);
			status = 2;
			goto out;
		} else {
			path = argv[i];
		}
	}
	if (!path) {
		fprintf(stderr, "scratchbuild inspect: which image tar?\n%s", inspect_usage);
		status = 2;
		goto out;
	}
	if (rd_open(&ar, path, NULL, &err) < 0)
		goto out;
	for (size_t i = 0; i < ar->nimages; i++)
		if (rd_load_layers(ar, i, &err) < 0)
			goto out;
	if (json) {
		if (print_json(ar, &bases, &err) < 0)
			goto out;
	} else {
		print_text(ar, &bases);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		sb_errorf(&err, "cannot write the output");
		goto out;
	}
	status = 0;
out:
	if (status == 1)
		sb_print_error("scratchbuild inspect", SB_WHO_ALWAYS, &err);
	sb_bases_release(&bases);
	rd_close(ar);
	sb_error_release(&err);
	return status;
}
