/* The evaluator: instructions -> build plan. This file drives it: the
 * stages (split, evaluated on demand, replayed as the base of a later one),
 * ONBUILD triggers, the dispatch of each instruction to its handler, and the
 * diagnostics every handler records.
 *
 * It keeps two trees: the layer being built by the current COPY, and the image's
 * file system so far (metadata only), which tells what an existing parent
 * directory looks like when a later COPY writes into it: Docker's layer then
 * holds that directory again, with the mode and owner it already had.
 */
#include "image/reference.h"
#include "interp/eval_int.h"
#include "interp/source.h"
#include "util/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int ev_oom(struct eval *ev)
{
	return sb_errorf(ev->err, "out of memory");
}

int ev_error_at(struct eval *ev, struct sb_pos pos, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = sb_vprintf(fmt, ap);
	va_end(ap);
	if (!msg)
		return ev_oom(ev);
	sb_error_at(ev->err, &ev->f->src, pos, "%s", msg);
	free(msg);
	return -1;
}

int ev_error_moved(struct eval *ev, struct sb_error *err, struct sb_pos pos, const char *fmt, ...)
{
	va_list ap;
	char *prefix, *msg, *hint = NULL;

	va_start(ap, fmt);
	prefix = sb_vprintf(fmt, ap);
	va_end(ap);
	if (!prefix)
		return sb_errorf(err, "out of memory");
	if (err->file)
		msg = sb_printf("%s%s: %s", prefix, err->file, err->msg ? err->msg : "failed");
	else
		msg = sb_printf("%s%s", prefix, err->msg ? err->msg : "failed");
	free(prefix);
	if (err->hint)
		hint = sb_strdup(err->hint);
	if (!msg || (err->hint && !hint)) {
		free(msg);
		free(hint);
		return sb_errorf(err, "out of memory");
	}
	sb_error_at(err, &ev->f->src, pos, "%s", msg);
	if (hint)
		sb_error_hint(err, "%s", hint);
	free(msg);
	free(hint);
	return -1;
}

int ev_warn_at(struct eval *ev, struct sb_pos pos, const char *hint, const char *fmt, ...)
{
	struct ev_plan *p = ev->plan;
	size_t cap = p->nwarnings;
	struct sb_error *w;
	va_list ap;
	char *msg;

	if (sb_grow(&p->warnings, &cap, p->nwarnings + 1, sizeof(*p->warnings)) < 0)
		return ev_oom(ev);
	va_start(ap, fmt);
	msg = sb_vprintf(fmt, ap);
	va_end(ap);
	if (!msg)
		return ev_oom(ev);
	w = &p->warnings[p->nwarnings];
	memset(w, 0, sizeof(*w));
	sb_error_at(w, &ev->f->src, pos, "warning: %s", msg);
	free(msg);
	if (!w->msg)
		return ev_oom(ev);
	/* A stage evaluated twice (FROM stage, COPY --from) says things once. */
	for (size_t i = 0; i < p->nwarnings; i++) {
		if (p->warnings[i].line == w->line && p->warnings[i].col == w->col &&
		    !strcmp(p->warnings[i].msg, w->msg)) {
			sb_error_release(w);
			return 0;
		}
	}
	if (hint)
		sb_error_hint(w, "%s", hint);
	p->nwarnings++;
	return 0;
}

int ev_add_step(struct eval *ev, const struct df_instr *in, long layer, uint64_t payload)
{
	struct state *p = ev->st;
	size_t cap = p->nsteps;
	struct sb_buf text = {0};
	int rc = sb_buf_adds(&text, df_kind_name(in->kind));

	/* The line as written, continuations joined: flags, then the rest. */
	for (size_t i = 0; i < in->nflags && rc == 0; i++)
		rc = in->flags[i].value
			 ? sb_buf_addf(&text, " --%s=%s", in->flags[i].name, in->flags[i].value)
			 : sb_buf_addf(&text, " --%s", in->flags[i].name);
	if (rc == 0 && in->rest && in->rest[0])
		rc = sb_buf_addf(&text, " %s", in->rest);
	if (rc < 0 || sb_grow(&p->steps, &cap, p->nsteps + 1, sizeof(*p->steps)) < 0) {
		sb_buf_release(&text);
		return ev_oom(ev);
	}
	p->steps[p->nsteps].text = sb_buf_detach(&text);
	if (!p->steps[p->nsteps].text)
		return ev_oom(ev);
	p->steps[p->nsteps].layer = layer;
	p->steps[p->nsteps].payload = payload;
	p->steps[p->nsteps].pos = in->pos;
	p->nsteps++;
	return 0;
}

