#include "util/sha256.h"

#ifdef SB_SHA256_OPENSSL
/* The SHA256_* calls are deprecated in OpenSSL 3 in favour of EVP, which
 * allocates; these need no allocation and run the same code. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
typedef SHA256_CTX state_t;
#define INIT(s)		SHA256_Init(s)
#define UPDATE(s, p, n) SHA256_Update(s, p, n)
#define FINAL(s, out)	SHA256_Final(out, s)
#define IMPL		"openssl"
#else
#include <sodium.h>
typedef crypto_hash_sha256_state state_t;
#define INIT(s)		crypto_hash_sha256_init(s)
#define UPDATE(s, p, n) crypto_hash_sha256_update(s, (const unsigned char *)(p), n)
#define FINAL(s, out)	crypto_hash_sha256_final(s, out)
#define IMPL		"libsodium"
#endif

_Static_assert(sizeof(state_t) <= sizeof(((struct sb_sha256 *)0)->state),
	       "struct sb_sha256 is too small for the library's state");

void sb_sha256_init(struct sb_sha256 *h)
{
	INIT((state_t *)h->state);
}

void sb_sha256_update(struct sb_sha256 *h, const void *p, size_t n)
{
	UPDATE((state_t *)h->state, p, n);
}

void sb_sha256_final(struct sb_sha256 *h, unsigned char out[SB_SHA256_BYTES])
{
	FINAL((state_t *)h->state, out);
}

void sb_sha256(const void *p, size_t n, unsigned char out[SB_SHA256_BYTES])
{
	struct sb_sha256 h;

	sb_sha256_init(&h);
	sb_sha256_update(&h, p, n);
	sb_sha256_final(&h, out);
}

const char *sb_sha256_impl(void)
{
	return IMPL;
}
