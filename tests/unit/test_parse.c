/* Unit tests for the Dockerfile parser (src/interp/parse.c).
 *
 * Each case parses a snippet and compares a one-line-per-instruction dump:
 *
 *     KIND "keyword"@L:C [--name[=value]@L:C ...] rest "..."@L:C json=N: "arg"@L:C ...
 *
 * or, when parsing fails, the error exactly as sb_error_format() prints it.
 * Every position is also checked against sb_pos_at() of its byte offset, so
 * offsets, lines and columns agree through continuations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "interp/parse.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

static void check_pos(const struct df_file *f, struct sb_pos pos)
{
	struct sb_pos want = sb_pos_at(&f->src, pos.off);

	assert_int_equal(pos.line, want.line);
	assert_int_equal(pos.col, want.col);
}

static int add_pos(struct sb_buf *b, const struct df_file *f, struct sb_pos pos)
{
	check_pos(f, pos);
	return sb_buf_addf(b, "@%u:%u", pos.line, pos.col);
}

/* Text with \n, \r, \t and NUL made visible. */
static int add_text(struct sb_buf *b, const char *p, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		switch (p[i]) {
		case '\n':
			rc |= sb_buf_adds(b, "\\n");
			break;
		case '\r':
			rc |= sb_buf_adds(b, "\\r");
			break;
		case '\t':
			rc |= sb_buf_adds(b, "\\t");
			break;
		case '\0':
			rc |= sb_buf_adds(b, "\\0");
			break;
		default:
			rc |= sb_buf_addc(b, p[i]);
		}
	}
	return rc;
}

/* One instruction; then, when it has any, its heredocs
 *     <<name@L:C expand=N chomp=N "content"
 * and its ONBUILD trigger in braces: sub{...}. */
static int dump_instr(struct sb_buf *b, const struct df_file *f, const struct df_instr *in)
{
	int rc = 0;

	rc |= sb_buf_addf(b, "%s \"%s\"", df_kind_name(in->kind), in->keyword);
	rc |= add_pos(b, f, in->pos);
	for (size_t k = 0; k < in->nflags; k++) {
		const struct df_flag *fl = &in->flags[k];

		rc |= sb_buf_addf(b, " --%s%s%s", fl->name, fl->value ? "=" : "",
				  fl->value ? fl->value : "");
		rc |= add_pos(b, f, fl->pos);
	}
	rc |= sb_buf_addf(b, " rest \"%s\"", in->rest);
	rc |= add_pos(b, f, in->rest_pos);
	rc |= sb_buf_addf(b, " json=%d:", in->json);
	for (size_t k = 0; k < in->nargs; k++) {
		rc |= sb_buf_addf(b, " \"%s\"", in->args[k].text);
		rc |= add_pos(b, f, in->args[k].pos);
	}
	for (size_t k = 0; k < in->nheredocs; k++) {
		const struct df_heredoc *h = &in->heredocs[k];

		assert_non_null(h->content);
		assert_int_equal(h->content[h->len], '\0');
		rc |= sb_buf_addf(b, " <<%s", h->name);
		rc |= add_pos(b, f, h->pos);
		rc |= sb_buf_addf(b, " expand=%d chomp=%d \"", h->expand, h->chomp);
		rc |= add_text(b, h->content, h->len);
		rc |= sb_buf_addc(b, '"');
	}
	if (in->sub) {
		assert_int_equal(in->kind, DF_ONBUILD);
		assert_null(in->sub->sub);
		rc |= sb_buf_adds(b, " sub{");
		rc |= dump_instr(b, f, in->sub);
		rc |= sb_buf_addc(b, '}');
	}
	return rc;
}

static char *dump(const struct df_file *f)
{
	struct sb_buf b = {0};
	int rc = 0;

	for (size_t i = 0; i < f->ninstrs; i++) {
		rc |= dump_instr(&b, f, &f->instrs[i]);
		rc |= sb_buf_addc(&b, '\n');
	}
	for (size_t i = 0; i < f->nwarnings; i++) {
		char *w = sb_error_format(&f->warnings[i]);

		assert_non_null(w);
		rc |= sb_buf_addf(&b, "warning: %s", w);
		free(w);
	}
	assert_int_equal(rc, 0);
	return sb_buf_detach(&b);
}

/* Parses src (len bytes, may hold NULs) and returns the dump or the error. */
static char *run_n(const char *src, size_t len)
{
	struct sb_error err = {0};
	struct df_file f;
	char *buf = malloc(len + 1), *name = sb_strdup("Dockerfile"), *out;

	assert_non_null(buf);
	assert_non_null(name);
	memcpy(buf, src, len);
	if (df_parse(&f, name, buf, len, &err) < 0) {
		assert_null(f.instrs);
		out = sb_error_format(&err);
		sb_error_release(&err);
		assert_non_null(out);
		return out;
	}
	assert_true(f.escape == '\\' || f.escape == '`');
	out = dump(&f);
	df_file_release(&f);
	assert_null(f.src.buf);
	assert_non_null(out);
	return out;
}

static void expect(const char *src, const char *want)
{
	char *got = run_n(src, strlen(src));

	assert_string_equal(got, want);
	free(got);
}

static char escape_of(const char *src)
{
	struct sb_error err = {0};
	struct df_file f;
	char c;

	assert_int_equal(df_parse(&f, sb_strdup("Dockerfile"), sb_strdup(src), strlen(src), &err),
			 0);
	c = f.escape;
	df_file_release(&f);
	return c;
}

static void test_simple(void **state)
{
	(void)state;
	expect("FROM scratch\nCOPY a b /dst/\n",
	       "FROM \"FROM\"@1:1 rest \"scratch\"@1:6 json=0: \"scratch\"@1:6\n"
	       "COPY \"COPY\"@2:1 rest \"a b /dst/\"@2:6 json=0: \"a\"@2:6 \"b\"@2:8 "
	       "\"/dst/\"@2:10\n");
}

