/* The parse tree in BuildKit's notation, and as JSON (see dump.h).
 *
 * Each instruction is first turned into BuildKit's node list (struct node:
 * the strings its line parsers produce, each with a source range); the text
 * and JSON writers then only print nodes.
 *
 * Ranges: the parser records where each word starts; where it ends is found
 * by walking the source from there over the logical line, i.e. across the
 * continuations (escape at the end of a line, then comment and blank lines
 * skipped), exactly as df_parse() joined it.
 */
#include "interp/dump.h"
#include "util/utf8.h"
#include "lexer/lexer.h"
#include "util/jgen.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

struct val {
	char *text; /* owned */
	size_t len; /* bytes in text: NUL bytes are data (parse.h) */
	struct sb_pos start, end;
};

struct node {
	char *name; /* the keyword in lower case; owned */
	const struct df_instr *in;
	struct sb_pos start, end;
	struct val *flags; /* "--name=value" as BuildKit keeps them; owned */
	size_t nflags;
	struct val *vals; /* owned */
	size_t nvals, cap;
	struct node *sub; /* ONBUILD's trigger; owned */
};

struct dctx {
	const struct df_file *f;
	struct lx_line *lines; /* every physical line; owned */
	size_t nlines;
	struct sb_error *err;
};

/* A cursor over the logical line that contains a source offset. */
struct cur {
	const struct dctx *c;
	size_t li;   /* index of the physical line */
	size_t p;    /* source offset */
	size_t pend; /* end of this line's part of the logical line */
	int more;    /* the line ends with a continuation */
};

static int oom(struct dctx *c)
{
	return sb_errorf(c->err, "out of memory");
}

static struct sb_pos pos_of(const struct dctx *c, size_t off)
{
	size_t lo = 0, hi = c->nlines;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->lines[mid].bol <= off)
			lo = mid;
		else
			hi = mid;
	}
	return (struct sb_pos){c->lines[lo].lineno, (unsigned)(off - c->lines[lo].bol + 1), off};
}

static void cur_piece(struct cur *k, size_t from)
{
	const struct lx_line *ln = &k->c->lines[k->li];
	const char *b = k->c->f->src.buf;
	const char *cont = lx_continuation(b + ln->start, b + ln->end, k->c->f->escape);

	k->pend = cont ? (size_t)(cont - b) : ln->end;
	k->p = from < k->pend ? from : k->pend;
	k->more = cont != NULL;
}

static void cur_init(struct cur *k, const struct dctx *c, size_t off)
{
	k->c = c;
	k->li = 0;
	for (size_t lo = 0, hi = c->nlines; hi - lo > 0;) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->lines[mid].bol <= off) {
			k->li = mid;
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	cur_piece(k, off);
}

/* Moves to the next part of the logical line (as df_parse joins lines:
 * comment and blank lines inside a continuation are skipped). 0 at its end. */
static int cur_next(struct cur *k)
{
	const char *b = k->c->f->src.buf;

	if (!k->more)
		return 0;
	for (size_t i = k->li + 1; i < k->c->nlines; i++) {
		const struct lx_line *ln = &k->c->lines[i];
		const char *t = lx_skip_space(b + ln->start, b + ln->end);

		if (t == b + ln->end || *t == '#')
			continue;
		k->li = i;
		cur_piece(k, ln->start);
		return 1;
	}
	k->more = 0;
	return 0;
}

/* Where the next logical byte is (the start of the next part when at the end
 * of one). */
static void cur_norm(struct cur *k)
{
	while (k->p >= k->pend && cur_next(k))
		;
}

/* Moves over n logical bytes, ending just after the last one. */
static void cur_skip(struct cur *k, size_t n)
{
	while (n > 0) {
		size_t step;

		if (k->p >= k->pend) {
			if (!cur_next(k))
				return;
			continue;
		}
		step = k->pend - k->p < n ? k->pend - k->p : n;
		k->p += step;
		n -= step;
	}
}

/* The next logical byte, or -1 at the end of the logical line. */
static int cur_get(struct cur *k)
{
	cur_norm(k);
	if (k->p >= k->pend)
		return -1;
	return (unsigned char)k->c->f->src.buf[k->p++];
}

/* Go's unicode.IsSpace on one byte taken as a rune (BuildKit's
 * extractBuilderFlags and parseHealthConfig). */
static int byte_space(int ch)
{
	return ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r' || ch == ' ' ||
	       ch == 0x85 || ch == 0xa0;
}

