/* The Dockerfile lexer: the byte-level scanning under the parser (re2c).
 *
 * It splits the source into physical lines (LF or CRLF; a leading UTF-8 BOM is
 * skipped), recognises comment lines, parser directives and the continuation
 * marker, and measures white space the way Go's unicode.IsSpace does (BuildKit
 * trims lines with it). It allocates nothing and keeps no global state: every
 * function works on the caller's buffer and a `struct lexer` cursor.
 *
 * Ranges are half-open [p, end); none of them needs to be NUL-terminated.
 */
#ifndef SB_LEXER_H
#define SB_LEXER_H

#include <stddef.h>

/* A cursor over a whole Dockerfile. Fill it with lx_init(); it borrows buf. */
struct lexer {
	const char *buf;
	size_t len;
	size_t cur;	 /* where the next line starts */
	unsigned lineno; /* number of the line last returned */
};

/* One physical line. Offsets are into lexer.buf. */
struct lx_line {
	unsigned lineno; /* 1-based */
	size_t bol;	 /* offset of the line's first byte (the BOM, if any, on line 1) */
	size_t start;	 /* offset of the line's text (after a BOM on line 1) */
	size_t end;	 /* offset just past the text: before "\n" or "\r\n" */
};

/* Starts scanning buf[0..len). */
void lx_init(struct lexer *lx, const char *buf, size_t len);

/* Reads the next physical line into *line. Returns 1, or 0 at the end of input
 * (a final line without "\n" is still a line; an empty file has none). */
int lx_next_line(struct lexer *lx, struct lx_line *line);

/* Length in bytes of the white-space character at p, or 0 when p does not start
 * with one. White space is what Go's unicode.IsSpace accepts: \t \n \v \f \r
 * space, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F,
 * U+205F, U+3000 (UTF-8 encoded). */
size_t lx_space(const char *p, const char *end);

/* Skips white space (lx_space) forward from p; returns the first other byte. */
const char *lx_skip_space(const char *p, const char *end);

/* Strips trailing white space (lx_space) from [p, end); returns the new end. */
const char *lx_trim_right(const char *p, const char *end);

/* Nonzero when c is one of the bytes BuildKit separates an instruction's
 * keyword and whitespace-delimited arguments with: [\t\v\f\r ]. */
int lx_is_blank(char c);

/* A parser directive: `#` key `=` value, with white space allowed around each
 * (BuildKit's `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`). */
struct lx_directive {
	const char *key; /* [a-zA-Z][a-zA-Z0-9]*, as written */
	size_t key_len;
	const char *value; /* never empty; trailing white space removed */
	size_t value_len;
};

/* Matches the directive syntax against [p, end), where p is the first
 * non-white-space byte of the line. Returns 1 and fills *d, or 0. It does not
 * check that the key is one Docker knows. */
int lx_directive(const char *p, const char *end, struct lx_directive *d);

/* When [p, end) ends with the escape character followed only by spaces and
 * tabs, and that escape character is not itself preceded by one (a line
 * continuation), returns a pointer to that escape character; otherwise NULL.
 * `a\\` and `a\\\` end the line, `a\` and a lone `\` continue it. */
const char *lx_continuation(const char *p, const char *end, char escape);

#endif
