/* The Dockerfile parser (see parse.h), after BuildKit's
 * frontend/dockerfile/parser: parser.go, split_command.go, line_parsers.go.
 *
 *   file        = { directive } { line }
 *   directive   = "#" key "=" value            (only before anything else)
 *   line        = blank | comment | instruction
 *   instruction = text { escape NL { comment | blank } text } NL
 *
 * Physical lines come from the re2c lexer (src/lexer); this file joins them
 * into logical lines (logical.c keeps a map from every joined byte back to its
 * place in the source), and then splits each logical line into keyword, flags
 * and arguments the way BuildKit does.
 */
#include "interp/parse.h"
#include "interp/exec_json.h"
#include "interp/heredoc.h"
#include "interp/logical.h"
#include "lexer/lexer.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* Adds the argument text (len bytes, which may include NUL bytes; owned). */
static int add_arg(struct ictx *c, char *text, size_t len, size_t at)
{
	struct df_instr *in = c->in;

	if (!text)
		return oom(c);
	if (sb_grow(&in->args, &c->cap_args, in->nargs + 1, sizeof(*in->args)) < 0) {
		free(text);
		return oom(c);
	}
	in->args[in->nargs].text = text;
	in->args[in->nargs].len = len;
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
	eq = memchr(w, '=', word->len - 2);
	fl->name = sb_strndup(w, eq ? (size_t)(eq - w) : word->len - 2);
	fl->value = eq ? sb_strndup(eq + 1, word->len - 2 - (size_t)(eq + 1 - w)) : NULL;
	fl->value_len = eq ? word->len - 2 - (size_t)(eq + 1 - w) : 0;
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

/* Adds the word collected in w (emptied). */
static int add_word(struct ictx *c, struct sb_buf *w, size_t at)
{
	size_t len = w->len;

	return add_arg(c, sb_buf_detach(w), len, at);
}

/* args = word { [\t\v\f\r ]+ word }   (BuildKit's parseStringsWhitespaceDelimited;
 * quotes mean nothing here) */
static int split_blank(struct ictx *c, size_t i, size_t end)
{
	while (i < end) {
		size_t j = i;

		while (j < end && !lx_is_blank(c->t[j]))
			j++;
		if (j > i && add_arg(c, sb_strndup(c->t + i, j - i), j - i, i) < 0)
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
			if ((blank_ok || w.len > 0) && add_word(c, &w, wstart) < 0)
				goto out;
			break;
		}
		if (phase == WORD) {
			if (sp) {
				phase = SPACES;
				if ((blank_ok || w.len > 0) && add_word(c, &w, wstart) < 0)
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

/* args = exec   (exec_json.c), when the arguments are a JSON array of strings
 *
 * Returns 1 when t[i..end) is a JSON array of strings (args added, json set),
 * 0 when it is not JSON (nothing added), -1 on error: out of memory, or a
 * valid array with an element that is not a string (BuildKit refuses it). */
static int maybe_json(struct ictx *c, size_t i, size_t end)
{
	struct exec_json j;
	int rc = exec_json_parse(&c->f->src, c->l, i, end, &j, c->err);

	for (size_t k = 0; rc == 1 && k < j.n; k++) {
		char *s = j.strs[k];

		j.strs[k] = NULL;
		if (add_arg(c, s, j.lens[k], j.offs[k]) < 0)
			rc = -1;
	}
	if (rc == 1)
		c->in->json = 1;
	exec_json_release(&j);
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
	if (add_arg(c, sb_strndup(c->t + i, sep - i), sep - i, i) < 0)
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
	for (size_t i = 0; i < in->nheredocs; i++)
		df_heredoc_release(&in->heredocs[i]);
	free(in->heredocs);
	if (in->sub) {
		instr_release(in->sub);
		free(in->sub);
	}
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

static int parse_instr(struct df_file *f, const struct logical *l, size_t from, int depth,
		       struct df_instr *in, struct sb_error *err);

/* trigger = instruction   (BuildKit's parseSubCommand: the rest of an ONBUILD
 * line parsed as a line of its own; instructions.parseOnBuild refuses three
 * triggers). A trigger that is itself ONBUILD is refused before its own
 * trigger is parsed, so nesting stays one level deep. */
static int parse_trigger(struct ictx *c, size_t rs, int depth)
{
	struct df_instr *sub;
	const char *name;

	if (depth > 0)
		return 0;
	sub = calloc(1, sizeof(*sub));
	if (!sub)
		return oom(c);
	c->in->sub = sub;
	if (parse_instr(c->f, c->l, rs, depth + 1, sub, c->err) < 0)
		return -1;
	name = df_kind_name(sub->kind);
	if (sub->kind == DF_ONBUILD) {
		sb_error_at(c->err, &c->f->src, sub->pos,
			    "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
		return sb_error_hint(c->err, "write the trigger instruction itself after ONBUILD");
	}
	if (sub->kind == DF_FROM || sub->kind == DF_MAINTAINER) {
		sb_error_at(c->err, &c->f->src, sub->pos, "%s isn't allowed as an ONBUILD trigger",
			    name);
		return sb_error_hint(c->err, "ONBUILD takes any instruction but ONBUILD, FROM and "
					     "MAINTAINER");
	}
	return 0;
}

/* instruction = space* keyword [ blank+ flags rest ] space*   (splitCommand),
 * read from byte `from` of the logical line to its end. depth is 1 for an
 * ONBUILD trigger. */
static int parse_instr(struct df_file *f, const struct logical *l, size_t from, int depth,
		       struct df_instr *in, struct sb_error *err)
{
	struct ictx c = {.f = f, .l = l, .t = l->text.buf, .in = in, .err = err};
	const char *t = l->text.buf;
	size_t a, b, k, r, rs;
	int rc = -1;

	a = (size_t)(lx_skip_space(t + from, t + l->text.len) - t);
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
	in->rest_len = b - rs;
	in->nul = memchr(t + a, '\0', b - a) != NULL;
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
	case DF_ONBUILD:
		rc = split_words(&c, rs, b);
		if (rc == 0 && rs < b)
			rc = parse_trigger(&c, rs, depth);
		break;
	default:
		rc = split_words(&c, rs, b);
		break;
	}
	/* A JSON "\u0000" makes a NUL the source does not hold. */
	for (size_t q = 0; q < in->nargs && !in->nul; q++)
		in->nul = strlen(in->args[q].text) != in->args[q].len;
	rc = rc < 0 ? -1 : 0;
out:
	return rc;
}

/* BuildKit's warning for blank lines inside a continuation. */
static int warn_empty_continuation(struct df_file *f, size_t *cap, const struct logical *l,
				   struct sb_pos at)
{
	struct sb_error *w;

	if (sb_grow(&f->warnings, cap, f->nwarnings + 1, sizeof(*f->warnings)) < 0)
		return -1;
	w = &f->warnings[f->nwarnings++];
	memset(w, 0, sizeof(*w));
	sb_error_at(w, &f->src, at, "Empty continuation line found in: %s", l->text.buf);
	sb_error_hint(w, "Empty continuation lines will become errors in a future release: remove "
			 "the empty line, or end the line before it without the escape character");
	if (!w->msg || !w->file || !w->hint)
		return -1;
	return 0;
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

/* What df_parse() carries from one line to the next. */
struct pstate {
	struct df_file f;    /* the file being built */
	size_t cap, wcap;    /* room in f.instrs, f.warnings */
	struct lexer lx;     /* over f.src */
	struct dstate ds;    /* the directives seen so far */
	struct logical l;    /* the current logical line */
	struct sb_pos empty; /* its first blank line; line 0 when none */
};

/* instruction = text { escape NL { comment | blank } text } NL
 *
 * Joins the physical line ln, from its text t on, and the lines its
 * continuations take in (read from p->lx) into p->l. */
static int join_lines(struct pstate *p, struct lx_line *ln, const char *t, struct sb_error *err)
{
	const char *buf = p->f.src.buf, *e = buf + ln->end;
	const char *cont = lx_continuation(t, e, p->f.escape);

	logical_reset(&p->l);
	memset(&p->empty, 0, sizeof(p->empty));
	if (logical_add(&p->l, buf, ln, (size_t)(t - buf), (size_t)((cont ? cont : e) - buf)) < 0)
		return sb_errorf(err, "out of memory");
	while (cont && lx_next_line(&p->lx, ln)) {
		const char *s = buf + ln->start;

		e = buf + ln->end;
		t = lx_skip_space(s, e);
		/* Comment and blank lines inside a continuation are dropped;
		 * BuildKit warns about the blank ones. */
		if (is_comment(t, e))
			continue;
		if (t == e) {
			if (p->empty.line == 0) {
				p->empty.line = ln->lineno;
				p->empty.col = (unsigned)(ln->start - ln->bol + 1);
				p->empty.off = ln->start;
			}
			continue;
		}
		cont = lx_continuation(s, e, p->f.escape);
		if (logical_add(&p->l, buf, ln, ln->start, (size_t)((cont ? cont : e) - buf)) < 0)
			return sb_errorf(err, "out of memory");
	}
	return 0;
}

/* Parses the logical line p->l into the next instruction of p->f, with the
 * bodies of its heredocs (the physical lines after it, read from p->lx). */
static int add_instr(struct pstate *p, struct sb_error *err)
{
	struct df_file *f = &p->f;
	struct df_instr *in;

	if (sb_grow(&f->instrs, &p->cap, f->ninstrs + 1, sizeof(*f->instrs)) < 0)
		return sb_errorf(err, "out of memory");
	in = &f->instrs[f->ninstrs];
	memset(in, 0, sizeof(*in));
	if (p->empty.line && warn_empty_continuation(f, &p->wcap, &p->l, p->empty) < 0)
		return sb_errorf(err, "out of memory");
	if (parse_instr(f, &p->l, 0, 0, in, err) < 0 || heredocs_from_line(f, &p->l, in, err) < 0)
		goto fail;
	for (size_t k = 0; k < in->nheredocs; k++)
		if (heredoc_read(f, &p->lx, &in->heredocs[k], err) < 0)
			goto fail;
	f->ninstrs++;
	return 0;
fail:
	instr_release(in);
	return -1;
}

int df_parse(struct df_file *out, char *name, char *buf, size_t len, struct sb_error *err)
{
	struct pstate p = {.f = {.src = {name, buf, len}, .escape = '\\'}};
	struct lx_line ln;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	buf[len] = '\0';
	lx_init(&p.lx, buf, len);
	while (lx_next_line(&p.lx, &ln)) {
		const char *e = buf + ln.end, *t = lx_skip_space(buf + ln.start, e);

		if (!p.ds.done && directive(&p.f, &p.ds, &ln, t, err) < 0)
			goto out;
		if (is_comment(t, e) || t == e)
			continue;
		if (join_lines(&p, &ln, t, err) < 0 || add_instr(&p, err) < 0)
			goto out;
	}
	if (p.f.ninstrs == 0) {
		sb_error_at(err, &p.f.src, (struct sb_pos){0}, "file with no instructions");
		sb_error_hint(err, "a Dockerfile needs at least one instruction, such as "
				   "\"FROM scratch\"");
		goto out;
	}
	*out = p.f;
	memset(&p.f, 0, sizeof(p.f));
	rc = 0;
out:
	logical_release(&p.l);
	df_file_release(&p.f);
	return rc;
}

void df_file_release(struct df_file *f)
{
	for (size_t i = 0; i < f->ninstrs; i++)
		instr_release(&f->instrs[i]);
	free(f->instrs);
	for (size_t i = 0; i < f->nwarnings; i++)
		sb_error_release(&f->warnings[i]);
	free(f->warnings);
	free(f->src.name);
	free(f->src.buf);
	memset(f, 0, sizeof(*f));
}
