/* URLs of the distribution API: loopback hosts, query values, repository
 * scopes, and the Location a registry answers with (absolute or relative).
 * Pure functions. */
#include "registry/parse.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int reg_host_is_loopback(const char *host)
{
	char name[256];
	size_t n;
	const char *end;
	struct in_addr a4;
	struct in6_addr a6;

	if (host[0] == '[') {
		end = strchr(host, ']');
		if (!end)
			return 0;
		host++;
	} else {
		end = strchr(host, ':');
		if (!end)
			end = host + strlen(host);
	}
	n = (size_t)(end - host);
	if (n == 0 || n >= sizeof(name))
		return 0;
	memcpy(name, host, n);
	name[n] = '\0';
	if (!strcasecmp(name, "localhost"))
		return 1;
	if (inet_pton(AF_INET, name, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, name, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

char *reg_repo_scope(const char *repo, const char *actions)
{
	return sb_printf("repository:%s:%s", repo, actions);
}

char *reg_query_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	struct sb_buf b = {0};

	if (sb_buf_adds(&b, "") < 0)
		return NULL;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		int keep = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			   (ch >= '0' && ch <= '9') || strchr("-._~", ch);
		char esc[3] = {'%', hex[ch >> 4], hex[ch & 15]};

		if ((keep ? sb_buf_addc(&b, (char)ch) : sb_buf_add(&b, esc, 3)) < 0) {
			sb_buf_release(&b);
			return NULL;
		}
	}
	return sb_buf_detach(&b);
}

/* The length of "scheme://authority" at the start of url, 0 if none. */
static size_t origin_len(const char *url)
{
	const char *p = strstr(url, "://");

	if (!p)
		return 0;
	p += 3;
	return (size_t)(p - url) + strcspn(p, "/?#");
}

char *reg_url_resolve(const char *url, const char *location)
{
	size_t o = origin_len(url);

	if (strstr(location, "://") && strcspn(location, "/?") > strcspn(location, ":"))
		return sb_strdup(location);
	if (location[0] == '/' && location[1] == '/') {
		const char *colon = strstr(url, "://");
		return colon ? sb_printf("%.*s%s", (int)(colon - url + 1), url, location) : NULL;
	}
	if (location[0] == '/')
		return sb_printf("%.*s%s", (int)o, url, location);
	/* relative to the directory of the request's path */
	size_t dir = o + strcspn(url + o, "?#");
	while (dir > o && url[dir - 1] != '/')
		dir--;
	if (dir == o)
		return sb_printf("%.*s/%s", (int)o, url, location);
	return sb_printf("%.*s%s", (int)dir, url, location);
}

char *reg_url_add_query(const char *url, const char *name, const char *value)
{
	char *v = reg_query_escape(value);
	char *out;

	if (!v)
		return NULL;
	out = sb_printf("%s%c%s=%s", url, strchr(url, '?') ? '&' : '?', name, v);
	free(v);
	return out;
}

char *reg_url_path(const char *url)
{
	size_t o = origin_len(url);

	return sb_strndup(url + o, strcspn(url + o, "?#"));
}
