/* What the fuzz targets share: an invariant that must hold, and an error
 * that must be whole. */
#ifndef SB_FUZZ_UTIL_H
#define SB_FUZZ_UTIL_H

#include "util/error.h"

#include <stdlib.h>

/* A broken invariant is a finding: abort, so that libFuzzer saves the input. */
static inline void check(int ok)
{
	if (!ok)
		abort();
}

/* A recorded error must exist, format and be released cleanly. */
static inline void consume_error(struct sb_error *err)
{
	char *s = sb_error_format(err);

	check(err->msg != NULL && s != NULL);
	free(s);
	sb_error_release(err);
}

#endif
