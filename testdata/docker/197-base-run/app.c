/* Prints what the container sees of its base: user, directory, environment,
 * arguments (the base's CMD) and the base's files. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void show(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		printf("%s: missing\n", path);
		return;
	}
	printf("%s: mode %04o owner %u:%u size %lld\n", path, (unsigned)(st.st_mode & 07777),
	       (unsigned)st.st_uid, (unsigned)st.st_gid,
	       S_ISREG(st.st_mode) ? (long long)st.st_size : 0LL);
}

int main(int argc, char **argv)
{
	char cwd[PATH_MAX];
	printf("uid %u gid %u\n", (unsigned)getuid(), (unsigned)getgid());
	printf("cwd %s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
	printf("PATH=%s\n", getenv("PATH") ? getenv("PATH") : "(unset)");
	printf("SSL_CERT_FILE=%s\n", getenv("SSL_CERT_FILE") ? getenv("SSL_CERT_FILE") : "(unset)");
	printf("APP_MODE=%s\n", getenv("APP_MODE") ? getenv("APP_MODE") : "(unset)");
	for (int i = 1; i < argc; i++)
		printf("arg %d: %s\n", i, argv[i]);
	show("/etc/passwd");
	show("/etc/ssl/certs/ca-certificates.crt");
	show("/tmp");
	show("/home/nonroot");
	show("/home/nonroot/app.conf");
	FILE *f = fopen("/home/nonroot/app.conf", "r");
	char line[128];
	if (f && fgets(line, sizeof line, f))
		printf("app.conf: %s", line);
	if (f)
		fclose(f);
	return 0;
}
