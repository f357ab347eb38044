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

/* A reference cut into its parts, each pointing into the text read. */
struct ref_parts {
	const char *name; /* familiar: "docker.io/" and "library/" dropped */
	size_t nlen;
	const char *tag;    /* NULL: none given */
	const char *digest; /* "sha256:...", or NULL: none given */
};

/* digest := algorithm ":" encoded ; algorithm := [a-z0-9]+ ([+._-] [a-z0-9]+)*,
 * encoded := [a-zA-Z0-9=_-]{32,} */
static int valid_digest(const char *d)
{
	const char *colon = strchr(d, ':');
	size_t n;

	if (!colon || colon == d || !is_alnum_lower(colon[-1]) || !is_alnum_lower(d[0]))
		return 0;
	for (const char *p = d; p < colon; p++)
		if (!is_alnum_lower(*p) &&
		    !(strchr("+._-", *p) && is_alnum_lower(p[1]) && is_alnum_lower(p[-1])))
			return 0;
	n = strlen(colon + 1);
	return n >= 32 && strspn(colon + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					    "0123456789=_-") == n;
}

/* Reads ref into *p. Returns NULL, or why it is not a reference. */
static const char *parse_ref(const char *ref, int allow_digest, struct ref_parts *p)
{
	const char *name = ref, *slash, *colon, *at = strchr(ref, '@');
	size_t nlen, dlen = 0, len = at ? (size_t)(at - ref) : strlen(ref);
	int has_domain = 0;

	memset(p, 0, sizeof(*p));
	if (at && !allow_digest)
		return "a digest cannot be used as a tag";
	if (at && !valid_digest(at + 1))
		return "the digest must be algorithm:hex, e.g. sha256:<64 hex digits>";
	p->digest = at ? at + 1 : NULL;
	/* The tag starts at the last ':' after the last '/'. */
	slash = NULL;
	for (const char *q = ref; q < ref + len; q++)
		if (*q == '/')
			slash = q;
	colon = NULL;
	for (const char *q = slash ? slash : ref; q < ref + len; q++)
		if (*q == ':')
			colon = q;
	nlen = colon ? (size_t)(colon - ref) : len;
	if (colon) {
		char tag[130];
		size_t tn = len - nlen - 1;

		if (tn > 128)
			return "the tag must be 1-128 of [A-Za-z0-9_.-], not starting with '.' or "
			       "'-'";
		memcpy(tag, colon + 1, tn);
		tag[tn] = '\0';
		if (!valid_tag(tag))
			return "the tag must be 1-128 of [A-Za-z0-9_.-], not starting with '.' or "
			       "'-'";
		p->tag = colon + 1;
	}
	if (nlen == 0)
		return "the name is empty";
	if (nlen > 255)
		return "the name is longer than 255 characters";
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
				return "the registry host is not valid";
		}
	}
	for (size_t i = has_domain ? dlen + 1 : 0; i <= nlen;) {
		const char *end = memchr(name + i, '/', nlen - i);
		size_t clen = end ? (size_t)(end - (name + i)) : nlen - i;

		for (size_t k = 0; k < clen; k++)
			if (isupper((unsigned char)name[i + k]))
				return "repository name must be lowercase";
		if (!valid_component(name + i, clen))
			return "each part of the name must be lower-case letters and digits, "
			       "joined by '.', '_', '__' or '-'";
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
	p->name = name;
	p->nlen = nlen;
	return NULL;
}

int img_reference_normalize(const char *ref, char **out, struct sb_error *err)
{
	struct ref_parts p;
	const char *why = parse_ref(ref, 0, &p);
	char *r;

	if (why)
		return bad(err, ref, why);
	r = sb_printf("%.*s:%s", (int)p.nlen, p.name, p.tag ? p.tag : "latest");
	if (!r)
		return sb_errorf(err, "out of memory");
	*out = r;
	return 0;
}

int img_reference_familiar(const char *ref, char **out, const char **why)
{
	struct ref_parts p;
	int latest;

	*out = NULL;
	*why = parse_ref(ref, 1, &p);
	if (*why)
		return -1;
	/* BuildKit: FamiliarString, then ":latest" trimmed off the end (so a
	 * digest keeps a ":latest" before it). */
	latest = p.tag && !p.digest && !strcmp(p.tag, "latest");
	if (p.tag && !latest)
		*out = sb_printf("%.*s:%.*s%s%s", (int)p.nlen, p.name,
				 (int)(p.digest ? (size_t)(p.digest - 1 - p.tag) : strlen(p.tag)),
				 p.tag, p.digest ? "@" : "", p.digest ? p.digest : "");
	else
		*out = sb_printf("%.*s%s%s", (int)p.nlen, p.name, p.digest ? "@" : "",
				 p.digest ? p.digest : "");
	if (!*out) {
		*why = NULL;
		return -1;
	}
	return 0;
}

void img_ref_release(struct img_ref *r)
{
	free(r->host);
	free(r->repo);
	free(r->tag);
	free(r->name);
	memset(r, 0, sizeof(*r));
}

int img_reference_parse(const char *ref, struct img_ref *out, const char **why)
{
	struct ref_parts p;
	const char *slash;
	size_t dlen = 0;
	int hub;

	memset(out, 0, sizeof(*out));
	*why = parse_ref(ref, 0, &p);
	if (*why)
		return -1;
	/* parse_ref drops a Docker Hub host; any other host stays in p.name. */
	slash = memchr(p.name, '/', p.nlen);
	if (slash && (memchr(p.name, '.', (size_t)(slash - p.name)) ||
		      memchr(p.name, ':', (size_t)(slash - p.name)) ||
		      (slash - p.name == 9 && !strncmp(p.name, "localhost", 9))))
		dlen = (size_t)(slash - p.name);
	for (size_t i = 0; !dlen && slash && p.name + i < slash; i++)
		if (isupper((unsigned char)p.name[i]))
			dlen = (size_t)(slash - p.name);
	hub = dlen == 0;
	if (hub) {
		int one = !memchr(p.name, '/', p.nlen);

		out->host = sb_printf("registry-1.docker.io");
		out->repo = sb_printf("%s%.*s", one ? "library/" : "", (int)p.nlen, p.name);
	} else {
		out->host = sb_printf("%.*s", (int)dlen, p.name);
		out->repo = sb_printf("%.*s", (int)(p.nlen - dlen - 1), p.name + dlen + 1);
	}
	out->tag = p.tag ? sb_printf("%s", p.tag) : sb_printf("latest");
	if (out->host && out->repo && out->tag)
		out->name = sb_printf("%s/%s:%s", hub ? "docker.io" : out->host, out->repo,
				      out->tag);
	if (!out->name) {
		img_ref_release(out);
		*why = NULL;
		return -1;
	}
	return 0;
}
