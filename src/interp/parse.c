/* The Dockerfile parser (see parse.h), after BuildKit's
 * frontend/dockerfile/parser: parser.go, split_command.go, line_parsers.go.
 *
 *   file        = { directive } { line }
 *   directive   = "#" key "=" value            (only before anything else)
 *   line        = blank | comment | instruction
 *   instruction = text { escape NL { comment | blank } text } NL
 *
 * Physical lines come from the re2c lexer (src/lexer); this file joins them
 * into logical lines, keeping a map from every joined byte back to its place
 * in the source, and then splits each logical line into keyword, flags and
 * arguments the way BuildKit does.
 */
#include "interp/parse.h"
#include "lexer/lexer.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yajl/yajl_parse.h>

static const char *const kind_names[] = {
    [DF_UNKNOWN] = "UNKNOWN", [DF_ADD] = "ADD",
    [DF_ARG] = "ARG",	      [DF_CMD] = "CMD",
    [DF_COPY] = "COPY",	      [DF_ENTRYPOINT] = "ENTRYPOINT",
    [DF_ENV] = "ENV",	      [DF_EXPOSE] = "EXPOSE",
    [DF_FROM] = "FROM",	      [DF_HEALTHCHECK] = "HEALTHCHECK",
    [DF_LABEL] = "LABEL",     [DF_MAINTAINER] = "MAINTAINER",
    [DF_ONBUILD] = "ONBUILD", [DF_RUN] = "RUN",
    [DF_SHELL] = "SHELL",     [DF_STOPSIGNAL] = "STOPSIGNAL",
    [DF_USER] = "USER",	      [DF_VOLUME] = "VOLUME",
    [DF_WORKDIR] = "WORKDIR",
};

#define NKINDS (sizeof(kind_names) / sizeof(kind_names[0]))

const char *df_kind_name(enum df_kind kind)
{
	if ((size_t)kind >= NKINDS || !kind_names[kind])
		return "UNKNOWN";
	return kind_names[kind];
}

static enum df_kind kind_of(const char *keyword)
{
	for (size_t i = 1; i < NKINDS; i++)
		if (strcasecmp(keyword, kind_names[i]) == 0)
			return (enum df_kind)i;
	return DF_UNKNOWN;
}

/* A logical line: physical lines joined, and where each piece came from. */
struct seg {
	size_t log;	    /* offset of the piece in text */
	size_t src;	    /* offset of the piece in the source */
	unsigned line, col; /* position of src */
};

struct logical {
	struct sb_buf text;
	struct seg *segs;
	size_t nsegs, cap;
};

static int logical_add(struct logical *l, const char *buf, const struct lx_line *ln, size_t from,
		       size_t to)
{
	struct seg *s;

	if (sb_grow(&l->segs, &l->cap, l->nsegs + 1, sizeof(*l->segs)) < 0)
		return -1;
	s = &l->segs[l->nsegs++];
	s->log = l->text.len;
	s->src = from;
	s->line = ln->lineno;
	s->col = (unsigned)(from - ln->bol + 1);
	return sb_buf_add(&l->text, buf + from, to - from);
}

/* The source position of byte i of the logical line (or of its end). */
static struct sb_pos logical_pos(const struct logical *l, size_t i)
{
	size_t k = l->nsegs - 1;
	struct sb_pos pos;

	while (k > 0 && l->segs[k].log > i)
		k--;
	pos.line = l->segs[k].line;
	pos.col = l->segs[k].col + (unsigned)(i - l->segs[k].log);
	pos.off = l->segs[k].src + (i - l->segs[k].log);
	return pos;
}

static void logical_reset(struct logical *l)
{
	l->text.len = 0;
	if (l->text.buf)
		l->text.buf[0] = '\0';
	l->nsegs = 0;
}

static void logical_release(struct logical *l)
{
	sb_buf_release(&l->text);
	free(l->segs);
	memset(l, 0, sizeof(*l));
}

/* What parsing one instruction needs. */
struct ictx {
	struct df_file *f;
	const struct logical *l;
	const char *t; /* l->text.buf */
	struct df_instr *in;
	size_t cap_args, cap_flags;
	struct sb_error *err;
};

