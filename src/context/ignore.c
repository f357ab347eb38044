/* .dockerignore parsing and matching; see ignore.h for the semantics.
 *
 * patternmatcher turns each pattern into a regular expression; this file
 * compiles it into the same few constructs instead (literal, [^/], [^/]*,
 * (.* /)?, .*, a character class, ^) and matches them by backtracking. */
#include "context/ignore.h"
#include "util/match.h"
#include "util/mem.h"
#include "util/utf8.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_EXACT, K_PREFIX, K_SUFFIX, K_REGEX };

enum tok_type {
	T_LIT,	     /* one byte */
	T_ANY,	     /* [^/]: one rune other than '/' */
	T_STAR,	     /* [^/]*  */
	T_DSTAR,     /* (.*\/)? : nothing, or anything without '\n' ending in '/' */
	T_DSTAR_END, /* .* : anything without '\n' */
	T_CLASS,     /* [...] or [^...] */
	T_BOL,	     /* ^ outside a class: only at the start */
};

struct ignore_tok {
	enum tok_type type;
	unsigned char c;
	bool neg;
	uint32_t (*ranges)[2];
	size_t nranges;
};

#define LINE_MAX_BYTES (64 * 1024)
#define WINDOW	       5 /* sets of live states that matching keeps; see tok_match */

/* Go's unicode.IsSpace. */
static bool is_space(uint32_t r)
{
	switch (r) {
	case '\t':
	case '\n':
	case '\v':
	case '\f':
	case '\r':
	case ' ':
	case 0x85:
	case 0xA0:
	case 0x1680:
	case 0x2028:
	case 0x2029:
	case 0x202F:
	case 0x205F:
	case 0x3000:
		return true;
	default:
		return r >= 0x2000 && r <= 0x200A;
	}
}

/* strings.TrimSpace on s[0..*n): returns the new start, updates *n. */
static const char *trim_space(const char *s, size_t *n)
{
	size_t w;

	while (*n > 0) {
		uint32_t r = sb_utf8_decode(s, *n, &w);

		if (!is_space(r) || (r == 0xFFFD && w == 1))
			break;
		s += w;
		*n -= w;
	}
	while (*n > 0) {
		/* find the start of the last rune */
		size_t k = *n - 1;

		while (k > 0 && *n - k < 4 && ((unsigned char)s[k] & 0xC0) == 0x80)
			k--;
		uint32_t r = sb_utf8_decode(s + k, *n - k, &w);

		if (k + w != *n || !is_space(r) || (r == 0xFFFD && w == 1))
			break;
		*n = k;
	}
	return s;
}

static void pattern_release(struct ignore_pattern *p)
{
	for (size_t i = 0; i < p->ntok; i++)
		free(p->tok[i].ranges);
	free(p->tok);
	free(p->live);
	free(p->text);
	free(p->file);
}

struct ignore *ignore_new(void)
{
	struct ignore *ig = calloc(1, sizeof(*ig));

	if (ig)
		ig->literal_exceptions = true;
	return ig;
}

void ignore_free(struct ignore *ig)
{
	if (!ig)
		return;
	for (size_t i = 0; i < ig->n; i++)
		pattern_release(&ig->pats[i]);
	free(ig->pats);
	free(ig);
}

static int add_tok(struct ignore_pattern *p, size_t *cap, struct ignore_tok t)
{
	if (sb_grow(&p->tok, cap, p->ntok + 1, sizeof(*p->tok)) < 0)
		return -1;
	p->tok[p->ntok++] = t;
	return 0;
}

static int add_range(struct ignore_tok *t, size_t *cap, uint32_t lo, uint32_t hi)
{
	if (sb_grow(&t->ranges, cap, t->nranges + 1, sizeof(*t->ranges)) < 0)
		return -1;
	t->ranges[t->nranges][0] = lo;
	t->ranges[t->nranges][1] = hi;
	t->nranges++;
	return 0;
}

/* Error codes of compile(). */
enum { C_OK = 0, C_OOM = -1, C_ESCAPE = -2, C_CLASS = -3 };

