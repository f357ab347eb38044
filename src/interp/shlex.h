/* Word processing the way BuildKit's shell lexer does it (quotes, the escape
 * character, $variables), for the instructions that expand their arguments. */
#ifndef SB_SHLEX_H
#define SB_SHLEX_H

#include "util/error.h"

#include <stddef.h>

/* Returns the value of variable name, or NULL when it is not set. */
typedef const char *(*shlex_lookup)(void *ud, const char *name);

/* Processes one word: removes quotes, applies the escape character, expands
 * $v, ${v}, ${v:-w}, ${v-w}, ${v:+w}, ${v+w}, ${v:?msg}, ${v?msg}. An unset
 * variable expands to "". On success *out is a string you own (free(3)).
 * On a syntax error (unterminated quote, bad ${...}) returns -1 with err's
 * message set (no position; the caller adds it). */
int shlex_word(const char *in, char escape, shlex_lookup lookup, void *ud, char **out,
	       struct sb_error *err);

/* Splits in into words at unquoted whitespace and processes each as
 * shlex_word does (BuildKit's ProcessWords). On success *out is a
 * NULL-terminated array you own (sb_strv_free) and *n its length. */
int shlex_words(const char *in, char escape, shlex_lookup lookup, void *ud, char ***out, size_t *n,
		struct sb_error *err);

/* Variants of the processing, as BuildKit's Lex fields of the same names. All
 * zero is what shlex_word and shlex_words do. */
struct shlex_opts {
	int raw_quotes;	 /* keep the quote characters in the result */
	int raw_escapes; /* keep escape characters (and the byte after them) */
	int skip_unset;	 /* leave $v, ${v} and ${v<mod>word} as written when v is unset */
};

/* shlex_word with options (NULL: all zero). Same ownership and errors. */
int shlex_word_opts(const char *in, char escape, const struct shlex_opts *opts, shlex_lookup lookup,
		    void *ud, char **out, struct sb_error *err);

/* shlex_words with options (NULL: all zero). Same ownership and errors. */
int shlex_words_opts(const char *in, char escape, const struct shlex_opts *opts,
		     shlex_lookup lookup, void *ud, char ***out, size_t *n, struct sb_error *err);

#endif