static int oom(struct ictx *c)
{
	return sb_errorf(c->err, "out of memory");
}

static int add_arg(struct ictx *c, char *text, size_t at)
{
	struct df_instr *in = c->in;

	if (!text)
		return oom(c);
	if (sb_grow(&in->args, &c->cap_args, in->nargs + 1, sizeof(*in->args)) < 0) {
		free(text);
		return oom(c);
	}
	in->args[in->nargs].text = text;
	in->args[in->nargs].pos = logical_pos(c->l, at);
	in->nargs++;
	return 0;
}

/* flag = "--" name [ "=" value ]   (word already unquoted) */
static int add_flag(struct ictx *c, const struct sb_buf *word, size_t at)
{
	struct df_instr *in = c->in;
	struct df_flag *fl;
	const char *w = word->buf + 2, *eq;

	if (sb_grow(&in->flags, &c->cap_flags, in->nflags + 1, sizeof(*in->flags)) < 0)
		return oom(c);
	fl = &in->flags[in->nflags];
	eq = strchr(w, '=');
	fl->name = eq ? sb_strndup(w, (size_t)(eq - w)) : sb_strdup(w);
	fl->value = eq ? sb_strdup(eq + 1) : NULL;
	fl->pos = logical_pos(c->l, at);
	if (!fl->name || (eq && !fl->value)) {
		free(fl->name);
		free(fl->value);
		return oom(c);
	}
	in->nflags++;
	return 0;
}

/* Go's unicode.IsSpace applied to a single byte taken as a rune, which is what
 * BuildKit's extractBuilderFlags does. */
static int flag_space(unsigned char c)
{
	return c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == ' ' ||
	       c == 0x85 || c == 0xa0;
}

/* flags = { "--" word } [ "--" ]   (BuildKit's extractBuilderFlags)
 *
 * A flag word may hold quotes (removed) and backslashes (which escape the next
 * byte, whatever the escape directive says). Scanning stops at the first word
 * that does not start with "--"; a bare "--" ends the flags. On success *rem
 * is where the rest of the line starts. */
static int parse_flags(struct ictx *c, size_t i, size_t end, size_t *rem)
{
	enum { SPACES, WORD, QUOTE } phase = SPACES;
	const char *t = c->t;
	struct sb_buf w = {0};
	size_t wstart = i;
	char quote = 0;
	int blank_ok = 0, rc = -1;

	*rem = end;
	if (sb_buf_add(&w, "", 0) < 0)
		goto oom;
	for (size_t pos = i; pos <= end; pos++) {
		unsigned char ch = pos < end ? (unsigned char)t[pos] : 0;

		if (phase == SPACES) {
			if (pos == end)
				break;
			if (flag_space(ch))
				continue;
			if (ch != '-' || pos + 1 == end || t[pos + 1] != '-') {
				*rem = pos;
				break;
			}
			phase = WORD;
			wstart = pos;
		}
		if (pos == end) {
			if (strcmp(w.buf, "--") != 0 && (blank_ok || w.len > 0) &&
			    add_flag(c, &w, wstart) < 0)
				goto out;
			break;
		}
		if (phase == WORD) {
			if (flag_space(ch)) {
				phase = SPACES;
				if (strcmp(w.buf, "--") == 0) {
					*rem = pos;
					break;
				}
				if ((blank_ok || w.len > 0) && add_flag(c, &w, wstart) < 0)
					goto out;
				w.len = 0;
				w.buf[0] = '\0';
				blank_ok = 0;
				continue;
			}
			if (ch == '\'' || ch == '"') {
				quote = (char)ch;
				blank_ok = 1;
				phase = QUOTE;
				continue;
			}
			if (ch == '\\') {
				if (pos + 1 == end)
					continue;
				ch = (unsigned char)t[++pos];
			}
			if (sb_buf_addc(&w, (char)ch) < 0)
				goto oom;
			continue;
		}
		/* QUOTE */
		if (ch == (unsigned char)quote) {
			phase = WORD;
			continue;
		}
		if (ch == '\\') {
			if (pos + 1 == end) {
				phase = WORD;
				continue;
			}
			ch = (unsigned char)t[++pos];
		}
		if (sb_buf_addc(&w, (char)ch) < 0)
			goto oom;
	}
	rc = 0;
	goto out;
oom:
	oom(c);
out:
	sb_buf_release(&w);
	return rc;
}

