/* libFuzzer target for everything that reads a Dockerfile without a context:
 * the re2c lexer, the parser (heredocs, ONBUILD triggers, warnings included),
 * BuildKit's word processing on what the parser produced, and the parse-tree
 * printers of `scratchbuild parse` (text and JSON).
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true && ninja -C build-fuzz
 * Run:   tests/fuzz/run [SECONDS]   (or tests/fuzz/run-long)
 *
 * Every input is one Dockerfile. Nothing here may print or exit: a finding is
 * a crash, a sanitizer report, a leak or a broken invariant (abort()).
 */
#include "interp/dump.h"
#include "interp/parse.h"
#include "interp/shlex.h"
#include "lexer/lexer.h"
#include "util/error.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A small fixed variable table: set, empty, with blanks and with quotes. */
static const char *lookup(void *ud, const char *name)
{
	static const char *const vars[][2] = {
	    {"HOME", "/root"}, {"EMPTY", ""}, {"SP", "a  b"}, {"Q", "\"'\\"}, {"1", "one"},
	};

	(void)ud;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (strcmp(vars[i][0], name) == 0)
			return vars[i][1];
	return NULL;
}

static void check(int ok)
{
	if (!ok)
		abort();
}

/* A formatted error must always exist and be released cleanly. */
static void consume_error(struct sb_error *err)
{
	char *s = sb_error_format(err);

	check(s != NULL);
	free(s);
	sb_error_release(err);
}

static void words(const char *in, char escape, const struct shlex_opts *o)
{
	struct sb_error err = {0};
	char **v = NULL;
	size_t n = 0;

	if (shlex_words_opts(in, escape, o, lookup, NULL, &v, &n, &err) < 0) {
		check(v == NULL && err.msg != NULL);
		consume_error(&err);
		return;
	}
	check(v != NULL && v[n] == NULL);
	for (size_t i = 0; i < n; i++)
		check(v[i][0] != '\0');
	sb_strv_free(v);
}

static void word(const char *in, char escape)
{
	struct sb_error err = {0};
	char *out = NULL;

	if (shlex_word(in, escape, lookup, NULL, &out, &err) < 0) {
		check(out == NULL && err.msg != NULL);
		consume_error(&err);
		return;
	}
	check(out != NULL);
	free(out);
}

static void check_pos(const struct df_file *f, struct sb_pos pos)
{
	struct sb_pos want;

	check(pos.line > 0 && pos.off <= f->src.len);
	want = sb_pos_at(&f->src, pos.off);
	check(want.line == pos.line && want.col == pos.col);
}

static void instr(const struct df_file *f, const struct df_instr *in)
{
	static const struct shlex_opts raw = {1, 1, 1};

	check_pos(f, in->pos);
	check_pos(f, in->rest_pos);
	check(in->keyword && in->rest);
	words(in->rest, f->escape, NULL);
	words(in->rest, '\\', &raw);
	word(in->rest, f->escape);
	for (size_t i = 0; i < in->nflags; i++) {
		check_pos(f, in->flags[i].pos);
		if (in->flags[i].value)
			word(in->flags[i].value, f->escape);
	}
	for (size_t i = 0; i < in->nargs; i++) {
		struct sb_error err = {0};
		struct df_heredoc h;
		int rc;

		check_pos(f, in->args[i].pos);
		word(in->args[i].text, f->escape);
		rc = df_heredoc_parse(in->args[i].text, &h, &err);
		if (rc < 0)
			consume_error(&err);
		else if (rc > 0) {
			(void)df_heredoc_find(in, h.name);
			df_heredoc_release(&h);
		}
	}
	for (size_t i = 0; i < in->nheredocs; i++) {
		const struct df_heredoc *h = &in->heredocs[i];

		check_pos(f, h->pos);
		check(h->name && h->name[0] && h->content && h->content[h->len] == '\0');
		check(df_heredoc_find(in, h->name) != NULL);
		if (h->expand)
			word(h->content, f->escape);
	}
	if (in->sub) {
		check(in->kind == DF_ONBUILD && in->sub->sub == NULL);
		instr(f, in->sub);
	}
}

static void lex(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct lexer lx;
	struct lx_line ln;

	lx_init(&lx, buf, size);
	while (lx_next_line(&lx, &ln)) {
		const char *s = buf + ln.start, *e = buf + ln.end, *t;
		struct lx_directive d;

		check(ln.bol <= ln.start && ln.start <= ln.end && ln.end <= size);
		t = lx_skip_space(s, e);
		check(t >= s && t <= e);
		check(lx_trim_right(t, e) >= t);
		if (lx_directive(t, e, &d))
			check(d.key >= t && d.value + d.value_len <= e && d.value_len > 0);
		(void)lx_continuation(t, e, '\\');
		(void)lx_continuation(t, e, '`');
	}
}

/* Both printers either succeed with one line per instruction (text) or one
 * JSON document, or fail with a positioned error (a BuildKit refusal); the
 * two agree on which. */
static int dump(const struct df_file *f, int json)
{
	struct sb_error err = {0};
	struct sb_buf out = {0};
	size_t lines = 0;

	if ((json ? df_dump_json(f, &out, &err) : df_dump(f, &out, &err)) < 0) {
		check(out.len == 0 && err.msg != NULL && err.line > 0);
		consume_error(&err);
		return -1;
	}
	check(out.buf != NULL && out.len > 0 && out.buf[out.len - 1] == '\n');
	for (size_t i = 0; i < out.len; i++)
		lines += out.buf[i] == '\n';
	check(json ? lines == 1 : lines == f->ninstrs);
	sb_buf_release(&out);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sb_error err = {0};
	struct df_file f;
	char *buf, *name;

	lex(data, size);
	buf = malloc(size + 1);
	name = sb_strdup("Dockerfile");
	if (!buf || !name) {
		free(buf);
		free(name);
		return 0;
	}
	if (size)
		memcpy(buf, data, size);
	if (df_parse(&f, name, buf, size, &err) < 0) {
		check(f.instrs == NULL && err.msg != NULL);
		consume_error(&err);
		return 0;
	}
	check(f.ninstrs > 0 && (f.escape == '\\' || f.escape == '`'));
	for (size_t i = 0; i < f.ninstrs; i++)
		instr(&f, &f.instrs[i]);
	for (size_t i = 0; i < f.nwarnings; i++) {
		char *s = sb_error_format(&f.warnings[i]);

		check(s != NULL && f.warnings[i].line > 0);
		free(s);
	}
	check(dump(&f, 0) == dump(&f, 1));
	df_file_release(&f);
	return 0;
}