static void test_keywords_case_and_unknown(void **state)
{
	(void)state;
	expect("from scratch\n  CoPy\ta\t /b\nFROBNICATE x y\nRUN\n",
	       "FROM \"from\"@1:1 rest \"scratch\"@1:6 json=0: \"scratch\"@1:6\n"
	       "COPY \"CoPy\"@2:3 rest \"a\t /b\"@2:8 json=0: \"a\"@2:8 \"/b\"@2:11\n"
	       "UNKNOWN \"FROBNICATE\"@3:1 rest \"x y\"@3:12 json=0: \"x\"@3:12 \"y\"@3:14\n"
	       "RUN \"RUN\"@4:1 rest \"\"@4:4 json=0:\n");
}

static void test_every_kind(void **state)
{
	static const char *const names[] = {
	    "ADD",    "ARG",   "CMD",	      "COPY",  "ENTRYPOINT", "ENV",
	    "EXPOSE", "FROM",  "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD",
	    "RUN",    "SHELL", "STOPSIGNAL",  "USER",  "VOLUME",     "WORKDIR",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct sb_error err = {0};
		struct df_file f;
		char *src = sb_printf("%s x\n", names[i]);

		assert_int_equal(df_parse(&f, sb_strdup("D"), src, strlen(src), &err), 0);
		assert_int_equal(f.ninstrs, 1);
		assert_string_equal(df_kind_name(f.instrs[0].kind), names[i]);
		df_file_release(&f);
	}
	assert_string_equal(df_kind_name(DF_UNKNOWN), "UNKNOWN");
	assert_string_equal(df_kind_name((enum df_kind)999), "UNKNOWN");
}

static void test_bom_crlf(void **state)
{
	(void)state;
	/* The BOM counts in the column (sb_pos_at counts bytes from the line start). */
	expect("\xef\xbb\xbf"
	       "FROM scratch\r\nLABEL a=1 \\\r\n  b=2\r\nUSER x\r",
	       "FROM \"FROM\"@1:4 rest \"scratch\"@1:9 json=0: \"scratch\"@1:9\n"
	       "LABEL \"LABEL\"@2:1 rest \"a=1   b=2\"@2:7 json=0: \"a=1\"@2:7 \"b=2\"@3:3\n"
	       "USER \"USER\"@4:1 rest \"x\"@4:6 json=0: \"x\"@4:6\n");
	/* A BOM after the first line is ordinary text. */
	expect("FROM a\n\xef\xbb\xbfUSER x\n",
	       "FROM \"FROM\"@1:1 rest \"a\"@1:6 json=0: \"a\"@1:6\n"
	       "UNKNOWN \"\xef\xbb\xbfUSER\"@2:1 rest \"x\"@2:9 json=0: \"x\"@2:9\n");
}

static void test_continuations(void **state)
{
	(void)state;
	/* Comments and blank lines inside a continuation are dropped; trailing
	 * blanks after the escape are allowed; leading blanks of continued lines
	 * are kept in rest. */
	expect("FROM scratch\nLABEL a=1 \\\n# comment\n\n   \n  b=2 \\  \t\n  c=\"x  y\"\n",
	       "FROM \"FROM\"@1:1 rest \"scratch\"@1:6 json=0: \"scratch\"@1:6\n"
	       "LABEL \"LABEL\"@2:1 rest \"a=1   b=2   c=\"x  y\"\"@2:7 json=0: "
	       "\"a=1\"@2:7 \"b=2\"@6:3 \"c=\"x  y\"\"@7:3\n"
	       "warning: Dockerfile:4:1: Empty continuation line found in: LABEL a=1   b=2   "
	       "c=\"x  y\"\n"
	       "    4 | \n"
	       "      | ^\n"
	       "hint: Empty continuation lines will become errors in a future release: remove "
	       "the empty line, or end the line before it without the escape character\n");
	/* Continuation at end of file ends the instruction. */
	expect("FROM scratch\nRUN a \\", "FROM \"FROM\"@1:1 rest \"scratch\"@1:6 json=0: "
					 "\"scratch\"@1:6\n"
					 "RUN \"RUN\"@2:1 rest \"a\"@2:5 json=0: \"a\"@2:5\n");
	/* A word split across lines starts where its first byte is. */
	expect("RUN ab\\\ncd \\\n\tef\n",
	       "RUN \"RUN\"@1:1 rest \"abcd \tef\"@1:5 json=0: \"abcd\"@1:5 \"ef\"@3:2\n");
	/* The keyword itself may be continued. */
	expect("FR\\\nOM x\n", "FROM \"FROM\"@1:1 rest \"x\"@2:4 json=0: \"x\"@2:4\n");
	/* An escaped escape at the end of a line ends it (BuildKit; Docker
	 * 20.10 reads `ENV C trailing\\\\backslash\\\\` and the next line as two
	 * instructions), and so do three: BuildKit looks one byte back only. */
	expect("ENV a=b\\\\\nUSER x\n",
	       "ENV \"ENV\"@1:1 rest \"a=b\\\\\"@1:5 json=0: \"a=b\\\\\"@1:5\n"
	       "USER \"USER\"@2:1 rest \"x\"@2:6 json=0: \"x\"@2:6\n");
	expect("ENV C trailing\\\\backslash\\\\\nENV D text\n",
	       "ENV \"ENV\"@1:1 rest \"C trailing\\\\backslash\\\\\"@1:5 json=0: \"C\"@1:5 "
	       "\"trailing\\\\backslash\\\\\"@1:7\n"
	       "ENV \"ENV\"@2:1 rest \"D text\"@2:5 json=0: \"D\"@2:5 \"text\"@2:7\n");
	expect("ENV a=b\\\\\\\nUSER x\n",
	       "ENV \"ENV\"@1:1 rest \"a=b\\\\\\\"@1:5 json=0: \"a=b\\\\\"@1:5\n"
	       "USER \"USER\"@2:1 rest \"x\"@2:6 json=0: \"x\"@2:6\n");
	/* With the backtick: the same rule, a backslash is ordinary text. */
	expect("# escape=`\nENV a=b``\nUSER x\nENV c=d\\`\nUSER y\n",
	       "ENV \"ENV\"@2:1 rest \"a=b``\"@2:5 json=0: \"a=b``\"@2:5\n"
	       "USER \"USER\"@3:1 rest \"x\"@3:6 json=0: \"x\"@3:6\n"
	       "ENV \"ENV\"@4:1 rest \"c=d\\USER y\"@4:5 json=0: \"c=d\\USER\"@4:5 \"y\"@5:6\n");
	/* A lone escape line followed by end of file: an empty instruction, as
	 * in BuildKit ("unknown instruction: "). */
	expect("FROM a\n\\\n", "FROM \"FROM\"@1:1 rest \"a\"@1:6 json=0: \"a\"@1:6\n"
			       "UNKNOWN \"\"@2:1 rest \"\"@2:1 json=0:\n");
	/* "#" elsewhere than first is not a comment. */
	expect("RUN echo # not a comment\n",
	       "RUN \"RUN\"@1:1 rest \"echo # not a comment\"@1:5 json=0: \"echo\"@1:5 "
	       "\"#\"@1:10 \"not\"@1:12 \"a\"@1:16 \"comment\"@1:18\n");
	/* Indented comments are comments too, also inside continuations. */
	expect("  # c \\\nRUN a \\\n  # c\n b\n",
	       "RUN \"RUN\"@2:1 rest \"a  b\"@2:5 json=0: \"a\"@2:5 \"b\"@4:2\n");
}

