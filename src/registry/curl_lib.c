/* Opens libcurl at run time: see curl_lib.h for why. */
#include "registry/curl_lib.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

/* Each function of struct reg_curl: its symbol and where it goes. */
#define FN(name)                                                                                   \
	{                                                                                          \
		"curl_" #name, offsetof(struct reg_curl, name)                                     \
	}
static const struct {
	const char *symbol;
	size_t off;
} functions[] = {
    FN(easy_init),    FN(easy_cleanup),	 FN(easy_reset),   FN(easy_setopt),    FN(easy_getinfo),
    FN(easy_perform), FN(easy_strerror), FN(slist_append), FN(slist_free_all),
};
#undef FN

int reg_curl_load(struct reg_curl *l, struct sb_error *err)
{
	/* RTLD_NODELETE: libcurl's TLS library registers handlers that run at
	 * exit; it must stay mapped after dlclose */
	l->dl = dlopen(REG_CURL_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!l->dl) {
		sb_errorf(err, "cannot load libcurl, which talking to a registry needs: %s",
			  dlerror());
		return sb_error_hint(err, "install libcurl (Debian and Ubuntu: apt-get install "
					  "libcurl4; Fedora: dnf install libcurl)");
	}
	for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
		void *p = dlsym(l->dl, functions[i].symbol);

		if (!p) {
			sb_errorf(err, "%s has no %s: %s", REG_CURL_SONAME, functions[i].symbol,
				  dlerror());
			return sb_error_hint(err, "install libcurl 7.85 or newer");
		}
		/* POSIX: a function's address as dlsym gives it, stored as is */
		memcpy((char *)l + functions[i].off, &p, sizeof(p));
	}
	return 0;
}

void reg_curl_unload(struct reg_curl *l)
{
	if (l->dl)
		dlclose(l->dl);
	l->dl = NULL;
}
