/* The build's command line and the settings that follow from it (see
 * options.h). */
#include "cli/options.h"

#include "image/reference.h"
#include "util/mem.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char cli_usage_text[] =
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
    "      --build-context NAME=DIR|TAR|oci-layout://DIR[:TAG|@DIGEST]\n"
    "                      the directory DIR stands for the stage NAME (which is\n"
    "                      then never built) or the image NAME (COPY --from=NAME,\n"
    "                      FROM NAME), as with docker buildx; an image tar\n"
    "                      (docker save, an OCI archive) or an OCI layout is\n"
    "                      that image itself, its layers kept; repeatable\n"
    "      --platform OS/ARCH[/VARIANT][,...]\n"
    "                      the platform the image is for (default: this\n"
    "                      machine's), e.g. linux/arm64 or linux/arm/v7: the\n"
    "                      config's architecture, os and variant, and the\n"
    "                      TARGETPLATFORM, TARGETOS, TARGETARCH, TARGETVARIANT\n"
    "                      ARGs; several (linux/amd64,linux/arm64) build one\n"
    "                      image each, written as one OCI index (--format oci)\n"
    "      --format F      manual (the default: manifest.json, config.json,\n"
    "                      layer_N.tar), docker (what docker save writes), oci (an\n"
    "                      OCI image layout in a tar) or oci-dir (the layout as a\n"
    "                      directory, -o DIR)\n"
    "      --compression C none (default), gzip or zstd: OCI layers; with --push,\n"
    "                      the layers pushed (default gzip), whatever the format\n"
    "      --push          after writing the image, push it to the registry of\n"
    "                      every -t name (OCI media types; Docker's with --format\n"
    "                      docker); the file stays, for scratchbuild push\n"
    "      --insecure-registry HOST[:PORT]\n"
    "                      plain HTTP or unverified TLS for that registry\n"
    "                      (loopback needs none); repeatable\n"
    "      --iidfile FILE  write the image ID there (the index's digest when\n"
    "                      there are several platforms), as docker buildx does\n"
    "      --metadata-file FILE\n"
    "                      write the build's result there as JSON (config and\n"
    "                      manifest or index digests, names), as docker buildx does\n"
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

/* --format F */
static enum cli_ask take_format(struct cli *cli, const char *arg, struct sb_error *err)
{
	static const char *const names[] = {"manual", "docker", "oci", "oci-dir"};
	size_t k = 0;

	while (k < 4 && strcmp(arg, names[k]))
		k++;
	if (k == 4) {
		sb_errorf(err, "--format %s: write manual, docker, oci or oci-dir", arg);
		return CLI_MISUSE;
	}
	cli->format = (enum img_format)k;
	cli->format_given = 1;
	return CLI_BUILD;
}

/* --insecure-registry HOST[:PORT] */
static enum cli_ask take_insecure(struct cli *cli, const char *arg, struct sb_error *err)
{
	char **grown = realloc(cli->insecure, (cli->ninsecure + 2) * sizeof(char *));

	if (!grown) {
		sb_errorf(err, "out of memory");
		return CLI_FAILED;
	}
	cli->insecure = grown;
	grown[cli->ninsecure++] = (char *)arg;
	grown[cli->ninsecure] = NULL;
	return CLI_BUILD;
}

/* --compression C */
static enum cli_ask take_compression(struct cli *cli, const char *arg, struct sb_error *err)
{
	if (!strcmp(arg, "none") || !strcmp(arg, "gzip") || !strcmp(arg, "zstd")) {
		cli->compression = arg[0] == 'n'   ? IMG_COMPRESS_NONE
				   : arg[0] == 'g' ? IMG_COMPRESS_GZIP
						   : IMG_COMPRESS_ZSTD;
		return CLI_BUILD;
	}
	sb_errorf(err, "--compression %s: write none, gzip or zstd", arg);
	return CLI_MISUSE;
}

/* --build-arg K[=V] */
static enum cli_ask take_build_arg(struct cli *cli, const char *arg, struct sb_error *err)
{
	size_t bcap = cli->nbuild_args;
	const char *env = strchr(arg, '=') ? NULL : getenv(arg);
	char *kv;

	/* A bare K takes the environment's value; unset, it is left out. */
	if (!strchr(arg, '=') && !env)
		return CLI_BUILD;
	kv = env ? sb_printf("%s=%s", arg, env) : sb_strdup(arg);
	if (!kv ||
	    sb_grow(&cli->build_args, &bcap, cli->nbuild_args + 2, sizeof(*cli->build_args)) < 0) {
		free(kv);
		sb_errorf(err, "out of memory");
		return CLI_FAILED;
	}
	cli->build_args[cli->nbuild_args++] = kv;
	cli->build_args[cli->nbuild_args] = NULL;
	return CLI_BUILD;
}

