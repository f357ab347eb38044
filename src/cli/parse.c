/* scratchbuild parse: builds nothing, prints how a Dockerfile was read (see
 * cli.h). */
#include "cli/cli.h"
#include "cli/dockerfile.h"
#include "cli/print.h"

#include "interp/dump.h"
#include "interp/parse.h"
#include "util/error.h"
#include "util/mem.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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

/* Reads the subcommand's arguments into *file (NULL: none named) and *json.
 * Returns -1 to go on, else the exit status, after printing the usage or
 * the mistake. */
static int parse_args(int argc, char **argv, const char **file, int *json)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json")) {
			*json = 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(parse_usage_text, stdout);
			return 0;
		} else if ((!strcmp(a, "-f") || !strcmp(a, "--file")) && i + 1 == argc) {
			sb_print_usage_error("%s needs a value", a);
			return SB_EXIT_USAGE;
		} else if (a[0] == '-' && a[1] && strcmp(a, "-f") && strcmp(a, "--file")) {
			sb_print_usage_error("unknown option %s", a);
			return SB_EXIT_USAGE;
		} else if (*file) {
			sb_print_usage_error("%s", "give at most one Dockerfile");
			return SB_EXIT_USAGE;
		} else {
			*file = a[0] == '-' && a[1] ? argv[++i] : a;
		}
	}
	return -1;
}

/* The parse tree of a Dockerfile on standard output. */
int sb_cmd_parse(int argc, char **argv)
{
	struct sb_error err = {0};
	struct sb_buf out = {0};
	struct df_file df = {0};
	const char *file = NULL;
	int json = 0, status = parse_args(argc, argv, &file, &json);

	if (status >= 0)
		return status;
	status = SB_EXIT_FAILED;
	if (sb_load_dockerfile(file ? file : "Dockerfile", &df, &err) < 0 ||
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
