#include "interp/golang.h"

#include <stdint.h>
#include <string.h>

/* Decodes one UTF-8 sequence at s (n bytes left). Returns its length and sets
 * *r, or returns 0 for an invalid sequence (Go then writes the byte as \xHH). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *r)
{
	size_t len;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*r = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		len = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, c = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*r = c;
	return len;
}

/* Go's unicode.IsPrint for the code points that matter in practice: controls,
 * C1 controls, the soft hyphen, line/paragraph separators, BOM and
 * non-characters are not printable. */
static int go_isprint(uint32_t r)
{
	if (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xad)
		return 0;
	if (r == 0x2028 || r == 0x2029 || r == 0xfeff || (r >= 0xfff9 && r <= 0xfffb))
		return 0;
	if ((r & 0xfffe) == 0xfffe || (r >= 0xfdd0 && r <= 0xfdef))
		return 0;
	if (r >= 0xe000 && r <= 0xf8ff) /* private use */
		return 0;
	if (r >= 0xf0000)
		return 0;
	return 1;
}

int go_quote(struct sb_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	int rc = sb_buf_addc(b, '"');

	while (n > 0 && rc == 0) {
		uint32_t r;
		size_t len = utf8_decode(p, n, &r);

		if (len == 0) {
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
			if (go_isprint(r))
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

int go_quote_list(struct sb_buf *b, char *const *v)
{
	int rc = sb_buf_addc(b, '[');

	for (size_t i = 0; v && v[i] && rc == 0; i++) {
		if (i > 0)
			rc = sb_buf_addc(b, ' ');
		if (rc == 0)
			rc = go_quote(b, v[i]);
	}
	return rc ? rc : sb_buf_addc(b, ']');
}
