/* The Dockerfile as the command line names it, a path or "-" for standard
 * input: read whole and parsed, for the build and for scratchbuild parse. */
#ifndef SB_CLI_DOCKERFILE_H
#define SB_CLI_DOCKERFILE_H

#include "interp/parse.h"
#include "util/error.h"

/* Reads all of path ("-": standard input, at most 64 MiB) and parses it into
 * *df, which must start empty. Messages name it as path, or "<stdin>". On
 * success *df is yours (df_file_release); on failure it is left empty and
 * -1 returned with err set. */
int sb_load_dockerfile(const char *path, struct df_file *df, struct sb_error *err);

#endif
