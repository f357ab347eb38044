/* Word processing after BuildKit's frontend/dockerfile/shell/lex.go (see shlex.h).
 *
 *   word     = { escape char | "'" { char } "'" | '"' dquoted '"' | dollar | char }
 *   dquoted  = { escape ( '"' | '$' | escape ) | dollar | char }
 *   dollar   = "$" name | "${" name [ mod word | "/" [ "/" ] word "/" word ] "}"
 *   mod      = ":-" | "-" | ":+" | "+" | ":?" | "?" | "#" | "##" | "%" | "%%"
 *   name     = digit { digit } | special | ( letter | "_" ) { letter | digit | "_" }
 *
 * The word is scanned byte by byte: every character with a meaning here is
 * ASCII, and multi-byte white space is measured with lx_space().
 *
 * The pattern forms (#, ##, %, %%, / and //) are BuildKit 0.13's; the
 * Docker 20.10 engine refuses them ("missing ':' in substitution"). Their
 * patterns are matched by shpattern.c.
 */
#include "interp/shlex.h"
#include "interp/shpattern.h"
#include "lexer/lexer.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

/* How deep ${v:-${w:-...}} may nest. BuildKit has no limit (Go stacks grow);
 * this recursive scanner needs one to keep a hostile Dockerfile from
 * overflowing the stack. No real Dockerfile comes near it. */
#define SHLEX_MAX_DEPTH 256

/* The words being collected for ProcessWords (BuildKit's wordsStruct). */
struct words {
	struct sb_buf word;
	int in_word;
	char **v;
	size_t n, cap;
};

struct sw {
	const char *p, *end;
	char escape;
	int raw_escapes;
	int raw_quotes;
	int skip_unset;
	int depth; /* ${...} nesting, against SHLEX_MAX_DEPTH */
	shlex_lookup lookup;
	void *ud;
	struct sb_error *err;
};

static int w_flush(struct words *w)
{
	char *s;

	if (w->word.len == 0)
		return 0;
	if (sb_grow(&w->v, &w->cap, w->n + 2, sizeof(*w->v)) < 0)
		return -1;
	s = sb_buf_detach(&w->word);
	if (!s)
		return -1;
	w->v[w->n++] = s;
	w->v[w->n] = NULL;
	w->in_word = 0;
	return 0;
}

static int w_raw(struct words *w, const char *s, size_t n)
{
	if (!w)
		return 0;
	w->in_word = 1;
	return sb_buf_add(&w->word, s, n);
}

/* Adds s[0..n), splitting it at white space. */
static int w_split(struct words *w, const char *s, size_t n)
{
	const char *end = s + n;

	if (!w)
		return 0;
	while (s < end) {
		size_t sp = lx_space(s, end);

		if (sp) {
			if (w->in_word && w_flush(w) < 0)
				return -1;
			s += sp;
		} else {
			if (w_raw(w, s, 1) < 0)
				return -1;
			s++;
		}
	}
	return 0;
}

static int nomem(struct sw *s)
{
	return sb_errorf(s->err, "out of memory");
}

static int process_stop_on(struct sw *s, int stop, int raw, struct sb_buf *res, struct words *w);

static const char *getenv_(struct sw *s, const char *name)
{
	return s->lookup ? s->lookup(s->ud, name) : NULL;
}

static int is_special_param(char c)
{
	return strchr("@*#?-$!0", c) != NULL && c != '\0';
}

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || (unsigned char)c >= 0x80;
}

/* name = digit { digit } | special | namechar { namechar }
 * (non-ASCII letters count as letters; non-ASCII white space does not). */
static char *process_name(struct sw *s)
{
	const char *start = s->p;

	if (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
		while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			s->p++;
	} else if (s->p < s->end && is_special_param(*s->p)) {
		s->p++;
	} else {
		while (s->p < s->end && is_name_char(*s->p) && lx_space(s->p, s->end) == 0)
			s->p++;
	}
	return sb_strndup(start, (size_t)(s->p - start));
}

/* quoted = "'" { char } "'" */
static int process_single_quote(struct sw *s, struct sb_buf *out)
{
	const char *quote = s->p, *start = ++s->p;

	while (s->p < s->end && *s->p != '\'')
		s->p++;
	if (s->p >= s->end)
		return sb_errorf(
		    s->err, "unexpected end of statement while looking for matching single-quote");
	s->p++;
	if (s->raw_quotes)
		start = quote;
	if (sb_buf_add(out, start, (size_t)(s->p - 1 + s->raw_quotes - start)) < 0)
		return nomem(s);
	return 0;
}

static int process_dollar(struct sw *s, struct sb_buf *out);

