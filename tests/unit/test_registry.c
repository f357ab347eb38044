/* The pure parts of the registry client: WWW-Authenticate challenges,
 * Docker's config.json and credential helpers, URLs and Locations,
 * base64, the backoff schedule, and the push cache's entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/client.h"

static void test_challenge(void **state)
{
	struct reg_challenge ch;

	(void)state;
	assert_int_equal(reg_challenge_parse("Bearer realm=\"https://auth.docker.io/token\","
					     "service=\"registry.docker.io\",scope=\"repository:"
					     "library/alpine:pull\"",
					     &ch),
			 0);
	assert_int_equal(ch.scheme, REG_AUTH_BEARER);
	assert_string_equal(ch.realm, "https://auth.docker.io/token");
	assert_string_equal(ch.service, "registry.docker.io");
	assert_string_equal(ch.scope, "repository:library/alpine:pull");
	assert_null(ch.error);
	reg_challenge_release(&ch);

	assert_int_equal(reg_challenge_parse("Basic realm=\"Registry Realm\"", &ch), 0);
	assert_int_equal(ch.scheme, REG_AUTH_BASIC);
	assert_string_equal(ch.realm, "Registry Realm");
	reg_challenge_release(&ch);

	/* case, spaces, a token value, escapes, unknown params, an error */
	assert_int_equal(reg_challenge_parse("bearer  realm=http://127.0.0.1:5001/t , "
					     "foo=\"a,b\", service=\"s \\\"q\\\"\", "
					     "error=\"insufficient_scope\"",
					     &ch),
			 0);
	assert_int_equal(ch.scheme, REG_AUTH_BEARER);
	assert_string_equal(ch.realm, "http://127.0.0.1:5001/t");
	assert_string_equal(ch.service, "s \"q\"");
	assert_string_equal(ch.error, "insufficient_scope");
	reg_challenge_release(&ch);

	assert_int_equal(reg_challenge_parse("Negotiate abc", &ch), -1);
	assert_int_equal(reg_challenge_parse("", &ch), -1);
}

/* Which cached token serves which request: same resource, actions within. */
static void test_scopes(void **state)
{
	(void)state;
	assert_true(reg_scope_covers("repository:app:pull", "repository:app:pull"));
	assert_true(reg_scope_covers("repository:app:pull,push", "repository:app:pull"));
	assert_true(reg_scope_covers("repository:app:push,pull", "repository:app:pull,push"));
	assert_true(reg_scope_covers("repository:app:*", "repository:app:pull,push"));
	assert_false(reg_scope_covers("repository:app:pull", "repository:app:pull,push"));
	assert_false(reg_scope_covers("repository:app:pull,push", "repository:ap:pull"));
	assert_false(reg_scope_covers("repository:app:pull,push", "repository:app2:pull"));
	assert_false(reg_scope_covers("repository:a/app:pull", "repository:app:pull"));
	/* a mount's token: the target's pull,push and the source's pull */
	assert_true(
	    reg_scope_covers("repository:b:pull,push repository:a:pull", "repository:b:pull,push"));
	assert_true(reg_scope_covers("repository:b:pull,push repository:a:pull",
				     "repository:a:pull repository:b:pull"));
	assert_false(
	    reg_scope_covers("repository:b:pull,push repository:a:pull", "repository:a:pull,push"));
	assert_false(
	    reg_scope_covers("repository:b:pull,push", "repository:b:pull,push repository:a:pull"));
	assert_true(reg_scope_covers("", ""));
	assert_false(reg_scope_covers("repository:app:pull", ""));
	assert_false(reg_scope_covers("", "repository:app:pull"));
}

