/* The Dockerfile lexer (see lexer.h). Generated into lexer.c by re2c.
 *
 * Every scanner works on a half-open range [p, end) through re2c's custom
 * input API: reading at or past `end` yields a virtual NUL, so a rule for
 * "\x00" tells a real NUL byte (p <= end after it) from the end of input.
 */
#include "lexer/lexer.h"

#include <string.h>

#define YYPEEK()    (p < end ? (unsigned char)*p : 0)
#define YYSKIP()    (++p)
#define YYBACKUP()  (m = p)
#define YYRESTORE() (p = m)

/*!re2c
	re2c:api = custom;
	re2c:define:YYCTYPE = "unsigned char";
	re2c:yyfill:enable = 0;

	// Go's unicode.IsSpace, UTF-8 encoded.
	uspace = [\t\n\v\f\r ] | "\xc2\x85" | "\xc2\xa0" | "\xe1\x9a\x80"
	       | "\xe2\x80" [\x80-\x8a\xa8\xa9\xaf] | "\xe2\x81\x9f" | "\xe3\x80\x80";
	// Go regexp's \s.
	gs = [\t\n\f\r ];
	bom = "\xef\xbb\xbf";
*/

void lx_init(struct lexer *lx, const char *buf, size_t len)
{
	lx->buf = buf;
	lx->len = len;
	lx->cur = 0;
	lx->lineno = 0;
}

int lx_next_line(struct lexer *lx, struct lx_line *line)
{
	const char *p = lx->buf + lx->cur, *end = lx->buf + lx->len, *m = p;
	const char *text = p;

	if (p >= end)
		return 0;
	line->bol = lx->cur;
	if (lx->cur == 0) {
		/*!re2c
			bom { text = p; goto scan; }
			*   { p = text; goto scan; }
		*/
	}
scan:
	for (;;) {
		/*!re2c
			[^\n\x00]+ { continue; }
			"\x00"     { if (p > end) { p = end; goto eol; } continue; }
			"\n"       { goto eol; }
		*/
	}
eol:
	/* p is past the "\n", or at end when the last line has none. */
	line->lineno = ++lx->lineno;
	line->start = (size_t)(text - lx->buf);
	lx->cur = (size_t)(p - lx->buf);
	if (p > text && p[-1] == '\n')
		p--;
	if (p > text && p[-1] == '\r')
		p--;
	line->end = (size_t)(p - lx->buf);
	(void)m;
	return 1;
}

size_t lx_space(const char *p, const char *end)
{
	const char *start = p, *m = p;

	/*!re2c
		uspace { return (size_t)(p - start); }
		*      { (void)m; return 0; }
	*/
}

const char *lx_skip_space(const char *p, const char *end)
{
	size_t n;

	while (p < end && (n = lx_space(p, end)) > 0)
		p += n;
	return p;
}

const char *lx_trim_right(const char *p, const char *end)
{
	/* Scan forward (UTF-8 cannot be scanned backwards by the rules above):
	 * remember where the last run of white space started. */
	const char *last = end;

	while (p < end) {
		size_t n = lx_space(p, end);

		if (n) {
			if (last == end)
				last = p;
			p += n;
		} else {
			last = end;
			p++;
		}
	}
	return last;
}

int lx_is_blank(char c)
{
	return c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == ' ';
}

int lx_directive(const char *p, const char *end, struct lx_directive *d)
{
	const char *m = p, *v, *vend;

	/*!re2c
		"#" gs* { goto key; }
		*       { return 0; }
	*/
key:
	d->key = p;
	/*!re2c
		[a-zA-Z][a-zA-Z0-9]* { goto eq; }
		*                    { return 0; }
	*/
eq:
	d->key_len = (size_t)(p - d->key);
	/*!re2c
		gs* "=" { goto value; }
		*       { return 0; }
	*/
value:
	/* `\s*(.+?)\s*$`: the value is the rest trimmed of \s on both sides, but
	 * never empty: when the rest is all \s, the regexp gives its last byte. */
	if (p >= end)
		return 0;
	v = p;
	vend = end;
	while (v < end && memchr("\t\n\f\r ", *v, 5))
		v++;
	while (vend > v && memchr("\t\n\f\r ", vend[-1], 5))
		vend--;
	if (v == vend)
		v = end - 1, vend = end;
	d->value = v;
	d->value_len = (size_t)(vend - v);
	(void)m;
	return 1;
}

const char *lx_continuation(const char *p, const char *end, char escape)
{
	/* BuildKit's `([^E])E[ \t]*$|^E[ \t]*$` for the escape E: an escape
	 * that is itself escaped ends the line ("a\\" is complete). Go's regexp
	 * has no look-behind, so BuildKit looks at one byte only: three escapes
	 * at the end are not a continuation either (Docker 20.10 agrees). */
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end > p && end[-1] == escape && (end - 1 == p || end[-2] != escape))
		return end - 1;
	return NULL;
}