static int add_val(struct dctx *c, struct node *n, char *text, size_t len, struct sb_pos start,
		   struct sb_pos end)
{
	if (!text)
		return oom(c);
	if (sb_grow(&n->vals, &n->cap, n->nvals + 1, sizeof(*n->vals)) < 0) {
		free(text);
		return oom(c);
	}
	n->vals[n->nvals++] = (struct val){text, len, start, end};
	return 0;
}

/* A node whose text is the next len logical bytes at the cursor. */
static int add_run(struct dctx *c, struct node *n, struct cur *k, const char *text, size_t len)
{
	struct sb_pos start;

	cur_norm(k);
	start = pos_of(c, k->p);
	cur_skip(k, len);
	return add_val(c, n, sb_strndup(text, len), len, start, pos_of(c, k->p));
}

/* A node for a word as written, starting at pos. */
static int add_word(struct dctx *c, struct node *n, const char *text, size_t len, struct sb_pos pos)
{
	struct cur k;

	cur_init(&k, c, pos.off);
	return add_run(c, n, &k, text, len);
}

/* The end of the JSON string whose opening quote is at off. */
static struct sb_pos json_end(const struct dctx *c, size_t off)
{
	struct cur k;
	int ch;

	cur_init(&k, c, off);
	if (cur_get(&k) != '"')
		return pos_of(c, off);
	while ((ch = cur_get(&k)) >= 0 && ch != '"')
		if (ch == '\\')
			(void)cur_get(&k);
	return pos_of(c, k.p);
}

/* The end of the flag word that starts at off (extractBuilderFlags: quotes,
 * and a backslash escaping the next byte). */
static struct sb_pos flag_end(const struct dctx *c, size_t off)
{
	struct cur k;
	int quote = 0;

	cur_init(&k, c, off);
	for (;;) {
		int ch;

		cur_norm(&k);
		if (k.p >= k.pend)
			break;
		ch = (unsigned char)c->f->src.buf[k.p];
		if (!quote && byte_space(ch))
			break;
		k.p++;
		if (ch == '\\')
			(void)cur_get(&k);
		else if (quote && ch == quote)
			quote = 0;
		else if (!quote && (ch == '"' || ch == '\''))
			quote = ch;
	}
	return pos_of(c, k.p);
}

static int add_json(struct dctx *c, struct node *n, const struct df_instr *in, size_t from)
{
	for (size_t i = from; i < in->nargs; i++)
		if (add_val(c, n, sb_strndup(in->args[i].text, in->args[i].len), in->args[i].len,
			    in->args[i].pos, json_end(c, in->args[i].pos.off)) < 0)
			return -1;
	return 0;
}

static int add_words(struct dctx *c, struct node *n, const struct df_instr *in)
{
	for (size_t i = 0; i < in->nargs; i++)
		if (add_word(c, n, in->args[i].text, in->args[i].len, in->args[i].pos) < 0)
			return -1;
	return 0;
}

/* parseMaybeJSON: the rest of the line as one node, when there is one. */
static int add_rest(struct dctx *c, struct node *n, const struct df_instr *in)
{
	return in->rest_len ? add_word(c, n, in->rest, in->rest_len, in->rest_pos) : 0;
}

/* parseNameVal: ENV and LABEL, as triples key, value, separator ("=" or ""
 * for the legacy form), the notation of current BuildKit. */
