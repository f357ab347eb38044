/* libFuzzer target for the two matchers of the build context: .dockerignore
 * rules (ignore.c, BuildKit's patternmatcher) and Go's filepath.Match and
 * path.Clean (match.c).
 *
 * An input is a .dockerignore, optionally followed by a NUL byte and paths,
 * one a line:
 *
 *	IGNORE-FILE [ '\0' PATH '\n' PATH '\n' ... ]
 *
 * Without the NUL, the paths are a fixed handful plus every line of the file
 * (so that each pattern meets the path it names). The file is read as
 * `.dockerignore` is (ignore_add_file) and every line again as a COPY
 * --exclude pattern (ignore_add_pattern); every path, raw and cleaned, is
 * decided against both; every line is also a filepath.Match pattern against
 * every path, and each path a pattern against the next one.
 *
 * Besides crashes, sanitizer reports and leaks, a finding is a broken
 * invariant (abort()): results are deterministic and agree with "the last
 * pattern that matches the path or a parent decides"; the pruning helpers
 * never prune what a path in the input shows to be needed; a pattern without
 * wildcards matches exactly its own path and what lies below it; Clean is
 * idempotent; Match fails (-1, with an error) exactly for the patterns that
 * fail validation.
 */
#include "fuzz_util.h"
#include "context/ignore.h"
#include "util/match.h"
#include "util/error.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 64
#define MAX_PATHS 48

static const char *const fixed_paths[] = {
    "a",
    "a/b",
    "a/b/c",
    "foo",
    "foo/bar.txt",
    "Dockerfile",
    ".dockerignore",
    ".git/config",
    "node_modules/x/y.js",
    "dir/sub/file.go",
    "\xc3\xa9t\xc3\xa9",
    "[x]",
};

/* Splits buf[0..len) at '\n' into at most max NUL-terminated lines. */
static size_t split_lines(const char *buf, size_t len, char **out, size_t max)
{
	size_t n = 0, pos = 0;

	while (pos < len && n < max) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		char *s = sb_strndup(buf + pos, end - pos);

		if (!s)
			break;
		/* A NUL inside a line would end the C string early: harmless. */
		out[n++] = s;
		pos = end + 1;
	}
	return n;
}

/* Go's path.Clean: idempotent, never empty, no empty or "." elements. */
static char *clean(const char *p)
{
	char *c = match_clean(p), *again;
	size_t n;

	if (!c)
		return NULL;
	n = strlen(c);
	check(n > 0 && strstr(c, "//") == NULL);
	check(n == 1 || c[n - 1] != '/');
	check(strcmp(c, ".") == 0 || (strncmp(c, "./", 2) != 0 && strstr(c, "/./") == NULL &&
				      (n < 2 || strcmp(c + n - 2, "/.") != 0)));
	again = match_clean(c);
	if (again) {
		check(strcmp(again, c) == 0);
		free(again);
	}
	return c;
}

/* Does p match path or one of its parent directories? */
static int matches_or_parent(const struct ignore_pattern *p, const char *path)
{
	char *tmp;
	int m = ignore_pattern_match(p, path);

	if (m)
		return 1;
	tmp = sb_strdup(path);
	if (!tmp)
		return 0;
	for (size_t k = 0; tmp[k] && !m; k++) {
		if (tmp[k] == '/') {
			tmp[k] = '\0';
			m = ignore_pattern_match(p, tmp);
			tmp[k] = '/';
		}
	}
	free(tmp);
	return m;
}

/* Decides path (cleaned, context-relative) and checks the decision. */
static void decide(const struct ignore *ig, const char *path)
{
	const struct ignore_pattern *why, *why2, *last = NULL;
	bool ex = ignore_check(ig, path, &why), ex2 = ignore_check(ig, path, &why2);
	char *dir;

	check(ex == ex2 && why == why2);
	check(ignore_check(ig, path, NULL) == ex);
	if (!*path) {
		check(!ex && why == NULL);
		return;
	}
	/* The reference: the last pattern matching path or a parent decides. */
	for (size_t i = 0; i < ig->n; i++)
		if (matches_or_parent(&ig->pats[i], path))
			last = &ig->pats[i];
	check(ex == (last != NULL && !last->exception));
	check(ex ? why != NULL && !why->exception : why == NULL || why->exception);
	if (why)
		check(matches_or_parent(why, path));

	/* Pruning: an excluded parent of an included path must be entered; a
	 * parent of a path that an ordinary pattern matches must be walked. */
	dir = sb_strdup(path);
	if (!dir)
		return;
	for (size_t k = 0; dir[k]; k++) {
		if (dir[k] != '/')
			continue;
		dir[k] = '\0';
		if (!ex && ignore_check(ig, dir, NULL))
			check(ignore_may_reinclude_below(ig, dir));
		for (size_t i = 0; i < ig->n; i++)
			if (!ig->pats[i].exception && ignore_pattern_match(&ig->pats[i], path))
				check(ignore_may_match_below(ig, dir));
		dir[k] = '/';
	}
	free(dir);
}

