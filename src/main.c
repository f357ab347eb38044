/* scratchbuild: a Dockerfile in, an image tar out, no Docker involved.
 *
 * The only place that prints or exits. Everything else returns 0/-1 and
 * records an error in a struct sb_error.
 */
#include "cli/cli.h"
#include "cli/explain.h"
#include "cli/print.h"
#include "context/context.h"

#include "image/image.h"
#include "image/reference.h"
#include "interp/dump.h"
#include "interp/eval.h"
#include "interp/parse.h"
#include "interp/source.h"
#include "util/error.h"
#include "util/io.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { EXIT_BUILD = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
    "usage: scratchbuild [-f FILE] [-t NAME[:TAG]]... [-o FILE] [-q] CONTEXT\n"
    "       scratchbuild parse [--json] [-f FILE | -]   (see scratchbuild parse --help)\n"
    "\n"
    "Builds a FROM scratch Dockerfile into an image tar that `docker load` reads,\n"
    "without Docker: each COPY becomes a layer tar, EXPOSE and ENTRYPOINT become\n"
    "config fields. The same input gives the same bytes.\n"
    "\n"
    "  -f, --file FILE     the Dockerfile (default: CONTEXT/Dockerfile; - reads stdin)\n"
    "  -t, --tag NAME[:TAG]\n"
    "                      a name for the image, repeatable (\":latest\" when no tag)\n"
    "  -o, --output FILE   where to write the image tar; - writes it to standard\n"
    "                      output (default: NAME-TAG.tar from the first -t, else\n"
    "                      image.tar)\n"
    "  -q, --quiet         no progress; print only the image ID\n"
    "      --fsync         flush the image to disk before it replaces FILE (without\n"
    "                      it, as with docker save -o, FILE appears whole by one\n"
    "                      rename, but a power cut may still lose it)\n"
    "      --build-arg K[=V]\n"
    "                      a value for ARG K; a bare K takes its value from the\n"
    "                      environment (repeatable)\n"
    "      --target NAME   write the stage NAME instead of the last one\n"
    "      --format F      manual (the default: manifest.json, config.json,\n"
    "                      layer_N.tar), docker (what docker save writes), oci (an\n"
    "                      OCI image layout in a tar) or oci-dir (the layout as a\n"
    "                      directory, -o DIR)\n"
    "      --compression C none (default), gzip or zstd: OCI layers\n"
    "      --explain       after the build, show what each instruction became:\n"
    "                      its layer and every entry in it, or its config field;\n"
    "                      then the manifest, the config and the output's tree\n"
    "      --explain-html FILE\n"
    "                      the same as one HTML page, written to FILE (- for\n"
    "                      standard output): the Dockerfile, each line linked\n"
    "                      to what it made\n"
    "      --dry-run       build nothing: with --explain or --explain-html, the\n"
    "                      same explanation (every file is still read, for the\n"
    "                      layer digests)\n"
    "      --explain-ignore PATH\n"
    "                      build nothing: say whether the build context's ignore\n"
    "                      file (.dockerignore) excludes PATH, and which line\n"
    "                      decides; repeatable\n"
    "  -h, --help          this text\n"
    "      --version       the version\n"
    "\n"
    "The image's creation time is SOURCE_DATE_EPOCH (seconds since 1970; 0 when\n"
    "unset), and no file in its layers is newer than that: the same Dockerfile\n"
    "and the same file contents give the same bytes.\n"
    "\n"
    "example:\n"
    "  scratchbuild -f Dockerfile -t mini-image:1.0 .\n"
    "  scratchbuild -t mini-image:1.0 -o - . | docker load\n";

struct cli {
	char **build_args; /* "K=V", NULL-terminated; owned */
	size_t nbuild_args;
	const char *target;
	enum img_format format;
	enum img_compression compression;
	int explain_build;	  /* --explain */
	const char *explain_html; /* --explain-html FILE, or NULL */
	int dry_run;		  /* --dry-run */
	int fsync;		  /* --fsync */
	const char **explain;	  /* --explain-ignore paths, or NULL */
	size_t nexplain;
	const char *file;
	const char *output;
	const char *context;
	char **tags; /* normalized, NULL-terminated */
	size_t ntags;
	int quiet;
};