static void test_directives(void **state)
{
	(void)state;
	assert_int_equal(escape_of("FROM x\n"), '\\');
	assert_int_equal(escape_of("# escape=`\nFROM x\n"), '`');
	assert_int_equal(escape_of(" #  ESCAPE = ` \t\nFROM x\n"), '`');
	assert_int_equal(escape_of("#escape=`\n# syntax=docker/dockerfile:1\nFROM x\n"), '`');
	assert_int_equal(escape_of("\xef\xbb\xbf# escape=`\nFROM x\n"), '`');
	/* Not at the top: a blank line, a comment, an unknown key or an
	 * instruction ends the directives region. */
	assert_int_equal(escape_of("\n# escape=`\nFROM x\n"), '\\');
	assert_int_equal(escape_of("# hello\n# escape=`\nFROM x\n"), '\\');
	assert_int_equal(escape_of("# foo=bar\n# escape=`\nFROM x\n"), '\\');
	assert_int_equal(escape_of("# escape=\nFROM x\n"), '\\');
	expect("FROM x\n# escape=nonsense\n# escape=`\n",
	       "FROM \"FROM\"@1:1 rest \"x\"@1:6 json=0: \"x\"@1:6\n");

	expect("# escape=x\nFROM scratch\n",
	       "Dockerfile:1:10: invalid escape token 'x' does not match ` or \\\n"
	       "    1 | # escape=x\n"
	       "      |          ^\n"
	       "hint: write \"# escape=\\\" (the default) or \"# escape=`\"\n");
	expect("# escape=\\\n# Escape=`\nFROM scratch\n",
	       "Dockerfile:2:3: only one escape parser directive can be used\n"
	       "    2 | # Escape=`\n"
	       "      |   ^\n"
	       "hint: remove the repeated \"# escape=\" line\n");
	expect("# syntax=a\n#check=skip=all\n#syntax=b\nFROM scratch\n",
	       "Dockerfile:3:2: only one syntax parser directive can be used\n"
	       "    3 | #syntax=b\n"
	       "      |  ^\n"
	       "hint: remove the repeated \"# syntax=\" line\n");
	/* "# escape= " (value all blanks): Go's regexp gives " ", refused. */
	expect("# escape= \nFROM x\n",
	       "Dockerfile:1:10: invalid escape token ' ' does not match ` or \\\n"
	       "    1 | # escape= \n"
	       "      |          ^\n"
	       "hint: write \"# escape=\\\" (the default) or \"# escape=`\"\n");
}

static void test_backtick_escape(void **state)
{
	(void)state;
	expect("# escape=`\nFROM scratch\nLABEL p=C:\\foo\\bar q=\"a`\"b\" r=x`\ny s=\"a\\\\b\"\n",
	       "FROM \"FROM\"@2:1 rest \"scratch\"@2:6 json=0: \"scratch\"@2:6\n"
	       "LABEL \"LABEL\"@3:1 rest \"p=C:\\foo\\bar q=\"a`\"b\" r=xy "
	       "s=\"a\\\\b\"\"@3:7 json=0: \"p=C:\\foo\\bar\"@3:7 \"q=\"a`\"b\"\"@3:20 "
	       "\"r=xy\"@3:29 \"s=\"a\\\\b\"\"@4:3\n");
	/* With the backtick, a trailing backslash does not continue. */
	expect("# escape=`\nRUN dir c:\\\nUSER x\n",
	       "RUN \"RUN\"@2:1 rest \"dir c:\\\"@2:5 json=0: \"dir\"@2:5 \"c:\\\"@2:9\n"
	       "USER \"USER\"@3:1 rest \"x\"@3:6 json=0: \"x\"@3:6\n");
}

