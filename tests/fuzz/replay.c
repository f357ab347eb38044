/* replay_<target> FILE|DIR...: runs a fuzz target's LLVMFuzzerTestOneInput
 * once on each file (each file of each directory, in name order) without
 * libFuzzer, so that the crashes found once (testdata/fuzz-regressions/) and
 * the seeds stay tested in every build, sanitizers or not. A finding aborts,
 * as under the fuzzer; otherwise prints how many inputs passed. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int rc = -1;

	if (!f) {
		perror(path);
		return -1;
	}
	do {
		if (len == cap) {
			unsigned char *nb = realloc(buf, cap ? 2 * cap : 65536);

			if (!nb) {
				fprintf(stderr, "%s: out of memory\n", path);
				goto out;
			}
			buf = nb;
			cap = cap ? 2 * cap : 65536;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		perror(path);
		goto out;
	}
	fprintf(stderr, "replay %s (%zu bytes)\n", path, len);
	LLVMFuzzerTestOneInput(buf, len);
	rc = 0;
out:
	free(buf);
	fclose(f);
	return rc;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file directly in dir, except README*. Returns how many ran,
 * or -1. */
static long run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	long count = -1;

	if (!d) {
		perror(dir);
		return -1;
	}
	while ((e = readdir(d))) {
		char *p;
		struct stat st;

		if (e->d_name[0] == '.' || !strncmp(e->d_name, "README", 6))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap ? 2 * cap : 64) * sizeof(*names));

			if (!nn)
				goto out;
			names = nn;
			cap = cap ? 2 * cap : 64;
		}
		p = malloc(strlen(dir) + strlen(e->d_name) + 2);
		if (!p)
			goto out;
		sprintf(p, "%s/%s", dir, e->d_name);
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(p);
			continue;
		}
		names[n++] = p;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp);
	count = 0;
	for (size_t i = 0; i < n; i++) {
		if (run_file(names[i]) < 0) {
			count = -1;
			goto out;
		}
		count++;
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return count;
}

int main(int argc, char **argv)
{
	long total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		long n;

		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			return 1;
		}
		n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]) < 0 ? -1 : 1;
		if (n < 0)
			return 1;
		total += n;
	}
	fprintf(stderr, "%ld inputs replayed, nothing found\n", total);
	return 0;
}