static int add_namevals(struct dctx *c, struct node *n, const struct df_instr *in)
{
	const char *what = df_kind_name(in->kind), *r = in->rest;
	struct sb_pos sep, sep_end;
	struct cur k;
	size_t i = 0, j;

	if (in->nargs == 0)
		return 0;
	if (!memchr(in->args[0].text, '=', in->args[0].len)) {
		/* The legacy form: name, then the rest of the line after the first
		 * run of [\t\v\f\r ]. */
		while (i < in->rest_len && !lx_is_blank(r[i]))
			i++;
		if (i == in->rest_len) {
			sb_error_at(c->err, &c->f->src, in->pos, "%s must have two arguments",
				    what);
			return sb_error_hint(c->err, "write %s name=value", what);
		}
		for (j = i; j < in->rest_len && lx_is_blank(r[j]); j++)
			;
		cur_init(&k, c, in->rest_pos.off);
		if (add_run(c, n, &k, r, i) < 0)
			return -1;
		/* The separator "" has an empty range where the name ends. */
		sep = pos_of(c, k.p);
		cur_skip(&k, j - i);
		if (add_run(c, n, &k, r + j, in->rest_len - j) < 0 ||
		    add_val(c, n, sb_strdup(""), 0, sep, sep) < 0)
			return -1;
		return 0;
	}
	for (size_t a = 0; a < in->nargs; a++) {
		const char *w = in->args[a].text, *eq = memchr(w, '=', in->args[a].len);

		if (!eq) {
			struct sb_buf q = {0};
			int rc = sb_utf8_quote_n(&q, w, in->args[a].len);

			if (rc == 0)
				sb_error_at(c->err, &c->f->src, in->args[a].pos,
					    "Syntax error - can't find = in %s. Must be of the "
					    "form: name=value",
					    q.buf);
			sb_buf_release(&q);
			if (rc < 0)
				return oom(c);
			return sb_error_hint(c->err, "write each pair as name=value");
		}
		/* BuildKit's newKeyValueNode(key, value, "="): the separator comes
		 * last, with the range of the "=" byte. */
		cur_init(&k, c, in->args[a].pos.off);
		if (add_run(c, n, &k, w, (size_t)(eq - w)) < 0)
			return -1;
		cur_norm(&k);
		sep = pos_of(c, k.p);
		cur_skip(&k, 1);
		sep_end = pos_of(c, k.p);
		if (add_run(c, n, &k, eq + 1, in->args[a].len - (size_t)(eq + 1 - w)) < 0 ||
		    add_val(c, n, sb_strdup("="), 1, sep, sep_end) < 0)
			return -1;
	}
	return 0;
}

/* parseHealthConfig: the type word, then the command as parseMaybeJSON. */
static int add_health(struct dctx *c, struct node *n, const struct df_instr *in)
{
	const char *r = in->rest;
	size_t next;
	struct cur k;

	if (in->nargs == 0)
		return 0;
	if (add_word(c, n, in->args[0].text, in->args[0].len, in->args[0].pos) < 0)
		return -1;
	if (in->json)
		return add_json(c, n, in, 1);
	next = strlen(in->args[0].text);
	while (r[next] && byte_space((unsigned char)r[next]))
		next++;
	if (!r[next])
		return 0;
	cur_init(&k, c, in->rest_pos.off);
	cur_skip(&k, next);
	return add_run(c, n, &k, r + next, in->rest_len - next);
}

static void node_release(struct node *n)
{
	if (!n)
		return;
	free(n->name);
	for (size_t i = 0; i < n->nflags; i++)
		free(n->flags[i].text);
	free(n->flags);
	for (size_t i = 0; i < n->nvals; i++)
		free(n->vals[i].text);
	free(n->vals);
	if (n->sub) {
		node_release(n->sub);
		free(n->sub);
	}
	memset(n, 0, sizeof(*n));
}

