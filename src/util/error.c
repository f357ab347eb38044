#include "util/error.h"
#include "util/mem.h"
#include "util/utf8.h"

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

/* The source line as shown above the caret: a rune that a terminal would not
 * show as itself (a control, a bidirectional override, a byte that is not
 * UTF-8) becomes '?', so that the line can neither act on the terminal nor
 * move the caret. The caret gets one column per rune before col, and tabs. */
static int add_source_line(struct sb_buf *b, const struct sb_error *err)
{
	const char *s = err->source_line;
	size_t len = strlen(s);
	int width = snprintf(NULL, 0, "%u", err->line), rc;
	struct sb_buf pad = {0};

	rc = sb_buf_addf(b, "    %u | ", err->line);
	for (size_t i = 0, n; i < len && rc == 0; i += n) {
		uint32_t r = sb_utf8_decode(s + i, len - i, &n);
		int shown = r == '\t' || (sb_rune_isprint(r) && !(r == SB_RUNE_ERROR && n == 1));

		rc = shown ? sb_buf_add(b, s + i, n) : sb_buf_addc(b, '?');
		if (rc == 0 && i + 1 < err->col)
			rc = sb_buf_addc(&pad, r == '\t' ? '\t' : ' ');
	}
	if (rc == 0)
		rc = sb_buf_addf(b, "\n    %*s | %s^\n", width, "", pad.buf ? pad.buf : "");
	sb_buf_release(&pad);
	return rc;
}

char *sb_error_format(const struct sb_error *err)
{
	struct sb_buf b = {0};
	int rc = 0;

	/* Names and messages can carry bytes from a context or an image: shown
	 * quoted when they hold anything a terminal would act on. */
	if (err->file) {
		rc |= sb_utf8_add_shown(&b, err->file);
		if (err->line)
			rc |= sb_buf_addf(&b, ":%u:%u", err->line, err->col);
		rc |= sb_buf_adds(&b, ": ");
	}
	rc |= sb_utf8_add_shown(&b, err->msg ? err->msg : oom);
	rc |= sb_buf_addc(&b, '\n');
	if (err->source_line && err->line)
		rc |= add_source_line(&b, err);
	if (err->hint) {
		rc |= sb_buf_adds(&b, "hint: ");
		rc |= sb_utf8_add_shown(&b, err->hint);
		rc |= sb_buf_addc(&b, '\n');
	}
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