struct progress {
	const struct ev_plan *plan;
	size_t next; /* next step to print */
	int quiet;
};

static void human_size(uint64_t n, char *buf, size_t len)
{
	if (n < 1024)
		snprintf(buf, len, "%llu B", (unsigned long long)n);
	else if (n < 1024 * 1024)
		snprintf(buf, len, "%.1f KiB", (double)n / 1024);
	else if (n < 1024ull * 1024 * 1024)
		snprintf(buf, len, "%.1f MiB", (double)n / (1024 * 1024));
	else
		snprintf(buf, len, "%.2f GiB", (double)n / (1024.0 * 1024 * 1024));
}

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
			human_size(s->payload, size, sizeof(size));
			fprintf(stderr, "[%zu/%zu] %s  %s\n", p->next + 1, plan->nsteps, s->text,
				size);
		} else {
			fprintf(stderr, "[%zu/%zu] %s\n", p->next + 1, plan->nsteps, s->text);
		}
	}
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("scratchbuild: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nhint: scratchbuild --help shows the usage\n", stderr);
	return EXIT_USAGE;
}

/* Reads all of path ("-" = stdin) into a malloc'd buffer with a NUL after it. */
static int read_dockerfile(const char *path, char **buf, size_t *len, struct sb_error *err)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0) {
		sb_error_file(err, path, "cannot open the Dockerfile: %s", strerror(errno));
		if (errno == ENOENT)
			sb_error_hint(err, "name it with -f FILE, or put a file named Dockerfile "
					   "in the context directory");
		return -1;
	}
	rc = sb_read_all(fd, path, 64u << 20, buf, len, err);
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

static int parse_epoch(int64_t *epoch, struct sb_error *err)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	*epoch = 0;
	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 0 || v > 253402300799LL) {
		sb_errorf(err, "SOURCE_DATE_EPOCH=\"%s\" is not a time", s);
		return sb_error_hint(err, "set it to whole seconds since 1970-01-01 UTC, e.g. "
					  "SOURCE_DATE_EPOCH=$(git log -1 --format=%%ct)");
	}
	*epoch = v;
	return 0;
}

