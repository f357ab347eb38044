/* libcurl, loaded when a registry is first spoken to and not before.
 *
 * Linked at build time, libcurl and the 30 libraries it needs (TLS, HTTP/2,
 * Kerberos, LDAP, IDN...) were mapped and relocated at the start of every
 * run: 12 ms and 5 MiB of resident memory, more than a whole build of the
 * seed image. Only a push or a pull needs them, so the client opens
 * libcurl's shared object itself (dlopen) and calls it through this table.
 * The headers are libcurl's own: the types and constants are the same. */
#ifndef SB_REGISTRY_CURL_LIB_H
#define SB_REGISTRY_CURL_LIB_H

#include "util/error.h"

#include <curl/curl.h>

/* The shared object's name: libcurl's ABI 4, as every distribution ships it. */
#define REG_CURL_SONAME "libcurl.so.4"

/* The functions the client calls, each named as in libcurl without "curl_". */
struct reg_curl {
	void *dl; /* dlopen's handle; NULL when not loaded */
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *h);
	void (*easy_reset)(CURL *h);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	CURLcode (*easy_perform)(CURL *h);
	const char *(*easy_strerror)(CURLcode rc);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
};

/* Opens libcurl and fills l; an error names the library and says what to
 * install. Release it with reg_curl_unload (also after a failed load). */
int reg_curl_load(struct reg_curl *l, struct sb_error *err);
void reg_curl_unload(struct reg_curl *l);

#endif
