/* Shell patterns for the ${v#p} family (see shpattern.h), after BuildKit's
 * frontend/dockerfile/shell/lex.go: convertShellPatternToRegex, trimPrefix,
 * trimSuffix, reversePattern and the ${v/p/r} forms of processDollar.
 *
 *   pattern = { "*" | "?" | "\" ( "*" | "?" | "\" | "}" | "/" ) | char }
 */
#include "interp/shpattern.h"
#include "util/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { P_LIT, P_ANY, P_STAR };

struct item {
	int kind;
	const char *lit; /* P_LIT: the character's bytes, in the pattern */
	size_t n;
};

struct pat {
	struct item *v;
	size_t n, cap;
	int greedy;
};

/* A thread of the Pike machine: where it is in the pattern (n: matched) and
 * where its match started. */
struct thr {
	size_t pc, start;
};

struct vm {
	const struct pat *p;
	struct thr *cur, *next;
	size_t ncur, nnext;
	size_t *mark; /* mark[pc] == gen: pc is already in the list being built */
	size_t gen;
};

static int nomem(struct sb_error *err)
{
	return sb_errorf(err, "out of memory");
}

static int add_item(struct pat *p, int kind, const char *lit, size_t n)
{
	if (sb_grow(&p->v, &p->cap, p->n + 1, sizeof(*p->v)) < 0)
		return -1;
	p->v[p->n++] = (struct item){kind, lit, n};
	return 0;
}

/* convertShellPatternToRegex, as a list of items. */
static int compile(const char *src, int greedy, struct pat *p, struct sb_error *err)
{
	const char *s = src, *end = src + strlen(src);

	memset(p, 0, sizeof(*p));
	p->greedy = greedy;
	while (s < end) {
		size_t w;
		int rc;

		if (*s == '*' || *s == '?') {
			rc = add_item(p, *s == '*' ? P_STAR : P_ANY, NULL, 0);
			s++;
		} else if (*s == '\\') {
			/* } and / as part of ${} need escaping, but the escape is
			 * not part of the pattern. */
			s++;
			if (s < end && (*s == '}' || *s == '/'))
				continue;
			if (s >= end || (*s != '*' && *s != '?' && *s != '\\')) {
				w = 0;
				if (s < end)
					sb_utf8_decode(s, (size_t)(end - s), &w);
				sb_errorf(err,
					  "invalid pattern (%s) in substitution: invalid escape "
					  "'\\%.*s'",
					  src, w ? (int)w : 3, w ? s : "\xef\xbf\xbd");
				return -1;
			}
			rc = add_item(p, P_LIT, s, 1);
			s++;
		} else {
			sb_utf8_decode(s, (size_t)(end - s), &w);
			rc = add_item(p, P_LIT, s, w);
			s += w;
		}
		if (rc < 0)
			return nomem(err);
	}
	return 0;
}

/* Adds the threads that pc leads to without reading a character, in Go's
 * order of preference: a greedy star loops before it moves on, a lazy one
 * moves on first. A run of stars is walked without recursion. */
static void add(struct vm *m, struct thr *list, size_t *n, size_t pc, size_t start)
{
	const struct pat *p = m->p;
	size_t j = pc;

	while (j < p->n && p->v[j].kind == P_STAR && m->mark[j] != m->gen) {
		m->mark[j] = m->gen;
		if (p->greedy)
			list[(*n)++] = (struct thr){j, start};
		j++;
	}
	if (m->mark[j] != m->gen && (j == p->n || p->v[j].kind != P_STAR)) {
		m->mark[j] = m->gen;
		list[(*n)++] = (struct thr){j, start};
	}
	if (!p->greedy)
		while (j-- > pc)
			list[(*n)++] = (struct thr){j, start};
}

static int step_ok(const struct item *it, const char *s, size_t w, uint32_t r)
{
	if (it->kind == P_LIT)
		return it->n == w && memcmp(it->lit, s, w) == 0;
	return r != '\n';
}

/* Go's leftmost-first match of p in s[from..len): only at from when
 * anchored. Returns 1 with [*ms, *me), 0 when none, -1 (out of memory). */
