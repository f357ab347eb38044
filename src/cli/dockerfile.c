/* Reading and parsing the Dockerfile the command line names (see
 * dockerfile.h). */
#include "cli/dockerfile.h"

#include "util/io.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads all of path ("-" = stdin) into a malloc'd buffer with a NUL after it. */
static int read_dockerfile(const char *path, char **buf, size_t *len, struct sb_error *err)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0) {
		sb_error_file(err, path, "cannot open the Dockerfile: %s", strerror(errno));
		if (errno == ENOENT)
			sb_error_hint(err, "name it with -f FILE, or put a file named Dockerfile "
					   "in the context directory");
		return -1;
	}
	rc = sb_read_all(fd, path, 64u << 20, buf, len, err);
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

int sb_load_dockerfile(const char *path, struct df_file *df, struct sb_error *err)
{
	char *buf = NULL, *name = NULL;
	size_t len = 0;

	if (read_dockerfile(path, &buf, &len, err) < 0)
		return -1;
	/* Messages name the Dockerfile as the user named it. */
	name = sb_strdup(strcmp(path, "-") ? path : "<stdin>");
	if (!name) {
		free(buf);
		return sb_errorf(err, "out of memory");
	}
	return df_parse(df, name, buf, len, err);
}
