/* DEFLATE by tar record (see recdeflate.h). The stream is a sequence of
 * blocks, one per run of records of the same kind:
 *
 *   random-looking run  -> stored blocks (at most 65,535 bytes each)
 *   other run           -> one block in the fixed Huffman codes: greedy
 *                          LZ77 matches and literals, then end-of-block
 *
 * and the last block is marked final. */
#include "util/recdeflate.h"

#include <string.h>

#define MIN_MATCH  4u /* what the hash looks at; DEFLATE allows 3 */
#define MAX_MATCH  258u
#define WINDOW	   32768u
#define STORED_MAX 65535u
#define NOISY	   200u /* distinct byte values in a record */

/* The fixed Huffman codes (RFC 1951 3.2.6), bit-reversed to be written
 * least significant bit first as DEFLATE's bit order wants. */
struct codes {
	uint16_t lit[288];
	uint8_t lit_len[288];
	uint8_t dist[30];
};

struct bits {
	unsigned char *p, *end;
	uint64_t buf;
	unsigned n;
	int full; /* out of room */
};

static uint32_t reverse(uint32_t code, unsigned len)
{
	uint32_t r = 0;

	for (unsigned i = 0; i < len; i++, code >>= 1)
		r = (r << 1) | (code & 1u);
	return r;
}

static void fixed_codes(struct codes *c)
{
	for (unsigned s = 0; s < 288; s++) {
		uint32_t code;
		unsigned len;

		if (s < 144)
			code = 0x30 + s, len = 8;
		else if (s < 256)
			code = 0x190 + (s - 144), len = 9;
		else if (s < 280)
			code = s - 256, len = 7;
		else
			code = 0xc0 + (s - 280), len = 8;
		c->lit[s] = (uint16_t)reverse(code, len);
		c->lit_len[s] = (uint8_t)len;
	}
	for (unsigned d = 0; d < 30; d++)
		c->dist[d] = (uint8_t)reverse(d, 5);
}

/* Adds the low nb (at most 32) bits of v. */
static void put(struct bits *b, uint32_t v, unsigned nb)
{
	b->buf |= (uint64_t)v << b->n;
	b->n += nb;
	if (b->n < 32)
		return;
	if (b->end - b->p < 4) {
		b->full = 1;
		b->p = b->end;
	} else {
		for (unsigned i = 0; i < 4; i++)
			*b->p++ = (unsigned char)(b->buf >> (8 * i));
	}
	b->buf >>= 32;
	b->n -= 32;
}

/* Pads with zero bits to the next byte and writes out what is held. */
static void align(struct bits *b)
{
	while (b->n > 0) {
		if (b->p == b->end)
			b->full = 1;
		else
			*b->p++ = (unsigned char)b->buf;
		b->buf >>= 8;
		b->n = b->n > 8 ? b->n - 8 : 0;
	}
}

static void put_bytes(struct bits *b, const unsigned char *p, size_t n)
{
	if ((size_t)(b->end - b->p) < n) {
		b->full = 1;
		b->p = b->end;
		return;
	}
	memcpy(b->p, p, n);
	b->p += n;
}

static void put_literal(struct bits *b, const struct codes *c, unsigned char v)
{
	put(b, c->lit[v], c->lit_len[v]);
}

/* A match of len (MIN_MATCH..MAX_MATCH) bytes, dist (1..WINDOW) back. */
static void put_match(struct bits *b, const struct codes *c, unsigned len, unsigned dist)
{
	unsigned x = len - 3, sym, extra = 0, nb;

	if (len == MAX_MATCH) {
		sym = 285;
	} else if (x < 8) {
		sym = 257 + x;
	} else {
		nb = 31u - (unsigned)__builtin_clz(x); /* x >= 8: nb >= 3 */
		sym = 257 + 4 * (nb - 1) + ((x >> (nb - 2)) & 3u);
		extra = nb - 2;
		x &= (1u << extra) - 1;
	}
	put(b, c->lit[sym], c->lit_len[sym]);
	if (extra)
		put(b, x, extra);
	x = dist - 1;
	if (x < 4) {
		put(b, c->dist[x], 5);
		return;
	}
	nb = 31u - (unsigned)__builtin_clz(x); /* x >= 4: nb >= 2 */
	put(b, c->dist[2 * nb + ((x >> (nb - 1)) & 1u)], 5);
	put(b, x & ((1u << (nb - 1)) - 1), nb - 1);
}

