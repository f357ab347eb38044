#include "util/error.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char oom[] = "out of memory";

static int set_msg(struct sb_error *err, const char *fmt, va_list ap)
{
	sb_error_release(err);
	err->msg = sb_vprintf(fmt, ap);
	return -1;
}

int sb_errorf(struct sb_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_msg(err, fmt, ap);
	va_end(ap);
	return -1;
}

int sb_error_file(struct sb_error *err, const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_msg(err, fmt, ap);
	va_end(ap);
	err->file = file ? sb_strdup(file) : NULL;
	return -1;
}

struct sb_pos sb_pos_at(const struct sb_src *src, size_t off)
{
	struct sb_pos pos = {1, 1, off};

	if (off > src->len)
		off = pos.off = src->len;
	for (size_t i = 0; i < off; i++) {
		if (src->buf[i] == '\n') {
			pos.line++;
			pos.col = 1;
		} else {
			pos.col++;
		}
	}
	return pos;
}

int sb_error_at(struct sb_error *err, const struct sb_src *src, struct sb_pos pos, const char *fmt,
		...)
{
	va_list ap;
	size_t start, end;

	va_start(ap, fmt);
	set_msg(err, fmt, ap);
	va_end(ap);
	if (!src)
		return -1;
	err->file = sb_strdup(src->name);
	if (pos.line == 0 || pos.off > src->len)
		return -1;
	err->line = pos.line;
	err->col = pos.col;
	start = pos.off;
	while (start > 0 && src->buf[start - 1] != '\n')
		start--;
	end = pos.off;
	while (end < src->len && src->buf[end] != '\n')
		end++;
	if (end > start && src->buf[end - 1] == '\r')
		end--;
	err->source_line = sb_strndup(src->buf + start, end - start);
	return -1;
}

int sb_error_hint(struct sb_error *err, const char *fmt, ...)
{
	va_list ap;

	free(err->hint);
	va_start(ap, fmt);
	err->hint = sb_vprintf(fmt, ap);
	va_end(ap);
	return -1;
}

int sb_error_prefix(struct sb_error *err, const char *fmt, ...)
{
	va_list ap;
	char *prefix, *msg;

	va_start(ap, fmt);
	prefix = sb_vprintf(fmt, ap);
	va_end(ap);
	if (!prefix)
		return -1;
	msg = sb_printf("%s: %s", prefix, err->msg ? err->msg : oom);
	free(prefix);
	if (msg) {
		free(err->msg);
		err->msg = msg;
	}
	return -1;
}

char *sb_error_format(const struct sb_error *err)
{
	struct sb_buf b = {0};
	int rc = 0;

	if (err->file && err->line)
		rc |= sb_buf_addf(&b, "%s:%u:%u: ", err->file, err->line, err->col);
	else if (err->file)
		rc |= sb_buf_addf(&b, "%s: ", err->file);
	rc |= sb_buf_addf(&b, "%s\n", err->msg ? err->msg : oom);
	if (err->source_line && err->line) {
		const char *s = err->source_line;
		size_t len = strlen(s);
		int width = snprintf(NULL, 0, "%u", err->line);

		rc |= sb_buf_addf(&b, "    %u | %s\n", err->line, s);
		rc |= sb_buf_addf(&b, "    %*s | ", width, "");
		/* Keep tabs so that the caret lines up with the character above it. */
		for (size_t i = 0; i + 1 < err->col && i < len; i++)
			rc |= sb_buf_addc(&b, s[i] == '\t' ? '\t' : ' ');
		rc |= sb_buf_adds(&b, "^\n");
	}
	if (err->hint)
		rc |= sb_buf_addf(&b, "hint: %s\n", err->hint);
	if (rc) {
		sb_buf_release(&b);
		return NULL;
	}
	return sb_buf_detach(&b);
}

void sb_error_release(struct sb_error *err)
{
	free(err->file);
	free(err->source_line);
	free(err->msg);
	free(err->hint);
	memset(err, 0, sizeof(*err));
}