static void check_resolve(const char *url, const char *loc, const char *want)
{
	char *got = reg_url_resolve(url, loc);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_urls(void **state)
{
	char *s;

	(void)state;
	check_resolve("http://127.0.0.1:5000/v2/app/blobs/uploads/",
		      "/v2/app/blobs/uploads/u1?_state=x",
		      "http://127.0.0.1:5000/v2/app/blobs/uploads/u1?_state=x");
	check_resolve("http://127.0.0.1:5000/v2/app/blobs/uploads/",
		      "https://storage.example/up/1?sig=a", "https://storage.example/up/1?sig=a");
	check_resolve("https://r.example/v2/app/blobs/uploads/", "//other.example/x",
		      "https://other.example/x");
	check_resolve("https://r.example/v2/app/blobs/uploads/?a=b", "u2",
		      "https://r.example/v2/app/blobs/uploads/u2");
	check_resolve("https://r.example", "u3", "https://r.example/u3");

	s = reg_url_add_query("/v2/a/blobs/uploads/u1?_state=x", "digest", "sha256:ab");
	assert_string_equal(s, "/v2/a/blobs/uploads/u1?_state=x&digest=sha256%3Aab");
	free(s);
	s = reg_url_add_query("https://auth/token", "scope", "repository:a/b:pull,push");
	assert_string_equal(s, "https://auth/token?scope=repository%3Aa%2Fb%3Apull%2Cpush");
	free(s);
	s = reg_query_escape("a-b_c.d~e f+");
	assert_string_equal(s, "a-b_c.d~e%20f%2B");
	free(s);
	s = reg_url_path("https://r.example:5000/v2/x/blobs/uploads/u?_state=secret");
	assert_string_equal(s, "/v2/x/blobs/uploads/u");
	free(s);

	assert_true(reg_host_is_loopback("127.0.0.1:5000"));
	assert_true(reg_host_is_loopback("127.9.8.7"));
	assert_true(reg_host_is_loopback("localhost:5000"));
	assert_true(reg_host_is_loopback("[::1]:5000"));
	assert_false(reg_host_is_loopback("128.0.0.1:5000"));
	assert_false(reg_host_is_loopback("localhost.example.com"));
	assert_false(reg_host_is_loopback("ghcr.io"));
	assert_false(reg_host_is_loopback("[::2]:5000"));
}

static void test_backoff(void **state)
{
	(void)state;
	/* 0.5 s doubled, capped; the same on every run */
	assert_int_equal(reg_backoff_ms(0, 8000, -1), 500);
	assert_int_equal(reg_backoff_ms(1, 8000, -1), 1000);
	assert_int_equal(reg_backoff_ms(3, 8000, -1), 4000);
	assert_int_equal(reg_backoff_ms(4, 8000, -1), 8000);
	assert_int_equal(reg_backoff_ms(40, 8000, -1), 8000);
	assert_int_equal(reg_backoff_ms(0, 100, -1), 100);
	/* Retry-After lengthens the wait, up to the bound */
	assert_int_equal(reg_backoff_ms(0, 8000, 3), 3000);
	assert_int_equal(reg_backoff_ms(0, 8000, 60), 8000);
	assert_int_equal(reg_backoff_ms(3, 8000, 1), 4000);

	assert_int_equal(reg_retry_after_s("120", 0), 120);
	assert_int_equal(reg_retry_after_s("x", 0), -1);
	assert_int_equal(reg_retry_after_s(NULL, 0), -1);
	/* 1445412480 is Wed, 21 Oct 2015 07:28:00 GMT */
	assert_int_equal(reg_retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470LL), 10);
	assert_int_equal(reg_retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490LL), 0);

	assert_true(reg_status_retryable(503));
	assert_true(reg_status_retryable(429));
	assert_true(reg_status_retryable(500));
	assert_false(reg_status_retryable(501));
	assert_false(reg_status_retryable(404));
	assert_false(reg_status_retryable(401));
}