/* "registry:5000/team/app:1.0" -> "app-1.0.tar" */
static char *default_output(const struct cli *cli)
{
	const char *ref, *slash, *colon;

	if (cli->ntags == 0)
		return sb_strdup("image.tar");
	ref = cli->tags[0];
	colon = strrchr(ref, ':');
	slash = strrchr(ref, '/');
	if (slash && slash > colon)
		colon = NULL;
	ref = slash ? slash + 1 : ref;
	return sb_printf("%.*s-%s.tar", (int)(colon - ref), ref, colon + 1);
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

static int parse_cli(int argc, char **argv, struct cli *cli, struct sb_error *err, int *exit_now)
{
	static const struct option opts[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"tag", required_argument, NULL, 't'},
	    {"output", required_argument, NULL, 'o'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"explain-ignore", required_argument, NULL, 'E'},
	    {"build-arg", required_argument, NULL, 'B'},
	    {"target", required_argument, NULL, 'T'},
	    {"format", required_argument, NULL, 'F'},
	    {"explain", no_argument, NULL, 'X'},
	    {"explain-html", required_argument, NULL, 'H'},
	    {"dry-run", no_argument, NULL, 'D'},
	    {"fsync", no_argument, NULL, 'S'},
	    {"compression", required_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	size_t cap = 0;
	int c;

	*exit_now = -1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:t:o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			cli->file = optarg;
			break;
		case 'o':
			cli->output = optarg;
			break;
		case 'q':
			cli->quiet = 1;
			break;
		case 'T':
			cli->target = optarg;
			break;
		case 'X':
			cli->explain_build = 1;
			break;
		case 'H':
			cli->explain_html = optarg;
			break;
		case 'D':
			cli->dry_run = 1;
			break;
		case 'S':
			cli->fsync = 1;
			break;
		case 'F': {
			static const char *const names[] = {"manual", "docker", "oci", "oci-dir"};
			size_t k = 0;

			while (k < 4 && strcmp(optarg, names[k]))
				k++;
			if (k == 4) {
				*exit_now = usage_error(
				    "--format %s: write manual, docker, oci or oci-dir", optarg);
				return 0;
			}
			cli->format = (enum img_format)k;
			break;
		}
		case 'C':
			if (!strcmp(optarg, "none") || !strcmp(optarg, "gzip") ||
			    !strcmp(optarg, "zstd")) {
				cli->compression = optarg[0] == 'n'   ? IMG_COMPRESS_NONE
						   : optarg[0] == 'g' ? IMG_COMPRESS_GZIP
								      : IMG_COMPRESS_ZSTD;
				break;
			}
			*exit_now =
			    usage_error("--compression %s: write none, gzip or zstd", optarg);
			return 0;
		case 'B': {
			size_t bcap = cli->nbuild_args;
			const char *env = strchr(optarg, '=') ? NULL : getenv(optarg);
			char *kv;

			/* A bare K takes the environment's value; unset, it is left out. */
			if (!strchr(optarg, '=') && !env)
				break;
			kv = env ? sb_printf("%s=%s", optarg, env) : sb_strdup(optarg);
			if (!kv || sb_grow(&cli->build_args, &bcap, cli->nbuild_args + 2,
					   sizeof(*cli->build_args)) < 0) {
				free(kv);
				return sb_errorf(err, "out of memory");
			}
			cli->build_args[cli->nbuild_args++] = kv;
			cli->build_args[cli->nbuild_args] = NULL;
			break;
		}
		case 'E': {
			size_t ecap = cli->nexplain;

			if (sb_grow(&cli->explain, &ecap, cli->nexplain + 1,
				    sizeof(*cli->explain)) < 0)
				return sb_errorf(err, "out of memory");
			cli->explain[cli->nexplain++] = optarg;
			break;
		}
		case 't': {
			char *tag;

			if (img_reference_normalize(optarg, &tag, err) < 0) {
				*exit_now = EXIT_USAGE;
				return -1;
			}
			if (sb_grow(&cli->tags, &cap, cli->ntags + 2, sizeof(*cli->tags)) < 0) {
				free(tag);
				return sb_errorf(err, "out of memory");
			}
			cli->tags[cli->ntags++] = tag;
			cli->tags[cli->ntags] = NULL;
			break;
		}
		case 'h':
			fputs(usage_text, stdout);
			*exit_now = 0;
			return 0;
		case 'V':
			printf("scratchbuild %s\n", SB_VERSION);
			*exit_now = 0;
			return 0;
		case ':':
			*exit_now = usage_error("%s needs a value", argv[optind - 1]);
			return 0;
		default:
			*exit_now = usage_error("unknown option %s", argv[optind - 1]);
			return 0;
		}
	}
	if (optind != argc - 1) {
		*exit_now =
		    usage_error("%s", optind >= argc ? "name the build context directory, e.g. ."
						     : "give exactly one build context directory");
		return 0;
	}
	cli->context = argv[optind];
	return 0;
}

static const char parse_usage_text[] =
    "usage: scratchbuild parse [--json] [-f FILE | FILE | -]\n"
    "\n"
    "Builds nothing: reads a Dockerfile (default ./Dockerfile; - reads stdin) and\n"
    "prints how it was read, one line per instruction in BuildKit's parse-tree\n"
    "notation, e.g. (copy [\"--chown=1:1\"] \"a.txt\" \"/dst/\"). Any instruction\n"
    "and base image parses. Exit status 1 for a Dockerfile BuildKit refuses.\n"
    "\n"
    "  -f, --file FILE     the Dockerfile\n"
    "      --json          the same tree as JSON, with source ranges\n"
    "  -h, --help          this text\n";

