/* The Dockerfile parser: bytes in, a list of typed instructions out.
 *
 * It reads the whole language (every instruction Docker knows parses, whether or
 * not scratchbuild can build it: refusing is the evaluator's job), but it touches
 * no file system and expands no variables.
 */
#ifndef SB_PARSE_H
#define SB_PARSE_H

#include "util/error.h"

#include <stddef.h>
#include <string.h>

enum df_kind {
	DF_UNKNOWN, /* not an instruction Docker knows; the evaluator refuses it */
	DF_ADD,
	DF_ARG,
	DF_CMD,
	DF_COPY,
	DF_ENTRYPOINT,
	DF_ENV,
	DF_EXPOSE,
	DF_FROM,
	DF_HEALTHCHECK,
	DF_LABEL,
	DF_MAINTAINER,
	DF_ONBUILD,
	DF_RUN,
	DF_SHELL,
	DF_STOPSIGNAL,
	DF_USER,
	DF_VOLUME,
	DF_WORKDIR,
};

/* The instructions Docker knows are DF_FIRST_KIND to DF_LAST_KIND, in
 * alphabetical order; df_kind_name spells each: the one list of their names. */
#define DF_FIRST_KIND DF_ADD
#define DF_LAST_KIND  DF_WORKDIR

/* The instruction name in upper case ("COPY"), or "UNKNOWN". Static storage. */
const char *df_kind_name(enum df_kind kind);

/* NUL bytes. A Dockerfile may hold NUL bytes, and a JSON string may hold
 * "\u0000". The parser keeps them: every string it hands on is NUL-terminated
 * *and* has a length, and a NUL byte inside it is data. A consumer that
 * treats text as a C string must check first, or it silently cuts the text
 * at the NUL (a path, a name or a value that reaches a file system or the
 * image config): df_word_has_nul(), or df_instr.nul for the whole
 * instruction, tells. BuildKit keeps them too (Go strings), and Docker then
 * fails on a NUL in a path. */
struct df_word {
	char *text;	   /* owned; text[len] == '\0' */
	size_t len;	   /* bytes in text; strlen(text) < len when it holds a NUL */
	struct sb_pos pos; /* where the word starts in the source */
};

/* Nonzero when w holds a NUL byte (its strlen is shorter than its length). */
static inline int df_word_has_nul(const struct df_word *w)
{
	return w->text && w->len != strlen(w->text);
}

/* Flags are unquoted as BuildKit's extractBuilderFlags does: quotes removed, a
 * backslash escapes the next byte (whatever the escape directive says). */
struct df_flag {
	char *name;	   /* without the leading "--", e.g. "chown"; owned */
	char *value;	   /* text after '=', or NULL when written without '='; owned */
	size_t value_len;  /* bytes in value (0 when NULL); NUL bytes as in df_word */
	struct sb_pos pos; /* position of the leading "--" */
};

/* A here-document (BuildKit's Dockerfile 1.4 syntax), e.g.
 *
 *     COPY <<EOF <<-"END" /etc/app/
 *     contents of the file EOF
 *     EOF
 *     	tab-indented, not expanded
 *     	END
 *
 * Recognised, as BuildKit does, only on ADD, COPY and RUN in shell form (and on
 * ONBUILD with one of those as its trigger), in the words of the logical line
 * that match `^[0-9]*<<-?[^<]+$` after BuildKit's raw word splitting. Their
 * bodies are the physical lines after the instruction, in order; each ends at
 * a line that is exactly the name (after removing trailing CR/LF, and leading
 * tabs for <<-).
 *
 * The <<EOF word stays in df_instr.args as written, as BuildKit keeps it: the
 * evaluator asks df_heredoc_parse() whether an argument is a heredoc and finds
 * its body with df_heredoc_find() (for COPY/ADD: a file named `name` holding
 * `content`; BuildKit refuses one as the destination with "COPY cannot accept
 * a heredoc as a destination"). */
struct df_heredoc {
	char *name;	   /* the delimiter, quotes and escapes removed ("EOF"); owned */
	char *content;	   /* the body: every line with its line end as written
			    * (LF or CRLF), leading tabs of each line removed when
			    * chomp; NUL-terminated, "" when empty; owned */
	size_t len;	   /* bytes in content (it may hold NUL bytes) */
	int expand;	   /* 1 when no part of the delimiter was quoted: the
			    * evaluator expands $variables in content */
	int chomp;	   /* 1 for <<- */
	struct sb_pos pos; /* position of the "<<" */
};

struct df_instr {
	enum df_kind kind;
	char *keyword;	   /* as written, e.g. "copy"; owned */
	struct sb_pos pos; /* position of the keyword */

	struct df_flag *flags; /* leading --name[=value] words, in order; owned */
	size_t nflags;

