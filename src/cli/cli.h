/* Subcommands of the command line. Each takes its own argv (argv[0] is the
 * subcommand's name), prints what it has to say, and returns the exit status:
 * 0 ok/equal, 1 broken image or images differ, 2 usage (and, for diff, an
 * image that cannot be read). */
#ifndef SB_CLI_H
#define SB_CLI_H

/* scratchbuild inspect IMAGE.tar [--json] */
int sb_cmd_inspect(int argc, char **argv);

/* scratchbuild diff A.tar B.tar [--mtime] */
int sb_cmd_diff(int argc, char **argv);

#endif
