/* Credentials as Docker keeps them: $DOCKER_CONFIG/config.json or
 * ~/.docker/config.json. `credHelpers[host]`, else `credsStore`, names a
 * program docker-credential-NAME that answers `get` with
 * {"Username", "Secret"} for the server URL on its stdin; else the `auths`
 * entry of the host (`auth`: base64 of user:password, or `identitytoken`).
 * Docker Hub is filed under https://index.docker.io/v1/ (parse.c reads the
 * file and the helper's answer). Nothing read here goes into a message. */
#include "registry/client.h"

#include "util/io.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONFIG_MAX (4u << 20)
#define HELPER_MAX (64u << 10)

extern char **environ;

static char *config_path(const char *dir)
{
	const char *env = getenv("DOCKER_CONFIG"), *home = getenv("HOME");

	if (dir)
		return sb_printf("%s/config.json", dir);
	if (env && *env)
		return sb_printf("%s/config.json", env);
	if (home && *home)
		return sb_printf("%s/.docker/config.json", home);
	return sb_strdup("");
}

/* Reads the helper's stdout to its end and waits for it. */
static int helper_output(pid_t pid, int fd, const char *prog, char **outp, size_t *len, int *status,
			 struct sb_error *err)
{
	int rc = sb_read_all(fd, prog, HELPER_MAX, outp, len, err);

	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return sb_errorf(err, "%s: cannot wait: %s", prog, strerror(errno));
	return rc;
}

/* Runs docker-credential-NAME get with server on stdin. */
static int run_helper(const char *name, const char *server, struct reg_creds *out,
		      struct sb_error *err)
{
	char *prog = NULL, *text = NULL;
	int in[2] = {-1, -1}, from[2] = {-1, -1}, status = 0, rc = -1;
	size_t len = 0;
	posix_spawn_file_actions_t fa;
	int fa_ok = 0;
	pid_t pid;

	if (!*name ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
		strlen(name))
		return sb_errorf(err, "config.json: credential helper \"%s\" is not a plain name",
				 name);
	prog = sb_printf("docker-credential-%s", name);
	if (!prog)
		return sb_errorf(err, "out of memory");
	/* stdin is a socket: send(2) with MSG_NOSIGNAL survives a helper that
	 * exits without reading it */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0 ||
	    pipe2(from, O_CLOEXEC) < 0) {
		sb_errorf(err, "%s: cannot start: %s", prog, strerror(errno));
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa) != 0) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	fa_ok = 1;
	/* the helper's stderr is not ours to show: it may hold a secret */
	if (posix_spawn_file_actions_adddup2(&fa, in[1], 0) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, from[1], 1) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0) != 0) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	char *argv[] = {prog, "get", NULL};
	int e = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
	if (e != 0) {
		sb_errorf(err, "config.json names the credential helper %s: cannot run it: %s",
			  prog, strerror(e));
		sb_error_hint(err, "install %s on PATH, or remove it from config.json", prog);
		goto out;
	}
	close(in[1]);
	close(from[1]);
	in[1] = from[1] = -1;
	/* a helper that exits without reading is judged by its exit status */
	(void)send(in[0], server, strlen(server), MSG_NOSIGNAL);
	shutdown(in[0], SHUT_WR);
	if (helper_output(pid, from[0], prog, &text, &len, &status, err) < 0)
		goto out;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* "credentials not found in native keychain": anonymous */
		if (text && strstr(text, "not found")) {
			rc = 0;
			goto out;
		}
		sb_errorf(err, "%s get failed (%s %d) for %s", prog,
			  WIFEXITED(status) ? "exit status" : "signal",
			  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), server);
		sb_error_hint(err, "run `echo %s | %s get` to see why", server, prog);
		goto out;
	}
	if (reg_helper_parse(text, len, prog, out, err) < 0)
		goto out;
	rc = 0;
out:
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (from[i] >= 0)
			close(from[i]);
	}
	if (text) {
		explicit_bzero(text, len);
		free(text);
	}
	free(prog);
	return rc;
}

int reg_creds_find(const char *dir, const char *host, struct reg_creds *out, struct sb_error *err)
{
	char *path = config_path(dir), *buf = NULL;
	size_t len = 0;
	char *helper = NULL;
	int fd = -1, rc = -1;
	const char *key = reg_creds_key(host);

	*out = (struct reg_creds){0};
	if (!path)
		return sb_errorf(err, "out of memory");
	if (!*path || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		/* no config.json: anonymous, as Docker */
		rc = !*path || errno == ENOENT || errno == ENOTDIR
			 ? 0
			 : sb_error_file(err, path, "cannot open: %s", strerror(errno));
		goto out;
	}
	if (sb_read_all(fd, path, CONFIG_MAX, &buf, &len, err) < 0)
		goto out;
	if (reg_creds_parse(buf, len, path, host, &helper, out, err) < 0)
		goto out;
	rc = helper ? run_helper(helper, key, out, err) : 0;
out:
	if (rc < 0)
		reg_creds_release(out);
	free(helper);
	if (fd >= 0)
		close(fd);
	if (buf) {
		explicit_bzero(buf, len);
		free(buf);
	}
	free(path);
	return rc;
}
