#include "interp/golang.h"
#include "util/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int go_quote_list(struct sb_buf *b, char *const *v)
{
	int rc = sb_buf_addc(b, '[');

	for (size_t i = 0; v && v[i] && rc == 0; i++) {
		if (i > 0)
			rc = sb_buf_addc(b, ' ');
		if (rc == 0)
			rc = sb_utf8_quote(b, v[i]);
	}
	return rc ? rc : sb_buf_addc(b, ']');
}

int go_list(struct sb_buf *b, char *const *v)
{
	int rc = sb_buf_addc(b, '[');

	for (size_t i = 0; v && v[i] && rc == 0; i++)
		rc = sb_buf_addf(b, "%s%s", i ? " " : "", v[i]);
	return rc ? rc : sb_buf_addc(b, ']');
}

int go_quote_rune(struct sb_buf *b, uint32_t r)
{
	switch (r) {
	case '\'':
		return sb_buf_adds(b, "'\\''");
	case '\\':
		return sb_buf_adds(b, "'\\\\'");
	case '\a':
		return sb_buf_adds(b, "'\\a'");
	case '\b':
		return sb_buf_adds(b, "'\\b'");
	case '\f':
		return sb_buf_adds(b, "'\\f'");
	case '\n':
		return sb_buf_adds(b, "'\\n'");
	case '\r':
		return sb_buf_adds(b, "'\\r'");
	case '\t':
		return sb_buf_adds(b, "'\\t'");
	case '\v':
		return sb_buf_adds(b, "'\\v'");
	}
	if (r < 0x20 || r == 0x7f)
		return sb_buf_addf(b, "'\\x%02x'", (unsigned)r);
	if (r < 0x80)
		return sb_buf_addf(b, "'%c'", (char)r);
	if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
		return sb_buf_adds(b, "'\xef\xbf\xbd'");
	if (!sb_rune_isprint(r))
		return r < 0x10000 ? sb_buf_addf(b, "'\\u%04x'", (unsigned)r)
				   : sb_buf_addf(b, "'\\U%08x'", (unsigned)r);
	{
		char u[5];
		size_t n;

		if (r < 0x800) {
			u[0] = (char)(0xc0 | (r >> 6));
			u[1] = (char)(0x80 | (r & 0x3f));
			n = 2;
		} else if (r < 0x10000) {
			u[0] = (char)(0xe0 | (r >> 12));
			u[1] = (char)(0x80 | ((r >> 6) & 0x3f));
			u[2] = (char)(0x80 | (r & 0x3f));
			n = 3;
		} else {
			u[0] = (char)(0xf0 | (r >> 18));
			u[1] = (char)(0x80 | ((r >> 12) & 0x3f));
			u[2] = (char)(0x80 | ((r >> 6) & 0x3f));
			u[3] = (char)(0x80 | (r & 0x3f));
			n = 4;
		}
		u[n] = '\0';
		return sb_buf_addf(b, "'%s'", u);
	}
}

/* duration := [-+]? ( number unit )+ | "0"
 * number   := digits [ "." digits ] | "." digits
 * unit     := "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "h" */
int go_parse_duration(const char *s, int64_t *ns)
{
	static const struct {
		const char *name;
		int64_t scale;
	} units[] = {
	    {"ns", 1},
	    {"us", 1000},
	    {"\xc2\xb5s", 1000},
	    {"\xce\xbcs", 1000},
	    {"ms", 1000000},
	    {"s", 1000000000},
	    {"m", 60 * (int64_t)1000000000},
	    {"h", 3600 * (int64_t)1000000000},
	};
	long double total = 0;
	int neg = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	if (!*s)
		return -1;
	while (*s) {
		long double v = 0, frac = 0, scale = 1;
		int digits = 0;
		size_t best = 0, bestlen = 0;

		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (*s++ - '0');
			digits++;
		}
		if (*s == '.') {
			s++;
			while (*s >= '0' && *s <= '9') {
				scale /= 10;
				frac += (*s++ - '0') * scale;
				digits++;
			}
		}
		if (!digits)
			return -1;
		for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
			size_t l = strlen(units[u].name);

			if (!strncmp(s, units[u].name, l) && l > bestlen)
				best = u, bestlen = l;
		}
		if (!bestlen)
			return -1;
		s += bestlen;
		total += (v + frac) * (long double)units[best].scale;
		if (total > (long double)INT64_MAX)
			return -1;
	}
	*ns = (int64_t)(neg ? -total : total);
	return 0;
}

/* Appends v / 10^digits with the fraction's trailing zeros dropped. */
static int add_fixed(struct sb_buf *b, uint64_t v, int digits)
{
	uint64_t div = 1;
	char frac[24];
	int n;

	for (int i = 0; i < digits; i++)
		div *= 10;
	n = snprintf(frac, sizeof(frac), "%0*llu", digits, (unsigned long long)(v % div));
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	return n ? sb_buf_addf(b, "%llu.%s", (unsigned long long)(v / div), frac)
		 : sb_buf_addf(b, "%llu", (unsigned long long)(v / div));
}

int go_format_duration(struct sb_buf *b, int64_t ns)
{
	uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	int rc = ns < 0 ? sb_buf_addc(b, '-') : 0;

	if (rc)
		return rc;
	if (u == 0)
		return sb_buf_adds(b, "0s");
	if (u < 1000)
		return sb_buf_addf(b, "%lluns", (unsigned long long)u);
	if (u < 1000000)
		return add_fixed(b, u, 3) ? -1 : sb_buf_adds(b, "\xc2\xb5s");
	if (u < 1000000000)
		return add_fixed(b, u, 6) ? -1 : sb_buf_adds(b, "ms");
	if (u >= 3600ull * 1000000000) {
		rc = sb_buf_addf(b, "%lluh", (unsigned long long)(u / (3600ull * 1000000000)));
		u %= 3600ull * 1000000000;
		rc = rc ? rc
			: sb_buf_addf(b, "%llum", (unsigned long long)(u / (60ull * 1000000000)));
		u %= 60ull * 1000000000;
	} else if (u >= 60ull * 1000000000) {
		rc = sb_buf_addf(b, "%llum", (unsigned long long)(u / (60ull * 1000000000)));
		u %= 60ull * 1000000000;
	}
	if (rc)
		return rc;
	return add_fixed(b, u, 9) ? -1 : sb_buf_addc(b, 's');
}
