/* Owners and modes (see perms.h). */
#include "interp/perms.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

int perm_parse_id(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 10)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return 0;
	*out = (uint32_t)v;
	return 1;
}

int perm_parse_int32(const char *s, size_t n, int64_t *out)
{
	int neg = 0;
	int64_t v = 0;

	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		s++, n--;
	}
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
		if (v > (int64_t)INT32_MAX + neg)
			return 0;
	}
	*out = neg ? -v : v;
	return 1;
}

/* symbolic := clause ("," clause)*
 * clause   := [ugoa]* (op [rwxXst]*)+      op := "+" | "-" | "=" */
static int symbolic_valid(const char *s)
{
	if (!*s)
		return 0;
	for (;;) {
		int ops = 0;

		while (*s && strchr("ugoa", *s))
			s++;
		while (*s && strchr("+-=", *s)) {
			s++;
			ops++;
			while (*s && strchr("rwxXst", *s))
				s++;
		}
		if (!ops)
			return 0;
		if (*s == '\0')
			return 1;
		if (*s != ',')
			return 0;
		s++;
	}
}

int perm_chmod_parse(const char *value, struct perm_chmod *out, struct sb_error *err)
{
	size_t n = strlen(value);

	memset(out, 0, sizeof(*out));
	if (n > 0 && strspn(value, "01234567") == n) {
		unsigned long long v = 0;

		/* BuildKit reads a 32-bit octal number and keeps its permission
		 * bits only: 4755 gives 0755 (checked against Docker). */
		for (size_t i = 0; i < n; i++) {
			v = v * 8 + (unsigned)(value[i] - '0');
			if (v > UINT32_MAX)
				return sb_errorf(
				    err, "--chmod=%s: the mode does not fit in 32 bits", value);
		}
		out->octal = (uint32_t)v & 0777;
		return 0;
	}
	if (!symbolic_valid(value))
		return sb_errorf(err, "--chmod=%s is not a mode", value);
	out->symbolic = 1;
	out->text = sb_strdup(value);
	if (!out->text)
		return sb_errorf(err, "out of memory");
	return 0;
}

void perm_chmod_release(struct perm_chmod *c)
{
	free(c->text);
	c->text = NULL;
}

uint32_t perm_chmod_apply(const struct perm_chmod *c, uint32_t mode, int is_dir)
{
	const char *s;

	if (!c->symbolic)
		return c->octal;
	mode &= 07777;
	for (s = c->text; *s;) {
		uint32_t who = 0;

		for (; *s && strchr("ugoa", *s); s++)
			who |= *s == 'u' ? 04700 : *s == 'g' ? 02070 : *s == 'o' ? 01007 : 07777;
		if (!who)
			who = 07777;
		while (*s && strchr("+-=", *s)) {
			char op = *s++;
			uint32_t bits = 0;

			for (; *s && strchr("rwxXst", *s); s++) {
				switch (*s) {
				case 'r':
					bits |= 0444;
					break;
				case 'w':
					bits |= 0222;
					break;
				case 'x':
					bits |= 0111;
					break;
				case 'X':
					if (is_dir || (mode & 0111))
						bits |= 0111;
					break;
				case 's':
					bits |= 06000;
					break;
				case 't':
					bits |= 01000;
					break;
				}
			}
			bits &= who;
			if (op == '+')
				mode |= bits;
			else if (op == '-')
				mode &= ~bits;
			else
				mode = (mode & ~(who & 07777)) | bits;
		}
		if (*s == ',')
			s++;
	}
	return mode;
}

/* Finds the line of an /etc/passwd- or /etc/group-style file whose first field
 * is name, and returns the start of its field `field` (0-based), or NULL. */
static const char *find_field(const char *text, size_t len, const char *name, int field,
			      size_t *flen)
{
	size_t nlen = strlen(name);
	const char *end = text + len;

	for (const char *line = text; line < end;) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		const char *p = line;

		if (!eol)
			eol = end;
		if ((size_t)(eol - line) > nlen && !memcmp(line, name, nlen) && line[nlen] == ':') {
			for (int f = 0; f < field && p; f++) {
				p = memchr(p, ':', (size_t)(eol - p));
				if (p)
					p++;
			}
			if (p) {
				const char *q = memchr(p, ':', (size_t)(eol - p));

				*flen = (size_t)((q ? q : eol) - p);
				return p;
			}
		}
		line = eol + 1;
	}
	return NULL;
}

int perm_passwd_lookup(const char *text, size_t len, const char *name, uint32_t *uid, uint32_t *gid)
{
	size_t ul, gl;
	const char *u = find_field(text, len, name, 2, &ul);
	const char *g = find_field(text, len, name, 3, &gl);

	return u && g && perm_parse_id(u, ul, uid) && perm_parse_id(g, gl, gid);
}

int perm_group_lookup(const char *text, size_t len, const char *name, uint32_t *gid)
{
	size_t gl;
	const char *g = find_field(text, len, name, 2, &gl);

	return g && perm_parse_id(g, gl, gid);
}