/* Records a history entry of an instruction that makes no layer, and its step. */
int ev_meta_done(struct eval *ev, const struct df_instr *in, const char *created_by)
{
	if (img_add_history(&ev->st->img, created_by, 1, ev->err) < 0)
		return -1;
	return ev_add_step(ev, in, -1, 0);
}

static char **strv_dup(char *const *v)
{
	size_t n = 0;
	char **r;

	while (v && v[n])
		n++;
	r = calloc(n + 1, sizeof(*r));
	for (size_t i = 0; r && i < n; i++) {
		if (!(r[i] = sb_strdup(v[i]))) {
			sb_strv_free(r);
			return NULL;
		}
	}
	return r;
}

/* ---- FROM ------------------------------------------------------------------- */

/* from = "FROM" ["--platform=..."] image ["AS" name] ; image = "scratch" | stage */
static int from_image(struct eval *ev, const struct df_instr *in, char **image)
{
	if (in->nargs != 1 && !(in->nargs == 3 && !strcasecmp(in->args[1].text, "as"))) {
		ev_error_at(ev, in->pos, "FROM takes an image and optionally \"AS name\"");
		return sb_error_hint(ev->err, "write FROM scratch, or FROM scratch AS name");
	}
	for (size_t i = 0; i < in->nflags; i++) {
		if (!strcmp(in->flags[i].name, "platform"))
			continue; /* checked for every stage by check_platforms */
		ev_error_at(ev, in->flags[i].pos, "FROM --%s is not supported by scratchbuild",
			    in->flags[i].name);
		return sb_error_hint(ev->err, "remove the flag; images are built for this "
					      "machine's platform");
	}
	return ev_expand_word(ev, in->args[0].text, in->args[0].pos, image);
}

/* FROM --platform=P: P expanded with the global ARGs (and the platform ARGs)
 * must be a platform, in every stage, used or not, as BuildKit parses them all
 * before it builds any. BuildKit then runs the stage's commands on P; for a
 * builder that runs nothing it changes nothing: Docker 20.10 gives the image
 * of FROM --platform=linux/arm64 scratch the target's platform (--platform, or
 * the build machine's), and the platform ARGs keep their values. */
static int from_platform(struct eval *ev, const struct df_instr *in)
{
	struct img_platform p;
	char *v = NULL;
	int rc = 0;

	for (size_t i = 0; i < in->nflags && rc == 0; i++) {
		const struct df_flag *fl = &in->flags[i];

		if (strcmp(fl->name, "platform") != 0)
			continue;
		if (!fl->value) {
			ev_error_at(ev, fl->pos, "FROM --platform needs a value");
			return sb_error_hint(ev->err, "write --platform=linux/arm64, or "
						      "--platform=$BUILDPLATFORM");
		}
		if (!fl->value[0])
			continue; /* written empty: no platform, as in BuildKit */
		if (ev_expand_word(ev, fl->value, fl->pos, &v) < 0)
			return -1;
		if (!v[0]) {
			ev_error_at(ev, fl->pos, "FROM --platform=%s: the platform is empty",
				    fl->value);
			sb_error_hint(ev->err, "give the ARG a value before the first FROM; "
					       "the platform ARGs ($BUILDPLATFORM, "
					       "$TARGETPLATFORM) need no ARG");
			rc = -1;
		} else if (img_platform_parse(v, &p, ev->err) < 0) {
			ev_error_moved(ev, ev->err, fl->pos, "FROM --platform=%s: ", fl->value);
			sb_error_hint(ev->err, "write os/arch[/variant], e.g. "
					       "--platform=linux/arm64");
			rc = -1;
		}
		free(v);
		v = NULL;
	}
	return rc;
}

/* Every stage's FROM --platform, with the global ARGs' scope. */
static int check_platforms(struct eval *ev)
{
	ev->what = "FROM";
	for (size_t i = 0; i < ev->nstages; i++)
		if (from_platform(ev, &ev->f->instrs[ev->stages[i].from]) < 0)
			return -1;
	return 0;
}