static void test_flags(void **state)
{
	(void)state;
	expect("COPY --from=build --chown=\"1:1\" --link a /b\n",
	       "COPY \"COPY\"@1:1 --from=build@1:6 --chown=1:1@1:19 --link@1:33 rest \"a /b\"@1:40 "
	       "json=0: \"a\"@1:40 \"/b\"@1:42\n");
	/* Flags stop at the first word not starting with "--"; "--" ends them. */
	expect("RUN --mount=type=cache,target=/x -- --not-a-flag\n",
	       "RUN \"RUN\"@1:1 --mount=type=cache,target=/x@1:5 rest \"--not-a-flag\"@1:37 "
	       "json=0: \"--not-a-flag\"@1:37\n");
	expect("RUN -x --y\n",
	       "RUN \"RUN\"@1:1 rest \"-x --y\"@1:5 json=0: \"-x\"@1:5 \"--y\"@1:8\n");
	/* Quotes and backslashes inside flag words; a value with spaces. */
	expect("COPY --chown='a b' --x=c\\ d \\\n  --y src dst\n",
	       "COPY \"COPY\"@1:1 --chown=a b@1:6 --x=c d@1:20 --y@2:3 rest \"src dst\"@2:7 "
	       "json=0: \"src\"@2:7 \"dst\"@2:11\n");
	/* Only flags: rest is empty, positioned at the end. */
	expect("COPY --a\n", "COPY \"COPY\"@1:1 --a@1:6 rest \"\"@1:9 json=0:\n");
	expect("COPY --a --\n", "COPY \"COPY\"@1:1 --a@1:6 rest \"\"@1:12 json=0:\n");
	/* "--x value" is not "--x=value" (Docker 20.10: "Missing a value on flag"). */
	expect("COPY --chown 1:1 f /\n",
	       "COPY \"COPY\"@1:1 --chown@1:6 rest \"1:1 f /\"@1:14 json=0: \"1:1\"@1:14 "
	       "\"f\"@1:18 \"/\"@1:20\n");
	/* Any instruction may carry flags (the evaluator decides). */
	expect("FROM --platform=linux/amd64 scratch AS base\n",
	       "FROM \"FROM\"@1:1 --platform=linux/amd64@1:6 rest \"scratch AS base\"@1:29 json=0: "
	       "\"scratch\"@1:29 \"AS\"@1:37 \"base\"@1:40\n");
}

static void test_json(void **state)
{
	(void)state;
	expect("CMD [\"a\", \"b c\"]\n",
	       "CMD \"CMD\"@1:1 rest \"[\"a\", \"b c\"]\"@1:5 json=1: \"a\"@1:6 \"b c\"@1:11\n");
	/* Spanning continuation lines, unicode escapes, escaped quotes. */
	expect("cmd [\"a\\u00e9\", \\\n  \"b\\\"\\\\\"]\n",
	       "CMD \"cmd\"@1:1 rest \"[\"a\\u00e9\",   \"b\\\"\\\\\"]\"@1:5 json=1: "
	       "\"a\xc3\xa9\"@1:6 \"b\"\\\"@2:3\n");
	/* Not valid JSON: shell form. */
	expect("CMD [a, b]\n",
	       "CMD \"CMD\"@1:1 rest \"[a, b]\"@1:5 json=0: \"[a,\"@1:5 \"b]\"@1:9\n");
	expect("RUN [\"a\"\n", "RUN \"RUN\"@1:1 rest \"[\"a\"\"@1:5 json=0: \"[\"a\"\"@1:5\n");
	/* Text after the array is ignored, as Go's json.Decoder does. */
	expect("CMD [\"a\",\"b\"] junk\n",
	       "CMD \"CMD\"@1:1 rest \"[\"a\",\"b\"] junk\"@1:5 json=1: \"a\"@1:6 "
	       "\"b\"@1:10\n");
	/* Empty array; flags before the array. */
	expect("ENTRYPOINT []\n", "ENTRYPOINT \"ENTRYPOINT\"@1:1 rest \"[]\"@1:12 json=1:\n");
	expect("COPY --chmod=755 [\"a b\", \"/c/\"]\n",
	       "COPY \"COPY\"@1:1 --chmod=755@1:6 rest \"[\"a b\", \"/c/\"]\"@1:18 json=1: "
	       "\"a b\"@1:19 \"/c/\"@1:26\n");
	/* JSON is recognised only where BuildKit looks for it. */
	expect("EXPOSE [\"80\"]\n",
	       "EXPOSE \"EXPOSE\"@1:1 rest \"[\"80\"]\"@1:8 json=0: \"[\"80\"]\"@1:8\n");
	/* HEALTHCHECK: the type word, then exec or shell form. */
	expect("HEALTHCHECK --interval=5s CMD [\"true\"]\nHEALTHCHECK NONE\n"
	       "HEALTHCHECK CMD  curl -f \"x y\"\n",
	       "HEALTHCHECK \"HEALTHCHECK\"@1:1 --interval=5s@1:13 rest \"CMD [\"true\"]\"@1:27 "
	       "json=1: \"CMD\"@1:27 \"true\"@1:32\n"
	       "HEALTHCHECK \"HEALTHCHECK\"@2:1 rest \"NONE\"@2:13 json=0: \"NONE\"@2:13\n"
	       "HEALTHCHECK \"HEALTHCHECK\"@3:1 rest \"CMD  curl -f \"x y\"\"@3:13 json=0: "
	       "\"CMD\"@3:13 \"curl\"@3:18 \"-f\"@3:23 \"\"x y\"\"@3:26\n");
}

static void test_json_errors(void **state)
{
	(void)state;
	/* A valid array with a non-string is BuildKit's parse error. */
	expect("FROM scratch\nCMD [\"a\", 1]\n",
	       "Dockerfile:2:11: when using JSON array syntax, arrays must be comprised of "
	       "strings only\n"
	       "    2 | CMD [\"a\", 1]\n"
	       "      |           ^\n"
	       "hint: quote every element, e.g. [\"/bin/sh\", \"-c\", \"echo hi\"]\n");
	expect("COPY [\"a\", \\\n  [\"b\"], \"c\"]\n",
	       "Dockerfile:2:3: when using JSON array syntax, arrays must be comprised of "
	       "strings only\n"
	       "    2 |   [\"b\"], \"c\"]\n"
	       "      |   ^\n"
	       "hint: quote every element, e.g. [\"/bin/sh\", \"-c\", \"echo hi\"]\n");
}