/* scratchbuild parse: the parse tree of a Dockerfile on standard output. */
static int run_parse(int argc, char **argv)
{
	struct sb_error err = {0};
	struct sb_buf out = {0};
	struct df_file df = {0};
	const char *file = NULL;
	char *buf = NULL, *name = NULL;
	size_t len = 0;
	int json = 0, status = EXIT_BUILD;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(parse_usage_text, stdout);
			return 0;
		} else if ((!strcmp(a, "-f") || !strcmp(a, "--file")) && i + 1 == argc) {
			return usage_error("%s needs a value", a);
		} else if (a[0] == '-' && a[1] && strcmp(a, "-f") && strcmp(a, "--file")) {
			return usage_error("unknown option %s", a);
		} else if (file) {
			return usage_error("%s", "give at most one Dockerfile");
		} else {
			file = a[0] == '-' && a[1] ? argv[++i] : a;
		}
	}
	file = file ? file : "Dockerfile";
	if (read_dockerfile(file, &buf, &len, &err) < 0)
		goto fail;
	name = sb_strdup(strcmp(file, "-") ? file : "<stdin>");
	if (!name) {
		free(buf);
		sb_errorf(&err, "out of memory");
		goto fail;
	}
	if (df_parse(&df, name, buf, len, &err) < 0 ||
	    (json ? df_dump_json(&df, &out, &err) : df_dump(&df, &out, &err)) < 0)
		goto fail;
	for (size_t i = 0; i < df.nwarnings; i++)
		sb_print_error("scratchbuild", SB_WHO_UNLESS_FILE, &df.warnings[i]);
	if ((out.len && fwrite(out.buf, 1, out.len, stdout) != out.len) || fflush(stdout)) {
		sb_errorf(&err, "cannot write to standard output: %s", strerror(errno));
		goto fail;
	}
	status = 0;
	goto out;
fail:
	sb_print_error("scratchbuild", SB_WHO_UNLESS_FILE, &err);
out:
	df_file_release(&df);
	sb_buf_release(&out);
	sb_error_release(&err);
	return status;
}

