/* JSON generation through yajl that remembers its first failure, so that a
 * document can be written as a run of calls and checked once at the end. */
#ifndef SB_JGEN_H
#define SB_JGEN_H

#include "util/error.h"

#include <stddef.h>
#include <stdio.h>
#include <yajl/yajl_gen.h>

struct jgen {
	yajl_gen g;
	yajl_gen_status st; /* first failure, or yajl_gen_status_ok */
};

/* Starts a document; pretty: indented two spaces a level. Returns 0 or -1. */
int jgen_start(struct jgen *j, int pretty, struct sb_error *err);

/* Each call does nothing once a call has failed. Strings that are not valid
 * UTF-8 get U+FFFD for each bad byte, as Go's encoding/json writes them. */
void jgen_str(struct jgen *j, const char *s);
void jgen_strn(struct jgen *j, const char *s, size_t n);
void jgen_str_or_null(struct jgen *j, const char *s); /* null when s is NULL */
void jgen_int(struct jgen *j, long long v);
void jgen_bool(struct jgen *j, int v);
void jgen_null(struct jgen *j);
void jgen_map_open(struct jgen *j);
void jgen_map_close(struct jgen *j);
void jgen_array_open(struct jgen *j);
void jgen_array_close(struct jgen *j);

/* Ends the document: *out is a string you own (free(3)), *len its length.
 * Frees the generator whatever happens. Returns 0, or -1 when a call failed. */
int jgen_finish(struct jgen *j, char **out, size_t *len, struct sb_error *err);

/* Ends the document and writes it to f, without a copy. Frees the generator
 * whatever happens. Returns 0, or -1 when a call failed; a failed write is
 * left for the caller to see in ferror(f), as fwrite(3) leaves it. */
int jgen_fwrite(struct jgen *j, FILE *f, struct sb_error *err);

/* Frees the generator of a document given up before its end; nothing when
 * jgen_finish or jgen_fwrite already did. */
void jgen_release(struct jgen *j);

#endif
