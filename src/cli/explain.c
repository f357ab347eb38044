/* --explain in text: what each instruction of a build became, and the
 * helpers the text and the HTML forms share. */
#include "cli/explain.h"
#include "cli/explain_int.h"
#include "cli/print.h"
#include "util/utf8.h"

#include <stdlib.h>
#include <string.h>

/* The config field each metadata instruction sets. */
const char *sb_explain_field_of(const char *text)
{
	static const struct {
		const char *kw, *field;
	} map[] = {
	    {"EXPOSE", "ExposedPorts"},
	    {"ENTRYPOINT", "Entrypoint"},
	    {"CMD", "Cmd"},
	    {"ENV", "Env"},
	    {"LABEL", "Labels"},
	    {"USER", "User"},
	    {"WORKDIR", "WorkingDir"},
	    {"VOLUME", "Volumes"},
	    {"STOPSIGNAL", "StopSignal"},
	    {"HEALTHCHECK", "Healthcheck"},
	    {"SHELL", "Shell"},
	    {"ONBUILD", "OnBuild"},
	    {"MAINTAINER", "author"},
	};
	size_t n = strcspn(text, " ");

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strlen(map[i].kw) == n && !strncmp(text, map[i].kw, n))
			return map[i].field;
	return NULL;
}

/* The letter ls(1) shows for e's type. */
char sb_explain_type_letter(const struct img_entry *e)
{
	return e->type == IMG_DIR	 ? 'd'
	       : e->type == IMG_SYMLINK	 ? 'l'
	       : e->type == IMG_FIFO	 ? 'p'
	       : e->type == IMG_HARDLINK ? 'h'
					 : '-';
}

static int print_entry(void *ud, const struct img_entry *e, struct sb_error *err)
{
	FILE *out = ud;
	char mode[11];

	(void)err;
	sb_mode_string(sb_explain_type_letter(e), e->mode, mode);
	fprintf(out, "       %s %u:%u %10llu  ", mode, e->uid, e->gid,
		(unsigned long long)(e->type == IMG_REG ? e->size : 0));
	sb_utf8_put_shown(out, e->path);
	if (e->type == IMG_DIR)
		fputc('/', out);
	if (e->link && (e->type == IMG_SYMLINK || e->type == IMG_HARDLINK)) {
		fputs(e->type == IMG_SYMLINK ? " -> " : " link to ", out);
		sb_utf8_put_shown(out, e->link);
	}
	fputc('\n', out);
	return 0;
}

static void print_base_field(void *ud, const char *field, const char *json)
{
	FILE *out = ud;

	fprintf(out, "  -> config.%s from the base: ", field);
	sb_utf8_put_shown(out, json);
	fputc('\n', out);
}

/* The FROM of a base image: the base, the config it brings, its layers (each
 * said with its size and DiffID, not listed: they are the base's bytes),
 * and its history entries. */
static int print_base(FILE *out, const char *dockerfile, const struct sb_explain_base *b,
		      const struct image *img, const struct img_result *res)
{
	if (b->from)
		fprintf(out, "%s:%u  %s\n", dockerfile, b->from->pos.line, b->from_text);
	else
		fprintf(out, "%s  FROM\n", dockerfile);
	fputs("  -> base ", out);
	sb_utf8_put_shown(out, b->name);
	fprintf(out, ": %zu layer%s, %zu history entr%s\n", b->nlayers, b->nlayers == 1 ? "" : "s",
		b->nhistory, b->nhistory == 1 ? "y" : "ies");
	if (sb_explain_base_config(b, print_base_field, out) < 0)
		return -1;
	for (size_t l = 0; l < b->nlayers; l++) {
		size_t n = img_tree_count(img->layers[l]);

		fprintf(out, "  -> layer %zu from base ", l);
		sb_utf8_put_shown(out, b->name);
		fprintf(out, " (its layer %zu of %zu): layer_%zu.tar, %llu bytes, %s\n",
			img->layer_src[l].index + 1, b->nlayers, l,
			(unsigned long long)res->layer_sizes[l],
			res->diff_ids[l] ? res->diff_ids[l] : "");
		fprintf(out, "       %zu entr%s, copied byte for byte\n", n, n == 1 ? "y" : "ies");
	}
	if (b->nhistory == 1)
		fputs("  -> history[0]: the base's, kept as it wrote it\n", out);
	else if (b->nhistory)
		fprintf(out, "  -> history[0]..history[%zu]: the base's, kept as it wrote them\n",
			b->nhistory - 1);
	return 0;
}

int sb_explain(FILE *out, const struct df_file *df, const struct ev_plan *plan,
	       const struct img_result *res, const char *output, enum img_format fmt)
{
	const struct image *img = &plan->img;
	const char *dockerfile = df->src.name;
	struct sb_explain_base base;
	struct sb_error err = {0};
	char *pretty = NULL;
	int rc = -1;

	if (sb_explain_base_find(plan, df, &base) < 0 ||
	    (base.name && print_base(out, dockerfile, &base, img, res) < 0))
		goto out;
	for (size_t i = 0; i < plan->nsteps; i++) {
		const struct ev_step *s = &plan->steps[i];
		const char *field = sb_explain_field_of(s->text);

		fprintf(out, "%s:%u  %s\n", dockerfile, s->pos.line, s->text);
		if (s->layer >= 0) {
			size_t l = (size_t)s->layer;

			fprintf(out, "  -> layer %zu: layer_%zu.tar, %llu bytes, %s\n", l, l,
				(unsigned long long)res->layer_sizes[l],
				res->diff_ids[l] ? res->diff_ids[l] : "");
			if (img_tree_count(img->layers[l]) == 0)
				fprintf(out, "       (empty)\n");
			img_tree_each(img->layers[l], print_entry, out, &err);
		}
		if (field)
			fprintf(out, "  -> config.%s\n", field);
		else if (s->layer < 0 && !strncmp(s->text, "ARG", 3))
			fprintf(out, "  -> a build argument: history only, not in the config\n");
	}
	fputs("\nmanifest.json:\n", out);
	if (img_json_pretty(res->manifest, &pretty, &err) < 0)
		goto out;
	fprintf(out, "%s\n", pretty);
	free(pretty);
	pretty = NULL;
	fprintf(out, "\nconfig.json (its SHA-256 is the image ID, %s):\n", res->image_id);
	if (img_json_pretty(res->config, &pretty, &err) < 0)
		goto out;
	fprintf(out, "%s\n", pretty);
	if (output) {
		fprintf(out, "\n%s\n", output);
		if (fmt == IMG_FORMAT_MANUAL) {
			for (size_t i = 0; i < img->nlayers; i++)
				fprintf(out, "├── layer_%zu.tar   %llu bytes\n", i,
					(unsigned long long)res->layer_sizes[i]);
			fprintf(out, "├── config.json\n└── manifest.json\n");
		} else {
			fprintf(out, "(the %s layout; see the README's Formats)\n",
				fmt == IMG_FORMAT_DOCKER ? "docker save" : "OCI");
		}
	}
	rc = 0;
out:
	free(pretty);
	sb_explain_base_release(&base);
	sb_error_release(&err);
	return rc;
}