/* args = word { [\t\v\f\r ]+ word }   (BuildKit's parseStringsWhitespaceDelimited;
 * quotes mean nothing here) */
static int split_blank(struct ictx *c, size_t i, size_t end)
{
	while (i < end) {
		size_t j = i;

		while (j < end && !lx_is_blank(c->t[j]))
			j++;
		if (j > i && add_arg(c, sb_strndup(c->t + i, j - i), i) < 0)
			return -1;
		while (j < end && lx_is_blank(c->t[j]))
			j++;
		i = j;
	}
	return 0;
}

/* args = { space } word { space+ word }   (BuildKit's parseWords)
 * word = { char | escape char | '"' { char | escape char } '"' | "'" { char } "'" }
 *
 * Quotes and escape characters stay in the words; an escape character at the
 * very end is dropped. */
static int split_words(struct ictx *c, size_t i, size_t end)
{
	enum { SPACES, WORD, QUOTE } phase = SPACES;
	const char *t = c->t;
	const char esc = c->f->escape;
	struct sb_buf w = {0};
	size_t wstart = i, pos = i;
	char quote = 0;
	int blank_ok = 0, rc = -1;

	for (;;) {
		size_t sp = pos < end ? lx_space(t + pos, t + end) : 0;
		char ch = pos < end ? t[pos] : 0;

		if (phase == SPACES) {
			if (pos == end)
				break;
			if (sp) {
				pos += sp;
				continue;
			}
			phase = WORD;
			wstart = pos;
		}
		if (pos == end) {
			if ((blank_ok || w.len > 0) && add_arg(c, sb_buf_detach(&w), wstart) < 0)
				goto out;
			break;
		}
		if (phase == WORD) {
			if (sp) {
				phase = SPACES;
				if ((blank_ok || w.len > 0) &&
				    add_arg(c, sb_buf_detach(&w), wstart) < 0)
					goto out;
				sb_buf_release(&w);
				blank_ok = 0;
				pos += sp;
				continue;
			}
			if (ch == '\'' || ch == '"') {
				quote = ch;
				blank_ok = 1;
				phase = QUOTE;
			}
			if (ch == esc) {
				if (pos + 1 == end) {
					pos++;
					continue;
				}
				if (sb_buf_addc(&w, ch) < 0)
					goto oom;
				ch = t[++pos];
			}
			if (sb_buf_addc(&w, ch) < 0)
				goto oom;
			pos++;
			continue;
		}
		/* QUOTE */
		if (ch == quote)
			phase = WORD;
		if (ch == esc && quote != '\'') {
			if (pos + 1 == end) {
				phase = WORD;
				pos++;
				continue;
			}
			if (sb_buf_addc(&w, ch) < 0)
				goto oom;
			ch = t[++pos];
		}
		if (sb_buf_addc(&w, ch) < 0)
			goto oom;
		pos++;
	}
	rc = 0;
	goto out;
oom:
	oom(c);
out:
	sb_buf_release(&w);
	return rc;
}

/* JSON: the top-level array's strings, collected by yajl callbacks. */
struct jctx {
	int depth;
	int nonstring; /* an element of the top-level array is not a string */
	int nomem;
	char **strs;
	size_t n, cap;
};

static int j_value(void *ud)
{
	struct jctx *j = ud;

	if (j->depth == 1)
		j->nonstring = 1;
	return 1;
}

static int j_bool(void *ud, int b)
{
	(void)b;
	return j_value(ud);
}

static int j_number(void *ud, const char *s, size_t n)
{
	(void)s;
	(void)n;
	return j_value(ud);
}

static int j_string(void *ud, const unsigned char *s, size_t n)
{
	struct jctx *j = ud;

	if (j->depth != 1)
		return 1;
	if (sb_grow(&j->strs, &j->cap, j->n + 1, sizeof(*j->strs)) < 0 ||
	    !(j->strs[j->n] = sb_strndup((const char *)s, n))) {
		j->nomem = 1;
		return 0;
	}
	j->n++;
	return 1;
}