static void test_shell_form_words(void **state)
{
	(void)state;
	expect("ENTRYPOINT echo \"hi  there\" $HOME\n",
	       "ENTRYPOINT \"ENTRYPOINT\"@1:1 rest \"echo \"hi  there\" $HOME\"@1:12 json=0: "
	       "\"echo\"@1:12 \"\"hi  there\"\"@1:17 \"$HOME\"@1:29\n");
	/* COPY, ADD, VOLUME, EXPOSE, FROM split at blanks, quotes or not. */
	expect("COPY \"b c\" /x/\n",
	       "COPY \"COPY\"@1:1 rest \"\"b c\" /x/\"@1:6 json=0: \"\"b\"@1:6 \"c\"\"@1:9 "
	       "\"/x/\"@1:12\n");
	/* ENV/LABEL/ARG: quote-aware, quotes and escapes kept. */
	expect("ENV a=\"x y\" b='p q' c=d\\ e\n",
	       "ENV \"ENV\"@1:1 rest \"a=\"x y\" b='p q' c=d\\ e\"@1:5 json=0: "
	       "\"a=\"x y\"\"@1:5 \"b='p q'\"@1:13 \"c=d\\ e\"@1:21\n");
	expect("ENV a b  c\n",
	       "ENV \"ENV\"@1:1 rest \"a b  c\"@1:5 json=0: \"a\"@1:5 \"b\"@1:7 \"c\"@1:10\n");
	/* A trailing escape (continuation at end of file) is dropped. */
	expect("ARG a=b\\", "ARG \"ARG\"@1:1 rest \"a=b\"@1:5 json=0: \"a=b\"@1:5\n");
	/* Tabs and other blanks. */
	expect("STOPSIGNAL\t9 \n", "STOPSIGNAL \"STOPSIGNAL\"@1:1 rest \"9\"@1:12 json=0: "
				   "\"9\"@1:12\n");
}

/* Heredocs (Dockerfile 1.4 syntax). Docker 20.10's BuildKit cannot build
 * them, so these cases follow the Dockerfile reference's examples
 * (docs.docker.com/reference/dockerfile/#here-documents) and BuildKit's
 * parser_heredoc_test.go, not a Docker run. */
static void test_heredoc_reference_examples(void **state)
{
	(void)state;
	/* "RUN <<EOT bash": the body is a script; "#" lines in it are not
	 * comments and the next instruction follows the terminator. */
	expect("# syntax=docker/dockerfile:1\nFROM debian\nRUN <<EOT bash\n  set -ex\n"
	       "# not a comment\n  apt-get update\nEOT\nUSER x\n",
	       "FROM \"FROM\"@2:1 rest \"debian\"@2:6 json=0: \"debian\"@2:6\n"
	       "RUN \"RUN\"@3:1 rest \"<<EOT bash\"@3:5 json=0: \"<<EOT\"@3:5 \"bash\"@3:11"
	       " <<EOT@3:5 expand=1 chomp=0 \"  set -ex\\n# not a comment\\n  apt-get update\\n\"\n"
	       "USER \"USER\"@8:1 rest \"x\"@8:6 json=0: \"x\"@8:6\n");
	/* Creating inline files: <<-EOT strips leading tabs (of the body and of
	 * the terminator); quoting the delimiter turns expansion off. */
	expect(
	    "FROM alpine\nARG FOO=bar\nCOPY <<-EOT /script.sh\n\t\techo \"hello ${FOO}\"\n"
	    "\t  x\n\tEOT\nCOPY <<-\"EOT\" /s2\n\techo \"${FOO}\"\nEOT\n",
	    "FROM \"FROM\"@1:1 rest \"alpine\"@1:6 json=0: \"alpine\"@1:6\n"
	    "ARG \"ARG\"@2:1 rest \"FOO=bar\"@2:5 json=0: \"FOO=bar\"@2:5\n"
	    "COPY \"COPY\"@3:1 rest \"<<-EOT /script.sh\"@3:6 json=0: \"<<-EOT\"@3:6 "
	    "\"/script.sh\"@3:13 <<EOT@3:6 expand=1 chomp=1 \"echo \"hello ${FOO}\"\\n  x\\n\"\n"
	    "COPY \"COPY\"@7:1 rest \"<<-\"EOT\" /s2\"@7:6 json=0: \"<<-\"EOT\"\"@7:6 \"/s2\"@7:15"
	    " <<EOT@7:6 expand=0 chomp=1 \"echo \"${FOO}\"\\n\"\n");
	/* Several heredocs on one line: bodies follow in order. */
	expect(
	    "RUN <<FILE1 cat > file1 && <<FILE2 cat > file2\nI am\nfirst\nFILE1\nI am\n"
	    "second\nFILE2\n",
	    "RUN \"RUN\"@1:1 rest \"<<FILE1 cat > file1 && <<FILE2 cat > file2\"@1:5 json=0: "
	    "\"<<FILE1\"@1:5 \"cat\"@1:13 \">\"@1:17 \"file1\"@1:19 \"&&\"@1:25 \"<<FILE2\"@1:28 "
	    "\"cat\"@1:36 \">\"@1:40 \"file2\"@1:42 <<FILE1@1:5 expand=1 chomp=0 "
	    "\"I am\\nfirst\\n\" <<FILE2@1:28 expand=1 chomp=0 \"I am\\nsecond\\n\"\n");
	expect("COPY <<a <<'b' /dest/\n1\na\n2\nb\n",
	       "COPY \"COPY\"@1:1 rest \"<<a <<'b' /dest/\"@1:6 json=0: \"<<a\"@1:6 \"<<'b'\"@1:10 "
	       "\"/dest/\"@1:16 <<a@1:6 expand=1 chomp=0 \"1\\n\" <<b@1:10 expand=0 chomp=0 "
	       "\"2\\n\"\n");
	/* Shebang scripts, empty bodies, a RUN flag. */
	expect("RUN --network=none <<EOT\n#!/usr/bin/env python\nprint(\"hi\")\nEOT\n"
	       "ADD <<EOF /empty\nEOF\n",
	       "RUN \"RUN\"@1:1 --network=none@1:5 rest \"<<EOT\"@1:20 json=0: \"<<EOT\"@1:20 "
	       "<<EOT@1:20 expand=1 chomp=0 \"#!/usr/bin/env python\\nprint(\"hi\")\\n\"\n"
	       "ADD \"ADD\"@5:1 rest \"<<EOF /empty\"@5:5 json=0: \"<<EOF\"@5:5 \"/empty\"@5:11 "
	       "<<EOF@5:5 expand=1 chomp=0 \"\"\n");
}