/* dquoted = '"' { escape ( '"' | '$' | escape ) | dollar | char } '"'
 * An escape before any other character stays. */
static int process_double_quote(struct sw *s, struct sb_buf *out)
{
	s->p++;
	if (s->raw_quotes && sb_buf_addc(out, '"') < 0)
		return nomem(s);
	for (;;) {
		char ch;

		if (s->p >= s->end)
			return sb_errorf(
			    s->err,
			    "unexpected end of statement while looking for matching double-quote");
		ch = *s->p;
		if (ch == '"') {
			s->p++;
			if (s->raw_quotes && sb_buf_addc(out, '"') < 0)
				return nomem(s);
			return 0;
		}
		if (ch == '$') {
			if (process_dollar(s, out) < 0)
				return -1;
			continue;
		}
		s->p++;
		if (ch == s->escape) {
			if (s->raw_escapes && sb_buf_addc(out, ch) < 0)
				return nomem(s);
			if (s->p >= s->end)
				continue;
			if (*s->p == '"' || *s->p == '$' || *s->p == s->escape)
				ch = *s->p++;
		}
		if (sb_buf_addc(out, ch) < 0)
			return nomem(s);
	}
}

/* "#" word | "##" word | "%" word | "%%" word, word already processed with
 * its escapes kept (shpattern.c matches the pattern). */
static int trim(struct sw *s, char mod, const char *val, const char *word, struct sb_buf *out)
{
	int greedy = word[0] == mod;

	if (greedy)
		word++;
	if (mod == '%')
		return shpat_trim_suffix(word, val, greedy, out, s->err);
	return shpat_trim_prefix(word, val, greedy, out, s->err);
}

/* "${" name "/" [ "/" ] pattern "/" replacement "}", the "${" name "/" read.
 * Both parts keep their escapes; "\/" in the pattern is a "/". */
static int process_replace(struct sw *s, const char *name, struct sb_buf *out)
{
	struct sb_buf pat = {0}, repl = {0};
	const char *val;
	int all = 0, rc = -1;

	if (s->p < s->end && *s->p == '/') {
		all = 1;
		s->p++;
	}
	if (sb_buf_add(&pat, "", 0) < 0 || sb_buf_add(&repl, "", 0) < 0) {
		nomem(s);
		goto out;
	}
	if (s->depth >= SHLEX_MAX_DEPTH) {
		sb_errorf(s->err, "syntax error: ${...} nested more than %d deep", SHLEX_MAX_DEPTH);
		goto out;
	}
	s->depth++;
	if (process_stop_on(s, '/', 1, &pat, NULL) < 0) {
		if (s->p >= s->end)
			sb_errorf(s->err, "syntax error: missing '/' in ${}");
	} else if (process_stop_on(s, '}', 1, &repl, NULL) < 0) {
		if (s->p >= s->end)
			sb_errorf(s->err, "syntax error: missing '}'");
	} else {
		rc = 0;
	}
	s->depth--;
	if (rc < 0)
		goto out;
	val = getenv_(s, name);
	if (!val && s->skip_unset) {
		/* BuildKit writes one "/" back, for ${v//p/r} too. */
		rc = sb_buf_addf(out, "${%s/%s/%s}", name, pat.buf, repl.buf) < 0 ? nomem(s) : 0;
		goto out;
	}
	rc = shpat_replace(pat.buf, val ? val : "", repl.buf, all, out, s->err);
out:
	sb_buf_release(&pat);
	sb_buf_release(&repl);
	return rc;
}