static int j_open(void *ud)
{
	struct jctx *j = ud;

	j_value(ud);
	j->depth++;
	return 1;
}

static int j_close(void *ud)
{
	struct jctx *j = ud;

	j->depth--;
	return 1;
}

static int j_key(void *ud, const unsigned char *s, size_t n)
{
	(void)ud;
	(void)s;
	(void)n;
	return 1;
}

static const yajl_callbacks j_callbacks = {
    .yajl_null = j_value,
    .yajl_boolean = j_bool,
    .yajl_number = j_number,
    .yajl_string = j_string,
    .yajl_start_map = j_open,
    .yajl_map_key = j_key,
    .yajl_end_map = j_close,
    .yajl_start_array = j_open,
    .yajl_end_array = j_close,
};

/* Skips the JSON value at t[i] (known to be valid); returns the index after it. */
static size_t json_skip(const char *t, size_t i, size_t end)
{
	int depth = 0;

	for (; i < end; i++) {
		char ch = t[i];

		if (ch == '"') {
			for (i++; i < end && t[i] != '"'; i++)
				if (t[i] == '\\')
					i++;
			if (depth == 0)
				return i + 1;
		} else if (ch == '[' || ch == '{') {
			depth++;
		} else if (ch == ']' || ch == '}') {
			if (depth == 0)
				return i;
			if (--depth == 0)
				return i + 1;
		} else if (ch == ',' && depth == 0) {
			return i;
		} else if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			if (depth == 0)
				return i;
		}
	}
	return i;
}

/* The offsets of the top-level array's elements (the array at t[i] is valid
 * JSON). Fills at most max of them; returns how many there are. */
static size_t json_elems(const char *t, size_t i, size_t end, size_t *offs, size_t max)
{
	size_t n = 0;

	for (i++; i < end;) {
		char ch = t[i];

		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == ',') {
			i++;
		} else if (ch == ']') {
			break;
		} else {
			if (n < max)
				offs[n] = i;
			n++;
			i = json_skip(t, i, end);
		}
	}
	return n;
}

/* exec = "[" [ string { "," string } ] "]" { any }   (BuildKit's parseJSON:
 * Go's json.Decoder reads the first value and ignores what follows)
 *
 * Returns 1 when t[i..end) is a JSON array of strings (args added, json set),
 * 0 when it is not JSON (nothing added), -1 on error: out of memory, or a
 * valid array with an element that is not a string (BuildKit refuses it). */
static int maybe_json(struct ictx *c, size_t i, size_t end)
{
	struct jctx j = {0};
	yajl_handle h = NULL;
	size_t *offs = NULL, n;
	int rc = -1;

	if (i >= end || c->t[i] != '[')
		return 0;
	h = yajl_alloc(&j_callbacks, NULL, &j);
	if (!h || !yajl_config(h, yajl_allow_trailing_garbage, 1)) {
		oom(c);
		goto out;
	}
	if (yajl_parse(h, (const unsigned char *)c->t + i, end - i) != yajl_status_ok ||
	    yajl_complete_parse(h) != yajl_status_ok) {
		if (j.nomem) {
			oom(c);
			goto out;
		}
		rc = 0;
		goto out;
	}
	n = json_elems(c->t, i, end, NULL, 0);
	offs = calloc(n ? n : 1, sizeof(*offs));
	if (!offs) {
		oom(c);
		goto out;
	}
	json_elems(c->t, i, end, offs, n);
	if (j.nonstring) {
		size_t k = 0;

		while (k < n && c->t[offs[k]] == '"')
			k++;
		sb_error_at(
		    c->err, &c->f->src, logical_pos(c->l, k < n ? offs[k] : i),
		    "when using JSON array syntax, arrays must be comprised of strings only");
		sb_error_hint(c->err,
			      "quote every element, e.g. [\"/bin/sh\", \"-c\", \"echo hi\"]");
		goto out;
	}
	for (size_t k = 0; k < j.n; k++) {
		char *s = j.strs[k];

		j.strs[k] = NULL;
		if (add_arg(c, s, k < n ? offs[k] : i) < 0)
			goto out;
	}
	c->in->json = 1;
	rc = 1;
out:
	for (size_t k = 0; k < j.n; k++)
		free(j.strs[k]);
	free(j.strs);
	free(offs);
	if (h)
		yajl_free(h);
	return rc;
}