static void test_base64(void **state)
{
	char *s;
	size_t n;

	(void)state;
	s = reg_base64_encode("user:pa ss", 10);
	assert_string_equal(s, "dXNlcjpwYSBzcw==");
	free(s);
	s = reg_base64_decode("dXNlcjpwYSBzcw==", &n);
	assert_int_equal(n, 10);
	assert_string_equal(s, "user:pa ss");
	free(s);
	s = reg_base64_encode("", 0);
	assert_string_equal(s, "");
	free(s);
	assert_null(reg_base64_decode("a*b", &n));
}

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_cache_entry(void **state)
{
	char digest[72] = "untouched";
	uint64_t size = 7;

	(void)state;
	assert_int_equal(reg_push_cache_entry("sha256:" HEX64 " 1234\n", digest, &size), 1);
	assert_string_equal(digest, "sha256:" HEX64);
	assert_int_equal(size, 1234);
	/* the newline may be missing */
	assert_int_equal(reg_push_cache_entry("sha256:" HEX64 " 5", digest, &size), 1);
	assert_int_equal(size, 5);

	/* a miss leaves both as they were */
	snprintf(digest, sizeof(digest), "untouched");
	size = 7;
	assert_int_equal(reg_push_cache_entry("", digest, &size), 0);
	assert_int_equal(reg_push_cache_entry("sha256:" HEX64, digest, &size), 0);
	assert_int_equal(reg_push_cache_entry("sha256:" HEX64 " \n", digest, &size), 0);
	assert_int_equal(reg_push_cache_entry("sha256:0123abc 12\n", digest, &size), 0);
	assert_int_equal(reg_push_cache_entry("sha256:" HEX64 "a 12\n", digest, &size), 0);
	assert_int_equal(reg_push_cache_entry("sha256:" HEX64 " x12\n", digest, &size), 0);
	assert_int_equal(
	    reg_push_cache_entry("sha256:0123456789ABCDEF" HEX64 " 12\n", digest, &size), 0);
	assert_int_equal(reg_push_cache_entry("sha512:" HEX64 " 12\n", digest, &size), 0);
	/* nothing but the format push_cache.c writes */
	assert_int_equal(reg_push_cache_entry("sha256:" HEX64 " 6 junk\nmore", digest, &size), 0);
	assert_int_equal(reg_push_cache_entry("sha256:" HEX64 " 6\n\n", digest, &size), 0);
	assert_int_equal(reg_push_cache_entry("sha256:" HEX64 "0 12\n", digest, &size), 0);
	assert_int_equal(reg_push_cache_entry("sha256:" HEX64 "  12\n", digest, &size), 0);
	assert_int_equal(reg_push_cache_entry("sha256:" HEX64 " -1\n", digest, &size), 0);
	assert_int_equal(
	    reg_push_cache_entry("sha256:" HEX64 " 99999999999999999999999", digest, &size), 0);
	assert_string_equal(digest, "untouched");
	assert_int_equal(size, 7);
}

/* A directory with config.json holding text. Yours. */
static char *config_dir(const char *text)
{
	char tmpl[] = "/tmp/test_registry.XXXXXX";
	char *dir = strdup(mkdtemp(tmpl)), path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/config.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return dir;
}