/* --build-context NAME=VALUE: VALUE a directory, an image tar or an OCI
 * layout (told apart and opened when the build starts), NAME
 * kept under the key BuildKit looks it up by ("alpine" for
 * docker.io/library/alpine:latest). Given twice, the last one wins, as in
 * buildx. */
static enum cli_ask take_build_context(struct cli *cli, const char *arg, struct sb_error *err)
{
	struct ctx_named n;
	const char *why = NULL;
	size_t cap = cli->ncontexts, i = 0;

	if (ctx_named_parse(arg, &n, err) < 0) {
		ctx_named_release(&n);
		return err->hint ? CLI_REFUSED : CLI_FAILED;
	}
	if (n.kind == CTX_NAMED_IMAGE) {
		sb_errorf(err,
			  "--build-context %s: docker-image:// names an image in a registry, and "
			  "scratchbuild pulls nothing",
			  arg);
		sb_error_hint(err,
			      "save the image to a file and give that: docker save -o base.tar "
			      "%s, then --build-context %s=base.tar (or an OCI layout: "
			      "--build-context %s=oci-layout://DIR:TAG)",
			      n.value, n.name, n.name);
		ctx_named_release(&n);
		return CLI_REFUSED;
	}
	if (n.kind != CTX_NAMED_DIR && n.kind != CTX_NAMED_OCI_LAYOUT) {
		sb_errorf(err, "--build-context %s: %s as a named context is not supported yet",
			  arg, ctx_named_kind_text(n.kind));
		sb_error_hint(err,
			      "give a directory that holds its files, e.g. "
			      "--build-context %s=./dir",
			      n.name);
		ctx_named_release(&n);
		return CLI_REFUSED;
	}
	if (img_reference_familiar(n.name, &n.key, &why) < 0) {
		if (why) {
			sb_errorf(err, "--build-context %s: invalid context name: %s", arg, why);
			sb_error_hint(err, "NAME is a stage name or an image reference, in lower "
					   "case: build, alpine:3.20, gcr.io/distroless/static");
		} else {
			sb_errorf(err, "out of memory");
		}
		ctx_named_release(&n);
		return why ? CLI_REFUSED : CLI_FAILED;
	}
	while (i < cli->ncontexts && strcmp(cli->contexts[i].key, n.key))
		i++;
	if (i < cli->ncontexts) {
		ctx_named_release(&cli->contexts[i]);
	} else if (sb_grow(&cli->contexts, &cap, cli->ncontexts + 1, sizeof(*cli->contexts)) < 0) {
		ctx_named_release(&n);
		sb_errorf(err, "out of memory");
		return CLI_FAILED;
	} else {
		cli->ncontexts++;
	}
	cli->contexts[i] = n;
	return CLI_BUILD;
}

/* --platform OS/ARCH[/VARIANT], normalised as BuildKit does. The value is
 * read as a comma-separated list, as buildx reads it, and the option may be
 * repeated: one image for each platform, in the order given. A platform given
 * twice (once normalised) is built once, as buildx drops duplicates
 * (platformutil.Dedupe) rather than refusing them. An empty value (or item)
 * means none, as with docker build --platform "". */
static enum cli_ask take_platform(struct cli *cli, const char *arg, struct sb_error *err)
{
	for (const char *p = arg; *p;) {
		size_t len = strcspn(p, ","), cap = cli->nplatforms;
		char *one = sb_strndup(p, len);
		int rc;

		if (!one || sb_grow(&cli->platforms, &cap, cli->nplatforms + 1,
				    sizeof(*cli->platforms)) < 0) {
			free(one);
			sb_errorf(err, "out of memory");
			return CLI_FAILED;
		}
		rc = len ? img_platform_parse(one, &cli->platforms[cli->nplatforms], err) : 1;
		free(one);
		if (rc < 0) {
			char *why = sb_strdup(err->msg ? err->msg : "not a platform");

			sb_error_release(err);
			sb_errorf(err,
				  "--platform %s: %s; write OS/ARCH[/VARIANT], e.g. linux/arm64",
				  arg, why ? why : "not a platform");
			free(why);
			return CLI_MISUSE;
		}
		for (size_t i = 0; rc == 0 && i < cli->nplatforms; i++)
			if (!strcmp(cli->platforms[i].name, cli->platforms[cli->nplatforms].name))
				rc = 1; /* a duplicate */
		cli->nplatforms += rc == 0;
		p += len + (p[len] == ',');
	}
	return CLI_BUILD;
}

