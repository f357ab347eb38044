/* --explain of a build FROM a base image: which layers and history entries
 * are the base's, the FROM that names it, and the config it brings. */
#include "cli/explain_int.h"
#include "image/base.h"
#include "util/jgen.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* name names the FROM's image, or (a stage replaced by a named context)
 * its stage: as context names are, case-insensitively. */
static int names(const struct df_instr *in, const char *name)
{
	return (in->nargs >= 1 && !strcasecmp(in->args[0].text, name)) ||
	       (in->nargs == 3 && !strcasecmp(in->args[2].text, name));
}

/* The FROM that brings the base: the one that names it; else (FROM ${BASE})
 * the last FROM before the build's first step, or the last FROM. */
static const struct df_instr *find_from(const struct df_file *df, const struct ev_plan *plan,
					const char *name)
{
	const struct df_instr *last = NULL, *before = NULL;
	unsigned first = plan->nsteps ? plan->steps[0].pos.line : 0;

	for (size_t i = 0; df && i < df->ninstrs; i++) {
		const struct df_instr *in = &df->instrs[i];

		if (in->kind != DF_FROM)
			continue;
		if (names(in, name))
			return in;
		last = in;
		if (first && in->pos.line <= first)
			before = in;
	}
	return before ? before : last;
}

/* The instruction as written: its flags, then the rest. NULL: out of memory. */
static char *instr_text(const struct df_instr *in)
{
	struct sb_buf b = {0};
	int rc = sb_buf_adds(&b, df_kind_name(in->kind));

	for (size_t i = 0; i < in->nflags && rc == 0; i++)
		rc = in->flags[i].value
			 ? sb_buf_addf(&b, " --%s=%s", in->flags[i].name, in->flags[i].value)
			 : sb_buf_addf(&b, " --%s", in->flags[i].name);
	if (rc == 0 && in->rest && in->rest[0])
		rc = sb_buf_addf(&b, " %s", in->rest);
	if (rc < 0) {
		sb_buf_release(&b);
		return NULL;
	}
	return sb_buf_detach(&b);
}

int sb_explain_base_find(const struct ev_plan *plan, const struct df_file *df,
			 struct sb_explain_base *out)
{
	const struct image *img = &plan->img;
	const struct img_config *c = &img->config;

	memset(out, 0, sizeof(*out));
	if (!img->layer_src || img->nlayers == 0 || !img->layer_src[0].base)
		return 0;
	out->base = img->layer_src[0].base;
	out->name = img->layer_src[0].base_name ? img->layer_src[0].base_name : "(unnamed)";
	while (out->nlayers < img->nlayers && img->layer_src[out->nlayers].base == out->base)
		out->nlayers++;
	while (out->nhistory < c->nhistory && c->history[out->nhistory].inherited)
		out->nhistory++;
	out->from = find_from(df, plan, out->name);
	if (out->from && !(out->from_text = instr_text(out->from)))
		return -1;
	return 0;
}

void sb_explain_base_release(struct sb_explain_base *b)
{
	free(b->from_text);
	memset(b, 0, sizeof(*b));
}

static void strv(struct jgen *j, char *const *v)
{
	jgen_array_open(j);
	for (size_t i = 0; v[i]; i++)
		jgen_str(j, v[i]);
	jgen_array_close(j);
}

/* Docker's form of a set of strings: {"K":{}, ...}. */
static void set(struct jgen *j, char *const *v)
{
	jgen_map_open(j);
	for (size_t i = 0; v[i]; i++) {
		jgen_str(j, v[i]);
		jgen_map_open(j);
		jgen_map_close(j);
	}
	jgen_map_close(j);
}

static void labels(struct jgen *j, char *const *v)
{
	jgen_map_open(j);
	for (size_t i = 0; v[i] && v[i + 1]; i += 2) {
		jgen_str(j, v[i]);
		jgen_str(j, v[i + 1]);
	}
	jgen_map_close(j);
}

static void health(struct jgen *j, const struct img_health *h)
{
	jgen_map_open(j);
	if (h->test) {
		jgen_str(j, "Test");
		strv(j, h->test);
	}
	if (h->interval)
		jgen_str(j, "Interval"), jgen_int(j, h->interval);
	if (h->timeout)
		jgen_str(j, "Timeout"), jgen_int(j, h->timeout);
	if (h->start_period)
		jgen_str(j, "StartPeriod"), jgen_int(j, h->start_period);
	if (h->retries)
		jgen_str(j, "Retries"), jgen_int(j, h->retries);
	jgen_map_close(j);
}

/* Field k of c as compact JSON into *out (NULL when c leaves it unset). */
static int field_json(const struct img_config *c, int k, char **out)
{
	struct sb_error err = {0};
	struct jgen j;
	size_t len;
	int rc;

	*out = NULL;
	if ((k == 0 && !c->user) || (k == 1 && !c->ports) || (k == 2 && !c->env) ||
	    (k == 3 && !c->entrypoint) || (k == 4 && !c->cmd) || (k == 5 && !c->volumes) ||
	    (k == 6 && !c->workdir) || (k == 7 && !c->labels) || (k == 8 && !c->stop_signal) ||
	    (k == 9 && !c->health) || (k == 10 && !c->shell) || (k == 11 && !c->onbuild) ||
	    (k == 12 && !c->author))
		return 0;
	if (jgen_start(&j, 0, &err) < 0) {
		sb_error_release(&err);
		return -1;
	}
	switch (k) {
	case 0:
		jgen_str(&j, c->user);
		break;
	case 1:
		set(&j, c->ports);
		break;
	case 2:
		strv(&j, c->env);
		break;
	case 3:
		strv(&j, c->entrypoint);
		break;
	case 4:
		strv(&j, c->cmd);
		break;
	case 5:
		set(&j, c->volumes);
		break;
	case 6:
		jgen_str(&j, c->workdir);
		break;
	case 7:
		labels(&j, c->labels);
		break;
	case 8:
		jgen_str(&j, c->stop_signal);
		break;
	case 9:
		health(&j, c->health);
		break;
	case 10:
		strv(&j, c->shell);
		break;
	case 11:
		strv(&j, c->onbuild);
		break;
	default:
		jgen_str(&j, c->author);
		break;
	}
	rc = jgen_finish(&j, out, &len, &err);
	sb_error_release(&err);
	return rc;
}

int sb_explain_base_config(const struct sb_explain_base *b, sb_explain_field_fn fn, void *ud)
{
	/* In the order of config.json's "config", then "author". */
	static const char *const fields[] = {
	    "User",    "ExposedPorts", "Env",	 "Entrypoint", "Cmd",
	    "Volumes", "WorkingDir",   "Labels", "StopSignal", "Healthcheck",
	    "Shell",   "OnBuild",      "author",
	};
	const struct img_config *c;

	if (!b->base)
		return 0;
	c = img_base_config(b->base);
	for (int k = 0; k < (int)(sizeof(fields) / sizeof(fields[0])); k++) {
		char *json;

		if (field_json(c, k, &json) < 0)
			return -1;
		if (json)
			fn(ud, fields[k], json);
		free(json);
	}
	return 0;
}