static int find(const struct pat *p, const char *s, size_t len, size_t from, int anchored,
		size_t *ms, size_t *me)
{
	struct vm m = {.p = p, .gen = 1};
	size_t pos = from;
	int found = 0;

	m.cur = malloc((p->n + 1) * sizeof(*m.cur));
	m.next = malloc((p->n + 1) * sizeof(*m.next));
	m.mark = calloc(p->n + 1, sizeof(*m.mark));
	if (!m.cur || !m.next || !m.mark) {
		found = -1;
		goto out;
	}
	add(&m, m.cur, &m.ncur, 0, from);
	for (;;) {
		size_t w = 0;
		uint32_t r = 0;
		int have = pos < len;
		struct thr *t;

		if (have)
			r = sb_utf8_decode(s + pos, len - pos, &w);
		m.gen++;
		m.nnext = 0;
		for (size_t i = 0; i < m.ncur; i++) {
			const struct thr *c = &m.cur[i];

			if (c->pc == p->n) {
				/* Threads after this one have lower priority. */
				found = 1;
				*ms = c->start;
				*me = pos;
				break;
			}
			if (have && step_ok(&p->v[c->pc], s + pos, w, r))
				add(&m, m.next, &m.nnext,
				    p->v[c->pc].kind == P_STAR ? c->pc : c->pc + 1, c->start);
		}
		if (!have)
			break;
		pos += w;
		if (!anchored && !found)
			add(&m, m.next, &m.nnext, 0, pos);
		t = m.cur;
		m.cur = m.next;
		m.next = t;
		m.ncur = m.nnext;
		if (m.ncur == 0)
			break;
	}
out:
	free(m.cur);
	free(m.next);
	free(m.mark);
	return found;
}

int shpat_trim_prefix(const char *pat, const char *value, int greedy, struct sb_buf *out,
		      struct sb_error *err)
{
	struct pat p;
	size_t ms, me = 0;
	int rc = -1, f;

	if (compile(pat, greedy, &p, err) < 0)
		goto out;
	f = find(&p, value, strlen(value), 0, 1, &ms, &me);
	if (f < 0) {
		nomem(err);
		goto out;
	}
	if (sb_buf_adds(out, value + (f ? me : 0)) < 0) {
		nomem(err);
		goto out;
	}
	rc = 0;
out:
	free(p.v);
	return rc;
}

/* One character of Go's []rune(s): its bytes, U+FFFD for an invalid byte. */
struct rune {
	const char *p;
	size_t n;
};

static struct rune *runes(const char *s, size_t *n)
{
	size_t len = strlen(s), cap = 0;
	struct rune *v = NULL;

	*n = 0;
	if (sb_grow(&v, &cap, 1, sizeof(*v)) < 0)
		return NULL;
	for (size_t i = 0, w; i < len; i += w) {
		uint32_t r = sb_utf8_decode(s + i, len - i, &w);

		if (sb_grow(&v, &cap, *n + 1, sizeof(*v)) < 0) {
			free(v);
			return NULL;
		}
		v[(*n)++] = (r == SB_RUNE_ERROR && w == 1) ? (struct rune){"\xef\xbf\xbd", 3}
							   : (struct rune){s + i, w};
	}
	return v;
}

/* reverseString, or reversePattern (escaped: "\x" pairs keep their order,
 * a\*c becomes c\*a). Appends to out; 0 or -1. */