static void remove_dir(char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

/* A credHelpers entry of "" for a host: its auths entry, not credsStore
 * (Docker's getConfiguredCredentialStore gives "", and "" is the file
 * store); other hosts still get credsStore. Found by fuzz_registry. */
static void test_empty_helper(void **state)
{
	static const char cfg[] = "{\"auths\":{\"ghcr.io\":{\"auth\":\"Z2g6dG9r\"}},"
				  "\"credHelpers\":{\"ghcr.io\":\"\"},\"credsStore\":\"desktop\"}";
	struct reg_creds cr;
	struct sb_error err = {0};
	char *helper;

	(void)state;
	assert_int_equal(
	    reg_creds_parse(cfg, sizeof(cfg) - 1, "config.json", "ghcr.io", &helper, &cr, &err), 0);
	assert_null(helper);
	assert_string_equal(cr.user, "gh");
	assert_string_equal(cr.secret, "tok");
	reg_creds_release(&cr);
	assert_int_equal(
	    reg_creds_parse(cfg, sizeof(cfg) - 1, "config.json", "docker.io", &helper, &cr, &err),
	    0);
	assert_string_equal(helper, "desktop");
	assert_null(cr.user);
	free(helper);
}

static void test_auths(void **state)
{
	struct reg_creds cr;
	struct sb_error err = {0};
	/* dXNlcjpwOmFzcw== is user:p:ass (the password may hold a colon) */
	char *dir = config_dir("{\"auths\":{"
			       "\"127.0.0.1:5000\":{\"auth\":\"dXNlcjpwOmFzcw==\"},"
			       "\"https://ghcr.io\":{\"auth\":\"Z2g6dG9r\"},"
			       "\"https://index.docker.io/v1/\":{\"auth\":\"aHViOmh1YnB3\"},"
			       "\"id.example\":{\"identitytoken\":\"refresh-1\"},"
			       "\"bad.example\":{\"auth\":\"bm9jb2xvbg==\"}}}");

	(void)state;
	assert_int_equal(reg_creds_find(dir, "127.0.0.1:5000", &cr, &err), 0);
	assert_string_equal(cr.user, "user");
	assert_string_equal(cr.secret, "p:ass");
	reg_creds_release(&cr);

	assert_int_equal(reg_creds_find(dir, "ghcr.io", &cr, &err), 0);
	assert_string_equal(cr.user, "gh");
	assert_string_equal(cr.secret, "tok");
	reg_creds_release(&cr);

	assert_int_equal(reg_creds_find(dir, "docker.io", &cr, &err), 0);
	assert_string_equal(cr.user, "hub");
	reg_creds_release(&cr);

	assert_int_equal(reg_creds_find(dir, "id.example", &cr, &err), 0);
	assert_null(cr.user);
	assert_string_equal(cr.identity_token, "refresh-1");
	reg_creds_release(&cr);

	/* another port, another host: anonymous */
	assert_int_equal(reg_creds_find(dir, "127.0.0.1:5001", &cr, &err), 0);
	assert_null(cr.user);
	assert_null(cr.secret);

	/* "nocolon" is no user:password; the message quotes none of it */
	assert_int_equal(reg_creds_find(dir, "bad.example", &cr, &err), -1);
	assert_non_null(strstr(err.msg, "not base64 of user:password"));
	assert_null(strstr(err.msg, "bm9jb2xvbg"));
	sb_error_release(&err);
	remove_dir(dir);

	/* no config.json at all: anonymous */
	assert_int_equal(reg_creds_find("/nonexistent/dir", "ghcr.io", &cr, &err), 0);
	assert_null(cr.user);

	/* not JSON: the file named, nothing of it quoted */
	dir = config_dir("{\"auths\":{\"x\":{\"auth\":\"c2VjcmV0\"}");
	assert_int_equal(reg_creds_find(dir, "x", &cr, &err), -1);
	assert_non_null(strstr(err.msg, "not valid JSON"));
	assert_null(strstr(err.msg, "c2VjcmV0"));
	assert_non_null(strstr(err.file, "config.json"));
	sb_error_release(&err);
	remove_dir(dir);
}

/* Writes docker-credential-test into dir: it answers for the server URL it
 * reads from stdin, and records that URL. */
static void write_helper(const char *dir)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/docker-credential-test", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(
	    f,
	    "#!/bin/sh\n"
	    "[ \"$1\" = get ] || exit 3\n"
	    "read -r url || [ -n \"$url\" ]\n"
	    "printf %%s \"$url\" >\"%s/asked\"\n"
	    "echo 'secret stderr' >&2\n"
	    "case $url in\n"
	    "127.0.0.1:5000) echo '{\"ServerURL\":\"x\",\"Username\":\"hu\",\"Secret\":\"hs\"}' "
	    ";;\n"
	    "https://index.docker.io/v1/) echo '{\"Username\":\"<token>\",\"Secret\":\"idt\"}' ;;\n"
	    "broken.example) echo 'no json' ;;\n"
	    "fail.example) echo 'something broke: hs'; exit 2 ;;\n"
	    "*) echo 'credentials not found in native keychain'; exit 1 ;;\n"
	    "esac\n",
	    dir);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

