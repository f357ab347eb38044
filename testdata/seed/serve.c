/* serve: a tiny static HTTP/1.0 server for the seed image.
 *
 * Listens on 0.0.0.0:8080 and answers GET and HEAD with the files under
 * /www ("/" is /www/index.html). One request per connection, one
 * connection at a time, 5 s timeouts. Exits 0 on SIGTERM or SIGINT. No dependencies:
 * build with `gcc -static -O2 -o serve serve.c`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define PORT 8080
#define ROOT "/www"

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
	(void)sig;
	stop = 1;
}

static int write_all(int fd, const char *buf, size_t len) {
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR && !stop)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void reply_status(int fd, const char *status) {
	char head[256];
	int n = snprintf(head, sizeof head,
	                 "HTTP/1.0 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s\n",
	                 status, strlen(status) + 1, status);
	write_all(fd, head, (size_t)n);
}

static const char *content_type(const char *path) {
	const char *dot = strrchr(path, '.');
	if (dot && (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0))
		return "text/html";
	if (dot && strcmp(dot, ".txt") == 0)
		return "text/plain";
	return "application/octet-stream";
}

/* Reads the request head and answers it. */
static void handle(int fd) {
	char req[4096];
	size_t len = 0;
	while (len < sizeof req - 1 && !memmem(req, len, "\r\n\r\n", 4) && !memmem(req, len, "\n\n", 2)) {
		ssize_t n = read(fd, req + len, sizeof req - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	req[len] = '\0';

	char method[8], target[1024];
	if (sscanf(req, "%7s %1023s", method, target) != 2) {
		reply_status(fd, "400 Bad Request");
		return;
	}
	int head_only = strcmp(method, "HEAD") == 0;
	if (!head_only && strcmp(method, "GET") != 0) {
		reply_status(fd, "501 Not Implemented");
		return;
	}
	char *query = strpbrk(target, "?#");
	if (query)
		*query = '\0';
	if (target[0] != '/' || strstr(target, "..")) {
		reply_status(fd, "400 Bad Request");
		return;
	}

	char path[sizeof ROOT + sizeof target + sizeof "index.html"];
	snprintf(path, sizeof path, "%s%s%s", ROOT, target,
	         target[strlen(target) - 1] == '/' ? "index.html" : "");
	int file = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (file < 0 || fstat(file, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (file >= 0)
			close(file);
		reply_status(fd, "404 Not Found");
		return;
	}

	char head[256];
	int n = snprintf(head, sizeof head,
	                 "HTTP/1.0 200 OK\r\nContent-Type: %s\r\nContent-Length: %lld\r\n\r\n",
	                 content_type(path), (long long)st.st_size);
	if (write_all(fd, head, (size_t)n) == 0 && !head_only) {
		char buf[65536];
		ssize_t got;
		while ((got = read(file, buf, sizeof buf)) > 0)
			if (write_all(fd, buf, (size_t)got) < 0)
				break;
	}
	close(file);
}

int main(void) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: accept() returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv < 0) {
		perror("serve: socket");
		return 1;
	}
	int one = 1;
	setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons(PORT);
	addr.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(srv, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(srv, 16) < 0) {
		perror("serve: bind/listen 0.0.0.0:8080");
		return 1;
	}
	fprintf(stderr, "serve: listening on 0.0.0.0:%d, serving %s\n", PORT, ROOT);

	while (!stop) {
		int fd = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("serve: accept");
			return 1;
		}
		struct timeval timeout = {.tv_sec = 5};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
		handle(fd);
		close(fd);
	}
	close(srv);
	fprintf(stderr, "serve: stopped\n");
	return 0;
}
