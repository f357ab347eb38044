/* Test helpers that forge tar headers, for hostile inputs. */
#ifndef SB_TEST_USTAR_H
#define SB_TEST_USTAR_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Rewrites the size field of the ustar header at hdr (512 bytes) as base-256,
 * claiming size bytes, and fixes the header's checksum. */
static inline void ustar_claim(char *hdr, uint64_t size)
{
	unsigned sum = 0;

	memset(hdr + 124, 0, 12);
	hdr[124] = (char)0x80;
	for (int i = 0; i < 8; i++)
		hdr[135 - i] = (char)(size >> (8 * i));
	memset(hdr + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)hdr[i];
	snprintf(hdr + 148, 8, "%06o", sum);
}

#endif
