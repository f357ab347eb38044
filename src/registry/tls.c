/* TLS as Docker sets it up for a registry: the system's CAs plus the *.crt
 * files of /etc/docker/certs.d/HOST[:PORT]/, and a client certificate from
 * a *.cert file with the *.key of the same name (moby registry.ReadCertsDirectory). */
#include "registry/client.h"

#include "util/io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CA_MAX (16u << 20)

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

/* Appends the whole file path to b. */
static int add_file(struct sb_buf *b, const char *path, struct sb_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *data = NULL;
	size_t len = 0;
	int rc = -1;

	if (fd < 0)
		return sb_error_file(err, path, "cannot open: %s", strerror(errno));
	if (sb_read_all(fd, path, CA_MAX, &data, &len, err) < 0)
		goto out;
	if (sb_buf_add(b, data, len) < 0 || sb_buf_addc(b, '\n') < 0) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(data);
	close(fd);
	return rc;
}

/* The system's CA bundle, as libcurl was built to find it. */
static const char *system_bundle(const struct reg_client *c)
{
	static const char *const known[] = {"/etc/ssl/certs/ca-certificates.crt",
					    "/etc/pki/tls/certs/ca-bundle.crt",
					    "/etc/ssl/cert.pem"};
	char *path = NULL;

	if (c->lib.easy_getinfo(c->curl, CURLINFO_CAINFO, &path) == CURLE_OK && path &&
	    access(path, R_OK) == 0)
		return path;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (access(known[i], R_OK) == 0)
			return known[i];
	return NULL;
}

/* Reads one entry of the host's directory into the client. */
static int take(struct reg_client *c, const char *dir, const char *name, struct sb_buf *cas,
		struct sb_error *err)
{
	char *path = sb_printf("%s/%s", dir, name), *key = NULL;
	int rc = -1;

	if (!path)
		return sb_errorf(err, "out of memory");
	if (ends_with(name, ".crt")) {
		rc = add_file(cas, path, err);
		goto out;
	}
	if (ends_with(name, ".cert") && !c->client_cert) {
		key = sb_printf("%.*s.key", (int)(strlen(path) - 5), path);
		if (!key) {
			sb_errorf(err, "out of memory");
			goto out;
		}
		if (access(key, R_OK) < 0) {
			sb_error_file(err, path, "client certificate without its key");
			sb_error_hint(err, "put the key next to it as %s", key);
			goto out;
		}
		c->client_cert = path;
		c->client_key = key;
		path = key = NULL;
	}
	rc = 0;
out:
	free(path);
	free(key);
	return rc;
}

int reg_tls_load(struct reg_client *c, struct sb_error *err)
{
	struct sb_buf cas = {0};
	char *dir = NULL;
	const char *sys;
	DIR *d = NULL;
	struct dirent *e;
	int rc = -1;

	if (c->tls_loaded)
		return 0;
	dir = sb_printf("%s/%s", c->certs_d, c->host);
	if (!dir)
		return sb_errorf(err, "out of memory");
	d = opendir(dir);
	if (!d) {
		rc = errno == ENOENT || errno == ENOTDIR
			 ? 0
			 : sb_error_file(err, dir, "cannot read: %s", strerror(errno));
		goto out;
	}
	while ((errno = 0, e = readdir(d)))
		if (e->d_name[0] != '.' && take(c, dir, e->d_name, &cas, err) < 0)
			goto out;
	if (errno) {
		sb_error_file(err, dir, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (cas.len) {
		/* libcurl takes one bundle: the system's, then the host's */
		struct sb_buf all = {0};

		sys = system_bundle(c);
		if ((sys && add_file(&all, sys, err) < 0) ||
		    sb_buf_add(&all, cas.buf, cas.len) < 0) {
			if (!err->msg)
				sb_errorf(err, "out of memory");
			sb_buf_release(&all);
			goto out;
		}
		c->ca_len = all.len;
		c->ca_bundle = sb_buf_detach(&all);
	}
	rc = 0;
out:
	if (rc == 0)
		c->tls_loaded = 1;
	if (d)
		closedir(d);
	sb_buf_release(&cas);
	free(dir);
	return rc;
}

int reg_tls_apply(struct reg_client *c, CURL *h, struct sb_error *err)
{
	if (reg_tls_load(c, err) < 0)
		return -1;
	if (c->insecure) {
		/* --insecure-registry: as Docker, TLS without verification */
		c->lib.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		c->lib.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (c->ca_bundle) {
		struct curl_blob blob = {
		    .data = c->ca_bundle, .len = c->ca_len, .flags = CURL_BLOB_NOCOPY};
		c->lib.easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (c->client_cert) {
		c->lib.easy_setopt(h, CURLOPT_SSLCERT, c->client_cert);
		c->lib.easy_setopt(h, CURLOPT_SSLKEY, c->client_key);
	}
	return 0;
}