static int build(struct dctx *c, const struct df_instr *in, struct node *n)
{
	struct cur k;
	int rc = -1;

	n->in = in;
	n->start = in->pos;
	n->name = sb_strdup(in->keyword);
	n->flags = calloc(in->nflags ? in->nflags : 1, sizeof(*n->flags));
	if (!n->name || !n->flags) {
		oom(c);
		goto out;
	}
	for (char *p = n->name; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	for (size_t i = 0; i < in->nflags; i++) {
		const struct df_flag *fl = &in->flags[i];
		struct val *v = &n->flags[n->nflags];

		v->text = sb_printf("--%s%s", fl->name, fl->value ? "=" : "");
		if (v->text && fl->value) {
			/* The value with its NUL bytes, if any. */
			size_t hl = strlen(v->text);
			char *t = realloc(v->text, hl + fl->value_len + 1);

			if (!t) {
				free(v->text);
				v->text = NULL;
			} else {
				memcpy(t + hl, fl->value, fl->value_len + 1);
				v->text = t;
			}
			v->len = hl + fl->value_len;
		} else if (v->text) {
			v->len = strlen(v->text);
		}
		if (!v->text) {
			oom(c);
			goto out;
		}
		v->start = fl->pos;
		v->end = flag_end(c, fl->pos.off);
		n->nflags++;
	}

	switch (in->kind) {
	case DF_ADD:
	case DF_COPY:
	case DF_VOLUME:
	case DF_EXPOSE:
	case DF_FROM:
		rc = in->json ? add_json(c, n, in, 0) : add_words(c, n, in);
		break;
	case DF_CMD:
	case DF_ENTRYPOINT:
	case DF_RUN:
	case DF_SHELL:
		rc = in->json ? add_json(c, n, in, 0) : add_rest(c, n, in);
		break;
	case DF_MAINTAINER:
	case DF_STOPSIGNAL:
	case DF_USER:
	case DF_WORKDIR:
		rc = add_rest(c, n, in);
		break;
	case DF_ENV:
	case DF_LABEL:
		rc = add_namevals(c, n, in);
		break;
	case DF_ARG:
		rc = add_words(c, n, in);
		break;
	case DF_HEALTHCHECK:
		rc = add_health(c, n, in);
		break;
	case DF_ONBUILD:
		rc = 0;
		if (in->sub) {
			n->sub = calloc(1, sizeof(*n->sub));
			rc = n->sub ? build(c, in->sub, n->sub) : oom(c);
		}
		break;
	case DF_UNKNOWN:
		rc = add_val(c, n, sb_strdup(""), 0, in->rest_pos, in->rest_pos);
		break;
	}
	if (rc < 0)
		goto out;

	/* The instruction ends where its last word does. */
	if (in->rest[0]) {
		cur_init(&k, c, in->rest_pos.off);
		cur_skip(&k, in->rest_len);
		n->end = pos_of(c, k.p);
	} else if (n->nflags) {
		n->end = n->flags[n->nflags - 1].end;
	} else {
		cur_init(&k, c, in->pos.off);
		cur_skip(&k, strlen(in->keyword));
		n->end = pos_of(c, k.p);
	}
	rc = 0;
out:
	return rc;
}

/* Every instruction of f as nodes, in file order; the first refusal stops. */
static int build_all(struct dctx *c, struct node **out)
{
	struct node *nodes = calloc(c->f->ninstrs ? c->f->ninstrs : 1, sizeof(*nodes));
	struct lexer lx;
	struct lx_line ln;
	size_t cap = 0;
	int rc = -1;

	*out = NULL;
	if (!nodes) {
		oom(c);
		goto out;
	}
	lx_init(&lx, c->f->src.buf, c->f->src.len);
	while (lx_next_line(&lx, &ln)) {
		if (sb_grow(&c->lines, &cap, c->nlines + 1, sizeof(*c->lines)) < 0) {
			oom(c);
			goto out;
		}
		c->lines[c->nlines++] = ln;
	}
	if (c->nlines == 0) {
		/* df_parse() never succeeds on a file without lines. */
		sb_errorf(c->err, "internal error: a parsed Dockerfile without lines");
		goto out;
	}
	for (size_t i = 0; i < c->f->ninstrs; i++)
		if (build(c, &c->f->instrs[i], &nodes[i]) < 0)
			goto out;
	*out = nodes;
	nodes = NULL;
	rc = 0;
out:
	if (nodes) {
		for (size_t i = 0; i < c->f->ninstrs; i++)
			node_release(&nodes[i]);
		free(nodes);
	}
	return rc;
}

static void release_all(struct dctx *c, struct node *nodes)
{
	if (nodes) {
		for (size_t i = 0; i < c->f->ninstrs; i++)
			node_release(&nodes[i]);
		free(nodes);
	}
	free(c->lines);
	c->lines = NULL;
	c->nlines = 0;
}

/* ---- BuildKit's Node.Dump ---- */

static int text_node(struct sb_buf *b, const struct node *n)
{
	if (sb_buf_adds(b, n->name) < 0)
		return -1;
	if (n->nflags) {
		if (sb_buf_adds(b, " [") < 0)
			return -1;
		for (size_t i = 0; i < n->nflags; i++)
			if ((i > 0 && sb_buf_addc(b, ' ') < 0) ||
			    sb_utf8_quote_n(b, n->flags[i].text, n->flags[i].len) < 0)
				return -1;
		if (sb_buf_addc(b, ']') < 0)
			return -1;
	}
	for (size_t i = 0; i < n->nvals; i++)
		if (sb_buf_addc(b, ' ') < 0 ||
		    sb_utf8_quote_n(b, n->vals[i].text, n->vals[i].len) < 0)
			return -1;
	if (n->sub &&
	    (sb_buf_adds(b, " (") < 0 || text_node(b, n->sub) < 0 || sb_buf_addc(b, ')') < 0))
		return -1;
	return 0;
}

int df_dump(const struct df_file *f, struct sb_buf *out, struct sb_error *err)
{
	struct dctx c = {.f = f, .err = err};
	struct node *nodes = NULL;
	struct sb_buf b = {0};
	int rc = -1;

	if (build_all(&c, &nodes) < 0)
		goto out;
	for (size_t i = 0; i < f->ninstrs; i++) {
		if (sb_buf_addc(&b, '(') < 0 || text_node(&b, &nodes[i]) < 0 ||
		    sb_buf_adds(&b, ")\n") < 0) {
			oom(&c);
			goto out;
		}
	}
	if (b.len && sb_buf_add(out, b.buf, b.len) < 0) {
		oom(&c);
		goto out;
	}
	rc = 0;
out:
	sb_buf_release(&b);
	release_all(&c, nodes);
	return rc;
}

/* ---- JSON ---- */

static void json_pos(struct jgen *g, const char *key, struct sb_pos p)
{
	jgen_str(g, key);
	jgen_map_open(g);
	jgen_str(g, "line");
	jgen_int(g, p.line);
	jgen_str(g, "column");
	jgen_int(g, p.col);
	jgen_str(g, "offset");
	jgen_int(g, (long long)p.off);
	jgen_map_close(g);
}

static void json_range(struct jgen *g, struct sb_pos start, struct sb_pos end)
{
	jgen_str(g, "range");
	jgen_map_open(g);
	json_pos(g, "start", start);
	json_pos(g, "end", end);
	jgen_map_close(g);
}

static void json_vals(struct jgen *g, const char *key, const struct val *v, size_t n)
{
	jgen_str(g, key);
	jgen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		jgen_map_open(g);
		jgen_str(g, "value");
		jgen_strn(g, v[i].text, v[i].len);
		json_range(g, v[i].start, v[i].end);
		jgen_map_close(g);
	}
	jgen_array_close(g);
}