static void test_heredoc_details(void **state)
{
	(void)state;
	/* Partly quoted delimiters: no expansion; the name has the quotes
	 * removed. A terminator must match exactly (no blanks, no tabs
	 * without <<-). */
	expect("COPY <<E\"O\"F /x\n EOF\n\tEOF\nEOF \nEOF\n",
	       "COPY \"COPY\"@1:1 rest \"<<E\"O\"F /x\"@1:6 json=0: \"<<E\"O\"F\"@1:6 \"/x\"@1:14 "
	       "<<EOF@1:6 expand=0 chomp=0 \" EOF\\n\\tEOF\\nEOF \\n\"\n");
	/* CRLF: line ends are kept in the body; the terminator may end in CRs. */
	expect("COPY <<EOF /x\r\nhi\r\nEOF\r\r\nUSER u\r\n",
	       "COPY \"COPY\"@1:1 rest \"<<EOF /x\"@1:6 json=0: \"<<EOF\"@1:6 \"/x\"@1:12 "
	       "<<EOF@1:6 expand=1 chomp=0 \"hi\\r\\n\"\n"
	       "USER \"USER\"@4:1 rest \"u\"@4:6 json=0: \"u\"@4:6\n");
	/* The body starts after the last line of a continued instruction. */
	expect("RUN <<EOF \\\n  cat\nhello\nEOF\n",
	       "RUN \"RUN\"@1:1 rest \"<<EOF   cat\"@1:5 json=0: \"<<EOF\"@1:5 \"cat\"@2:3 "
	       "<<EOF@1:5 expand=1 chomp=0 \"hello\\n\"\n");
	/* A file descriptor prefix (2<<EOF) is a heredoc too. */
	expect("RUN cat 2<<EOF\nx\nEOF\n",
	       "RUN \"RUN\"@1:1 rest \"cat 2<<EOF\"@1:5 json=0: \"cat\"@1:5 \"2<<EOF\"@1:9 "
	       "<<EOF@1:10 expand=1 chomp=0 \"x\\n\"\n");
	/* Not heredocs: JSON form, other instructions, "<<" alone or followed
	 * by "<", two words in the delimiter, unbalanced quotes on the line. */
	expect("RUN [\"<<EOF\"]\nEOF\n",
	       "RUN \"RUN\"@1:1 rest \"[\"<<EOF\"]\"@1:5 json=1: \"<<EOF\"@1:6\n"
	       "UNKNOWN \"EOF\"@2:1 rest \"\"@2:4 json=0:\n");
	expect("ENV a=<<EOF\nLABEL b <<EOF\n",
	       "ENV \"ENV\"@1:1 rest \"a=<<EOF\"@1:5 json=0: \"a=<<EOF\"@1:5\n"
	       "LABEL \"LABEL\"@2:1 rest \"b <<EOF\"@2:7 json=0: \"b\"@2:7 \"<<EOF\"@2:9\n");
	expect("RUN a << b <<<c <<\"\" x<<y \"\n",
	       "RUN \"RUN\"@1:1 rest \"a << b <<<c <<\"\" x<<y \"\"@1:5 json=0: \"a\"@1:5 "
	       "\"<<\"@1:7 \"b\"@1:10 \"<<<c\"@1:12 \"<<\"\"\"@1:17 \"x<<y\"@1:22 \"\"\"@1:27\n");
	expect("RUN <<\"a b\" x\nq\na b\n",
	       "RUN \"RUN\"@1:1 rest \"<<\"a b\" x\"@1:5 json=0: \"<<\"a b\"\"@1:5 \"x\"@1:13 "
	       "<<a b@1:5 expand=0 chomp=0 \"q\\n\"\n");
	/* The word processing uses the backslash whatever "# escape=" says. An
	 * escaped quote is not quoting: BuildKit still expands. */
	expect("# escape=`\nCOPY <<a\\\"b /x\nq\na\"b\n",
	       "COPY \"COPY\"@2:1 rest \"<<a\\\"b /x\"@2:6 json=0: \"<<a\\\"b\"@2:6 \"/x\"@2:13 "
	       "<<a\"b@2:6 expand=1 chomp=0 \"q\\n\"\n");
	/* $variables in the delimiter stay as written. */
	expect("RUN <<$X\nq\n$X\n",
	       "RUN \"RUN\"@1:1 rest \"<<$X\"@1:5 json=0: \"<<$X\"@1:5 <<$X@1:5 expand=1 "
	       "chomp=0 \"q\\n\"\n");
}

static void test_heredoc_errors(void **state)
{
	(void)state;
	/* BuildKit: "unterminated heredoc". */
	expect("FROM scratch\nCOPY <<EOF /etc/app.conf\nkey=value\n",
	       "Dockerfile:2:6: unterminated heredoc\n"
	       "    2 | COPY <<EOF /etc/app.conf\n"
	       "      |      ^\n"
	       "hint: end the here-document with a line that holds only \"EOF\"\n");
	expect("RUN <<a <<-b\na\n\tb \n",
	       "Dockerfile:1:9: unterminated heredoc\n"
	       "    1 | RUN <<a <<-b\n"
	       "      |         ^\n"
	       "hint: end the here-document with a line that holds only \"b\"\n");
}