void ev_target_platform(const struct ev_eval_opts *opts, struct img_platform *out)
{
	if (opts->platform) {
		*out = *opts->platform;
	} else if (opts->architecture) {
		memset(out, 0, sizeof(*out));
		snprintf(out->os, sizeof(out->os), "linux");
		snprintf(out->architecture, sizeof(out->architecture), "%s", opts->architecture);
		snprintf(out->name, sizeof(out->name), "linux/%s", out->architecture);
	} else {
		img_platform_host(out);
	}
}

/* The index of the last stage before `before` called name (case-insensitive),
 * or -1. Two stages may share a name: as with BuildKit, the last one wins. */
long ev_find_stage(const struct eval *ev, const char *name, size_t before)
{
	for (size_t i = before < ev->nstages ? before : ev->nstages; i-- > 0;)
		if (ev->stages[i].name && !strcasecmp(ev->stages[i].name, name))
			return (long)i;
	return -1;
}

/* BuildKit looks a named context up by the familiar form of the name
 * (dockerui's NamedContext), so "alpine", "alpine:latest" and
 * "docker.io/library/alpine" find the same one. A name that is no reference
 * finds none. */
int ev_find_context(struct eval *ev, const char *name, long *k)
{
	const char *why;
	char *key;

	*k = -1;
	if (ev->opts->ncontexts == 0)
		return 0;
	if (img_reference_familiar(name, &key, &why) < 0)
		return why ? 0 : ev_oom(ev);
	for (size_t i = 0; i < ev->opts->ncontexts && *k < 0; i++)
		if (!strcmp(ev->opts->contexts[i].key, key))
			*k = (long)i;
	free(key);
	return 0;
}

/* The stages a named context replaces (BuildKit: a context named like a
 * stage takes its place; the stage is never evaluated, so its RUN and its
 * FROM are never looked at). */
static int mark_replaced(struct eval *ev)
{
	for (size_t i = 0; i < ev->nstages; i++) {
		ev->stages[i].named = -1;
		if (ev->stages[i].name &&
		    ev_find_context(ev, ev->stages[i].name, &ev->stages[i].named) < 0)
			return -1;
	}
	return 0;
}

/* ---- NUL bytes -------------------------------------------------------------- */

int ev_refuse_nul(struct eval *ev, const char *text, size_t len, struct sb_pos pos)
{
	struct sb_buf shown = {0};
	int rc = 0;

	if (!memchr(text, '\0', len))
		return 0;
	/* Shown with each NUL written \0, so that the message is one string. */
	for (size_t i = 0; i < len && rc == 0; i++)
		rc = text[i] ? sb_buf_addf(&shown, "%c", text[i]) : sb_buf_adds(&shown, "\\0");
	if (rc < 0 || !shown.buf) {
		sb_buf_release(&shown);
		return ev_oom(ev);
	}
	ev_error_at(ev, pos, "%s: \"%s\" contains a NUL byte", ev->what, shown.buf);
	sb_buf_release(&shown);
	return sb_error_hint(ev->err, "remove it: no path or name can hold a NUL byte");
}

/* The words of the instructions whose words reach a file system (paths,
 * --chown names, a USER looked up for WORKDIR) are refused when one holds a
 * NUL byte, as Docker refuses `COPY f /dir\0`: cut at the NUL, the word would
 * name another path. The one place this is checked. */
static int refuse_nul_words(struct eval *ev, const struct df_instr *in)
{
	switch (in->kind) {
	case DF_COPY:
	case DF_ADD:
	case DF_WORKDIR:
	case DF_VOLUME:
	case DF_USER:
		break;
	default:
		return 0;
	}
	for (size_t i = 0; i < in->nflags; i++)
		if (in->flags[i].value &&
		    ev_refuse_nul(ev, in->flags[i].value, in->flags[i].value_len,
				  in->flags[i].pos) < 0)
			return -1;
	for (size_t i = 0; i < in->nargs; i++)
		if (ev_refuse_nul(ev, in->args[i].text, in->args[i].len, in->args[i].pos) < 0)
			return -1;
	return in->rest ? ev_refuse_nul(ev, in->rest, in->rest_len, in->rest_pos) : 0;
}

/* ---- instructions ---------------------------------------------------------- */

