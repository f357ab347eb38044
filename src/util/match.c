/* Go's filepath.Match, re-implemented from its documented grammar and
 * behaviour (chunks of single-character operators separated by stars; a star
 * never crosses '/'). */
#include "util/match.h"
#include "util/mem.h"
#include "util/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct str {
	const char *p;
	size_t n;
};

static void adv(struct str *s, size_t k)
{
	s->p += k;
	s->n -= k;
}

/* scanChunk: an optional run of stars, then everything up to the next star
 * outside a class. */
static void scan_chunk(struct str *pat, bool *star, struct str *chunk)
{
	bool inrange = false;
	size_t i;

	*star = false;
	while (pat->n > 0 && pat->p[0] == '*') {
		adv(pat, 1);
		*star = true;
	}
	for (i = 0; i < pat->n; i++) {
		char ch = pat->p[i];

		if (ch == '\\') {
			if (i + 1 < pat->n)
				i++;
		} else if (ch == '[') {
			inrange = true;
		} else if (ch == ']') {
			inrange = false;
		} else if (ch == '*' && !inrange) {
			break;
		}
	}
	chunk->p = pat->p;
	chunk->n = i;
	adv(pat, i);
}

/* getEsc: one possibly escaped character of a class. Returns 0 or -1. */
static int get_esc(struct str *chunk, uint32_t *r)
{
	size_t w;

	if (chunk->n == 0 || chunk->p[0] == '-' || chunk->p[0] == ']')
		return -1;
	if (chunk->p[0] == '\\') {
		adv(chunk, 1);
		if (chunk->n == 0)
			return -1;
	}
	*r = sb_utf8_decode(chunk->p, chunk->n, &w);
	if (*r == SB_RUNE_ERROR && w == 1)
		return -1;
	adv(chunk, w);
	if (chunk->n == 0)
		return -1;
	return 0;
}

/* matchChunk: does chunk match a prefix of s? On a match *rest is what is
 * left of s. After a mismatch the chunk is still parsed to its end so that
 * syntax errors are always reported. Returns 1, 0, or -1 (bad pattern). */
static int match_chunk(struct str chunk, struct str s, struct str *rest)
{
	bool failed = false;

	while (chunk.n > 0) {
		if (!failed && s.n == 0)
			failed = true;
		switch (chunk.p[0]) {
		case '[': {
			uint32_t r = 0, lo, hi;
			bool negated = false, match = false;
			size_t nrange = 0, w;

			if (!failed) {
				r = sb_utf8_decode(s.p, s.n, &w);
				adv(&s, w);
			}
			adv(&chunk, 1);
			if (chunk.n > 0 && chunk.p[0] == '^') {
				negated = true;
				adv(&chunk, 1);
			}
			for (;;) {
				if (chunk.n > 0 && chunk.p[0] == ']' && nrange > 0) {
					adv(&chunk, 1);
					break;
				}
				if (get_esc(&chunk, &lo) < 0)
					return -1;
				hi = lo;
				if (chunk.p[0] == '-') {
					adv(&chunk, 1);
					if (get_esc(&chunk, &hi) < 0)
						return -1;
				}
				if (lo <= r && r <= hi)
					match = true;
				nrange++;
			}
			if (match == negated)
				failed = true;
			break;
		}
		case '?':
			if (!failed) {
				size_t w;

				if (s.p[0] == '/')
					failed = true;
				sb_utf8_decode(s.p, s.n, &w);
				adv(&s, w);
			}
			adv(&chunk, 1);
			break;
		case '\\':
			adv(&chunk, 1);
			if (chunk.n == 0)
				return -1;
			/* fall through */
		default:
			if (!failed) {
				if (chunk.p[0] != s.p[0])
					failed = true;
				adv(&s, 1);
			}
			adv(&chunk, 1);
			break;
		}
	}
	if (failed)
		return 0;
	*rest = s;
	return 1;
}

static int bad_pattern(struct sb_error *err, const char *pattern)
{
	if (err) {
		sb_errorf(err, "syntax error in pattern \"%s\"", pattern);
		sb_error_hint(err, "close every '[' with ']', write ranges as a-z, and end the "
				   "pattern with something other than '\\'");
	}
	return -1;
}

int match_glob(const char *pattern, const char *name, struct sb_error *err)
{
	struct str pat = {pattern, strlen(pattern)};
	struct str nm = {name, strlen(name)};

	while (pat.n > 0) {
		struct str chunk, t;
		bool star;
		int rc;

		scan_chunk(&pat, &star, &chunk);
		if (star && chunk.n == 0)
			return memchr(nm.p, '/', nm.n) ? 0 : 1;
		rc = match_chunk(chunk, nm, &t);
		if (rc > 0 && (t.n == 0 || pat.n > 0)) {
			nm = t;
			continue;
		}
		if (rc < 0)
			return bad_pattern(err, pattern);
		if (star) {
			bool found = false;

			for (size_t i = 0; i < nm.n && nm.p[i] != '/'; i++) {
				struct str sub = {nm.p + i + 1, nm.n - i - 1};

				rc = match_chunk(chunk, sub, &t);
				if (rc > 0) {
					if (pat.n == 0 && t.n > 0)
						continue;
					nm = t;
					found = true;
					break;
				}
				if (rc < 0)
					return bad_pattern(err, pattern);
			}
			if (found)
				continue;
		}
		/* No match: still check the rest of the pattern's syntax. */
		while (pat.n > 0) {
			struct str empty = {"", 0};

			scan_chunk(&pat, &star, &chunk);
			if (match_chunk(chunk, empty, &t) < 0)
				return bad_pattern(err, pattern);
		}
		return 0;
	}
	return nm.n == 0 ? 1 : 0;
}

int match_validate(const char *pattern, struct sb_error *err)
{
	return match_glob(pattern, ".", err) < 0 ? -1 : 0;
}

bool match_has_meta(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

bool match_has_wildcards(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\') {
			if (!s[1])
				break;
			s++;
		} else if (*s == '*' || *s == '?' || *s == '[') {
			return true;
		}
	}
	return false;
}

char *match_clean(const char *path)
{
	size_t n = strlen(path), r = 0, w = 0, dotdot = 0;
	bool rooted = n > 0 && path[0] == '/';
	char *out = malloc(n + 2);

	if (!out)
		return NULL;
	if (rooted) {
		out[w++] = '/';
		r = dotdot = 1;
	}
	while (r < n) {
		if (path[r] == '/') {
			r++;
		} else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
			r++;
		} else if (path[r] == '.' && path[r + 1] == '.' &&
			   (r + 2 == n || path[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				/* back up to the previous '/' */
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			for (; r < n && path[r] != '/'; r++)
				out[w++] = path[r];
		}
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = '\0';
	return out;
}

char *match_clean_rooted(const char *path)
{
	char *rooted = sb_printf("/%s", path);
	char *clean = rooted ? match_clean(rooted) : NULL;

	free(rooted);
	if (clean) /* "/..." with the '/' dropped */
		memmove(clean, clean + 1, strlen(clean));
	return clean;
}