/* A path as the context walker gives it: cleaned, relative, "" for the top. */
static char *context_path(const char *raw)
{
	char *c = clean(raw);

	if (!c)
		return NULL;
	if (c[0] == '/' || (c[0] == '.' && c[1] == '\0'))
		memmove(c, c + 1, strlen(c));
	return c;
}

static int has_special(const char *s)
{
	return strpbrk(s, "*?[]\\^") != NULL;
}

/* A pattern without wildcards excludes exactly its own path and what lies
 * below it. */
static void literal(const char *text)
{
	struct sb_error err = {0};
	struct ignore *one = ignore_new();
	char *below = sb_printf("%s/x", text), *longer = sb_printf("%sx", text);

	if (!one || !below || !longer)
		goto out;
	if (ignore_add_pattern(one, text, &err) < 0) {
		consume_error(&err);
		goto out;
	}
	if (one->n != 1 || strcmp(one->pats[0].text, text) || one->pats[0].exception)
		goto out; /* cleaned into something else */
	check(ignore_pattern_match(&one->pats[0], text));
	check(!ignore_pattern_match(&one->pats[0], longer));
	if (text[0] && strcmp(text, ".") && strncmp(text, "../", 3) && strcmp(text, "..")) {
		check(ignore_check(one, text, NULL));
		check(ignore_check(one, below, NULL));
	}
out:
	free(below);
	free(longer);
	ignore_free(one);
}

/* filepath.Match on one pattern and name. */
static void glob(const char *pattern, const char *name)
{
	struct sb_error err = {0};
	int rc = match_glob(pattern, name, &err), bad = match_validate(pattern, NULL) < 0;

	check(rc >= -1 && rc <= 1);
	check(match_glob(pattern, name, NULL) == rc);
	check((rc == -1) == bad);
	if (rc < 0) {
		consume_error(&err);
		return;
	}
	check(err.msg == NULL);
	/* Without wildcards or escapes a pattern is the name itself. */
	if (!strpbrk(pattern, "*?[\\"))
		check(rc == (strcmp(pattern, name) == 0));
	if (!match_has_wildcards(pattern) && !strchr(pattern, '\\'))
		check(match_glob(pattern, pattern, NULL) == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *nul = memchr(buf, '\0', size);
	size_t flen = nul ? (size_t)(nul - buf) : size, nlines = 0, npaths = 0;
	char *lines[MAX_LINES], *paths[MAX_PATHS + MAX_LINES + 16];
	struct ignore *ig = ignore_new(), *ex = ignore_new();
	struct sb_error err = {0};

	if (!ig || !ex)
		goto out;
	if (ignore_add_file(ig, "fuzz.dockerignore", buf, flen, &err) < 0)
		consume_error(&err); /* what was added before the error stays usable */
	for (size_t i = 0; i < ig->n; i++) {
		check(ig->pats[i].line >= 1 && ig->pats[i].text != NULL);
		check(ig->pats[i].file && !strcmp(ig->pats[i].file, "fuzz.dockerignore"));
		check(ig->pats[i].text[0] != '\0');
	}
	nlines = split_lines(buf, flen, lines, MAX_LINES);
	for (size_t i = 0; i < nlines; i++) {
		if (ignore_add_pattern(ex, lines[i], &err) < 0)
			consume_error(&err);
		if (i < 8 && !has_special(lines[i]))
			literal(lines[i]);
	}
	for (size_t i = 0; i < ig->n && i < 8; i++)
		if (!ig->pats[i].exception && !has_special(ig->pats[i].text))
			literal(ig->pats[i].text);

	if (nul) {
		npaths = split_lines(nul + 1, size - flen - 1, paths, MAX_PATHS);
	} else {
		for (size_t i = 0; i < sizeof(fixed_paths) / sizeof(*fixed_paths); i++)
			if ((paths[npaths] = sb_strdup(fixed_paths[i])))
				npaths++;
		for (size_t i = 0; i < nlines; i++) {
			const char *l = lines[i][0] == '!' ? lines[i] + 1 : lines[i];

			if ((paths[npaths] = sb_strdup(l)))
				npaths++;
			if (i < 16 && (paths[npaths] = sb_printf("%s/below", l)))
				npaths++;
		}
	}

	for (size_t i = 0; i < npaths; i++) {
		char *c = context_path(paths[i]);

		/* Raw paths must not upset anything either. */
		(void)ignore_check(ig, paths[i], NULL);
		(void)ignore_may_reinclude_below(ig, paths[i]);
		(void)ignore_may_match_below(ig, paths[i]);
		if (c) {
			decide(ig, c);
			decide(ex, c);
			free(c);
		}
		for (size_t k = 0; k < nlines && k < 16; k++)
			glob(lines[k], paths[i]);
		if (i + 1 < npaths)
			glob(paths[i], paths[i + 1]);
	}
out:
	for (size_t i = 0; i < nlines; i++)
		free(lines[i]);
	for (size_t i = 0; i < npaths; i++)
		free(paths[i]);
	ignore_free(ig);
	ignore_free(ex);
	return 0;
}
