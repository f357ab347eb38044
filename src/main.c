/* scratchbuild: a Dockerfile in, an image tar out, no Docker involved.
 *
 * The only place that prints or exits. Everything else returns 0/-1 and
 * records an error in a struct sb_error. Here: the subcommands dispatched,
 * and the build run step by step (its options are read by cli/options.c),
 * with its progress, --explain and --explain-ignore.
 */
#include "cli/cli.h"
#include "cli/dockerfile.h"
#include "cli/explain.h"
#include "cli/metadata.h"
#include "cli/options.h"
#include "cli/print.h"
#include "cli/push.h"
#include "context/context.h"

#include "image/base.h"
#include "image/image.h"
#include "interp/eval.h"
#include "interp/parse.h"
#include "interp/source.h"
#include "util/error.h"
#include "util/mem.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct progress {
	const struct ev_plan *plan;
	size_t next;	    /* next step to print */
	const char *prefix; /* "linux/arm64 " when there are several platforms, else "" */
	int quiet;
};

/* After layer `layer` is written, prints every step up to the one that makes the
 * next layer; once the archive is complete (layer == nlayers), all the rest. */
static void on_progress(void *ud, size_t layer)
{
	struct progress *p = ud;
	const struct ev_plan *plan = p->plan;

	for (; p->next < plan->nsteps; p->next++) {
		const struct ev_step *s = &plan->steps[p->next];
		char size[32];

		if (layer < plan->img.nlayers && s->layer >= 0 && (size_t)s->layer > layer)
			break;
		if (p->quiet)
			continue;
		if (s->layer >= 0) {
			sb_size_string(s->payload, size, sizeof(size));
			fprintf(stderr, "[%s%zu/%zu] %s  %s\n", p->prefix, p->next + 1,
				plan->nsteps, s->text, size);
		} else {
			fprintf(stderr, "[%s%zu/%zu] %s\n", p->prefix, p->next + 1, plan->nsteps,
				s->text);
		}
	}
}

/* --explain-ignore: one line per path, saying what decides and why. */
static int explain_ignore(struct ctx *ctx, const struct cli *cli, struct sb_error *err)
{
	for (size_t i = 0; i < cli->nexplain; i++) {
		struct ctx_ignore_verdict v = {0};
		const char *shown;

		if (ctx_explain_ignore(ctx, cli->explain[i], &v, err) < 0)
			return -1;
		shown = v.path[0] ? v.path : ".";
		if (v.source == CTX_IGNORE_NONE)
			printf("%s: included: the build context has no .dockerignore\n", shown);
		else if (!v.matched)
			printf("%s: included: no pattern of %s matches it\n", shown, v.ignore_file);
		else
			printf("%s: %s by %s:%u: %s%s%s%s%s\n", shown,
			       v.excluded ? "excluded" : "included (re-included)", v.file, v.line,
			       v.exception ? "!" : "", v.pattern, v.parent ? " (it matches " : "",
			       v.parent ? v.parent : "", v.parent ? ", a directory above it)" : "");
		ctx_ignore_verdict_release(&v);
	}
	return 0;
}

/* One platform's image: the named contexts with their images opened for it,
 * its plan, the opener of its files and what was written. */
struct variant {
	const struct img_platform *platform; /* cli's; NULL: the build machine's */
	struct ctx_named *contexts;	     /* cli's, copied; each image (owned) opened for
						this platform, the rest borrowed from cli */
	struct ev_plan plan;
	struct src_opener *sources;
	struct progress prog;
	char prefix[3 * IMG_PLATFORM_PART + 2];
};

/* One build: what it reads, plans and writes, released by build_release. */
struct build {
	const struct cli *cli;
	char *dockerfile; /* its path, "-" for standard input; owned */
	char *output;	  /* where the image goes; owned */
	struct ev_eval_opts eopts;
	struct df_file df;
	struct ctx *ctx;
	struct variant *v;	/* one per platform; owned */
	struct img_result *res; /* what was written of each; owned */
	size_t nv;
	struct img_index_result index; /* several platforms: their index */
	struct sb_error err;
};