/* --explain-ignore PATH */
static enum cli_ask take_explain(struct cli *cli, const char *arg, struct sb_error *err)
{
	size_t ecap = cli->nexplain;

	if (sb_grow(&cli->explain, &ecap, cli->nexplain + 1, sizeof(*cli->explain)) < 0) {
		sb_errorf(err, "out of memory");
		return CLI_FAILED;
	}
	cli->explain[cli->nexplain++] = arg;
	return CLI_BUILD;
}

/* -t NAME[:TAG], normalized ("app" -> "app:latest"). */
static enum cli_ask take_tag(struct cli *cli, const char *arg, struct sb_error *err)
{
	size_t cap = cli->ntags;
	char *tag;

	if (img_reference_normalize(arg, &tag, err) < 0)
		return CLI_REFUSED;
	if (sb_grow(&cli->tags, &cap, cli->ntags + 2, sizeof(*cli->tags)) < 0) {
		free(tag);
		sb_errorf(err, "out of memory");
		return CLI_FAILED;
	}
	cli->tags[cli->ntags++] = tag;
	cli->tags[cli->ntags] = NULL;
	return CLI_BUILD;
}

/* One option as getopt_long returned it (c, with optarg); name: the word of
 * argv it came from, for the messages about unknown options. */
static enum cli_ask take_option(struct cli *cli, int c, const char *name, struct sb_error *err)
{
	switch (c) {
	case 'f':
		cli->file = optarg;
		return CLI_BUILD;
	case 'o':
		cli->output = optarg;
		return CLI_BUILD;
	case 'q':
		cli->quiet = 1;
		return CLI_BUILD;
	case 'T':
		cli->target = optarg;
		return CLI_BUILD;
	case 'X':
		cli->explain_build = 1;
		return CLI_BUILD;
	case 'H':
		cli->explain_html = optarg;
		return CLI_BUILD;
	case 'D':
		cli->dry_run = 1;
		return CLI_BUILD;
	case 'S':
		cli->fsync = 1;
		return CLI_BUILD;
	case 'F':
		return take_format(cli, optarg, err);
	case 'C':
		cli->compression_given = 1;
		return take_compression(cli, optarg, err);
	case 'U':
		cli->push = 1;
		return CLI_BUILD;
	case 'R':
		return take_insecure(cli, optarg, err);
	case 'B':
		return take_build_arg(cli, optarg, err);
	case 'P':
		return take_platform(cli, optarg, err);
	case 'E':
		return take_explain(cli, optarg, err);
	case 'I':
		cli->iidfile = optarg;
		return CLI_BUILD;
	case 'M':
		cli->metadata_file = optarg;
		return CLI_BUILD;
	case 'K':
		return take_build_context(cli, optarg, err);
	case 't':
		return take_tag(cli, optarg, err);
	case 'h':
		return CLI_HELP;
	case 'V':
		return CLI_VERSION;
	case ':':
		sb_errorf(err, "%s needs a value", name);
		return CLI_MISUSE;
	default:
		sb_errorf(err, "unknown option %s", name);
		return CLI_MISUSE;
	}
}

enum cli_ask cli_parse(int argc, char **argv, struct cli *cli, struct sb_error *err)
{
	static const struct option opts[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"tag", required_argument, NULL, 't'},
	    {"output", required_argument, NULL, 'o'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"explain-ignore", required_argument, NULL, 'E'},
	    {"build-arg", required_argument, NULL, 'B'},
	    {"target", required_argument, NULL, 'T'},
	    {"build-context", required_argument, NULL, 'K'},
	    {"platform", required_argument, NULL, 'P'},
	    {"format", required_argument, NULL, 'F'},
	    {"explain", no_argument, NULL, 'X'},
	    {"explain-html", required_argument, NULL, 'H'},
	    {"dry-run", no_argument, NULL, 'D'},
	    {"fsync", no_argument, NULL, 'S'},
	    {"compression", required_argument, NULL, 'C'},
	    {"iidfile", required_argument, NULL, 'I'},
	    {"metadata-file", required_argument, NULL, 'M'},
	    {"push", no_argument, NULL, 'U'},
	    {"insecure-registry", required_argument, NULL, 'R'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:t:o:qh", opts, NULL)) != -1) {
		enum cli_ask ask = take_option(cli, c, argv[optind - 1], err);

		if (ask != CLI_BUILD)
			return ask;
	}
	if (optind != argc - 1) {
		sb_errorf(err, "%s",
			  optind >= argc ? "name the build context directory, e.g. ."
					 : "give exactly one build context directory");
		return CLI_MISUSE;
	}
	cli->context = argv[optind];
	/* --push of several platforms pushes one index (as buildx's --push does),
	 * so the file it is read back from is one OCI index unless another
	 * format that holds several images was asked; --format docker then
	 * names the media types of the push only. */
	if (cli->push && cli->nplatforms > 1 &&
	    (!cli->format_given || cli->format == IMG_FORMAT_DOCKER)) {
		cli->push_docker = cli->format == IMG_FORMAT_DOCKER;
		cli->format = IMG_FORMAT_OCI;
	}
	return CLI_BUILD;
}