/* One character of a class at s[*i]: an escape or a rune. */
static int class_char(const char *s, size_t n, size_t *i, uint32_t *r)
{
	size_t w;

	if (s[*i] == '\\') {
		(*i)++;
		if (isalnum((unsigned char)s[*i]))
			return C_ESCAPE;
	} else if (s[*i] == '*' || s[*i] == '?' || (s[*i] == '[' && s[*i + 1] == ':')) {
		return C_CLASS;
	}
	*r = sb_utf8_decode(s + *i, n - *i, &w);
	*i += w;
	return C_OK;
}

/* Compiles p->text the way patternmatcher's compile() does. The pattern has
 * passed match_validate, so classes are well formed. */
static int compile(struct ignore_pattern *p)
{
	const char *s = p->text;
	size_t n = strlen(s), pos = 0, cap = 0;
	enum kind kind = K_EXACT;
	int rc;

	for (size_t i = 0; pos < n; i++) {
		char ch = s[pos++];
		struct ignore_tok t = {.type = T_LIT, .c = (unsigned char)ch};

		if (ch == '*') {
			if (s[pos] == '*') {
				pos++;
				if (s[pos] == '/')
					pos++;
				if (pos == n) {
					if (kind == K_EXACT) {
						kind = K_PREFIX;
					} else {
						t.type = T_DSTAR_END;
						kind = K_REGEX;
					}
				} else {
					t.type = T_DSTAR;
					kind = K_REGEX;
				}
				if (i == 0)
					kind = K_SUFFIX;
				if (kind == K_PREFIX)
					continue;
			} else {
				t.type = T_STAR;
				kind = K_REGEX;
			}
		} else if (ch == '?') {
			t.type = T_ANY;
			kind = K_REGEX;
		} else if (ch == '\\') {
			if (pos < n) {
				if (isalnum((unsigned char)s[pos]))
					return C_ESCAPE;
				t.c = (unsigned char)s[pos++];
				kind = K_REGEX;
			}
		} else if (ch == ']') {
			kind = K_REGEX;
		} else if (ch == '^') {
			t.type = T_BOL;
		} else if (ch == '[') {
			size_t rcap = 0;

			t.type = T_CLASS;
			kind = K_REGEX;
			if (s[pos] == '^') {
				t.neg = true;
				pos++;
			}
			while (pos < n && s[pos] != ']') {
				uint32_t lo, hi;

				rc = class_char(s, n, &pos, &lo);
				hi = lo;
				if (rc == C_OK && s[pos] == '-' && s[pos + 1] != ']') {
					pos++;
					rc = class_char(s, n, &pos, &hi);
				}
				if (rc == C_OK && add_range(&t, &rcap, lo, hi) < 0)
					rc = C_OOM;
				if (rc != C_OK) {
					free(t.ranges);
					return rc;
				}
			}
			pos++; /* ']' */
		}
		if (add_tok(p, &cap, t) < 0) {
			free(t.ranges);
			return C_OOM;
		}
	}
	p->kind = kind;
	if (kind == K_REGEX) {
		p->nwords = (2 * p->ntok + 1) / 64 + 1;
		p->live = calloc(WINDOW * p->nwords, sizeof(*p->live));
		if (!p->live)
			return C_OOM;
	}
	return C_OK;
}

/* Matching runs the tokens as an automaton over the bytes of the path: the
 * live states at a position are one bit per token (about to match it), one
 * for the end, and one per token for "inside the directories of a '**'". So
 * time is O(tokens x bytes) and memory O(tokens), however many stars there
 * are, as with patternmatcher's Go regexp; backtracking took exponential
 * time ("*a*a*a*a*a*a*a*a*a*a*a*b" on a path of 60 'a's never finished). A
 * rune is up to 4 bytes, so the sets of positions pos to pos+4 are kept:
 * WINDOW sets of p->nwords words in p->live. */
static void set_state(uint64_t *set, size_t i)
{
	set[i / 64] |= (uint64_t)1 << (i % 64);
}

static bool has_state(const uint64_t *set, size_t i)
{
	return (set[i / 64] >> (i % 64)) & 1;
}