	/* Nonzero when the arguments were a JSON array of strings (exec form). */
	int json;
	/* json: the decoded strings, each with the position of its opening quote.
	 * otherwise: the arguments split at unquoted whitespace, as written
	 * (quotes, escapes and $variables kept; the evaluator processes them).
	 *
	 * Exactly as BuildKit splits them, which depends on the instruction:
	 * - JSON is recognised only for ADD COPY VOLUME CMD ENTRYPOINT RUN SHELL
	 *   and HEALTHCHECK (elsewhere `[...]` is ordinary text). Go's decoder
	 *   ignores anything after the array (`CMD ["a"] x` is exec form ["a"]);
	 *   an array holding a non-string is a parse error, as in BuildKit.
	 * - ADD COPY VOLUME (shell form), EXPOSE, FROM: split at runs of
	 *   [\t\v\f\r ] with quotes meaning nothing (`COPY "b c" /x/` gives
	 *   `"b`, `c"`, `/x/`, which BuildKit then refuses as an unterminated quote).
	 * - every other instruction: split at whitespace outside quotes.
	 * - HEALTHCHECK: args[0] is the type word (CMD or NONE) as written; then the
	 *   exec-form strings (json set) or the shell-form words. Its shell-form
	 *   command line is rest without its first word and the spaces after it. */
	struct df_word *args; /* owned */
	size_t nargs;

	/* Everything after the keyword and the flags, continuations joined (the
	 * escape+newline removed, comment lines inside a continuation dropped),
	 * leading and trailing whitespace trimmed, otherwise exactly as written.
	 * This is the shell-form command line. Owned. */
	char *rest;
	size_t rest_len;	/* bytes in rest; NUL bytes as in df_word */
	struct sb_pos rest_pos; /* where rest starts */

	/* Nonzero when the instruction's text (keyword, flags, arguments,
	 * continuation lines) holds a NUL byte, or a JSON string of it decodes
	 * to one. Its heredoc bodies are not counted (df_heredoc.len). */
	int nul;

	/* The here-documents of the instruction, in the order of their <<words;
	 * for ONBUILD, those of its trigger (BuildKit attaches them to the
	 * ONBUILD node too). NULL/0 when none. Owned. */
	struct df_heredoc *heredocs;
	size_t nheredocs;

	/* ONBUILD: the trigger instruction, parsed from rest exactly like a
	 * top-level line (its positions point into the same source); NULL when
	 * rest is empty (BuildKit: "ONBUILD requires at least one argument", the
	 * evaluator's to report). The parser already refuses the triggers
	 * BuildKit refuses: ONBUILD, FROM and MAINTAINER. NULL for every other
	 * kind. Owned. */
	struct df_instr *sub;
};

struct df_file {
	struct sb_src src;	 /* the Dockerfile bytes; owned */
	char escape;		 /* '\\' or '`' (from "# escape=") */
	struct df_instr *instrs; /* owned */
	size_t ninstrs;

	/* What BuildKit warns about while parsing, in file order, never fatal:
	 * "Empty continuation line found in: <line>" (positioned at the first
	 * empty line; hint holds BuildKit's detail). Each is a complete error
	 * record for sb_error_format(). Owned. */
	struct sb_error *warnings;
	size_t nwarnings;
};

/* Parses the Dockerfile in buf[0..len). Takes ownership of name and buf (both
 * malloc'd; buf must have room for a NUL at buf[len]) whatever the outcome; on
 * success *out owns them and must be released with df_file_release(). On failure
 * returns -1 with err set at the offending position, and *out is left empty. */
int df_parse(struct df_file *out, char *name, char *buf, size_t len, struct sb_error *err);

/* Frees everything the file holds and leaves it empty. */
void df_file_release(struct df_file *f);

/* BuildKit's ParseHeredoc on one word (an element of df_instr.args): returns 1
 * when word refers to a heredoc ("<<EOF", "<<-'EOF'", "2<<EOF") and fills
 * h->name, h->expand and h->chomp (content NULL, len 0, no position): h is
 * then yours (df_heredoc_release); 0 when it does not (h zeroed); -1 with err
 * set when the delimiter cannot be processed (e.g. a bad ${...}). */
int df_heredoc_parse(const char *word, struct df_heredoc *h, struct sb_error *err);

/* Frees what h holds (its name and content) and leaves it empty; h itself is
 * the caller's. A zeroed h is fine. */
void df_heredoc_release(struct df_heredoc *h);

/* The last of in's heredocs with that name (BuildKit's lookup by name), or NULL
 * when there is none (BuildKit then uses empty content). Borrowed from in. */
const struct df_heredoc *df_heredoc_find(const struct df_instr *in, const char *name);

#endif