/* args for HEALTHCHECK = type [ space+ ( exec | words ) ]   (BuildKit's
 * parseHealthConfig: the type ends at the first space byte) */
static int parse_health(struct ictx *c, size_t i, size_t end)
{
	size_t sep = i, next;
	int rc;

	while (sep < end && !flag_space((unsigned char)c->t[sep]))
		sep++;
	if (sep == i)
		return 0;
	if (add_arg(c, sb_strndup(c->t + i, sep - i), i) < 0)
		return -1;
	next = sep;
	while (next < end && flag_space((unsigned char)c->t[next]))
		next++;
	rc = maybe_json(c, next, end);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return split_words(c, next, end);
}

static void instr_release(struct df_instr *in)
{
	free(in->keyword);
	for (size_t i = 0; i < in->nflags; i++) {
		free(in->flags[i].name);
		free(in->flags[i].value);
	}
	free(in->flags);
	for (size_t i = 0; i < in->nargs; i++)
		free(in->args[i].text);
	free(in->args);
	free(in->rest);
	memset(in, 0, sizeof(*in));
}

/* instruction = space* keyword [ blank+ flags rest ] space*   (splitCommand) */
static int parse_instr(struct df_file *f, const struct logical *l, struct df_instr *in,
		       struct sb_error *err)
{
	struct ictx c = {.f = f, .l = l, .t = l->text.buf, .in = in, .err = err};
	const char *t = l->text.buf;
	size_t a, b, k, r, rs;
	int rc = -1;

	a = (size_t)(lx_skip_space(t, t + l->text.len) - t);
	b = (size_t)(lx_trim_right(t + a, t + l->text.len) - t);
	for (k = a; k < b && !lx_is_blank(t[k]); k++)
		;
	in->keyword = sb_strndup(t + a, k - a);
	if (!in->keyword) {
		oom(&c);
		goto out;
	}
	in->kind = kind_of(in->keyword);
	in->pos = logical_pos(l, a);
	while (k < b && lx_is_blank(t[k]))
		k++;
	if (parse_flags(&c, k, b, &r) < 0)
		goto out;
	rs = (size_t)(lx_skip_space(t + r, t + b) - t);
	in->rest = sb_strndup(t + rs, b - rs);
	if (!in->rest) {
		oom(&c);
		goto out;
	}
	in->rest_pos = logical_pos(l, rs);

	switch (in->kind) {
	case DF_ADD:
	case DF_COPY:
	case DF_VOLUME:
		rc = maybe_json(&c, rs, b);
		if (rc != 0)
			break;
		/* fallthrough */
	case DF_EXPOSE:
	case DF_FROM:
		rc = split_blank(&c, rs, b);
		break;
	case DF_CMD:
	case DF_ENTRYPOINT:
	case DF_RUN:
	case DF_SHELL:
		rc = maybe_json(&c, rs, b);
		if (rc == 0)
			rc = split_words(&c, rs, b);
		break;
	case DF_HEALTHCHECK:
		rc = parse_health(&c, rs, b);
		break;
	default:
		rc = split_words(&c, rs, b);
		break;
	}
	rc = rc < 0 ? -1 : 0;
out:
	return rc;
}

/* Parser-directive state. */
struct dstate {
	int done;
	int seen_escape, seen_syntax, seen_check;
};

/* directive = "#" space* key space* "=" space* value space*
 * key = "escape" | "syntax" | "check"   (case-insensitive)
 *
 * Any other line (or another key) ends the directives region. */
static int directive(struct df_file *f, struct dstate *ds, const struct lx_line *ln, const char *p,
		     struct sb_error *err)
{
	const char *end = f->src.buf + ln->end;
	struct lx_directive d;
	struct sb_pos pos;
	int *seen;
	char key[8];

