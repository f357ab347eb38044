/* Base64 (RFC 4648, with padding), for Basic credentials and the `auth`
 * entries of Docker's config.json. */
#include "registry/parse.h"

#include <stdlib.h>
#include <string.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *reg_base64_encode(const void *p, size_t n)
{
	const unsigned char *s = p;
	char *out = malloc((n + 2) / 3 * 4 + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

char *reg_base64_decode(const char *s, size_t *n)
{
	size_t len = strlen(s), o = 0;
	unsigned v = 0, bits = 0;
	char *out = malloc(len / 4 * 3 + 4);

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		const char *at;

		if (s[i] == '=')
			break;
		at = strchr(alphabet, s[i]);
		if (!at || !s[i]) {
			free(out);
			return NULL;
		}
		v = (v << 6) | (unsigned)(at - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((v >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	*n = o;
	return out;
}