static bool tok_match(const struct ignore_pattern *p, const char *s, size_t len)
{
	size_t nt = p->ntok, nw = p->nwords, last = 0;
	uint64_t *live = p->live;

	memset(live, 0, WINDOW * nw * sizeof(*live));
	set_state(live, 0);
	for (size_t pos = 0;; pos++) {
		uint64_t *cur = live + pos % WINDOW * nw, *next = live + (pos + 1) % WINDOW * nw;

		/* Moves that consume nothing go forward only: one pass. */
		for (size_t i = 0; i < nt; i++) {
			enum tok_type ty = p->tok[i].type;

			if (!has_state(cur, i))
				continue;
			if (ty == T_STAR || ty == T_DSTAR_END || ty == T_DSTAR ||
			    (ty == T_BOL && pos == 0))
				set_state(cur, i + 1);
			if (ty == T_DSTAR)
				set_state(cur, nt + 1 + i);
		}
		if (pos == len)
			return has_state(cur, nt);
		for (size_t i = 0; i < nt; i++) {
			const struct ignore_tok *t = &p->tok[i];
			unsigned char c = (unsigned char)s[pos];
			size_t w = 1, k;
			bool in = false;
			uint32_t r;

			if (has_state(cur, nt + 1 + i) && c != '\n') {
				set_state(next, nt + 1 + i);
				if (c == '/')
					set_state(next, i + 1);
				last = pos + 1 > last ? pos + 1 : last;
			}
			if (!has_state(cur, i))
				continue;
			switch (t->type) {
			case T_LIT:
				in = c == t->c;
				break;
			case T_ANY:
				if (c != '/') {
					sb_utf8_decode(s + pos, len - pos, &w);
					in = true;
				}
				break;
			case T_CLASS:
				r = sb_utf8_decode(s + pos, len - pos, &w);
				for (k = 0; k < t->nranges && !in; k++)
					in = t->ranges[k][0] <= r && r <= t->ranges[k][1];
				in = in != t->neg;
				break;
			case T_STAR:
			case T_DSTAR_END:
				if (c != (t->type == T_STAR ? '/' : '\n')) {
					set_state(next, i);
					last = pos + 1 > last ? pos + 1 : last;
				}
				break;
			default:
				break;
			}
			if (in) {
				set_state(live + (pos + w) % WINDOW * nw, i + 1);
				last = pos + w > last ? pos + w : last;
			}
		}
		memset(cur, 0, nw * sizeof(*cur));
		if (last <= pos)
			return false; /* nothing is live any more */
	}
}

static bool pattern_match_n(const struct ignore_pattern *p, const char *path, size_t len)
{
	size_t tl = strlen(p->text);

	switch (p->kind) {
	case K_EXACT:
		return len == tl && memcmp(path, p->text, len) == 0;
	case K_PREFIX:
		return len >= tl - 2 && memcmp(path, p->text, tl - 2) == 0;
	case K_SUFFIX: {
		const char *suf = p->text + 2;
		size_t sl = tl - 2;

		if (len >= sl && memcmp(path + len - sl, suf, sl) == 0)
			return true;
		return sl > 0 && suf[0] == '/' && len == sl - 1 && memcmp(path, suf + 1, len) == 0;
	}
	default:
		return tok_match(p, path, len);
	}
}

bool ignore_pattern_match(const struct ignore_pattern *p, const char *path)
{
	return pattern_match_n(p, path, strlen(path));
}

/* patternWithoutTrailingGlob, as a length. */
static size_t trimmed_len(const char *t)
{
	size_t n = strlen(t);

	if (n >= 3 && strcmp(t + n - 3, "/**") == 0)
		n -= 3;
	if (n >= 2 && strncmp(t + n - 2, "/*", 2) == 0)
		n -= 2;
	return n;
}

static bool has_pattern_chars(const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strchr("*[]?^\\", t[i]))
			return true;
	}
	return false;
}

static int add_error(struct sb_error *err, const char *file, unsigned line, const char *fmt,
		     const char *arg)
{
	char *msg = sb_printf(fmt, arg);

	if (!msg)
		return sb_errorf(err, "out of memory");
	if (file && line)
		sb_error_file(err, file, "line %u: %s", line, msg);
	else if (file)
		sb_error_file(err, file, "%s", msg);
	else
		sb_errorf(err, "%s", msg);
	free(msg);
	return -1;
}