void cli_release(struct cli *cli)
{
	sb_strv_free(cli->tags);
	free(cli->explain);
	sb_strv_free(cli->build_args);
	for (size_t i = 0; i < cli->ncontexts; i++)
		ctx_named_release(&cli->contexts[i]);
	free(cli->contexts);
	free(cli->platforms);
	free(cli->insecure);
	memset(cli, 0, sizeof(*cli));
}

/* --push: the image is read back from its file and pushed to the -t names. */
static enum cli_ask check_push(const struct cli *cli, const char *output, struct sb_error *err)
{
	if (!cli->push && cli->ninsecure)
		sb_errorf(err, "%s", "--insecure-registry is for --push");
	else if (!cli->push)
		return CLI_BUILD;
	else if (cli->ntags == 0)
		sb_errorf(err, "%s",
			  "--push pushes to the -t names: give one, e.g. -t 127.0.0.1:5000/app:1");
	else if (cli->dry_run)
		sb_errorf(err, "%s", "--dry-run writes nothing, so --push has nothing to push");
	else if (!strcmp(output, "-"))
		sb_errorf(err, "%s",
			  "--push reads the image back from its file: name one with -o FILE, or "
			  "leave -o out");
	else
		return CLI_BUILD;
	return CLI_MISUSE;
}

enum cli_ask cli_check_output(const struct cli *cli, const char *output, struct sb_error *err)
{
	if (check_push(cli, output, err) != CLI_BUILD)
		return CLI_MISUSE;
	/* With --push, --compression says how the layers are pushed. */
	if (!cli->push && cli->compression != IMG_COMPRESS_NONE && cli->format != IMG_FORMAT_OCI &&
	    cli->format != IMG_FORMAT_OCI_DIR)
		sb_errorf(err, "%s",
			  "--compression is for --format oci or oci-dir; the manual and docker "
			  "formats hold uncompressed layers, as docker save does");
	else if (cli->nplatforms > 1 && cli->push && cli->format == IMG_FORMAT_MANUAL)
		sb_errorf(err, "%s",
			  "--push of several platforms writes them as one OCI image index, "
			  "which the manual format cannot hold: leave --format out, or give "
			  "--format oci or oci-dir");
	else if (cli->nplatforms > 1 &&
		 (cli->format == IMG_FORMAT_MANUAL || cli->format == IMG_FORMAT_DOCKER))
		sb_errorf(err,
			  "%zu platforms (--platform): the %s format holds one image; write them "
			  "as one OCI image index with --format oci or oci-dir (or --push them)",
			  cli->nplatforms, cli->format == IMG_FORMAT_MANUAL ? "manual" : "docker");
	else if (cli->nplatforms > 1 && cli->explain_html)
		sb_errorf(err, "%s",
			  "--explain-html explains one platform: build it with --platform "
			  "OS/ARCH, or use --explain for all of them");
	else if (!strcmp(output, "-") && cli->format == IMG_FORMAT_OCI_DIR)
		sb_errorf(err, "%s", "--format oci-dir writes a directory: name it with -o DIR");
	else if (!strcmp(output, "-") && cli->explain_html && !strcmp(cli->explain_html, "-"))
		sb_errorf(err, "%s",
			  "-o - and --explain-html - both write to standard output: name a file "
			  "for one of them");
	else if (!strcmp(output, "-") && isatty(STDOUT_FILENO))
		sb_errorf(err, "%s",
			  "-o - would write the image tar to the terminal; pipe it (| docker "
			  "load) or redirect it (> image.tar)");
	else
		return CLI_BUILD;
	return CLI_MISUSE;
}

char *cli_dockerfile(const struct cli *cli)
{
	return cli->file ? sb_strdup(cli->file) : sb_printf("%s/Dockerfile", cli->context);
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

char *cli_output(const struct cli *cli)
{
	char *output = cli->output ? sb_strdup(cli->output) : default_output(cli);

	if (output && !cli->output && cli->format == IMG_FORMAT_OCI_DIR)
		output[strlen(output) - 4] = '\0'; /* a directory: no ".tar" */
	return output;
}

int cli_epoch(int64_t *epoch, struct sb_error *err)
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
