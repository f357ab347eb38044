#include "interp/golang.h"
#include "util/utf8.h"

#include <stdint.h>
#include <string.h>

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
