/* SHA-256 digests as images name them: "sha256:<64 lower-case hex digits>".
 * Shared by the writer, which names what it computed, and the reader, which
 * checks names against bytes. */
#ifndef SB_DIGEST_H
#define SB_DIGEST_H

#include "util/sha256.h"

#include <stdbool.h>
#include <stddef.h>

#define DG_HEX_LEN    64 /* hex digits of a SHA-256 */
#define DG_STRING_LEN 71 /* "sha256:" + 64 hex digits */

/* d as 64 lower-case hex digits and a NUL. */
void dg_hex(const unsigned char d[SB_SHA256_BYTES], char out[DG_HEX_LEN + 1]);

/* d as "sha256:<hex>" and a NUL. */
void dg_string(const unsigned char d[SB_SHA256_BYTES], char out[DG_STRING_LEN + 1]);

/* True when s[0..n) is exactly 64 lower-case hex digits. */
bool dg_is_hex64(const char *s, size_t n);

#endif
