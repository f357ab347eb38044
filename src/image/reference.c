/* Docker's reference grammar (distribution/reference):
 *
 *   reference  := name [ ":" tag ]
 *   name       := [domain "/"] component ("/" component)*
 *   domain     := host [":" port]     host := label ("." label)*
 *   component  := alnum (separator alnum)*   alnum := [a-z0-9]+
 *   separator  := [_.] | "__" | "-"+
 *   tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 *
 * The first "/"-separated part is a domain when it holds "." or ":", is
 * "localhost", or has upper-case letters (which then fail as a host only if
 * invalid). The name is at most 255 characters. */
#include "image/reference.h"
#include "util/mem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int is_alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* component := alnum (separator alnum)* */
static int valid_component(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_alnum_lower(s[0]) || !is_alnum_lower(s[n - 1]))
		return 0;
	while (i < n) {
		if (is_alnum_lower(s[i])) {
			i++;
			continue;
		}
		if (s[i] == '.' || (s[i] == '_' && s[i + 1] != '_')) {
			i++;
		} else if (s[i] == '_' && s[i + 1] == '_') {
			i += 2;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return 0;
		}
		if (i >= n || !is_alnum_lower(s[i]))
			return 0;
	}
	return 1;
}

/* host := label ("." label)*, label := [A-Za-z0-9] ([A-Za-z0-9-]* [A-Za-z0-9])? ; [":" port] */
static int valid_domain(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t hn = colon ? (size_t)(colon - s) : n;
	size_t i = 0;

	if (colon) {
		size_t pn = n - hn - 1;

		if (pn == 0)
			return 0;
		for (size_t k = 0; k < pn; k++)
			if (!isdigit((unsigned char)colon[1 + k]))
				return 0;
	}
	if (hn == 0)
		return 0;
	while (i < hn) {
		size_t start = i;

		while (i < hn && s[i] != '.')
			i++;
		if (i == start || !isalnum((unsigned char)s[start]) ||
		    !isalnum((unsigned char)s[i - 1]))
			return 0;
		for (size_t k = start; k < i; k++)
			if (!isalnum((unsigned char)s[k]) && s[k] != '-')
				return 0;
		if (i < hn)
			i++; /* the dot */
		if (i == hn && s[hn - 1] == '.')
			return 0;
	}
	return 1;
}

static int valid_tag(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 128)
		return 0;
	if (!isalnum((unsigned char)t[0]) && t[0] != '_')
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-')
			return 0;
	return 1;
}

static int bad(struct sb_error *err, const char *ref, const char *why)
{
	sb_errorf(err, "-t \"%s\": invalid reference format: %s", ref, why);
	return sb_error_hint(err, "a tag looks like name:tag, e.g. mini-image:1.0 or "
				  "registry.example:5000/team/app:v2 (lower-case name)");
}

int img_reference_normalize(const char *ref, char **out, struct sb_error *err)
{
	const char *name = ref, *tag = "latest", *slash, *colon;
	size_t nlen, dlen = 0;
	int has_domain = 0;
	char *r = NULL;

	if (strchr(ref, '@'))
		return bad(err, ref, "a digest cannot be used as a tag");
	/* The tag starts at the last ':' after the last '/'. */
	slash = strrchr(ref, '/');
	colon = strrchr(slash ? slash : ref, ':');
	nlen = colon ? (size_t)(colon - ref) : strlen(ref);
	if (colon) {
		tag = colon + 1;
		if (!valid_tag(tag))
			return bad(err, ref,
				   "the tag must be 1-128 of [A-Za-z0-9_.-], not "
				   "starting with '.' or '-'");
	}
	if (nlen == 0)
		return bad(err, ref, "the name is empty");
	if (nlen > 255)
		return bad(err, ref, "the name is longer than 255 characters");
	slash = memchr(name, '/', nlen);
	if (slash) {
		size_t first = (size_t)(slash - name);

		if (memchr(name, '.', first) || memchr(name, ':', first) ||
		    (first == 9 && !strncmp(name, "localhost", 9))) {
			has_domain = 1;
		} else {
			for (size_t i = 0; i < first; i++)
				if (isupper((unsigned char)name[i]))
					has_domain = 1;
		}
		if (has_domain) {
			dlen = first;
			if (!valid_domain(name, dlen))
				return bad(err, ref, "the registry host is not valid");
		}
	}
	for (size_t i = has_domain ? dlen + 1 : 0; i <= nlen;) {
		const char *end = memchr(name + i, '/', nlen - i);
		size_t clen = end ? (size_t)(end - (name + i)) : nlen - i;

		for (size_t k = 0; k < clen; k++)
			if (isupper((unsigned char)name[i + k]))
				return bad(err, ref, "repository name must be lowercase");
		if (!valid_component(name + i, clen))
			return bad(err, ref,
				   "each part of the name must be lower-case letters and "
				   "digits, joined by '.', '_', '__' or '-'");
		i += clen + 1;
		if (!end)
			break;
	}
	/* Familiar form: what docker save writes into RepoTags. */
	if (has_domain && ((dlen == 9 && !strncmp(name, "docker.io", 9)) ||
			   (dlen == 15 && !strncmp(name, "index.docker.io", 15)))) {
		name += dlen + 1;
		nlen -= dlen + 1;
		has_domain = 0;
	}
	if (!has_domain && nlen > 8 && !strncmp(name, "library/", 8) &&
	    !memchr(name + 8, '/', nlen - 8)) {
		name += 8;
		nlen -= 8;
	}
	r = sb_printf("%.*s:%s", (int)nlen, name, tag);
	if (!r)
		return sb_errorf(err, "out of memory");
	*out = r;
	return 0;
}
