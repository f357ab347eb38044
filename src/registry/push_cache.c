/* What a layer's tar compresses to, remembered between pushes: one small
 * file per layer, named by its DiffID, holding "sha256:<hex> <size>", in a
 * directory per compressor (its settings and library versions: another
 * zlib may make other bytes). Docker keeps the same fact (its v2 metadata)
 * and skopeo too (its blob info cache): with it, a push of a layer that the
 * registry already has needs neither the compression nor the reading.
 *
 *   CACHE/layer-digests/<compressor>/<DiffID hex>
 *
 * A remembered digest is trusted only as far as the registry confirms it
 * (HEAD with that size); a blob that must be sent is compressed anew and
 * must come out the same. The cache is a help, never a cause of failure:
 * what cannot be read is a miss, what cannot be written is left unwritten.
 * (An entry's text is read by reg_push_cache_entry, in parse.c with the
 * other parsers of what comes from outside, for fuzz_registry to reach.)
 */
#include "image/export.h"
#include "registry/parse.h"
#include "registry/push_int.h"
#include "util/io.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* CACHE/layer-digests/<compressor>/<hex>, or NULL (no cache, a DiffID
 * that is not sha256, or memory). Yours. */
static char *entry_path(const char *cache, const char *diff_id, enum img_compression c)
{
	char tag[160];

	if (!cache || strncmp(diff_id, "sha256:", 7) || strlen(diff_id) != 71)
		return NULL;
	img_layer_export_tag(c, tag, sizeof(tag));
	return sb_printf("%s/layer-digests/%s/%s", cache, tag, diff_id + 7);
}

int push_cache_get(const char *cache, const char *diff_id, enum img_compression c, char digest[72],
		   uint64_t *size)
{
	char *path = entry_path(cache, diff_id, c);
	char buf[128];
	ssize_t got;
	int fd;

	if (!path)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return 0;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return 0;
	buf[got] = '\0';
	return reg_push_cache_entry(buf, digest, size);
}

/* mkdir -p of path's directory. */
static int make_dirs(char *path)
{
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return 0;
}

void push_cache_put(const char *cache, const char *diff_id, enum img_compression c,
		    const char *digest, uint64_t size)
{
	char *path = entry_path(cache, diff_id, c), *tmp = NULL;
	struct sb_error ignored = {0};
	char line[128];
	int fd = -1, n;

	if (!path || make_dirs(path) < 0 || sb_tmp_beside(path, &tmp, &fd, &ignored) < 0)
		goto out;
	n = snprintf(line, sizeof(line), "%s %llu\n", digest, (unsigned long long)size);
	if (sb_write_all(fd, tmp, line, (size_t)n, &ignored) < 0)
		goto out;
	n = close(fd);
	fd = -1;
	if (n < 0 || rename(tmp, path) < 0)
		unlink(tmp);
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	sb_error_release(&ignored);
	free(tmp);
	free(path);
}

void push_cache_drop(const char *cache, const char *diff_id, enum img_compression c)
{
	char *path = entry_path(cache, diff_id, c);

	if (path)
		unlink(path);
	free(path);
}
