/* When to try a request again, and how long to wait first: connection
 * errors, 429 and 5xx, with a doubling delay that is the same on every run
 * (no jitter: one client per registry, and tests that can count on it). */
#include "registry/parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BACKOFF_FIRST_MS 500u

unsigned reg_backoff_ms(unsigned attempt, unsigned max_ms, long retry_after_s)
{
	unsigned ms = BACKOFF_FIRST_MS;

	for (unsigned i = 0; i < attempt && ms < max_ms; i++)
		ms *= 2;
	if (retry_after_s > 0) {
		unsigned long long ra = (unsigned long long)retry_after_s * 1000u;
		if (ra > ms)
			ms = ra > max_ms ? max_ms : (unsigned)ra;
	}
	return ms > max_ms ? max_ms : ms;
}

long reg_retry_after_s(const char *value, long long now)
{
	struct tm tm = {0};
	const char *end;
	char *e;
	long v;

	if (!value)
		return -1;
	while (*value == ' ')
		value++;
	if (isdigit((unsigned char)*value)) {
		errno = 0;
		v = strtol(value, &e, 10);
		if (errno || (*e && *e != ' ' && *e != '\r'))
			return -1;
		return v;
	}
	/* An HTTP date: "Wed, 21 Oct 2015 07:28:00 GMT" */
	end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end)
		return -1;
	long long at = (long long)timegm(&tm);
	return at > now ? (long)(at - now) : 0;
}

int reg_status_retryable(long status)
{
	return status == 408 || status == 429 || (status >= 500 && status != 501 && status < 600);
}

void reg_sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