static void json_node(struct jgen *g, const struct node *n)
{
	const struct df_instr *in = n->in;

	jgen_map_open(g);
	jgen_str(g, "instruction");
	jgen_str(g, n->name);
	jgen_str(g, "keyword");
	jgen_str(g, in->keyword);
	json_range(g, n->start, n->end);
	json_vals(g, "flags", n->flags, n->nflags);
	jgen_str(g, "json");
	jgen_bool(g, in->json);
	json_vals(g, "args", n->vals, n->nvals);
	jgen_str(g, "heredocs");
	jgen_array_open(g);
	for (size_t i = 0; i < in->nheredocs; i++) {
		const struct df_heredoc *h = &in->heredocs[i];

		jgen_map_open(g);
		jgen_str(g, "name");
		jgen_str(g, h->name);
		jgen_str(g, "content");
		jgen_strn(g, h->content, h->len);
		jgen_str(g, "expand");
		jgen_bool(g, h->expand);
		jgen_str(g, "chomp");
		jgen_bool(g, h->chomp);
		json_pos(g, "start", h->pos);
		jgen_map_close(g);
	}
	jgen_array_close(g);
	if (n->sub) {
		jgen_str(g, "trigger");
		json_node(g, n->sub);
	}
	jgen_map_close(g);
}

int df_dump_json(const struct df_file *f, struct sb_buf *out, struct sb_error *err)
{
	struct dctx c = {.f = f, .err = err};
	struct node *nodes = NULL;
	struct jgen g = {NULL, yajl_gen_status_ok};
	char *doc = NULL;
	size_t len, had = out->len;
	int rc = -1;

	if (build_all(&c, &nodes) < 0)
		goto out;
	if (jgen_start(&g, 0, err) < 0)
		goto out;
	jgen_map_open(&g);
	jgen_str(&g, "file");
	jgen_str(&g, f->src.name);
	jgen_str(&g, "escape");
	jgen_strn(&g, &f->escape, 1);
	jgen_str(&g, "instructions");
	jgen_array_open(&g);
	for (size_t i = 0; i < f->ninstrs; i++)
		json_node(&g, &nodes[i]);
	jgen_array_close(&g);
	jgen_str(&g, "warnings");
	jgen_array_open(&g);
	for (size_t i = 0; i < f->nwarnings; i++) {
		const struct sb_error *w = &f->warnings[i];

		jgen_map_open(&g);
		jgen_str(&g, "message");
		jgen_str(&g, w->msg ? w->msg : "");
		jgen_str(&g, "line");
		jgen_int(&g, w->line);
		jgen_str(&g, "column");
		jgen_int(&g, w->col);
		jgen_map_close(&g);
	}
	jgen_array_close(&g);
	jgen_map_close(&g);
	if (jgen_finish(&g, &doc, &len, err) < 0)
		goto out;
	if (sb_buf_add(out, doc, len) < 0 || sb_buf_addc(out, '\n') < 0) {
		if (out->buf) {
			out->len = had;
			out->buf[had] = '\0';
		}
		oom(&c);
		goto out;
	}
	rc = 0;
out:
	free(doc);
	if (g.g)
		yajl_gen_free(g.g);
	release_all(&c, nodes);
	return rc;
}
