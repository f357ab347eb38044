/* Errors that a person can act on: where, what, and what to do.
 *
 * Library code never prints. A failing function records what went wrong in the
 * caller's `struct sb_error` and returns -1; only main() formats and prints it.
 */
#ifndef SB_ERROR_H
#define SB_ERROR_H

#include <stdarg.h>
#include <stddef.h>

/* A Dockerfile (or any text we report positions in), held in memory. */
struct sb_src {
	char *name; /* as shown in messages, e.g. "Dockerfile"; owned */
	char *buf;  /* the whole file, NUL-terminated after len; owned */
	size_t len;
};

/* A position in a struct sb_src. line and col are 1-based; col counts bytes.
 * off is the byte offset into sb_src.buf. line == 0 means "no position". */
struct sb_pos {
	unsigned line;
	unsigned col;
	size_t off;
};

struct sb_error {
	char *file;	    /* file the error is about, or NULL; owned */
	unsigned line, col; /* 1-based; 0 when unknown */
	char *source_line;  /* copy of the offending physical line, or NULL; owned */
	char *msg;	    /* what is wrong; owned */
	char *hint;	    /* what to do about it, or NULL; owned */
};

/* Records a message without a position. Replaces any earlier error. Returns -1. */
int sb_errorf(struct sb_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records a message at pos in src (file name, line, column, and a copy of the
 * source line for the caret display). Returns -1. */
int sb_error_at(struct sb_error *err, const struct sb_src *src, struct sb_pos pos, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

/* Records a message about a file without a line (e.g. "context/serve: No such file").
 * Returns -1. */
int sb_error_file(struct sb_error *err, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets the "what to do" line of the recorded error. Returns -1. */
int sb_error_hint(struct sb_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefixes the recorded message with "prefix: ". Returns -1. */
int sb_error_prefix(struct sb_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Formats the error for a terminal:
 *
 *     Dockerfile:4:8: EXPOSE: "http" is not a port
 *         4 | EXPOSE http
 *           |        ^
 *     hint: write a port number such as 8080, 8080/udp or 8000-8010
 *
 * Returns a string you own (free(3)), or NULL when out of memory. */
char *sb_error_format(const struct sb_error *err);

/* Frees what the error holds and resets it to empty; the struct stays usable. */
void sb_error_release(struct sb_error *err);

/* Computes the position of byte offset off in src. */
struct sb_pos sb_pos_at(const struct sb_src *src, size_t off);

#endif
