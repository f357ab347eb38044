/* Small allocation helpers. None of them abort: each returns NULL or -1 on
 * failure so that the caller can record "out of memory" and unwind. */
#ifndef SB_MEM_H
#define SB_MEM_H

#include <stdarg.h>
#include <stddef.h>

/* Makes room for at least `need` elements of `elem` bytes in *ptr, whose
 * capacity (in elements) is *cap. Grows geometrically. Returns 0 or -1. */
int sb_grow(void *ptr, size_t *cap, size_t need, size_t elem);

/* Like strdup/strndup; the result is yours to free(3). NULL when out of memory. */
char *sb_strdup(const char *s);
char *sb_strndup(const char *s, size_t n);

/* s itself when it has at most max bytes, else its first and last max/2 bytes
 * joined by "...": a path short enough for a message. NULL when out of memory. */
char *sb_abbrev(const char *s, size_t max);

/* Like asprintf; the result is yours to free(3). NULL when out of memory. */
char *sb_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *sb_vprintf(const char *fmt, va_list ap);

/* A growable byte string, always NUL-terminated when buf != NULL. */
struct sb_buf {
	char *buf;
	size_t len, cap;
};

/* Appends; returns 0 or -1 (out of memory; the buffer keeps what it had). */
int sb_buf_add(struct sb_buf *b, const void *data, size_t n);
int sb_buf_adds(struct sb_buf *b, const char *s);
int sb_buf_addc(struct sb_buf *b, char c);
int sb_buf_addf(struct sb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the string over: you own the result (free(3)); the buffer is left empty.
 * Returns "" (allocated) for an empty buffer, NULL when out of memory. */
char *sb_buf_detach(struct sb_buf *b);
void sb_buf_release(struct sb_buf *b);

/* Frees a NULL-terminated array of strings and the array itself. */
void sb_strv_free(char **v);

#endif