int main(int argc, char **argv)
{
	struct cli cli = {0};
	struct sb_error err = {0};
	struct df_file df = {0};
	struct ev_plan plan = {0};
	struct ev_eval_opts eopts = {0};
	struct img_write_opts wopts = {0};
	struct img_result res = {0};
	struct progress prog = {0};
	struct ctx *ctx = NULL;
	struct src_opener *sources = NULL;
	char *dockerfile = NULL, *output = NULL, *buf = NULL, *name = NULL;
	size_t len = 0;
	int exit_now, status = EXIT_BUILD;

	/* A closed pipe or a file size limit becomes an error with a message
	 * (EPIPE, EFBIG), not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	/* File names are bytes, written into tar headers as UTF-8 (see write.c). */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "en_US.UTF-8");
	if (argc > 1 && !strcmp(argv[1], "parse"))
		return run_parse(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "inspect"))
		return sb_cmd_inspect(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "diff"))
		return sb_cmd_diff(argc - 1, argv + 1);
	if (parse_cli(argc, argv, &cli, &err, &exit_now) < 0) {
		sb_print_error("scratchbuild", SB_WHO_UNLESS_FILE, &err);
		status = exit_now >= 0 ? exit_now : EXIT_BUILD;
		goto out;
	}
	if (exit_now >= 0) {
		status = exit_now;
		goto out;
	}
	if (parse_epoch(&eopts.epoch, &err) < 0) {
		sb_print_error("scratchbuild", SB_WHO_UNLESS_FILE, &err);
		status = EXIT_USAGE;
		goto out;
	}
	dockerfile = cli.file ? sb_strdup(cli.file) : sb_printf("%s/Dockerfile", cli.context);
	output = cli.output ? sb_strdup(cli.output) : default_output(&cli);
	if (output && !cli.output && cli.format == IMG_FORMAT_OCI_DIR)
		output[strlen(output) - 4] = '\0'; /* a directory: no ".tar" */
	if (!dockerfile || !output) {
		fputs("scratchbuild: out of memory\n", stderr);
		goto out;
	}
	if (cli.nexplain) {
		if (ctx_open(&ctx, cli.context, strcmp(dockerfile, "-") ? dockerfile : NULL, &err) <
			0 ||
		    explain_ignore(ctx, &cli, &err) < 0)
			goto fail;
		status = 0;
		goto out;
	}
	if (cli.compression != IMG_COMPRESS_NONE && cli.format != IMG_FORMAT_OCI &&
	    cli.format != IMG_FORMAT_OCI_DIR) {
		status =
		    usage_error("%s", "--compression is for --format oci or oci-dir; the manual "
				      "and docker formats hold uncompressed layers, as docker save "
				      "does");
		goto out;
	}
	if (!strcmp(output, "-") && cli.format == IMG_FORMAT_OCI_DIR) {
		status =
		    usage_error("%s", "--format oci-dir writes a directory: name it with -o DIR");
		goto out;
	}
	if (!strcmp(output, "-") && cli.explain_html && !strcmp(cli.explain_html, "-")) {
		status = usage_error("%s", "-o - and --explain-html - both write to standard "
					   "output: name a file for one of them");
		goto out;
	}
	if (!strcmp(output, "-") && isatty(STDOUT_FILENO)) {
		status = usage_error("%s", "-o - would write the image tar to the terminal; pipe "
					   "it (| docker load) or redirect it (> image.tar)");
		goto out;
	}

	if (read_dockerfile(dockerfile, &buf, &len, &err) < 0)
		goto fail;
	/* Messages name the Dockerfile as the user named it. */
	name = sb_strdup(strcmp(dockerfile, "-") ? dockerfile : "<stdin>");
	if (!name) {
		free(buf);
		sb_errorf(&err, "out of memory");
		goto fail;
	}
	if (df_parse(&df, name, buf, len, &err) < 0)
		goto fail;
	if (ctx_open(&ctx, cli.context, strcmp(dockerfile, "-") ? dockerfile : NULL, &err) < 0)
		goto fail;
	eopts.tags = cli.tags;
	eopts.build_args = cli.build_args;
	eopts.target = cli.target;
	if (ev_eval(&df, ctx, &eopts, &plan, &err) < 0)
		goto fail;
	for (size_t i = 0; i < plan.nwarnings; i++)
		sb_print_error("scratchbuild", SB_WHO_UNLESS_FILE, &plan.warnings[i]);

	prog.plan = &plan;
	prog.quiet = cli.quiet;
	wopts.output = output;
	wopts.format = cli.format;
	wopts.dry_run = cli.dry_run;
	wopts.fsync = cli.fsync;
	wopts.compression = cli.compression;
	if (src_opener_new(&sources, ctx, &err) < 0)
		goto fail;
	wopts.open = src_open;
	wopts.open_ud = sources;
	wopts.progress = on_progress;
	wopts.progress_ud = &prog;
	if (img_write(&plan.img, &wopts, &res, &err) < 0)
		goto fail;
	if (cli.explain_build) {
		/* On standard output, unless the image itself goes there. */
		FILE *to = strcmp(output, "-") ? stdout : stderr;

		if (sb_explain(to, name ? name : dockerfile, &plan, &res,
			       cli.dry_run ? NULL : output, cli.format) < 0) {
			sb_errorf(&err, "out of memory");
			goto fail;
		}
	}
	if (cli.explain_html &&
	    sb_explain_html_file(cli.explain_html, &df, &plan, &res, cli.dry_run ? NULL : output,
				 cli.format, &err) < 0)
		goto fail;
	if (cli.dry_run) {
		if (!cli.quiet)
			fprintf(stderr, "dry run: nothing written; image %.19s\n", res.image_id);
	} else if (cli.quiet) {
		if (strcmp(output, "-"))
			printf("%s\n", res.image_id);
	} else {
		char size[32];

		human_size(res.tar_bytes, size, sizeof(size));
		fprintf(stderr, "wrote %s: %zu layer%s, %s, image %.19s\n",
			strcmp(output, "-") ? output : "the image to standard output",
			plan.img.nlayers, plan.img.nlayers == 1 ? "" : "s", size, res.image_id);
	}
	status = 0;
	goto out;
fail:
	sb_print_error("scratchbuild", SB_WHO_UNLESS_FILE, &err);
out:
	img_result_release(&res);
	ev_plan_release(&plan);
	src_opener_free(sources);
	ctx_free(ctx);
	df_file_release(&df);
	sb_error_release(&err);
	sb_strv_free(cli.tags);
	free(cli.explain);
	sb_strv_free(cli.build_args);
	free(dockerfile);
	free(output);
	return status;
}
