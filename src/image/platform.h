/* Platforms (os/architecture[/variant]) as BuildKit reads them: the
 * specifier of --platform and FROM --platform parsed and normalised by
 * containerd's rules (platforms.Parse, then platforms.Normalize), and the
 * platform of the machine we run on. */
#ifndef SB_PLATFORM_H
#define SB_PLATFORM_H

#include "util/error.h"

/* The longest component scratchbuild keeps (containerd has no limit; no
 * platform anyone uses comes near it). */
#define IMG_PLATFORM_PART 32

/* A platform, normalised. Plain arrays: it is copied by assignment. */
struct img_platform {
	char os[IMG_PLATFORM_PART];	      /* "linux" */
	char architecture[IMG_PLATFORM_PART]; /* GOARCH: "amd64", "arm64", "arm" */
	char variant[IMG_PLATFORM_PART];      /* "v7", or "" when there is none */
	char name[3 * IMG_PLATFORM_PART];     /* "os/architecture[/variant]" */
};

/* Parses spec ("linux/arm64", "arm64", "linux/arm/v7", "armhf"...) the way
 * containerd's platforms.Parse does and normalises it as platforms.Normalize
 * does: os lower-cased, "aarch64" -> "arm64", "x86_64" -> "amd64", "arm" ->
 * "arm/v7", "arm64/v8" -> "arm64"... A single word must be an operating
 * system or an architecture Go knows (a bare os takes the build machine's
 * architecture); an os/arch pair is taken as written, as BuildKit does.
 * Returns 0, or -1 with err saying what is wrong with spec (no position). */
int img_platform_parse(const char *spec, struct img_platform *out, struct sb_error *err);

/* The platform of the machine we run on: linux and its GOARCH (and the
 * variant of an arm CPU). */
void img_platform_host(struct img_platform *out);

#endif