/* Hands in to the handler of its instruction. */
static int eval_instr(struct eval *ev, const struct df_instr *in)
{
	ev->what = df_kind_name(in->kind);
	if (refuse_nul_words(ev, in) < 0)
		return -1;
	switch (in->kind) {
	case DF_COPY:
	case DF_ADD:
		return ev_copy(ev, in);
	case DF_EXPOSE:
		return ev_expose(ev, in);
	case DF_ENTRYPOINT:
		return ev_entrypoint(ev, in);
	case DF_CMD:
		return ev_cmd(ev, in);
	case DF_ARG:
		return ev_arg(ev, in);
	case DF_ENV:
	case DF_LABEL:
		return ev_env_label(ev, in);
	case DF_WORKDIR:
		return ev_workdir(ev, in);
	case DF_USER:
		return ev_user(ev, in);
	case DF_VOLUME:
		return ev_volume(ev, in);
	case DF_STOPSIGNAL:
		return ev_stopsignal(ev, in);
	case DF_HEALTHCHECK:
		return ev_healthcheck(ev, in);
	case DF_SHELL:
		return ev_shell(ev, in);
	case DF_ONBUILD:
		return ev_onbuild(ev, in);
	case DF_MAINTAINER:
		return ev_maintainer(ev, in);
	default:
		return ev_refuse(ev, in);
	}
}

/* FROM a stage that has ONBUILD triggers runs them, as BuildKit does; the
 * new stage starts with none. Each trigger is read as a one-line Dockerfile. */
static int run_onbuild(struct eval *ev)
{
	char **triggers = ev->st->img.config.onbuild;
	const struct df_file *saved = ev->f;
	int rc = 0;

	ev->st->img.config.onbuild = NULL;
	for (size_t i = 0; triggers && triggers[i] && rc == 0; i++) {
		struct df_file trig = {0};
		char *text = sb_printf("%s\n", triggers[i]);
		char *name = sb_strdup("ONBUILD trigger");

		if (!text || !name) {
			free(text);
			free(name);
			rc = ev_oom(ev);
			break;
		}
		rc = df_parse(&trig, name, text, strlen(text), ev->err);
		ev->f = &trig;
		for (size_t k = 0; rc == 0 && k < trig.ninstrs; k++)
			rc = eval_instr(ev, &trig.instrs[k]);
		ev->f = saved;
		df_file_release(&trig);
	}
	sb_strv_free(triggers);
	return rc;
}

/* Evaluates stage i into ev->st: its base first (scratch, or an earlier stage
 * replayed into the same state), then its instructions. */
