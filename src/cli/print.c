/* How the command line shows errors, usage mistakes, file modes and sizes
 * (see print.h). */
#include "cli/print.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void sb_print_error(const char *who, enum sb_print_who how, const struct sb_error *err)
{
	char *s = sb_error_format(err);

	if (!s)
		fprintf(stderr, "%s: out of memory\n", who);
	else if (how == SB_WHO_UNLESS_FILE && err->file)
		fputs(s, stderr);
	else
		fprintf(stderr, "%s: %s", who, s);
	free(s);
}

void sb_print_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("scratchbuild: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nhint: scratchbuild --help shows the usage\n", stderr);
}

void sb_mode_string(char type, uint32_t mode, char out[11])
{
	uint32_t m = mode;

	out[0] = type;
	out[1] = m & 0400 ? 'r' : '-';
	out[2] = m & 0200 ? 'w' : '-';
	out[3] = m & 04000 ? (m & 0100 ? 's' : 'S') : (m & 0100 ? 'x' : '-');
	out[4] = m & 040 ? 'r' : '-';
	out[5] = m & 020 ? 'w' : '-';
	out[6] = m & 02000 ? (m & 010 ? 's' : 'S') : (m & 010 ? 'x' : '-');
	out[7] = m & 04 ? 'r' : '-';
	out[8] = m & 02 ? 'w' : '-';
	out[9] = m & 01000 ? (m & 01 ? 't' : 'T') : (m & 01 ? 'x' : '-');
	out[10] = '\0';
}

void sb_size_string(uint64_t n, char *buf, size_t len)
{
	if (n < 1024)
		snprintf(buf, len, "%llu B", (unsigned long long)n);
	else if (n < 1024 * 1024)
		snprintf(buf, len, "%.1f KiB", (double)n / 1024);
	else if (n < 1024ull * 1024 * 1024)
		snprintf(buf, len, "%.1f MiB", (double)n / (1024 * 1024));
	else
		snprintf(buf, len, "%.2f GiB", (double)n / (1024.0 * 1024 * 1024));
}