static void test_helpers(void **state)
{
	struct reg_creds cr;
	struct sb_error err = {0};
	char *dir =
	    config_dir("{\"auths\":{\"127.0.0.1:5000\":{}},"
		       "\"credHelpers\":{\"127.0.0.1:5000\":\"test\",\"docker.io\":\"test\","
		       "\"broken.example\":\"test\",\"fail.example\":\"test\","
		       "\"other.example\":\"test\",\"evil.example\":\"../x\","
		       "\"gone.example\":\"nosuchhelper\"}}");
	char *path = getenv("PATH"), *saved = strdup(path ? path : "/usr/bin:/bin"), newpath[4096];
	char asked[256];
	FILE *f;

	(void)state;
	write_helper(dir);
	snprintf(newpath, sizeof(newpath), "%s:%s", dir, saved);
	setenv("PATH", newpath, 1);

	assert_int_equal(reg_creds_find(dir, "127.0.0.1:5000", &cr, &err), 0);
	assert_string_equal(cr.user, "hu");
	assert_string_equal(cr.secret, "hs");
	reg_creds_release(&cr);
	snprintf(asked, sizeof(asked), "%s/asked", dir);
	f = fopen(asked, "r");
	assert_non_null(f);
	assert_non_null(fgets(asked, sizeof(asked), f));
	fclose(f);
	assert_string_equal(asked, "127.0.0.1:5000");

	/* Docker Hub is asked for under its old URL; <token> is an identity token */
	assert_int_equal(reg_creds_find(dir, "docker.io", &cr, &err), 0);
	assert_null(cr.user);
	assert_string_equal(cr.identity_token, "idt");
	reg_creds_release(&cr);

	/* "not found": anonymous */
	assert_int_equal(reg_creds_find(dir, "other.example", &cr, &err), 0);
	assert_null(cr.user);

	assert_int_equal(reg_creds_find(dir, "broken.example", &cr, &err), -1);
	assert_non_null(strstr(err.msg, "did not answer with JSON"));
	sb_error_release(&err);

	/* a failing helper: its exit status, none of its words */
	assert_int_equal(reg_creds_find(dir, "fail.example", &cr, &err), -1);
	assert_non_null(strstr(err.msg, "docker-credential-test get failed (exit status 2)"));
	assert_null(strstr(err.msg, "hs"));
	sb_error_release(&err);

	assert_int_equal(reg_creds_find(dir, "evil.example", &cr, &err), -1);
	assert_non_null(strstr(err.msg, "is not a plain name"));
	sb_error_release(&err);

	assert_int_equal(reg_creds_find(dir, "gone.example", &cr, &err), -1);
	assert_non_null(strstr(err.msg, "docker-credential-nosuchhelper"));
	assert_non_null(err.hint);
	sb_error_release(&err);

	setenv("PATH", saved, 1);
	free(saved);
	remove_dir(dir);

	/* credsStore for every host without a helper of its own */
	dir = config_dir("{\"credsStore\":\"test\"}");
	write_helper(dir);
	snprintf(newpath, sizeof(newpath), "%s:/usr/bin:/bin", dir);
	saved = strdup(getenv("PATH"));
	setenv("PATH", newpath, 1);
	assert_int_equal(reg_creds_find(dir, "127.0.0.1:5000", &cr, &err), 0);
	assert_string_equal(cr.secret, "hs");
	reg_creds_release(&cr);
	setenv("PATH", saved, 1);
	free(saved);
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_challenge),	 cmocka_unit_test(test_scopes),
	    cmocka_unit_test(test_urls),	 cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_base64),	 cmocka_unit_test(test_auths),
	    cmocka_unit_test(test_helpers),	 cmocka_unit_test(test_cache_entry),
	    cmocka_unit_test(test_empty_helper),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