	if (!lx_directive(p, end, &d) || d.key_len >= sizeof(key)) {
		ds->done = 1;
		return 0;
	}
	for (size_t i = 0; i < d.key_len; i++)
		key[i] = (char)(d.key[i] | 0x20);
	key[d.key_len] = '\0';
	if (strcmp(key, "escape") == 0)
		seen = &ds->seen_escape;
	else if (strcmp(key, "syntax") == 0)
		seen = &ds->seen_syntax;
	else if (strcmp(key, "check") == 0)
		seen = &ds->seen_check;
	else {
		ds->done = 1;
		return 0;
	}
	pos.line = ln->lineno;
	pos.off = (size_t)(d.key - f->src.buf);
	pos.col = (unsigned)(pos.off - ln->bol + 1);
	if (*seen) {
		sb_error_at(err, &f->src, pos, "only one %s parser directive can be used", key);
		return sb_error_hint(err, "remove the repeated \"# %s=\" line", key);
	}
	*seen = 1;
	if (seen != &ds->seen_escape)
		return 0;
	if (d.value_len == 1 && (d.value[0] == '\\' || d.value[0] == '`')) {
		f->escape = d.value[0];
		return 0;
	}
	pos.off = (size_t)(d.value - f->src.buf);
	pos.col = (unsigned)(pos.off - ln->bol + 1);
	sb_error_at(err, &f->src, pos, "invalid escape token '%.*s' does not match ` or \\",
		    (int)d.value_len, d.value);
	return sb_error_hint(err, "write \"# escape=\\\" (the default) or \"# escape=`\"");
}

static int is_comment(const char *p, const char *end)
{
	return p < end && *p == '#';
}

int df_parse(struct df_file *out, char *name, char *buf, size_t len, struct sb_error *err)
{
	struct df_file f = {.src = {name, buf, len}, .escape = '\\'};
	struct logical l = {0};
	struct dstate ds = {0};
	struct lexer lx;
	struct lx_line ln;
	size_t cap = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	buf[len] = '\0';
	lx_init(&lx, buf, len);
	while (lx_next_line(&lx, &ln)) {
		const char *s = buf + ln.start, *e = buf + ln.end;
		const char *t = lx_skip_space(s, e), *cont;
		struct df_instr *in;

		if (!ds.done && directive(&f, &ds, &ln, t, err) < 0)
			goto out;
		if (is_comment(t, e))
			continue;
		cont = lx_continuation(t, e, f.escape);
		if (!cont && t == e)
			continue;
		logical_reset(&l);
		if (logical_add(&l, buf, &ln, (size_t)(t - buf),
				(size_t)((cont ? cont : e) - buf)) < 0)
			goto nomem;
		while (cont && lx_next_line(&lx, &ln)) {
			s = buf + ln.start;
			e = buf + ln.end;
			t = lx_skip_space(s, e);
			/* Comment and blank lines inside a continuation are dropped. */
			if (is_comment(t, e) || t == e)
				continue;
			cont = lx_continuation(s, e, f.escape);
			if (logical_add(&l, buf, &ln, ln.start, (size_t)((cont ? cont : e) - buf)) <
			    0)
				goto nomem;
		}
		if (sb_grow(&f.instrs, &cap, f.ninstrs + 1, sizeof(*f.instrs)) < 0)
			goto nomem;
		in = &f.instrs[f.ninstrs];
		memset(in, 0, sizeof(*in));
		if (parse_instr(&f, &l, in, err) < 0) {
			instr_release(in);
			goto out;
		}
		f.ninstrs++;
	}
	if (f.ninstrs == 0) {
		sb_error_at(err, &f.src, (struct sb_pos){0}, "file with no instructions");
		sb_error_hint(err, "a Dockerfile needs at least one instruction, such as "
				   "\"FROM scratch\"");
		goto out;
	}
	*out = f;
	memset(&f, 0, sizeof(f));
	rc = 0;
	goto out;
nomem:
	sb_errorf(err, "out of memory");
out:
	logical_release(&l);
	df_file_release(&f);
	return rc;
}

void df_file_release(struct df_file *f)
{
	for (size_t i = 0; i < f->ninstrs; i++)
		instr_release(&f->instrs[i]);
	free(f->instrs);
	free(f->src.name);
	free(f->src.buf);
	memset(f, 0, sizeof(*f));
}