static void test_heredoc_parse_word(void **state)
{
	struct sb_error err = {0};
	struct df_heredoc h;
	static const struct {
		const char *word, *name;
		int rc, expand, chomp;
	} cases[] = {
	    {"<<EOF", "EOF", 1, 1, 0},	   {"<<-EOF", "EOF", 1, 1, 1},
	    {"12<<'x y'", "x y", 1, 0, 0}, {"<<\"it's\"", "it's", 1, 0, 0},
	    {"<<a\\ b", "a b", 1, 1, 0},   {"<<", NULL, 0, 0, 0},
	    {"<<-", NULL, 0, 0, 0},	   {"x<<a", NULL, 0, 0, 0},
	    {"<<a<b", NULL, 0, 0, 0},	   {"<<a b", NULL, 0, 0, 0},
	    {"<<''", NULL, 0, 0, 0},	   {"EOF", NULL, 0, 0, 0},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = df_heredoc_parse(cases[i].word, &h, &err);

		assert_int_equal(rc, cases[i].rc);
		if (rc == 1) {
			assert_string_equal(h.name, cases[i].name);
			assert_int_equal(h.expand, cases[i].expand);
			assert_int_equal(h.chomp, cases[i].chomp);
			assert_null(h.content);
			df_heredoc_release(&h);
		} else {
			assert_null(h.name);
		}
	}
	assert_int_equal(df_heredoc_parse("<<${a", &h, &err), -1);
	assert_string_equal(err.msg, "failed to process \"${a\": syntax error: missing '}'");
	sb_error_release(&err);
}

static void test_heredoc_find(void **state)
{
	struct sb_error err = {0};
	struct df_file f;
	const char *src = "COPY <<a <<b <<a /d/\n1\na\n2\nb\n3\na\n";
	const struct df_heredoc *h;

	(void)state;
	assert_int_equal(df_parse(&f, sb_strdup("D"), sb_strdup(src), strlen(src), &err), 0);
	assert_int_equal(f.instrs[0].nheredocs, 3);
	h = df_heredoc_find(&f.instrs[0], "a");
	assert_ptr_equal(h, &f.instrs[0].heredocs[2]);
	assert_string_equal(h->content, "3\n");
	assert_string_equal(df_heredoc_find(&f.instrs[0], "b")->content, "2\n");
	assert_null(df_heredoc_find(&f.instrs[0], "c"));
	df_file_release(&f);
}

static void test_onbuild(void **state)
{
	(void)state;
	expect("ONBUILD COPY --chown=1 a /b/\n",
	       "ONBUILD \"ONBUILD\"@1:1 rest \"COPY --chown=1 a /b/\"@1:9 json=0: \"COPY\"@1:9 "
	       "\"--chown=1\"@1:14 \"a\"@1:24 \"/b/\"@1:26 sub{COPY \"COPY\"@1:9 --chown=1@1:14 "
	       "rest \"a /b/\"@1:24 json=0: \"a\"@1:24 \"/b/\"@1:26}\n");
	/* Flags before the trigger belong to ONBUILD; continuations; JSON. */
	expect("onbuild --x=1 run \\\n [\"a\", \"b\"]\nONBUILD\n",
	       "ONBUILD \"onbuild\"@1:1 --x=1@1:9 rest \"run  [\"a\", \"b\"]\"@1:15 json=0: "
	       "\"run\"@1:15 \"[\"a\",\"@2:2 \"\"b\"]\"@2:8 sub{RUN \"run\"@1:15 rest "
	       "\"[\"a\", \"b\"]\"@2:2 json=1: \"a\"@2:3 \"b\"@2:8}\n"
	       "ONBUILD \"ONBUILD\"@3:1 rest \"\"@3:8 json=0:\n");
	/* A heredoc in the trigger is attached to the ONBUILD instruction. */
	expect("ONBUILD RUN <<EOF\nhi\nEOF\nONBUILD ENV a=<<EOF\n",
	       "ONBUILD \"ONBUILD\"@1:1 rest \"RUN <<EOF\"@1:9 json=0: \"RUN\"@1:9 \"<<EOF\"@1:13 "
	       "<<EOF@1:13 expand=1 chomp=0 \"hi\\n\" sub{RUN \"RUN\"@1:9 rest \"<<EOF\"@1:13 "
	       "json=0: \"<<EOF\"@1:13}\n"
	       "ONBUILD \"ONBUILD\"@4:1 rest \"ENV a=<<EOF\"@4:9 json=0: \"ENV\"@4:9 "
	       "\"a=<<EOF\"@4:13 sub{ENV \"ENV\"@4:9 rest \"a=<<EOF\"@4:13 json=0: "
	       "\"a=<<EOF\"@4:13}\n");
}

static void test_onbuild_refused(void **state)
{
	(void)state;
	/* BuildKit's instructions.parseOnBuild messages; the keyword upper-cased. */
	expect("FROM scratch\nONBUILD ONBUILD RUN x\n",
	       "Dockerfile:2:9: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed\n"
	       "    2 | ONBUILD ONBUILD RUN x\n"
	       "      |         ^\n"
	       "hint: write the trigger instruction itself after ONBUILD\n");
	expect("ONBUILD  from scratch\n",
	       "Dockerfile:1:10: FROM isn't allowed as an ONBUILD trigger\n"
	       "    1 | ONBUILD  from scratch\n"
	       "      |          ^\n"
	       "hint: ONBUILD takes any instruction but ONBUILD, FROM and MAINTAINER\n");
	expect("ONBUILD MAINTAINER me\n",
	       "Dockerfile:1:9: MAINTAINER isn't allowed as an ONBUILD trigger\n"
	       "    1 | ONBUILD MAINTAINER me\n"
	       "      |         ^\n"
	       "hint: ONBUILD takes any instruction but ONBUILD, FROM and MAINTAINER\n");
	/* Parse errors in the trigger are the trigger's. */
	expect("ONBUILD CMD [\"a\", 1]\n",
	       "Dockerfile:1:19: when using JSON array syntax, arrays must be comprised of "
	       "strings only\n"
	       "    1 | ONBUILD CMD [\"a\", 1]\n"
	       "      |                   ^\n"
	       "hint: quote every element, e.g. [\"/bin/sh\", \"-c\", \"echo hi\"]\n");
	expect("ONBUILD COPY <<EOF /x\n",
	       "Dockerfile:1:14: unterminated heredoc\n"
	       "    1 | ONBUILD COPY <<EOF /x\n"
	       "      |              ^\n"
	       "hint: end the here-document with a line that holds only \"EOF\"\n");
}

/* BuildKit (parser.go) warns "Empty continuation line found in: " + the
 * joined line, with the detail "Empty continuation lines will become errors
 * in a future release". Comment lines inside a continuation are not empty. */
