/* `scratchbuild push IMAGE REF [REF...]`: an image already on disk pushed
 * to a registry; and the progress and the last lines of any push (the one
 * --push runs after a build too). */
#include "cli/cli.h"
#include "cli/print.h"
#include "cli/push.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char push_usage[] =
    "usage: scratchbuild push [options] IMAGE REF [REF...]\n"
    "\n"
    "Pushes the image at IMAGE (an image tar scratchbuild or docker save wrote,\n"
    "or an OCI layout directory; one image, or an index of one per platform) to\n"
    "the registry of each REF (HOST[:PORT]/NAME:TAG). Blobs the registry has are\n"
    "not sent again; the tag is written last.\n"
    "\n"
    "  --compression C          gzip (default), zstd or none: how layers not\n"
    "                           stored so are compressed for the push\n"
    "  --format F               oci (default) or docker: the manifests' media types\n"
    "  --insecure-registry H[:P]  plain HTTP or unverified TLS for that registry\n"
    "                           (loopback registries need none); repeatable\n"
    "  -q, --quiet              no progress; only the pushed lines\n"
    "  -h, --help               this text\n"
    "\n"
    "Credentials as Docker keeps them ($DOCKER_CONFIG/config.json or\n"
    "~/.docker/config.json: auths, credsStore, credHelpers).\n"
    "Exit status: 0 pushed, 1 the push failed, 2 usage.\n";

/* What the progress printer keeps between events. */
struct show {
	int tty;
	double last; /* when the line was last rewritten, in seconds */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "DIGEST12", as docker push names a layer. */
static const char *short_digest(const char *d)
{
	const char *colon = strchr(d, ':');

	return colon ? colon + 1 : d;
}

static void on_event(void *ud, const struct push_event *ev)
{
	struct show *s = ud;
	const char *what = ev->kind == PUSH_EV_PUSHED	 ? "pushed"
			   : ev->kind == PUSH_EV_EXISTS	 ? "exists"
			   : ev->kind == PUSH_EV_MOUNTED ? "mounted"
							 : NULL;

	if (ev->kind == PUSH_EV_SENDING) {
		char a[32], b[32];
		double t = now();

		/* A rewritten line on a terminal only, at most ten times a second. */
		if (!s->tty || (t - s->last < 0.1 && ev->sent < ev->total))
			return;
		s->last = t;
		sb_size_string(ev->sent, a, sizeof(a));
		sb_size_string(ev->total, b, sizeof(b));
		fprintf(stderr, "\r\033[K%.12s: Pushing %s / %s", short_digest(ev->digest), a, b);
		return;
	}
	if (what)
		fprintf(stderr, "%s%.12s: %s\n", s->tty ? "\r\033[K" : "", short_digest(ev->digest),
			what);
}

int sb_push_compression(const char *arg, enum img_compression *out, struct sb_error *err)
{
	if (!strcmp(arg, "gzip"))
		*out = IMG_COMPRESS_GZIP;
	else if (!strcmp(arg, "zstd"))
		*out = IMG_COMPRESS_ZSTD;
	else if (!strcmp(arg, "none"))
		*out = IMG_COMPRESS_NONE;
	else
		return sb_errorf(err, "--compression %s: push gzip, zstd or none", arg);
	return 0;
}

/* Where a push remembers what layers compress to: $XDG_CACHE_HOME/scratchbuild,
 * else ~/.cache/scratchbuild (the XDG base directories); NULL when neither
 * is set (or memory fails): no cache. Yours. */
static char *cache_dir(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg && xdg[0] == '/')
		return sb_printf("%s/scratchbuild", xdg);
	if (home && home[0] == '/')
		return sb_printf("%s/.cache/scratchbuild", home);
	return NULL;
}

int sb_push_run(const char *path, char *const *refs, size_t nrefs, struct push_opts *opts,
		int quiet, struct push_result *res, struct sb_error *err)
{
	struct show show = {.tty = isatty(2)};
	char *cache = cache_dir();
	int rc;

	opts->event = quiet ? NULL : on_event;
	opts->event_ud = &show;
	opts->cache = cache;
	rc = push_image(path, refs, nrefs, opts, res, err);
	opts->cache = NULL;
	free(cache);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < res->nnames; i++)
		printf("pushed %s@%s\n", res->names[i], res->digest);
	if (!quiet) {
		char size[32];

		sb_size_string(res->uploaded_bytes, size, sizeof(size));
		fprintf(stderr,
			"%zu blob%s uploaded (%s), %zu already there, %zu mounted; %llu "
			"request%s\n",
			res->uploaded, res->uploaded == 1 ? "" : "s", size, res->existed,
			res->mounted, (unsigned long long)res->requests,
			res->requests == 1 ? "" : "s");
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		return sb_errorf(err, "cannot write the output");
	return 0;
}