static int reverse(const char *s, int escaped, struct sb_buf *out)
{
	size_t n;
	struct rune *v = runes(s, &n), *o;
	int rc = -1;

	if (!v)
		return -1;
	o = calloc(n ? n : 1, sizeof(*o));
	if (!o)
		goto out;
	for (size_t i = 0; i < n;) {
		size_t at = n - 1 - i;

		if (escaped && v[i].n == 1 && v[i].p[0] == '\\' && i != n - 1) {
			o[at - 1] = v[i];
			o[at] = v[i + 1];
			i += 2;
		} else {
			o[at] = v[i++];
		}
	}
	if (sb_buf_add(out, "", 0) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (sb_buf_add(out, o[i].p, o[i].n) < 0)
			goto out;
	rc = 0;
out:
	free(o);
	free(v);
	return rc;
}

int shpat_trim_suffix(const char *pat, const char *value, int greedy, struct sb_buf *out,
		      struct sb_error *err)
{
	/* Regular expressions cannot find the shortest rightmost match, so
	 * BuildKit reverses both and trims a prefix. */
	struct sb_buf rp = {0}, rv = {0}, t = {0};
	int rc = -1;

	if (reverse(pat, 1, &rp) < 0 || reverse(value, 0, &rv) < 0 || sb_buf_add(&t, "", 0) < 0) {
		nomem(err);
		goto out;
	}
	if (shpat_trim_prefix(rp.buf, rv.buf, greedy, &t, err) < 0)
		goto out;
	if (reverse(t.buf, 0, out) < 0) {
		nomem(err);
		goto out;
	}
	rc = 0;
out:
	sb_buf_release(&rp);
	sb_buf_release(&rv);
	sb_buf_release(&t);
	return rc;
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || (unsigned char)c >= 0x80;
}

/* Go's Regexp.Expand for a pattern without groups: $$ is $, $0 / ${0} the
 * whole match m[0..mn), another $name / ${name} nothing, a malformed one a
 * plain "$". */
static int expand(struct sb_buf *out, const char *t, const char *m, size_t mn)
{
	while (*t) {
		const char *d = strchr(t, '$'), *q;
		int brace;
		size_t i = 0;

		if (!d)
			return sb_buf_adds(out, t);
		if (sb_buf_add(out, t, (size_t)(d - t)) < 0)
			return -1;
		t = d + 1;
		if (*t == '$') {
			if (sb_buf_addc(out, '$') < 0)
				return -1;
			t++;
			continue;
		}
		brace = *t == '{';
		q = t + brace;
		while (name_char(q[i]))
			i++;
		if (i == 0 || (brace && q[i] != '}')) {
			if (sb_buf_addc(out, '$') < 0)
				return -1;
			continue;
		}
		if (strspn(q, "0123456789") >= i && strspn(q, "0") == i &&
		    sb_buf_add(out, m, mn) < 0)
			return -1;
		t = q + i + brace;
	}
	return 0;
}

/* Regexp.ReplaceAllString: successive non-overlapping matches; an empty
 * match right after the previous match is not replaced; the search always
 * moves on by at least one character. */
static int replace_all(const struct pat *p, const char *v, const char *repl, struct sb_buf *out)
{
	size_t len = strlen(v), search = 0, last = 0, ms, me;

	while (search <= len) {
		size_t w = 0;
		int f = find(p, v, len, search, 0, &ms, &me);

		if (f < 0)
			return -1;
		if (f == 0)
			break;
		if (sb_buf_add(out, v + last, ms - last) < 0)
			return -1;
		if ((me > last || ms == 0) && expand(out, repl, v + ms, me - ms) < 0)
			return -1;
		last = me;
		if (search < len)
			sb_utf8_decode(v + search, len - search, &w);
		else
			w = 1;
		if (search + w > me)
			search += w;
		else
			search = me;
	}
	return sb_buf_add(out, v + last, len - last);
}

int shpat_replace(const char *pat, const char *value, const char *repl, int all, struct sb_buf *out,
		  struct sb_error *err)
{
	struct pat p;
	size_t ms, me;
	int rc = -1, f;

	if (compile(pat, 1, &p, err) < 0)
		goto out;
	if (all) {
		if (replace_all(&p, value, repl, out) < 0) {
			nomem(err);
			goto out;
		}
		rc = 0;
		goto out;
	}
	f = find(&p, value, strlen(value), 0, 0, &ms, &me);
	if (f < 0 || (f == 0 && sb_buf_adds(out, value) < 0) ||
	    (f == 1 && (sb_buf_add(out, value, ms) < 0 || sb_buf_adds(out, repl) < 0 ||
			sb_buf_adds(out, value + me) < 0))) {
		nomem(err);
		goto out;
	}
	rc = 0;
out:
	free(p.v);
	return rc;
}