static void test_warnings(void **state)
{
	(void)state;
	expect("FROM scratch\nRUN a \\\n\n  b \\\n \t\n  c\nUSER x \\\n# c\n  y\n",
	       "FROM \"FROM\"@1:1 rest \"scratch\"@1:6 json=0: \"scratch\"@1:6\n"
	       "RUN \"RUN\"@2:1 rest \"a   b   c\"@2:5 json=0: \"a\"@2:5 \"b\"@4:3 \"c\"@6:3\n"
	       "USER \"USER\"@7:1 rest \"x   y\"@7:6 json=0: \"x\"@7:6 \"y\"@9:3\n"
	       "warning: Dockerfile:3:1: Empty continuation line found in: RUN a   b   c\n"
	       "    3 | \n"
	       "      | ^\n"
	       "hint: Empty continuation lines will become errors in a future release: remove "
	       "the empty line, or end the line before it without the escape character\n");
	/* Warnings never fail the parse; a file of one continued line. */
	expect("LABEL a \\\n\n",
	       "LABEL \"LABEL\"@1:1 rest \"a\"@1:7 json=0: \"a\"@1:7\n"
	       "warning: Dockerfile:2:1: Empty continuation line found in: LABEL a \n"
	       "    2 | \n"
	       "      | ^\n"
	       "hint: Empty continuation lines will become errors in a future release: remove "
	       "the empty line, or end the line before it without the escape character\n");
}

/* Found by stress-testing the heredoc detection: `RUN <<${a:-${a:-...` nested
 * 300000 deep overflowed the stack in the shell-word scanner. Past its
 * nesting limit the line simply has no heredocs. */
static void test_regression_deep_heredoc_word(void **state)
{
	struct sb_buf b = {0};
	char *got;

	(void)state;
	assert_int_equal(sb_buf_adds(&b, "RUN <<"), 0);
	for (int i = 0; i < 300000; i++)
		assert_int_equal(sb_buf_adds(&b, "${a:-"), 0);
	assert_int_equal(sb_buf_adds(&b, "x\nUSER u\n"), 0);
	got = run_n(b.buf, b.len);
	assert_non_null(strstr(got, "USER \"USER\"@2:1"));
	assert_null(strstr(got, " <<"));
	free(got);
	sb_buf_release(&b);
}

static void test_no_instructions(void **state)
{
	(void)state;
	static const char *const srcs[] = {"", "\n\n", "# just a comment\n\n", "\xef\xbb\xbf",
					   "# escape=`\n  \t\n"};
	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++)
		expect(srcs[i], "Dockerfile: file with no instructions\n"
				"hint: a Dockerfile needs at least one instruction, such as "
				"\"FROM scratch\"\n");
}

static void test_nul_and_garbage(void **state)
{
	char *got;

	(void)state;
	/* NUL bytes are ordinary bytes; nothing reads past the end. */
	got = run_n("FROM a\0b\nUSER x", 15);
	assert_non_null(strstr(got, "USER \"USER\"@2:1"));
	free(got);
	got = run_n("\\", 1);
	assert_string_equal(got, "UNKNOWN \"\"@1:1 rest \"\"@1:1 json=0:\n");
	free(got);
	got = run_n("CMD [\"\xff\"]\n", 10);
	assert_non_null(strstr(got, "json=0"));
	free(got);
}

/* NUL bytes are kept, with lengths, and flagged (parse.h). */
static void test_nul_kept(void **state)
{
	static const char src[] = "FROM a\nCOPY --chown=a\0b f /d\0\nCMD [\"x\\u0000y\"]\nUSER u\n";
	struct sb_error err = {0};
	struct df_file f;
	const struct df_instr *in;

	(void)state;
	assert_int_equal(
	    df_parse(&f, sb_strdup("D"), sb_strndup(src, sizeof(src) - 1), sizeof(src) - 1, &err),
	    0);
	assert_int_equal(f.ninstrs, 4);
	assert_false(f.instrs[0].nul);
	in = &f.instrs[1];
	assert_true(in->nul);
	assert_int_equal(in->flags[0].value_len, 3);
	assert_memory_equal(in->flags[0].value, "a\0b", 4);
	assert_int_equal(in->nargs, 2);
	assert_false(df_word_has_nul(&in->args[0]));
	assert_true(df_word_has_nul(&in->args[1]));
	assert_int_equal(in->args[1].len, 3);
	assert_memory_equal(in->args[1].text, "/d\0", 4);
	assert_int_equal(in->rest_len, 5);
	in = &f.instrs[2];
	assert_true(in->nul);
	assert_true(in->json);
	assert_int_equal(in->args[0].len, 3);
	assert_memory_equal(in->args[0].text, "x\0y", 4);
	assert_false(f.instrs[3].nul);
	assert_int_equal(f.instrs[3].args[0].len, 1);
	df_file_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_simple),
	    cmocka_unit_test(test_keywords_case_and_unknown),
	    cmocka_unit_test(test_every_kind),
	    cmocka_unit_test(test_bom_crlf),
	    cmocka_unit_test(test_continuations),
	    cmocka_unit_test(test_directives),
	    cmocka_unit_test(test_backtick_escape),
	    cmocka_unit_test(test_flags),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_json_errors),
	    cmocka_unit_test(test_shell_form_words),
	    cmocka_unit_test(test_heredoc_reference_examples),
	    cmocka_unit_test(test_heredoc_details),
	    cmocka_unit_test(test_heredoc_errors),
	    cmocka_unit_test(test_heredoc_parse_word),
	    cmocka_unit_test(test_heredoc_find),
	    cmocka_unit_test(test_onbuild),
	    cmocka_unit_test(test_onbuild_refused),
	    cmocka_unit_test(test_warnings),
	    cmocka_unit_test(test_regression_deep_heredoc_word),
	    cmocka_unit_test(test_no_instructions),
	    cmocka_unit_test(test_nul_and_garbage),
	    cmocka_unit_test(test_nul_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