static void build_release(struct build *b)
{
	for (size_t k = 0; k < b->nv; k++) {
		struct variant *v = &b->v[k];

		if (b->res)
			img_result_release(&b->res[k]);
		ev_plan_release(&v->plan);
		src_opener_free(v->sources);
		for (size_t i = 0; v->contexts && i < b->cli->ncontexts; i++)
			img_base_free(v->contexts[i].image);
		free(v->contexts);
	}
	free(b->v);
	free(b->res);
	ctx_free(b->ctx);
	df_file_release(&b->df);
	sb_error_release(&b->err);
	free(b->dockerfile);
	free(b->output);
	memset(b, 0, sizeof(*b));
}

/* The build context; its ignore file may be the one beside the Dockerfile
 * (not when that is read from standard input). */
static int open_context(struct build *b)
{
	const char *df = strcmp(b->dockerfile, "-") ? b->dockerfile : NULL;

	if (ctx_open(&b->ctx, b->cli->context, df, &b->err) < 0)
		return -1;
	/* --build-context: each a context of its own (they belong to cli). */
	for (size_t i = 0; i < b->cli->ncontexts; i++)
		if (ctx_named_open(&b->cli->contexts[i], &b->err) < 0)
			return -1;
	return 0;
}

/* --build-context NAME=TAR and NAME=oci-layout://DIR: each image opened for
 * the platform of v, before the Dockerfile is evaluated for it (an index
 * gives each platform its own image). */