/* patternmatcher.New for one pattern that is already trimmed and not empty:
 * cleans it, splits off the '!', checks and compiles it, and appends it. */
static int add_compiled(struct ignore *ig, const char *file, unsigned line, const char *pat,
			struct sb_error *err)
{
	struct ignore_pattern p = {.line = line};
	int rc = -1, crc;

	p.text = match_clean(pat);
	if (!p.text)
		goto oom;
	if (p.text[0] == '!') {
		if (p.text[1] == '\0') {
			add_error(err, file, line, "illegal exclusion pattern: \"%s\"", "!");
			sb_error_hint(err, "write the path to re-include after the '!'");
			goto out;
		}
		p.exception = true;
		memmove(p.text, p.text + 1, strlen(p.text));
	}
	if (match_validate(p.text, NULL) < 0) {
		add_error(err, file, line, "syntax error in pattern \"%s\"", p.text);
		sb_error_hint(err, "close every '[' with ']' and write ranges as a-z; escape a "
				   "literal '[' as \\[");
		goto out;
	}
	crc = compile(&p);
	if (crc == C_OOM)
		goto oom;
	if (crc == C_ESCAPE) {
		add_error(err, file, line, "unsupported escape of a letter or digit in \"%s\"",
			  p.text);
		sb_error_hint(err, "BuildKit reads \\d, \\w and the like as regular-expression "
				   "classes; write the character without the backslash");
		goto out;
	}
	if (crc == C_CLASS) {
		add_error(err, file, line, "unsupported character in a [...] class in \"%s\"",
			  p.text);
		sb_error_hint(err, "BuildKit mistranslates '*', '?' and \"[:\" inside a class; "
				   "escape them with '\\'");
		goto out;
	}
	if (file) {
		p.file = sb_strdup(file);
		if (!p.file)
			goto oom;
	}
	if (sb_grow(&ig->pats, &ig->cap, ig->n + 1, sizeof(*ig->pats)) < 0)
		goto oom;
	if (p.exception) {
		size_t tl = trimmed_len(p.text);

		ig->has_exceptions = true;
		if (has_pattern_chars(p.text, tl))
			ig->literal_exceptions = false;
	}
	ig->pats[ig->n++] = p;
	memset(&p, 0, sizeof(p));
	rc = 0;
	goto out;
oom:
	sb_errorf(err, "out of memory");
out:
	pattern_release(&p);
	return rc;
}

int ignore_add(struct ignore *ig, const char *file, unsigned line, const char *raw,
	       struct sb_error *err)
{
	size_t n = strlen(raw);
	const char *s = raw;
	char *cleaned = NULL, *pat = NULL;
	bool invert;
	int rc = -1;

	if (s[0] == '#')
		return 0;
	s = trim_space(s, &n);
	if (n == 0)
		return 0;
	/* ignorefile.ReadAll */
	invert = s[0] == '!';
	if (invert) {
		s++;
		n--;
		s = trim_space(s, &n);
	}
	if (n > 0) {
		char *tmp = sb_strndup(s, n);

		cleaned = tmp ? match_clean(tmp) : NULL;
		free(tmp);
	} else {
		cleaned = sb_strdup("");
	}
	if (cleaned)
		pat = sb_printf("%s%s", invert ? "!" : "",
				strlen(cleaned) > 1 && cleaned[0] == '/' ? cleaned + 1 : cleaned);
	if (!pat) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	rc = add_compiled(ig, file, line, pat, err);
out:
	free(cleaned);
	free(pat);
	return rc;
}

int ignore_add_pattern(struct ignore *ig, const char *pattern, struct sb_error *err)
{
	size_t n = strlen(pattern);
	const char *s = trim_space(pattern, &n);
	char *pat;
	int rc;

	if (n == 0)
		return 0;
	pat = sb_strndup(s, n);
	if (!pat)
		return sb_errorf(err, "out of memory");
	rc = add_compiled(ig, NULL, 0, pat, err);
	free(pat);
	return rc;
}

