/* Platform specifiers parsed and normalised by containerd's rules (its
 * platforms package: Parse, Normalize, normalizeArch), which BuildKit uses for
 * --platform and FROM --platform; and the build machine's platform. */
#include "image/platform.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

/* Go's GOOS and GOARCH lists, as containerd's isKnownOS and isKnownArch. */
static const char *const known_os[] = {
    "aix",   "android", "darwin", "dragonfly", "freebsd", "hurd",    "illumos", "ios", "js",
    "linux", "nacl",	"netbsd", "openbsd",   "plan9",	  "solaris", "windows", "zos", NULL,
};
static const char *const known_arch[] = {
    "386",	 "amd64",	"amd64p32", "arm",   "armbe",	"arm64",  "arm64be",
    "ppc64",	 "ppc64le",	"loong64",  "mips",  "mipsle",	"mips64", "mips64le",
    "mips64p32", "mips64p32le", "ppc",	    "riscv", "riscv64", "s390",	  "s390x",
    "sparc",	 "sparc64",	"wasm",	    NULL,
};

static int known(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return 1;
	return 0;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

/* containerd's normalizeOS: lower case, "macos" is "darwin". */
static void normalize_os(char *os)
{
	lower(os);
	if (!strcmp(os, "macos"))
		strcpy(os, "darwin");
}

/* containerd's normalizeArch: the names other tools use for an architecture
 * turned into GOARCH, and the variants that say nothing dropped (arm64/v8,
 * amd64/v1) or given their "v" (arm/7). Both strings are IMG_PLATFORM_PART. */
static void normalize_arch(char *arch, char *variant)
{
	lower(arch);
	lower(variant);
	if (!strcmp(arch, "i386")) {
		strcpy(arch, "386");
		variant[0] = '\0';
	} else if (!strcmp(arch, "x86_64") || !strcmp(arch, "x86-64") || !strcmp(arch, "amd64")) {
		strcpy(arch, "amd64");
		if (!strcmp(variant, "v1"))
			variant[0] = '\0';
	} else if (!strcmp(arch, "aarch64") || !strcmp(arch, "arm64")) {
		strcpy(arch, "arm64");
		/* Newer containerd also knows "v8.0" and "9.0", which the
		 * component syntax of Docker 20.10's refuses (no '.'). */
		if (!strcmp(variant, "8") || !strcmp(variant, "v8"))
			variant[0] = '\0';
		else if (!strcmp(variant, "9"))
			strcpy(variant, "v9");
	} else if (!strcmp(arch, "armhf")) {
		strcpy(arch, "arm");
		strcpy(variant, "v7");
	} else if (!strcmp(arch, "armel")) {
		strcpy(arch, "arm");
		strcpy(variant, "v6");
	} else if (!strcmp(arch, "arm")) {
		if (!variant[0] || !strcmp(variant, "7"))
			strcpy(variant, "v7");
		else if (!strcmp(variant, "5") || !strcmp(variant, "6") || !strcmp(variant, "8")) {
			memmove(variant + 1, variant, 2);
			variant[0] = 'v';
		}
	}
}

static void set_name(struct img_platform *p)
{
	snprintf(p->name, sizeof(p->name), "%s/%s%s%s", p->os, p->architecture,
		 p->variant[0] ? "/" : "", p->variant);
}

/* Splits spec at '/' into at most three components, each checked against
 * containerd's ^[A-Za-z0-9_-]+$. Returns the number of components, or -1. */
static int split(const char *spec, char part[3][IMG_PLATFORM_PART], struct sb_error *err)
{
	int n = 0;

	if (strchr(spec, '*'))
		return sb_errorf(err, "wildcards are not supported in a platform");
	for (const char *p = spec;; n++) {
		size_t len = strcspn(p, "/");

		if (n == 3)
			return sb_errorf(err, "a platform is os/arch or os/arch/variant, not more");
		if (len == 0 || strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					  "0123456789_-") != len)
			return sb_errorf(err,
					 "\"%.*s\" is not a platform component: each part between "
					 "the slashes is letters, digits, '_' or '-'",
					 (int)len, p);
		if (len >= IMG_PLATFORM_PART)
			return sb_errorf(err, "\"%.*s\" is too long for a platform component",
					 (int)len, p);
		memcpy(part[n], p, len);
		part[n][len] = '\0';
		if (!p[len])
			return n + 1;
		p += len + 1;
	}
}

int img_platform_parse(const char *spec, struct img_platform *out, struct sb_error *err)
{
	char part[3][IMG_PLATFORM_PART] = {{0}};
	int n = split(spec, part, err);

	if (n < 0)
		return -1;
	memset(out, 0, sizeof(*out));
	if (n == 1) {
		/* One word: an operating system (on the build machine's
		 * architecture), else an architecture (on linux). */
		normalize_os(part[0]);
		if (known(known_os, part[0])) {
			img_platform_host(out);
			strcpy(out->os, part[0]);
			set_name(out);
			return 0;
		}
		memcpy(part[1], part[0], sizeof(part[0]));
		normalize_arch(part[1], part[2]);
		if (!known(known_arch, part[1]))
			return sb_errorf(err,
					 "\"%s\" is neither an operating system nor an "
					 "architecture",
					 spec);
		strcpy(part[0], "linux");
	}
	normalize_os(part[0]);
	normalize_arch(part[1], part[2]);
	memcpy(out->os, part[0], sizeof(out->os));
	memcpy(out->architecture, part[1], sizeof(out->architecture));
	memcpy(out->variant, part[2], sizeof(out->variant));
	set_name(out);
	return 0;
}

void img_platform_host(struct img_platform *out)
{
	static const struct {
		const char *uname, *arch, *variant;
	} map[] = {
	    {"x86_64", "amd64", ""},
	    {"aarch64", "arm64", ""},
	    {"armv7l", "arm", "v7"},
	    {"armv6l", "arm", "v6"},
	    {"i686", "386", ""},
	    {"i386", "386", ""},
	    {"ppc64le", "ppc64le", ""},
	    {"s390x", "s390x", ""},
	    {"riscv64", "riscv64", ""},
	    {"mips64", "mips64", ""},
	    {"loongarch64", "loong64", ""},
	};
	struct utsname u;
	size_t i = 0;

	if (uname(&u) == 0)
		while (i < sizeof(map) / sizeof(map[0]) && strcmp(u.machine, map[i].uname))
			i++;
	if (i == sizeof(map) / sizeof(map[0]))
		i = 0; /* a machine we have no name for: amd64, as before */
	memset(out, 0, sizeof(*out));
	strcpy(out->os, "linux");
	strcpy(out->architecture, map[i].arch);
	strcpy(out->variant, map[i].variant);
	set_name(out);
}