static int open_images(struct build *b, struct variant *v)
{
	const struct cli *cli = b->cli;
	struct img_platform target;

	if (v->platform)
		target = *v->platform;
	else
		img_platform_host(&target);
	v->contexts = calloc(cli->ncontexts + 1, sizeof(*v->contexts));
	if (!v->contexts)
		return sb_errorf(&b->err, "out of memory");
	for (size_t i = 0; i < cli->ncontexts; i++) {
		struct ctx_named *n = &v->contexts[i];
		struct img_base_select sel = {.platform = &target};
		char *what;
		int rc;

		*n = cli->contexts[i];
		n->image = NULL;
		if (!ctx_named_is_image(n))
			continue;
		what = sb_printf("--build-context %s", n->arg);
		if (!what)
			return sb_errorf(&b->err, "out of memory");
		sel.ref = n->ref;
		sel.what = what;
		rc = img_base_open(&n->image, n->path, &sel, &b->err);
		free(what);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Whether the warning w was printed already, for an earlier platform. */
static int warned_before(const struct build *b, size_t k, const struct sb_error *w)
{
	for (size_t j = 0; j < k; j++)
		for (size_t i = 0; i < b->v[j].plan.nwarnings; i++) {
			const struct sb_error *o = &b->v[j].plan.warnings[i];

			if (o->line == w->line && o->col == w->col && o->msg && w->msg &&
			    !strcmp(o->msg, w->msg))
				return 1;
		}
	return 0;
}

/* The Dockerfile read, then evaluated once per platform (each with its own
 * platform ARGs and base images) into the plan of each image; the
 * evaluator's warnings printed, each once. */
static int plan_image(struct build *b)
{
	const struct cli *cli = b->cli;

	if (sb_load_dockerfile(b->dockerfile, &b->df, &b->err) < 0 || open_context(b) < 0)
		return -1;
	b->nv = cli->nplatforms ? cli->nplatforms : 1;
	b->v = calloc(b->nv, sizeof(*b->v));
	b->res = calloc(b->nv, sizeof(*b->res));
	if (!b->v || !b->res) {
		b->nv = 0;
		return sb_errorf(&b->err, "out of memory");
	}
	b->eopts.tags = cli->tags;
	b->eopts.build_args = cli->build_args;
	b->eopts.target = cli->target;
	b->eopts.ncontexts = cli->ncontexts;
	for (size_t k = 0; k < b->nv; k++) {
		struct variant *v = &b->v[k];

		v->platform = cli->nplatforms ? &cli->platforms[k] : NULL;
		if (b->nv > 1)
			snprintf(v->prefix, sizeof(v->prefix), "%s ", v->platform->name);
		if (open_images(b, v) < 0)
			return -1;
		b->eopts.contexts = v->contexts;
		b->eopts.platform = v->platform;
		if (ev_eval(&b->df, b->ctx, &b->eopts, &v->plan, &b->err) < 0)
			return -1;
		for (size_t i = 0; i < v->plan.nwarnings; i++)
			if (!warned_before(b, k, &v->plan.warnings[i]))
				sb_print_error("scratchbuild", SB_WHO_UNLESS_FILE,
					       &v->plan.warnings[i]);
	}
	return 0;
}

/* The image (or, with several platforms, the images and their index)
 * written, or for a dry run only hashed, each step shown as its layer is
 * done. */
static int write_image(struct build *b)
{
	const struct cli *cli = b->cli;
	struct img_write_opts *wopts = calloc(b->nv, sizeof(*wopts));
	struct image **imgs = calloc(b->nv, sizeof(*imgs));
	int rc = -1;

	if (!wopts || !imgs) {
		sb_errorf(&b->err, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < b->nv; k++) {
		struct variant *v = &b->v[k];

		v->prog =
		    (struct progress){.plan = &v->plan, .quiet = cli->quiet, .prefix = v->prefix};
		wopts[k].output = b->output;
		wopts[k].format = cli->format;
		wopts[k].dry_run = cli->dry_run;
		wopts[k].fsync = cli->fsync;
		/* With --push, --compression may be given for the push alone. */
		wopts[k].compression =
		    cli->format == IMG_FORMAT_OCI || cli->format == IMG_FORMAT_OCI_DIR
			? cli->compression
			: IMG_COMPRESS_NONE;
		if (src_opener_new(&v->sources, b->ctx, &b->err) < 0)
			goto out;
		src_opener_named(v->sources, v->contexts, cli->ncontexts);
		wopts[k].open = src_open;
		wopts[k].open_ud = v->sources;
		wopts[k].progress = on_progress;
		wopts[k].progress_ud = &v->prog;
		imgs[k] = &v->plan.img;
	}
	if (b->nv == 1)
		rc = img_write(imgs[0], &wopts[0], &b->res[0], &b->err);
	else
		rc = img_write_multi(imgs, b->nv, wopts, b->res, &b->index, &b->err);
out:
	free(wopts);
	free(imgs);
	return rc;
}

/* --explain and --explain-html: with several platforms, each explained after
 * a line naming it. */
static int explain_image(struct build *b)
{
	const struct cli *cli = b->cli;
	const char *written = cli->dry_run ? NULL : b->output;

	if (cli->explain_build) {
		/* On standard output, unless the image itself goes there. */
		FILE *to = strcmp(b->output, "-") ? stdout : stderr;

		for (size_t k = 0; k < b->nv; k++) {
			if (b->nv > 1)
				fprintf(to, "%s=== platform %s (%zu of %zu): manifest %s\n",
					k ? "\n" : "", b->v[k].platform->name, k + 1, b->nv,
					b->res[k].manifest_digest);
			if (sb_explain(to, &b->df, &b->v[k].plan, &b->res[k], written,
				       cli->format) < 0)
				return sb_errorf(&b->err, "out of memory");
		}
		if (b->nv > 1)
			fprintf(to,
				"\n=== the image index %s (%llu bytes): %zu platforms, in this "
				"order, every blob stored once\n",
				b->index.digest, (unsigned long long)b->index.size, b->nv);
	}
	/* One platform only: cli_check_output refuses --explain-html with several. */
	if (cli->explain_html &&
	    sb_explain_html_file(cli->explain_html, &b->df, &b->v[0].plan, &b->res[0], written,
				 cli->format, &b->err) < 0)
		return -1;
	return 0;
}

/* What the build made, for --iidfile and --metadata-file. */
static void build_meta(const struct build *b, struct sb_build_meta *m)
{
	if (b->nv > 1) {
		*m = (struct sb_build_meta){.media = "application/vnd.oci.image.index.v1+json",
					    .digest = b->index.digest,
					    .size = b->index.size};
		return;
	}
	*m = (struct sb_build_meta){.config_digest = b->res[0].image_id,
				    .media = "application/vnd.oci.image.manifest.v1+json",
				    .digest = b->res[0].manifest_digest,
				    .size = b->res[0].manifest_size};
}

/* --iidfile and --metadata-file, once the build succeeded; names: the
 * image's names (-t, or those a push gave it). */
static int write_meta_files(struct build *b, char *const *names)
{
	const struct cli *cli = b->cli;
	struct sb_build_meta m;
	const char *id;
	char *json = NULL;
	size_t len;
	int rc;

	build_meta(b, &m);
	id = sb_meta_image_id(&m);
	if (cli->iidfile && sb_write_file_atomic(cli->iidfile, id, strlen(id), &b->err) < 0)
		return -1;
	if (!cli->metadata_file)
		return 0;
	if (sb_meta_json(&m, names, &json, &len, &b->err) < 0)
		return -1;
	rc = sb_write_file_atomic(cli->metadata_file, json, len, &b->err);
	free(json);
	return rc;
}

/* The last line: what was written, or with -q the image ID alone (the
 * index's digest for several platforms). */
static void report(const struct build *b)
{
	const struct cli *cli = b->cli;
	const struct img_result *res = &b->res[0];
	struct sb_build_meta m;
	char size[32];
	uint64_t bytes = b->nv > 1 ? b->index.tar_bytes : res->tar_bytes;

	build_meta(b, &m);
	if (cli->dry_run) {
		if (!cli->quiet)
			fprintf(stderr, "dry run: nothing written; %s %.19s\n",
				b->nv > 1 ? "index" : "image", sb_meta_image_id(&m));
	} else if (cli->quiet) {
		if (strcmp(b->output, "-"))
			printf("%s\n", sb_meta_image_id(&m));
	} else if (b->nv > 1) {
		sb_size_string(bytes, size, sizeof(size));
		fprintf(stderr, "wrote %s: %zu platforms, %s, index %.19s\n",
			strcmp(b->output, "-") ? b->output : "the image to standard output", b->nv,
			cli->format == IMG_FORMAT_OCI_DIR ? "a directory" : size, b->index.digest);
	} else {
		sb_size_string(res->tar_bytes, size, sizeof(size));
		fprintf(stderr, "wrote %s: %zu layer%s, %s, image %.19s\n",
			strcmp(b->output, "-") ? b->output : "the image to standard output",
			b->v[0].plan.img.nlayers, b->v[0].plan.img.nlayers == 1 ? "" : "s", size,
			res->image_id);
	}
}

/* --push: the image just written, read back from its file and pushed to
 * every -t name. */
static int push_built(struct build *b)
{
	const struct cli *cli = b->cli;
	struct push_opts opts = {0};
	struct push_result res = {0};
	int rc;

	if (!cli->push)
		return 0;
	opts.compression = cli->compression_given ? cli->compression : IMG_COMPRESS_GZIP;
	opts.docker = cli->format == IMG_FORMAT_DOCKER || cli->push_docker;
	opts.reg.insecure = cli->insecure;
	opts.reg.ninsecure = cli->ninsecure;
	rc = sb_push_run(b->output, cli->tags, cli->ntags, &opts, cli->quiet, &res, &b->err);
	push_result_release(&res);
	return rc;
}

/* Reads the command line into cli. Returns -1 to go on with the build, else
 * the exit status, after printing the usage, the version or what is wrong. */
static int take_command_line(int argc, char **argv, struct cli *cli)
{
	struct sb_error err = {0};
	int status = -1;

	switch (cli_parse(argc, argv, cli, &err)) {
	case CLI_BUILD:
		break;
	case CLI_HELP:
		fputs(cli_usage_text, stdout);
		status = 0;
		break;
	case CLI_VERSION:
		printf("scratchbuild %s\n", SB_VERSION);
		status = 0;
		break;
	case CLI_MISUSE:
		sb_print_usage_error("%s", err.msg ? err.msg : "out of memory");
		status = SB_EXIT_USAGE;
		break;
	case CLI_REFUSED:
		sb_print_error("scratchbuild", SB_WHO_UNLESS_FILE, &err);
		status = SB_EXIT_USAGE;
		break;
	case CLI_FAILED:
		sb_print_error("scratchbuild", SB_WHO_UNLESS_FILE, &err);
		status = SB_EXIT_FAILED;
		break;
	}
	sb_error_release(&err);
	return status;
}

/* The settings that follow from the command line: SOURCE_DATE_EPOCH, the
 * Dockerfile's path and the output's. Returns -1 to go on, else the exit
 * status, after printing why not. */
static int settle(struct build *b)
{
	if (cli_epoch(&b->eopts.epoch, &b->err) < 0) {
		sb_print_error("scratchbuild", SB_WHO_UNLESS_FILE, &b->err);
		return SB_EXIT_USAGE;
	}
	b->dockerfile = cli_dockerfile(b->cli);
	b->output = cli_output(b->cli);
	if (!b->dockerfile || !b->output) {
		fputs("scratchbuild: out of memory\n", stderr);
		return SB_EXIT_FAILED;
	}
	return -1;
}

/* scratchbuild [options] CONTEXT: the build, or with --explain-ignore only the
 * verdicts of the ignore file. */
static int cmd_build(int argc, char **argv)
{
	struct cli cli = {0};
	struct build b = {.cli = &cli};
	int status = take_command_line(argc, argv, &cli);

	if (status >= 0 || (status = settle(&b)) >= 0)
		goto out;
	status = SB_EXIT_FAILED;
	if (cli.nexplain) {
		if (open_context(&b) < 0 || explain_ignore(b.ctx, &cli, &b.err) < 0)
			goto fail;
		status = 0;
		goto out;
	}
	if (cli_check_output(&cli, b.output, &b.err) != CLI_BUILD) {
		sb_print_usage_error("%s", b.err.msg ? b.err.msg : "out of memory");
		status = SB_EXIT_USAGE;
		goto out;
	}
	if ((cli.push && push_check_refs(cli.tags, cli.ntags, &b.err) < 0) || plan_image(&b) < 0 ||
	    write_image(&b) < 0 || explain_image(&b) < 0)
		goto fail;
	report(&b);
	/* The metadata file names what was pushed, so it comes after the push. */
	if (push_built(&b) < 0 || (!cli.dry_run && write_meta_files(&b, cli.tags) < 0))
		goto fail;
	status = 0;
	goto out;
fail:
	sb_print_error("scratchbuild", SB_WHO_UNLESS_FILE, &b.err);
out:
	build_release(&b);
	cli_release(&cli);
	return status;
}

int main(int argc, char **argv)
{
	/* A closed pipe or a file size limit becomes an error with a message
	 * (EPIPE, EFBIG), not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	/* File names are bytes, written into tar headers as UTF-8 (see write.c). */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "en_US.UTF-8");
	if (argc > 1 && !strcmp(argv[1], "parse"))
		return sb_cmd_parse(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "inspect"))
		return sb_cmd_inspect(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "diff"))
		return sb_cmd_diff(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "push"))
		return sb_cmd_push(argc - 1, argv + 1);
	return cmd_build(argc, argv);
}
