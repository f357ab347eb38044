/* UTF-8 decoding with Go's rules, which is what BuildKit's behaviour follows. */
#ifndef SB_UTF8_H
#define SB_UTF8_H

#include "util/mem.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SB_RUNE_ERROR 0xFFFDu

/* Decodes one rune from s (len > 0 bytes) like Go's utf8.DecodeRuneInString:
 * an invalid, truncated or overlong sequence, or a surrogate, decodes as
 * SB_RUNE_ERROR with *width 1. A real U+FFFD has *width 3. */
uint32_t sb_utf8_decode(const char *s, size_t len, size_t *width);

/* Go's unicode.IsPrint for the code points that matter in practice. */
int sb_rune_isprint(uint32_t r);

/* Whether s holds bytes that are not UTF-8 or runes Go does not print as
 * they are (controls, format characters such as the bidirectional ones):
 * text that should be quoted before it reaches a terminal. */
int sb_utf8_needs_quote(const char *s);

/* Appends s quoted as Go's strconv.Quote does ("a\"b", \n, \x01, \u00ad...).
 * Returns 0 or -1 (out of memory). */
int sb_utf8_quote(struct sb_buf *b, const char *s);

/* sb_utf8_quote for s[0..n), which may hold NUL bytes (written \x00). */
int sb_utf8_quote_n(struct sb_buf *b, const char *s, size_t n);

/* Appends s as it is, or quoted when sb_utf8_needs_quote(s): for names and
 * strings from images and contexts on their way to a terminal, so that none
 * can move the cursor, clear the screen or pass for two lines. 0 or -1. */
int sb_utf8_add_shown(struct sb_buf *b, const char *s);

/* Writes s to f as sb_utf8_add_shown() would append it. */
void sb_utf8_put_shown(FILE *f, const char *s);

#endif