/* dollar = "$" name | "${" name [ mod word ] "}" */
static int process_dollar(struct sw *s, struct sb_buf *out)
{
	struct sb_buf word = {0};
	char *name = NULL;
	const char *val;
	char mod[3] = {0};
	int null_is_unset = 0, rc = -1;

	s->p++;
	if (s->p >= s->end || *s->p != '{') {
		name = process_name(s);
		if (!name)
			goto oom;
		if (!*name) {
			if (sb_buf_addc(out, '$') < 0)
				goto oom;
		} else if ((val = getenv_(s, name))) {
			if (sb_buf_adds(out, val) < 0)
				goto oom;
		} else if (s->skip_unset && sb_buf_addf(out, "$%s", name) < 0) {
			goto oom;
		}
		rc = 0;
		goto out;
	}
	s->p++;
	if (s->p >= s->end) {
		sb_errorf(s->err, "syntax error: missing '}'");
		goto out;
	}
	if (*s->p == '{' || *s->p == '}' || *s->p == ':') {
		sb_errorf(s->err, "syntax error: bad substitution");
		goto out;
	}
	name = process_name(s);
	if (!name)
		goto oom;
	if (s->p >= s->end) {
		sb_errorf(s->err, "syntax error: missing '}'");
		goto out;
	}
	mod[0] = *s->p++;
	if (mod[0] == '/') {
		rc = process_replace(s, name, out);
		goto out;
	}
	if (mod[0] == '}') {
		if ((val = getenv_(s, name))) {
			if (sb_buf_adds(out, val) < 0)
				goto oom;
		} else if (s->skip_unset && sb_buf_addf(out, "${%s}", name) < 0) {
			goto oom;
		}
		rc = 0;
		goto out;
	}
	if (mod[0] == ':') {
		null_is_unset = 1;
		if (s->p >= s->end) {
			sb_errorf(s->err, "syntax error: missing '}'");
			goto out;
		}
		mod[1] = *s->p++;
	}
	if ((!null_is_unset && !strchr("+-?#%", mod[0])) ||
	    (null_is_unset && (mod[1] == '#' || mod[1] == '%'))) {
		sb_errorf(s->err, "unsupported modifier (%s) in substitution", mod);
		goto out;
	}
	if (sb_buf_add(&word, "", 0) < 0)
		goto oom;
	if (s->depth >= SHLEX_MAX_DEPTH) {
		sb_errorf(s->err, "syntax error: ${...} nested more than %d deep", SHLEX_MAX_DEPTH);
		goto out;
	}
	s->depth++;
	rc = process_stop_on(s, '}', mod[null_is_unset] == '#' || mod[null_is_unset] == '%', &word,
			     NULL);
	s->depth--;
	if (rc < 0) {
		if (s->p >= s->end)
			sb_errorf(s->err, "syntax error: missing '}'");
		goto out;
	}
	rc = -1;
	val = getenv_(s, name);
	if (!val && s->skip_unset) {
		if (sb_buf_addf(out, "${%s%s%s}", name, mod, word.buf) < 0)
			goto oom;
		rc = 0;
		goto out;
	}
	if (!strchr("+-?#%", mod[null_is_unset])) {
		sb_errorf(s->err, "unsupported modifier (%s) in substitution", mod);
		goto out;
	}
	switch (mod[null_is_unset]) {
	case '#':
	case '%':
		/* # and % trim the shortest match, ## and %% the longest. */
		rc = trim(s, mod[0], val ? val : "", word.buf, out);
		goto out;
	case '-':
		if (!val || (null_is_unset && !*val))
			val = word.buf;
		break;
	case '+':
		val = (!val || (null_is_unset && !*val)) ? "" : word.buf;
		break;
	default: /* '?' */
		if (!val || (null_is_unset && !*val)) {
			sb_errorf(s->err, "%s: %s", name,
				  *word.buf ? word.buf
				  : !val    ? "is not allowed to be unset"
					    : "is not allowed to be empty");
			goto out;
		}
		break;
	}
	if (sb_buf_adds(out, val) < 0)
		goto oom;
	rc = 0;
	goto out;
oom:
	nomem(s);
out:
	sb_buf_release(&word);
	free(name);
	return rc;
}

/* Processes up to stop (-1: the end), appending the result to res and, when
 * w is not NULL, the words to w. raw keeps escape characters in the result. */
static int process_stop_on(struct sw *s, int stop, int raw, struct sb_buf *res, struct words *w)
{
	int saved = s->raw_escapes, rc = -1;
	struct sb_buf tmp = {0};

	s->raw_escapes = raw;
	while (s->p < s->end) {
		char ch = *s->p;

		if (stop >= 0 && ch == stop) {
			s->p++;
			rc = 0;
			goto out;
		}
		if (ch == '$' || ch == '\'' || ch == '"') {
			int r;

			tmp.len = 0;
			if (sb_buf_add(&tmp, "", 0) < 0)
				goto oom;
			r = ch == '$'	 ? process_dollar(s, &tmp)
			    : ch == '\'' ? process_single_quote(s, &tmp)
					 : process_double_quote(s, &tmp);
			if (r < 0)
				goto out;
			if (sb_buf_add(res, tmp.buf, tmp.len) < 0)
				goto oom;
			r = ch == '$' ? w_split(w, tmp.buf, tmp.len) : w_raw(w, tmp.buf, tmp.len);
			if (r < 0)
				goto oom;
			continue;
		}
		if (ch == s->escape) {
			s->p++;
			if (raw && (w_raw(w, &ch, 1) < 0 || sb_buf_addc(res, ch) < 0))
				goto oom;
			if (s->p >= s->end)
				break; /* an escape at the very end is dropped */
			ch = *s->p++;
			if (w_raw(w, &ch, 1) < 0 || sb_buf_addc(res, ch) < 0)
				goto oom;
			continue;
		}
		{
			size_t n = lx_space(s->p, s->end);

			if (n == 0)
				n = 1;
			if (w_split(w, s->p, n) < 0 || sb_buf_add(res, s->p, n) < 0)
				goto oom;
			s->p += n;
		}
	}
	if (stop >= 0) {
		sb_errorf(s->err, "unexpected end of statement while looking for matching %c",
			  stop);
		goto out;
	}
	rc = 0;
	goto out;
oom:
	nomem(s);
out:
	sb_buf_release(&tmp);
	s->raw_escapes = saved;
	return rc;
}

