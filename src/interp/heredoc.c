/* Here-documents (see heredoc.h), after BuildKit's parser_heredoc logic in
 * parser.go. */
#include "interp/heredoc.h"
#include "interp/shlex.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

static size_t count_quotes(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\'' || *s == '"';
	return n;
}

/* heredoc = digit* "<<" [ "-" ] word   where word holds no "<" and is one
 * shell word. expand: the delimiter has no quotes, i.e. the word has as many
 * quote characters with its quotes kept as with them removed. Always with
 * the backslash as escape character, whatever "# escape=" says (as BuildKit). */
int df_heredoc_parse(const char *word, struct df_heredoc *h, struct sb_error *err)
{
	static const struct shlex_opts cooked_opts = {.skip_unset = 1};
	static const struct shlex_opts raw_opts = {.raw_quotes = 1, .skip_unset = 1};
	const char *p = word, *rest;
	char **cooked = NULL, **raw = NULL;
	size_t ncooked = 0, nraw = 0;
	int chomp = 0, rc = -1;

	memset(h, 0, sizeof(*h));
	while (*p >= '0' && *p <= '9')
		p++;
	if (p[0] != '<' || p[1] != '<')
		return 0;
	p += 2;
	if (*p == '-') {
		chomp = 1;
		p++;
	}
	rest = p;
	if (!*rest || strchr(rest, '<'))
		return 0;
	if (shlex_words_opts(rest, '\\', &cooked_opts, NULL, NULL, &cooked, &ncooked, err) < 0)
		goto out;
	if (ncooked != 1) {
		rc = 0;
		goto out;
	}
	if (shlex_words_opts(rest, '\\', &raw_opts, NULL, NULL, &raw, &nraw, err) < 0)
		goto out;
	if (nraw != ncooked) {
		sb_errorf(err, "internal lexing of heredoc produced inconsistent results: %s",
			  rest);
		goto out;
	}
	h->name = cooked[0];
	cooked[0] = NULL; /* the only word: cooked is now empty */
	h->expand = count_quotes(h->name) == count_quotes(raw[0]);
	h->chomp = chomp;
	rc = 1;
out:
	sb_strv_free(cooked);
	sb_strv_free(raw);
	return rc;
}

const struct df_heredoc *df_heredoc_find(const struct df_instr *in, const char *name)
{
	for (size_t i = in->nheredocs; i-- > 0;)
		if (strcmp(in->heredocs[i].name, name) == 0)
			return &in->heredocs[i];
	return NULL;
}

void df_heredoc_release(struct df_heredoc *h)
{
	free(h->name);
	free(h->content);
	memset(h, 0, sizeof(*h));
}

/* Where word (a raw word of the logical line, searched from *cur on) starts;
 * the position of its "<<" when found. */
static struct sb_pos heredoc_pos(const struct logical *l, const char *word, size_t *cur)
{
	const char *t = l->text.buf, *hit = strstr(t + *cur, word);
	size_t at;

	if (!hit)
		hit = strstr(t + *cur, "<<");
	if (!hit)
		return logical_pos(l, 0);
	at = (size_t)(hit - t);
	*cur = at + 1;
	hit = strstr(hit, "<<");
	return logical_pos(l, hit ? (size_t)(hit - t) : at);
}

/* BuildKit's heredocsFromLine: the line (keyword and flags included) split
 * into raw words (quotes, escapes and unset $variables kept; a line that does
 * not split gives none), and each word that df_heredoc_parse() accepts. */
int heredocs_from_line(struct df_file *f, const struct logical *l, struct df_instr *in,
		       struct sb_error *err)
{
	static const struct shlex_opts line_opts = {1, 1, 1};
	const struct df_instr *t = in->kind == DF_ONBUILD && in->sub ? in->sub : in;
	struct sb_error ignored = {0};
	char **words = NULL;
	size_t nwords = 0, cap = 0, cur = 0;
	int rc = -1;

	if ((t->kind != DF_ADD && t->kind != DF_COPY && t->kind != DF_RUN) || t->json ||
	    !memmem(l->text.buf, l->text.len, "<<", 2))
		return 0;
	if (shlex_words_opts(l->text.buf, '\\', &line_opts, NULL, NULL, &words, &nwords, &ignored) <
	    0) {
		sb_error_release(&ignored);
		return 0;
	}
	for (size_t i = 0; i < nwords; i++) {
		struct df_heredoc h;
		struct sb_pos pos;
		int r;

		if (!strstr(words[i], "<<"))
			continue;
		pos = heredoc_pos(l, words[i], &cur);
		r = df_heredoc_parse(words[i], &h, err);
		if (r < 0) {
			sb_error_release(&ignored);
			ignored = *err;
			memset(err, 0, sizeof(*err));
			sb_error_at(err, &f->src, pos, "%s", ignored.msg ? ignored.msg : "");
			goto out;
		}
		if (r == 0)
			continue;
		h.pos = pos;
		if (sb_grow(&in->heredocs, &cap, in->nheredocs + 1, sizeof(*in->heredocs)) < 0) {
			df_heredoc_release(&h);
			sb_errorf(err, "out of memory");
			goto out;
		}
		in->heredocs[in->nheredocs++] = h;
	}
	rc = 0;
out:
	sb_error_release(&ignored);
	sb_strv_free(words);
	return rc;
}

/* A body: the physical lines up to the one that is exactly the name (trailing
 * CR and LF bytes removed, and leading tabs for <<-). Lines are kept with
 * their line ends; <<- removes the leading tabs of each (BuildKit's
 * ChompHeredocContent, which its instructions package applies). */
int heredoc_read(struct df_file *f, struct lexer *lx, struct df_heredoc *h, struct sb_error *err)
{
	const char *buf = f->src.buf;
	size_t nlen = strlen(h->name);
	struct sb_buf body = {0};
	struct lx_line ln;
	int rc = -1;

	while (lx_next_line(lx, &ln)) {
		const char *p = buf + ln.bol, *e = buf + lx->cur, *te = e, *tp = p;

		while (te > p && (te[-1] == '\r' || te[-1] == '\n'))
			te--;
		if (h->chomp)
			while (tp < te && *tp == '\t')
				tp++;
		if ((size_t)(te - tp) == nlen && memcmp(tp, h->name, nlen) == 0) {
			h->len = body.len;
			h->content = sb_buf_detach(&body);
			if (!h->content) {
				sb_errorf(err, "out of memory");
				goto out;
			}
			rc = 0;
			goto out;
		}
		if (h->chomp)
			while (p < e && *p == '\t')
				p++;
		if (sb_buf_add(&body, p, (size_t)(e - p)) < 0) {
			sb_errorf(err, "out of memory");
			goto out;
		}
	}
	sb_error_at(err, &f->src, h->pos, "unterminated heredoc");
	sb_error_hint(err, "end the here-document with a line that holds only \"%s\"", h->name);
out:
	sb_buf_release(&body);
	return rc;
}
