/* --iidfile and --metadata-file (see metadata.h). */
#include "cli/metadata.h"

#include "util/io.h"
#include "util/jgen.h"
#include "util/mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *sb_meta_image_id(const struct sb_build_meta *meta)
{
	return meta->config_digest ? meta->config_digest : meta->digest;
}

/* name in full, as reference.ParseNormalizedNamed gives it: a first
 * component that is no host ("app:1", "team/app:1") goes under docker.io
 * (and library/). Yours. */
static char *full_name(const char *name)
{
	const char *slash = strchr(name, '/');
	size_t host = slash ? (size_t)(slash - name) : 0;

	if (slash && (memchr(name, '.', host) || memchr(name, ':', host) ||
		      !strncmp(name, "localhost/", 10)))
		return sb_strdup(name);
	return sb_printf("docker.io/%s%s", slash ? "" : "library/", name);
}

static char *joined_names(char *const *names)
{
	char *all = sb_strdup("");

	for (size_t i = 0; all && names && names[i]; i++) {
		char *full = full_name(names[i]), *next;

		next = full ? sb_printf("%s%s%s", all, i ? "," : "", full) : NULL;
		free(full);
		free(all);
		all = next;
	}
	return all;
}

int sb_meta_json(const struct sb_build_meta *meta, char *const *names, char **out, size_t *len,
		 struct sb_error *err)
{
	char *all = joined_names(names);
	struct jgen g;

	if (!all)
		return sb_errorf(err, "out of memory");
	if (jgen_start(&g, 1, err) < 0) {
		free(all);
		return -1;
	}
	/* buildx marshals a map: the keys in sorted order, the descriptor's too.
	 * BuildKit's descriptor also has an org.opencontainers.image.created
	 * annotation, the wall-clock time of the export: left out, so that the
	 * same build gives the same file. */
	jgen_map_open(&g);
	if (meta->config_digest)
		jgen_str(&g, "containerimage.config.digest"), jgen_str(&g, meta->config_digest);
	jgen_str(&g, "containerimage.descriptor");
	jgen_map_open(&g);
	if (meta->config_digest) {
		jgen_str(&g, "annotations");
		jgen_map_open(&g);
		jgen_str(&g, "config.digest"), jgen_str(&g, meta->config_digest);
		jgen_map_close(&g);
	}
	jgen_str(&g, "digest"), jgen_str(&g, meta->digest);
	jgen_str(&g, "mediaType"), jgen_str(&g, meta->media);
	jgen_str(&g, "size"), jgen_int(&g, (long long)meta->size);
	jgen_map_close(&g);
	jgen_str(&g, "containerimage.digest"), jgen_str(&g, meta->digest);
	if (*all)
		jgen_str(&g, "image.name"), jgen_str(&g, all);
	jgen_map_close(&g);
	free(all);
	if (jgen_finish(&g, out, len, err) < 0)
		return -1;
	/* Go's MarshalIndent ends at the closing brace. */
	while (*len && (*out)[*len - 1] == '\n')
		(*out)[--*len] = '\0';
	return 0;
}

int sb_write_file_atomic(const char *path, const char *data, size_t len, struct sb_error *err)
{
	char *tmp;
	int fd, rc = -1;

	if (sb_tmp_beside(path, &tmp, &fd, err) < 0)
		return -1;
	if (sb_write_all(fd, path, data, len, err) < 0) {
		close(fd);
		goto out;
	}
	if (close(fd) < 0) {
		sb_error_file(err, path, "cannot write: %s", strerror(errno));
		goto out;
	}
	if (rename(tmp, path) < 0) {
		sb_error_file(err, path, "cannot rename %s into place: %s", tmp, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}
