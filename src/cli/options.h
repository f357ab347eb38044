/* The build's command line, `scratchbuild [options] CONTEXT`, read into a
 * struct cli, and the settings that follow from it and from the environment:
 * the Dockerfile's path, the output's, SOURCE_DATE_EPOCH. Nothing here prints
 * or exits: what the command line asks for is returned for main() to act on. */
#ifndef SB_CLI_OPTIONS_H
#define SB_CLI_OPTIONS_H

#include "context/named.h"
#include "image/image.h"
#include "image/platform.h"
#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

/* The text of --help. */
extern const char cli_usage_text[];

struct cli {
	char **build_args; /* "K=V", NULL-terminated; owned */
	size_t nbuild_args;
	struct ctx_named *contexts; /* --build-context, one per NAME (the last given
				       wins), not yet opened; owned */
	size_t ncontexts;
	const char *target;
	enum img_format format;
	int format_given; /* --format was given */
	int push_docker;  /* --push of several platforms with --format docker: the
			     file is an OCI index (format), pushed with Docker's
			     media types */
	enum img_compression compression;
	int explain_build;	  /* --explain */
	const char *explain_html; /* --explain-html FILE, or NULL */
	int dry_run;		  /* --dry-run */
	int fsync;		  /* --fsync */
	const char **explain;	  /* --explain-ignore paths, or NULL; owned (not the paths) */
	size_t nexplain;
	const char *file;
	const char *output;
	const char *context;
	struct img_platform *platforms; /* --platform, normalised, duplicates dropped,
					   in the order given; owned */
	size_t nplatforms;
	char **tags; /* normalized, NULL-terminated; owned */
	size_t ntags;
	int quiet;
	const char *iidfile;	   /* --iidfile FILE, or NULL */
	const char *metadata_file; /* --metadata-file FILE, or NULL */
	int push;	       /* --push: the output pushed to every -t name */
	int compression_given; /* --compression was given (a push's default: gzip) */
	char **insecure;       /* --insecure-registry values, NULL-terminated; owned
				  (not the values) */
	size_t ninsecure;
};

/* What the command line asks for. */
enum cli_ask {
	CLI_BUILD,   /* a build (or --explain-ignore): cli is complete */
	CLI_HELP,    /* -h, --help: cli_usage_text on standard output, status 0 */
	CLI_VERSION, /* --version: status 0 */
	CLI_MISUSE,  /* a mistake in the options: err->msg says which, to be shown
		      * as "scratchbuild: MSG" and the --help hint; status 2 */
	CLI_REFUSED, /* a value that means nothing (a -t NAME that is no reference):
		      * err holds the whole error; status 2 */
	CLI_FAILED,  /* out of memory, err set; status 1 */
};

/* Reads argv into cli, which must start zeroed. The strings it points to are
 * argv's; what it owns is freed by cli_release, whatever the outcome. */
enum cli_ask cli_parse(int argc, char **argv, struct cli *cli, struct sb_error *err);

/* Frees what cli owns and leaves it zeroed. */
void cli_release(struct cli *cli);

/* The options that only make sense together with the output path (the -o
 * FILE or cli_output's default): CLI_BUILD when they do, else CLI_MISUSE
 * with err->msg saying why. */
enum cli_ask cli_check_output(const struct cli *cli, const char *output, struct sb_error *err);

/* The Dockerfile's path: -f FILE, else CONTEXT/Dockerfile. Yours (free(3));
 * NULL when out of memory. */
char *cli_dockerfile(const struct cli *cli);

/* Where the image goes: -o FILE, else NAME-TAG.tar from the first -t, else
 * image.tar (without ".tar" for --format oci-dir: a directory). Yours
 * (free(3)); NULL when out of memory. */
char *cli_output(const struct cli *cli);

/* SOURCE_DATE_EPOCH as seconds (0 when unset or empty). Returns 0, or -1 with
 * err set (and a hint) when it is not a time. */
int cli_epoch(int64_t *epoch, struct sb_error *err);

#endif
