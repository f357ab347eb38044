#include "util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Go's unicode.IsPrint for the code points that matter in practice: controls,
 * C1 controls, the soft hyphen, line/paragraph separators, BOM and
 * non-characters are not printable. */
int sb_rune_isprint(uint32_t r)
{
	if (r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0xa0) || r == 0xad)
		return 0;
	/* Space separators other than ASCII space are not printable in Go. */
	if (r == 0x1680 || (r >= 0x2000 && r <= 0x200a) || r == 0x202f || r == 0x205f ||
	    r == 0x3000)
		return 0;
	if (r == 0x2028 || r == 0x2029 || r == 0xfeff || (r >= 0xfff9 && r <= 0xfffb))
		return 0;
	/* Format characters (Cf): zero-width ones and the bidirectional
	 * controls, which can make text read otherwise than it is. */
	if ((r >= 0x600 && r <= 0x605) || r == 0x61c || r == 0x6dd || r == 0x70f || r == 0x180e ||
	    (r >= 0x200b && r <= 0x200f) || (r >= 0x202a && r <= 0x202e) ||
	    (r >= 0x2060 && r <= 0x2064) || (r >= 0x2066 && r <= 0x206f) ||
	    (r >= 0xe0000 && r <= 0xe007f))
		return 0;
	if ((r & 0xfffe) == 0xfffe || (r >= 0xfdd0 && r <= 0xfdef))
		return 0;
	if (r >= 0xe000 && r <= 0xf8ff) /* private use */
		return 0;
	if (r >= 0xf0000)
		return 0;
	return 1;
}

int sb_utf8_needs_quote(const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		size_t len;
		uint32_t r = sb_utf8_decode(s, n, &len);

		if ((r == SB_RUNE_ERROR && len == 1) || !sb_rune_isprint(r))
			return 1;
		s += len;
		n -= len;
	}
	return 0;
}

int sb_utf8_add_shown(struct sb_buf *b, const char *s)
{
	return sb_utf8_needs_quote(s) ? sb_utf8_quote(b, s) : sb_buf_adds(b, s);
}

void sb_utf8_put_shown(FILE *f, const char *s)
{
	struct sb_buf b = {0};

	if (!sb_utf8_needs_quote(s))
		fputs(s, f);
	else if (sb_utf8_quote(&b, s) == 0 && b.buf)
		fputs(b.buf, f);
	else
		fputs("\"?\"", f); /* out of memory */
	free(b.buf);
}

int sb_utf8_quote(struct sb_buf *b, const char *s)
{
	return sb_utf8_quote_n(b, s, strlen(s));
}

int sb_utf8_quote_n(struct sb_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	int rc = sb_buf_addc(b, '"');

	while (n > 0 && rc == 0) {
		size_t len;
		uint32_t r = sb_utf8_decode((const char *)p, n, &len);

		if (r == SB_RUNE_ERROR && len == 1) {
			rc = sb_buf_addf(b, "\\x%02x", p[0]);
			p++, n--;
			continue;
		}
		switch (r) {
		case '"':
			rc = sb_buf_adds(b, "\\\"");
			break;
		case '\\':
			rc = sb_buf_adds(b, "\\\\");
			break;
		case '\a':
			rc = sb_buf_adds(b, "\\a");
			break;
		case '\b':
			rc = sb_buf_adds(b, "\\b");
			break;
		case '\f':
			rc = sb_buf_adds(b, "\\f");
			break;
		case '\n':
			rc = sb_buf_adds(b, "\\n");
			break;
		case '\r':
			rc = sb_buf_adds(b, "\\r");
			break;
		case '\t':
			rc = sb_buf_adds(b, "\\t");
			break;
		case '\v':
			rc = sb_buf_adds(b, "\\v");
			break;
		default:
			if (sb_rune_isprint(r))
				rc = sb_buf_add(b, p, len);
			else if (r < 0x20 || r == 0x7f)
				rc = sb_buf_addf(b, "\\x%02x", (unsigned)r);
			else if (r < 0x10000)
				rc = sb_buf_addf(b, "\\u%04x", (unsigned)r);
			else
				rc = sb_buf_addf(b, "\\U%08x", (unsigned)r);
		}
		p += len, n -= len;
	}
	return rc ? rc : sb_buf_addc(b, '"');
}
