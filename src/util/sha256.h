/* SHA-256, from libsodium (the default) or from OpenSSL's libcrypto, which
 * uses the CPU's SHA extensions (meson -Dsha256=openssl). */
#ifndef SB_SHA256_H
#define SB_SHA256_H

#include <stddef.h>

#define SB_SHA256_BYTES 32

/* The running state; room for either library's, no allocation. */
struct sb_sha256 {
	_Alignas(16) unsigned char state[128];
};

void sb_sha256_init(struct sb_sha256 *h);
void sb_sha256_update(struct sb_sha256 *h, const void *p, size_t n);
void sb_sha256_final(struct sb_sha256 *h, unsigned char out[SB_SHA256_BYTES]);

/* The digest of p[0..n) in one call. */
void sb_sha256(const void *p, size_t n, unsigned char out[SB_SHA256_BYTES]);

/* "libsodium" or "openssl": which one this build uses. */
const char *sb_sha256_impl(void);

#endif
