/* How the command line shows what the library hands it: an error, on
 * standard error, a mistake on the command line, and a file's mode, as ls(1)
 * writes it, and a size in bytes. Shared by the build (main.c), parse, inspect,
 * diff, push and --explain. */
#ifndef SB_CLI_PRINT_H
#define SB_CLI_PRINT_H

#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

/* How sb_print_error starts its message. */
enum sb_print_who {
	SB_WHO_ALWAYS,	    /* "scratchbuild inspect: <error>" */
	SB_WHO_UNLESS_FILE, /* an error about a file starts with its name, as a
			       compiler's does ("Dockerfile:3:8: ..."); any other
			       with "<who>: " */
};

/* Prints err on standard error as sb_error_format writes it (source line,
 * caret and hint included), after "<who>: " as `how` says; "<who>: out of
 * memory" when it cannot be formatted. */
void sb_print_error(const char *who, enum sb_print_who how, const struct sb_error *err);

/* Prints a mistake on the command line of the build or of scratchbuild parse
 * on standard error, as written: "scratchbuild: <fmt...>", then the hint that
 * --help shows the usage. */
void sb_print_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "-rwxr-xr-x": the type letter ('-', 'd', 'l', 'h', 'c', 'b' or 'p'), then
 * the permission bits of mode, setuid, setgid and sticky as ls(1) shows them
 * ('s'/'S', 't'/'T'), and a NUL. */
void sb_mode_string(char type, uint32_t mode, char out[11]);

/* n bytes as the progress lines show them, in buf of len bytes: "512 B",
 * "1.5 KiB", "12.0 MiB", "1.25 GiB". */
void sb_size_string(uint64_t n, char *buf, size_t len);

#endif