static uint32_t hash4(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return (v * 2654435761u) >> (32 - RD_HASH_BITS);
}

/* Remembers position i of in (which has MIN_MATCH bytes from i on). */
static void insert(struct rd_state *s, const unsigned char *in, size_t i)
{
	s->head[hash4(in + i)] = (int32_t)i;
}

/* One block in the fixed codes for in[a, e). */
static void put_fixed(struct rd_state *s, struct bits *b, const struct codes *c,
		      const unsigned char *in, size_t a, size_t e, int final)
{
	size_t i = a;

	put(b, final ? 1u : 0u, 1);
	put(b, 1, 2);
	while (i < e) {
		size_t len = 0, max = e - i < MAX_MATCH ? e - i : MAX_MATCH;
		int32_t cand = -1;

		if (max >= MIN_MATCH) {
			uint32_t h = hash4(in + i);

			cand = s->head[h];
			s->head[h] = (int32_t)i;
		}
		if (cand >= 0 && i - (size_t)cand <= WINDOW &&
		    memcmp(in + cand, in + i, MIN_MATCH) == 0) {
			len = MIN_MATCH;
			while (len < max && in[(size_t)cand + len] == in[i + len])
				len++;
		}
		if (!len) {
			put_literal(b, c, in[i++]);
			continue;
		}
		put_match(b, c, (unsigned)len, (unsigned)(i - (size_t)cand));
		for (size_t k = i + 1; k < i + len && k + MIN_MATCH <= e; k++)
			insert(s, in, k);
		i += len;
	}
	put(b, c->lit[256], c->lit_len[256]);
}

/* Stored blocks for in[a, e). */
static void put_stored(struct bits *b, const unsigned char *in, size_t a, size_t e, int final)
{
	do {
		size_t n = e - a < STORED_MAX ? e - a : STORED_MAX;
		unsigned char len[4] = {(unsigned char)n, (unsigned char)(n >> 8),
					(unsigned char)~n, (unsigned char)(~n >> 8)};

		put(b, final && a + n == e ? 1u : 0u, 1);
		put(b, 0, 2);
		align(b);
		put_bytes(b, len, sizeof(len));
		put_bytes(b, in + a, n);
		a += n;
	} while (a < e);
}

size_t rd_classify(const unsigned char *p, size_t len, unsigned char *cls)
{
	size_t noisy = 0;

	for (size_t r = 0; r * RD_RECORD < len; r++) {
		const unsigned char *q = p + r * RD_RECORD;
		size_t n = len - r * RD_RECORD < RD_RECORD ? len - r * RD_RECORD : RD_RECORD;
		unsigned char seen[256] = {0};
		unsigned distinct = 0;

		for (size_t i = 0; i < n; i++) {
			distinct += !seen[q[i]];
			seen[q[i]] = 1;
		}
		/* a short last record is too short to tell: it goes with the one
		 * before it */
		cls[r] = n < RD_RECORD && r > 0 ? cls[r - 1] : distinct >= NOISY;
		noisy += cls[r];
	}
	return noisy;
}

size_t rd_bound(size_t len)
{
	/* literals of 9 bits; per run of records a block's header and end or
	 * a stored block's 5 bytes and padding; a stored block per 64 KiB */
	return len + len / 8 + (len / RD_RECORD + 1) * 8 + (len / STORED_MAX + 1) * 5 + 16;
}

size_t rd_deflate(struct rd_state *s, const unsigned char *in, size_t len, const unsigned char *cls,
		  unsigned char *out, size_t cap)
{
	struct codes c;
	struct bits b = {.p = out, .end = out + cap};
	size_t a = 0;

	if (len > INT32_MAX) /* positions are kept in 32 bits */
		return 0;
	fixed_codes(&c);
	memset(s->head, 0xff, sizeof(s->head));
	if (len == 0)
		put_fixed(s, &b, &c, in, 0, 0, 1);
	while (a < len) {
		size_t r = a / RD_RECORD, e = a;

		while (e < len && cls[e / RD_RECORD] == cls[r])
			e = e + RD_RECORD < len ? e + RD_RECORD : len;
		if (cls[r])
			put_stored(&b, in, a, e, e == len);
		else
			put_fixed(s, &b, &c, in, a, e, e == len);
		a = e;
	}
	align(&b);
	return b.full ? 0 : (size_t)(b.p - out);
}
