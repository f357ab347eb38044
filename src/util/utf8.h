/* UTF-8 decoding with Go's rules, which is what BuildKit's behaviour follows. */
#ifndef SB_UTF8_H
#define SB_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define SB_RUNE_ERROR 0xFFFDu

/* Decodes one rune from s (len > 0 bytes) like Go's utf8.DecodeRuneInString:
 * an invalid, truncated or overlong sequence, or a surrogate, decodes as
 * SB_RUNE_ERROR with *width 1. A real U+FFFD has *width 3. */
uint32_t sb_utf8_decode(const char *s, size_t len, size_t *width);

#endif
