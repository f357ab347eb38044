/* Subcommands of the command line. Each takes its own argv (argv[0] is the
 * subcommand's name), prints what it has to say, and returns the exit status:
 * 0 ok/equal, 1 broken image, images differ or a Dockerfile refused, 2 usage
 * (and, for diff, an image that cannot be read). */
#ifndef SB_CLI_H
#define SB_CLI_H

/* The failing statuses above (and the build's) by name. */
enum { SB_EXIT_FAILED = 1, SB_EXIT_USAGE = 2 };

/* scratchbuild parse [--json] [-f FILE | FILE | -] */
int sb_cmd_parse(int argc, char **argv);

/* scratchbuild inspect IMAGE.tar [--json] [--base NAME=PATH]... */
int sb_cmd_inspect(int argc, char **argv);

/* scratchbuild diff A.tar B.tar [--mtime] */
int sb_cmd_diff(int argc, char **argv);

/* scratchbuild push [options] IMAGE REF [REF...] */
int sb_cmd_push(int argc, char **argv);

#endif