static int eval_stage(struct eval *ev, size_t i)
{
	const struct df_instr *from = &ev->f->instrs[ev->stages[i].from];
	struct state *saved_st = ev->st;
	char *image = NULL;
	long base;
	int rc = -1;

	if (ev->stages[i].busy)
		return sb_errorf(ev->err, "circular dependency detected on stage: %s",
				 ev->stages[i].name ? ev->stages[i].name : "(unnamed)");
	ev->stages[i].busy = 1;
	if (ev->stages[i].named >= 0) {
		ev->what = "FROM";
		rc = ev_named_base(ev, from, (size_t)ev->stages[i].named);
		goto out;
	}
	/* FROM sees the global ARGs only. */
	ev->what = "FROM";
	ev->st = NULL;
	rc = from_image(ev, from, &image);
	ev->st = saved_st;
	if (rc < 0)
		goto out;
	rc = -1;
	if (strcmp(image, "scratch") != 0) {
		long named = -1;

		base = ev_find_stage(ev, image, i);
		if (base < 0 && ev_find_context(ev, image, &named) < 0)
			goto out;
		if (named >= 0) {
			/* An image's ONBUILD triggers run, as a stage's do. */
			if (ev_named_base(ev, from, (size_t)named) < 0 || run_onbuild(ev) < 0)
				goto out;
		} else if (base < 0) {
			int lower = 1;

			for (const char *p = image; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					lower = 0;
			if (!lower) {
				ev_error_at(
				    ev, from->args[0].pos,
				    "FROM: \"%s\" is not a valid image name: it must be lower "
				    "case",
				    image);
				sb_error_hint(ev->err, "write FROM scratch");
			} else {
				ev_error_at(
				    ev, from->args[0].pos,
				    "FROM %s: scratchbuild builds from scratch, an earlier "
				    "stage or a named build context only, and \"%s\" would be "
				    "a base image to pull",
				    image, image);
				sb_error_hint(ev->err,
					      "hand the image's files in with --build-context "
					      "%s=DIR, or start from FROM scratch and COPY a "
					      "static binary and its files in",
					      image);
			}
			goto out;
		} else {
			if (eval_stage(ev, (size_t)base) < 0)
				goto out;
			/* A CMD of the base is inherited: this stage's ENTRYPOINT
			 * clears it. */
			ev->st->cmd_set = 0;
			if (run_onbuild(ev) < 0)
				goto out;
		}
	}
	for (size_t k = ev->stages[i].from + 1; k < ev->stages[i].end; k++)
		if (eval_instr(ev, &ev->f->instrs[k]) < 0)
			goto out;
	rc = 0;
out:
	ev->stages[i].busy = 0;
	free(image);
	return rc;
}

/* A fresh stage: FROM scratch, as BuildKit starts one. */
static int state_init(struct state *st, const struct ev_eval_opts *opts, struct sb_error *err)
{
	struct image *img = &st->img;
	struct img_platform p;

	memset(st, 0, sizeof(*st));
	img_init(img);
	ev_target_platform(opts, &p);
	st->fs = img_tree_new();
	img->config.env = calloc(2, sizeof(char *));
	img->architecture = sb_strdup(p.architecture);
	img->os = sb_strdup(p.os);
	img->variant = p.variant[0] ? sb_strdup(p.variant) : NULL;
	img->config.workdir = sb_strdup("/");
	img->tags = strv_dup(opts->tags);
	if (!st->fs || !img->config.env || !img->architecture || !img->os || !img->config.workdir ||
	    !img->tags || (p.variant[0] && !img->variant) ||
	    !(img->config.env[0] = sb_strdup(DEFAULT_PATH)))
		return sb_errorf(err, "out of memory");
	img->epoch = opts->epoch;
	st->vars = calloc(1, sizeof(*st->vars));
	if (!st->vars || !(st->vars[0].name = sb_strdup("PATH")) ||
	    !(st->vars[0].value = sb_strdup(&DEFAULT_PATH[5]))) /* after "PATH=" */
		return sb_errorf(err, "out of memory");
	st->nvars = 1;
	return 0;
}

static void state_release(struct state *st)
{
	img_release(&st->img);
	img_tree_free(st->fs);
	for (size_t i = 0; i < st->nsteps; i++)
		free(st->steps[i].text);
	free(st->steps);
	ev_vars_free(st->vars, st->nvars);
	memset(st, 0, sizeof(*st));
}

/* The file system of stage i, as COPY --from reads it (evaluated once). */
int ev_stage_fs(struct eval *ev, size_t i, const struct img_tree **out)
{
	struct stage_info *si = &ev->stages[i];
	struct state st, *saved = ev->st;
	const char *what = ev->what;
	int rc;

	if (si->fs) {
		*out = si->fs;
		return 0;
	}
	if (state_init(&st, ev->opts, ev->err) < 0) {
		state_release(&st);
		return -1;
	}
	ev->st = &st;
	rc = eval_stage(ev, i);
	if (rc == 0)
		rc = ev_fs_sync(ev);
	ev->st = saved;
	ev->what = what;
	if (rc == 0) {
		si->fs = st.fs;
		st.fs = NULL;
		*out = si->fs;
	}
	state_release(&st);
	return rc;
}

int ev_stage_name_ok(const char *n)
{
	return ((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z')) &&
	       strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789-_.") == strlen(n);
}

/* A second stage of the same name: BuildKit accepts it and only lints. A later
 * COPY --from=name means the last stage of that name in the Dockerfile, FROM
 * name the last one before it (checked against Docker). */
static int dup_stage(struct eval *ev, const struct df_instr *in)
{
	return ev_warn_at(ev, in->args[2].pos,
			  "give each stage its own name; a reference means the last stage of "
			  "that name",
			  "Duplicate stage name \"%s\", stage names should be unique",
			  in->args[2].text);
}

/* Splits the Dockerfile into stages; evaluates the ARGs before the first FROM. */
static int split_stages(struct eval *ev)
{
	const struct df_file *f = ev->f;
	size_t cap = 0;

	for (size_t i = 0; i < f->ninstrs; i++) {
		const struct df_instr *in = &f->instrs[i];

		ev->what = df_kind_name(in->kind);
		if (in->kind == DF_FROM) {
			struct stage_info si = {.from = i, .end = f->ninstrs};

			if (ev->nstages)
				ev->stages[ev->nstages - 1].end = i;
			if (in->nargs == 3) {
				const char *n = in->args[2].text;

				if (!ev_stage_name_ok(n)) {
					ev_error_at(
					    ev, in->args[2].pos,
					    "invalid name for build stage: \"%s\", name can't "
					    "start with a number or contain symbols",
					    n);
					return -1;
				}
				if (ev_find_stage(ev, n, ev->nstages) >= 0 && dup_stage(ev, in) < 0)
					return -1;
				si.name = sb_strdup(n);
				if (!si.name)
					return ev_oom(ev);
				for (char *p = si.name; *p; p++)
					if (*p >= 'A' && *p <= 'Z')
						*p = (char)(*p + 32);
			}
			if (sb_grow(&ev->stages, &cap, ev->nstages + 1, sizeof(*ev->stages)) < 0) {
				free(si.name);
				return ev_oom(ev);
			}
			ev->stages[ev->nstages++] = si;
		} else if (ev->nstages == 0) {
			if (in->kind == DF_ARG) {
				if (ev_arg(ev, in) < 0)
					return -1;
			} else if (in->kind == DF_UNKNOWN) {
				return ev_refuse(ev, in);
			} else {
				ev_error_at(ev, in->pos, "%s comes before any FROM",
					    df_kind_name(in->kind));
				return sb_error_hint(ev->err,
						     "only ARG may come before the first FROM; "
						     "a Dockerfile starts with FROM scratch");
			}
		}
	}
	if (ev->nstages == 0) {
		sb_error_file(ev->err, f->src.name, "no FROM instruction: there is no build stage");
		return sb_error_hint(ev->err, "a Dockerfile starts with FROM scratch");
	}
	return 0;
}

int ev_eval(const struct df_file *f, struct ctx *c, const struct ev_eval_opts *opts,
	    struct ev_plan *out, struct sb_error *err)
{
	struct eval ev = {.f = f, .ctx = c, .opts = opts, .plan = out, .err = err};
	struct state st;
	size_t target;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	ev_target_platform(opts, &ev.target);
	img_platform_host(&ev.build);
	if (src_opener_new(&ev.bytes, c, err) < 0)
		goto out;
	src_opener_named(ev.bytes, opts->contexts, opts->ncontexts);
	if (split_stages(&ev) < 0 || mark_replaced(&ev) < 0 || check_platforms(&ev) < 0)
		goto out;
	target = ev.nstages - 1;
	if (opts->target) {
		long t = ev_find_stage(&ev, opts->target, ev.nstages);

		if (t < 0) {
			sb_errorf(err, "target stage \"%s\" could not be found", opts->target);
			sb_error_hint(err, "--target names a stage: FROM scratch AS %s",
				      opts->target);
			goto out;
		}
		target = (size_t)t;
	}
	if (state_init(&st, opts, err) < 0)
		goto out;
	ev.st = &st;
	if (eval_stage(&ev, target) < 0)
		goto out;
	out->img = st.img;
	memset(&st.img, 0, sizeof(st.img));
	out->steps = st.steps;
	out->nsteps = st.nsteps;
	st.steps = NULL;
	st.nsteps = 0;
	rc = 0;
out:
	state_release(&st);
	src_opener_free(ev.bytes);
	ev_vars_free(ev.meta, ev.nmeta);
	for (size_t i = 0; i < ev.nstages; i++) {
		free(ev.stages[i].name);
		img_tree_free(ev.stages[i].fs);
	}
	free(ev.stages);
	for (size_t i = 0; ev.image_fs && i < opts->ncontexts; i++)
		img_tree_free(ev.image_fs[i]);
	free(ev.image_fs);
	if (rc < 0)
		ev_plan_release(out);
	return rc;
}

void ev_plan_release(struct ev_plan *p)
{
	img_release(&p->img);
	for (size_t i = 0; i < p->nsteps; i++)
		free(p->steps[i].text);
	free(p->steps);
	for (size_t i = 0; i < p->nwarnings; i++)
		sb_error_release(&p->warnings[i]);
	free(p->warnings);
	memset(p, 0, sizeof(*p));
}