int ignore_add_file(struct ignore *ig, const char *file, const char *buf, size_t len,
		    struct sb_error *err)
{
	size_t pos = 0;
	unsigned line = 0;
	char *tmp = NULL;
	int rc = -1;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len, start = pos, n;

		pos = nl ? end + 1 : len;
		line++;
		if (line == 1 && end - start >= 3 && memcmp(buf + start, "\xEF\xBB\xBF", 3) == 0)
			start += 3;
		n = end - start;
		if (n >= LINE_MAX_BYTES) {
			sb_error_file(err, file, "line %u: line too long (%zu bytes)", line, n);
			sb_error_hint(err, "keep .dockerignore lines under 64 KiB");
			goto out;
		}
		if (n > 0 && buf[start + n - 1] == '\r')
			n--;
		if (memchr(buf + start, '\0', n)) {
			sb_error_file(err, file, "line %u: NUL byte in pattern", line);
			goto out;
		}
		tmp = sb_strndup(buf + start, n);
		if (!tmp) {
			sb_errorf(err, "out of memory");
			goto out;
		}
		if (ignore_add(ig, file, line, tmp, err) < 0)
			goto out;
		free(tmp);
		tmp = NULL;
	}
	rc = 0;
out:
	free(tmp);
	return rc;
}

bool ignore_check(const struct ignore *ig, const char *path, const struct ignore_pattern **why)
{
	size_t len = strlen(path);
	bool matched = false;

	if (why)
		*why = NULL;
	if (len == 0)
		return false;
	for (size_t i = 0; i < ig->n; i++) {
		const struct ignore_pattern *p = &ig->pats[i];
		bool m;

		if (p->exception != matched)
			continue;
		m = pattern_match_n(p, path, len);
		/* the parent directories, shortest first */
		for (size_t k = 0; !m && k < len; k++) {
			if (path[k] == '/')
				m = pattern_match_n(p, path, k);
		}
		if (m) {
			matched = !p->exception;
			if (why)
				*why = p;
		}
	}
	return matched;
}

bool ignore_may_reinclude_below(const struct ignore *ig, const char *dir)
{
	size_t dl = strlen(dir);

	if (!ig->has_exceptions)
		return false;
	if (!ig->literal_exceptions)
		return true;
	for (size_t i = 0; i < ig->n; i++) {
		const struct ignore_pattern *p = &ig->pats[i];
		size_t tl;

		if (!p->exception)
			continue;
		tl = trimmed_len(p->text);
		/* (pattern + "/") starts with (dir + "/") */
		if (dl == 0 ||
		    (tl >= dl && memcmp(p->text, dir, dl) == 0 && (tl == dl || p->text[dl] == '/')))
			return true;
	}
	return false;
}

/* Whether pattern text t, split at '/', can match a path that has dir
 * ("a/b") as a proper prefix. t has no "**", '[' or '\\'. */
static bool components_allow(const char *t, const char *dir)
{
	const char *pc = t, *dc = dir;

	for (;;) {
		const char *pe = strchr(pc, '/'), *de = strchr(dc, '/');
		size_t pl = pe ? (size_t)(pe - pc) : strlen(pc);
		size_t dl = de ? (size_t)(de - dc) : strlen(dc);
		char pbuf[256], dbuf[256];

		if (!pe)
			return false; /* the pattern ends: nothing below dir */
		if (pl >= sizeof(pbuf) || dl >= sizeof(dbuf))
			return true; /* too long to check here: do not prune */
		memcpy(pbuf, pc, pl);
		pbuf[pl] = '\0';
		memcpy(dbuf, dc, dl);
		dbuf[dl] = '\0';
		if (match_glob(pbuf, dbuf, NULL) != 1)
			return false;
		if (!de)
			return true;
		pc = pe + 1;
		dc = de + 1;
	}
}

bool ignore_may_match_below(const struct ignore *ig, const char *dir)
{
	for (size_t i = 0; i < ig->n; i++) {
		const struct ignore_pattern *p = &ig->pats[i];

		if (p->exception)
			continue;
		if (!*dir || strstr(p->text, "**") || strpbrk(p->text, "[\\^"))
			return true;
		if (components_allow(p->text, dir))
			return true;
	}
	return false;
}