/* Go's %q for the error prefix: the text in double quotes, with \" \\ and
 * control characters escaped. */
static char *go_quote(const char *in)
{
	struct sb_buf b = {0};
	int rc = sb_buf_addc(&b, '"');

	for (const unsigned char *p = (const unsigned char *)in; *p && rc == 0; p++) {
		switch (*p) {
		case '"':
			rc = sb_buf_adds(&b, "\\\"");
			break;
		case '\\':
			rc = sb_buf_adds(&b, "\\\\");
			break;
		case '\n':
			rc = sb_buf_adds(&b, "\\n");
			break;
		case '\r':
			rc = sb_buf_adds(&b, "\\r");
			break;
		case '\t':
			rc = sb_buf_adds(&b, "\\t");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				rc = sb_buf_addf(&b, "\\x%02x", *p);
			else
				rc = sb_buf_addc(&b, (char)*p);
		}
	}
	if (rc == 0)
		rc = sb_buf_addc(&b, '"');
	if (rc < 0) {
		sb_buf_release(&b);
		return NULL;
	}
	return sb_buf_detach(&b);
}

static int process(const char *in, char escape, const struct shlex_opts *o, shlex_lookup lookup,
		   void *ud, struct sb_buf *res, struct words *w, struct sb_error *err)
{
	static const struct shlex_opts none = {0};
	struct sw s = {0};
	char *q;

	if (!o)
		o = &none;
	s.p = in;
	s.end = in + strlen(in);
	s.escape = escape;
	s.raw_escapes = o->raw_escapes;
	s.raw_quotes = o->raw_quotes != 0;
	s.skip_unset = o->skip_unset;
	s.lookup = lookup;
	s.ud = ud;
	s.err = err;
	if (sb_buf_add(res, "", 0) < 0)
		return sb_errorf(err, "out of memory");
	if (process_stop_on(&s, -1, s.raw_escapes, res, w) == 0)
		return 0;
	q = go_quote(in);
	if (!q)
		return sb_errorf(err, "out of memory");
	sb_error_prefix(err, "failed to process %s", q);
	free(q);
	return -1;
}

int shlex_word(const char *in, char escape, shlex_lookup lookup, void *ud, char **out,
	       struct sb_error *err)
{
	return shlex_word_opts(in, escape, NULL, lookup, ud, out, err);
}

int shlex_word_opts(const char *in, char escape, const struct shlex_opts *opts, shlex_lookup lookup,
		    void *ud, char **out, struct sb_error *err)
{
	struct sb_buf res = {0};
	int rc = -1;

	*out = NULL;
	if (process(in, escape, opts, lookup, ud, &res, NULL, err) < 0)
		goto out;
	*out = sb_buf_detach(&res);
	if (!*out) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	sb_buf_release(&res);
	return rc;
}

int shlex_words(const char *in, char escape, shlex_lookup lookup, void *ud, char ***out, size_t *n,
		struct sb_error *err)
{
	return shlex_words_opts(in, escape, NULL, lookup, ud, out, n, err);
}

int shlex_words_opts(const char *in, char escape, const struct shlex_opts *opts,
		     shlex_lookup lookup, void *ud, char ***out, size_t *n, struct sb_error *err)
{
	struct sb_buf res = {0};
	struct words w = {0};
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (process(in, escape, opts, lookup, ud, &res, &w, err) < 0)
		goto out;
	if (w_flush(&w) < 0 || sb_grow(&w.v, &w.cap, w.n + 1, sizeof(*w.v)) < 0) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	w.v[w.n] = NULL;
	*out = w.v;
	*n = w.n;
	w.v = NULL;
	w.n = 0;
	rc = 0;
out:
	for (size_t i = 0; i < w.n; i++)
		free(w.v[i]);
	free(w.v);
	sb_buf_release(&w.word);
	sb_buf_release(&res);
	return rc;
}