/* One option of the command line: 1 taken (i moved past its value), 0 not
 * an option, -1 a mistake (printed). */
static int take_option(int argc, char **argv, int *i, struct push_opts *o, char ***insecure,
		       int *quiet)
{
	const char *a = argv[*i], *val = NULL;
	struct sb_error err = {0};
	static const char *const with_value[] = {"--compression", "--format",
						 "--insecure-registry"};
	size_t k;

	if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
		return *quiet = 1;
	for (k = 0; k < 3; k++) {
		size_t n = strlen(with_value[k]);

		if (!strncmp(a, with_value[k], n) && a[n] == '=')
			val = a + n + 1;
		else if (!strcmp(a, with_value[k]) && *i + 1 < argc)
			val = argv[++*i];
		else if (!strcmp(a, with_value[k]))
			return fprintf(stderr, "scratchbuild push: %s needs a value\n", a), -1;
		if (val)
			break;
	}
	if (!val)
		return a[0] == '-' && a[1]
			   ? (fprintf(stderr, "scratchbuild push: unknown option %s\n", a), -1)
			   : 0;
	if (k == 0 && sb_push_compression(val, &o->compression, &err) < 0) {
		fprintf(stderr, "scratchbuild push: %s\n", err.msg ? err.msg : "out of memory");
		sb_error_release(&err);
		return -1;
	}
	if (k == 1 && strcmp(val, "oci") && strcmp(val, "docker"))
		return fprintf(stderr, "scratchbuild push: --format %s: push oci or docker\n", val),
		       -1;
	if (k == 1)
		o->docker = !strcmp(val, "docker");
	if (k == 2) {
		char **grown = realloc(*insecure, (o->reg.ninsecure + 2) * sizeof(char *));

		if (!grown)
			return fprintf(stderr, "scratchbuild push: out of memory\n"), -1;
		*insecure = grown;
		grown[o->reg.ninsecure++] = (char *)val;
		grown[o->reg.ninsecure] = NULL;
		o->reg.insecure = grown;
	}
	return 1;
}

int sb_cmd_push(int argc, char **argv)
{
	struct push_opts opts = {.compression = IMG_COMPRESS_GZIP};
	struct push_result res = {0};
	struct sb_error err = {0};
	char **insecure = NULL, **args = calloc((size_t)argc + 1, sizeof(char *));
	size_t nargs = 0;
	int quiet = 0, status = SB_EXIT_USAGE;

	if (!args) {
		fputs("scratchbuild push: out of memory\n", stderr);
		return SB_EXIT_FAILED;
	}
	for (int i = 1; i < argc; i++) {
		int rc;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(push_usage, stdout);
			status = 0;
			goto out;
		}
		if (!strcmp(argv[i], "--")) {
			while (++i < argc)
				args[nargs++] = argv[i];
			break;
		}
		rc = take_option(argc, argv, &i, &opts, &insecure, &quiet);
		if (rc < 0) {
			fputs(push_usage, stderr);
			goto out;
		}
		if (rc == 0)
			args[nargs++] = argv[i];
	}
	if (nargs < 2) {
		fprintf(stderr, "scratchbuild push: %s\n%s",
			nargs ? "push it where? give a REF, e.g. 127.0.0.1:5000/app:1"
			      : "which image, and where to?",
			push_usage);
		goto out;
	}
	status = SB_EXIT_FAILED;
	/* Every reference checked before anything is read or sent. */
	if (push_check_refs(args + 1, nargs - 1, &err) < 0 ||
	    sb_push_run(args[0], args + 1, nargs - 1, &opts, quiet, &res, &err) < 0) {
		sb_print_error("scratchbuild push", SB_WHO_ALWAYS, &err);
		goto out;
	}
	status = 0;
out:
	push_result_release(&res);
	sb_error_release(&err);
	free(insecure);
	free(args);
	return status;
}
