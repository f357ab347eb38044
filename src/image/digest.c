#include "image/digest.h"

#include <string.h>

void dg_hex(const unsigned char d[SB_SHA256_BYTES], char out[DG_HEX_LEN + 1])
{
	static const char x[] = "0123456789abcdef";

	for (int i = 0; i < SB_SHA256_BYTES; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[DG_HEX_LEN] = '\0';
}

void dg_string(const unsigned char d[SB_SHA256_BYTES], char out[DG_STRING_LEN + 1])
{
	memcpy(out, "sha256:", 7);
	dg_hex(d, out + 7);
}

bool dg_is_hex64(const char *s, size_t n)
{
	if (n != DG_HEX_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}
