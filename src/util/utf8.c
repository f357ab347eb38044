#include "util/utf8.h"

uint32_t sb_utf8_decode(const char *str, size_t len, size_t *width)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t r;
	size_t n, i;

	*width = 1;
	if (s[0] < 0x80)
		return s[0];
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2;
		r = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3;
		r = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4;
		r = s[0] & 0x07;
	} else {
		return SB_RUNE_ERROR;
	}
	if (len < n)
		return SB_RUNE_ERROR;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return SB_RUNE_ERROR;
		r = (r << 6) | (s[i] & 0x3F);
	}
	/* overlong forms, surrogates and values past U+10FFFF */
	if ((n == 3 && r < 0x800) || (n == 4 && (r < 0x10000 || r > 0x10FFFF)) ||
	    (r >= 0xD800 && r <= 0xDFFF))
		return SB_RUNE_ERROR;
	*width = n;
	return r;
}
