#include "util/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sb_grow(void *ptr, size_t *cap, size_t need, size_t elem)
{
	void **p = ptr;
	size_t ncap = *cap ? *cap : 8;
	void *n;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / elem)
		return -1;
	n = realloc(*p, ncap * elem);
	if (!n)
		return -1;
	*p = n;
	*cap = ncap;
	return 0;
}

char *sb_strdup(const char *s)
{
	return sb_strndup(s, strlen(s));
}

char *sb_strndup(const char *s, size_t n)
{
	char *r = malloc(n + 1);

	if (!r)
		return NULL;
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

char *sb_abbrev(const char *s, size_t max)
{
	size_t len = strlen(s), half = max / 2;

	if (len <= max)
		return sb_strdup(s);
	return sb_printf("%.*s...%s", (int)half, s, s + len - half);
}

char *sb_vprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *r;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return NULL;
	r = malloc((size_t)n + 1);
	if (!r)
		return NULL;
	vsnprintf(r, (size_t)n + 1, fmt, ap);
	return r;
}

char *sb_printf(const char *fmt, ...)
{
	va_list ap;
	char *r;

	va_start(ap, fmt);
	r = sb_vprintf(fmt, ap);
	va_end(ap);
	return r;
}

int sb_buf_add(struct sb_buf *b, const void *data, size_t n)
{
	if (sb_grow(&b->buf, &b->cap, b->len + n + 1, 1) < 0)
		return -1;
	if (n)
		memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return 0;
}

int sb_buf_adds(struct sb_buf *b, const char *s)
{
	return sb_buf_add(b, s, strlen(s));
}

int sb_buf_addc(struct sb_buf *b, char c)
{
	return sb_buf_add(b, &c, 1);
}

int sb_buf_addf(struct sb_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int rc;

	va_start(ap, fmt);
	s = sb_vprintf(fmt, ap);
	va_end(ap);
	if (!s)
		return -1;
	rc = sb_buf_adds(b, s);
	free(s);
	return rc;
}

char *sb_buf_detach(struct sb_buf *b)
{
	char *r = b->buf;

	if (!r)
		r = sb_strdup("");
	b->buf = NULL;
	b->len = b->cap = 0;
	return r;
}

void sb_buf_release(struct sb_buf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
}

void sb_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}
