/* The manifests a push makes (src/registry/push_json.c): the same bytes as
 * the OCI writer's manifest for the same blobs, so that an OCI image keeps
 * its manifest digest in the registry; Docker's media types with docker;
 * the index with each platform. */
#include "image/image.h"
#include "registry/push_int.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define D(c) "sha256:" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

static struct push_blob blobs[] = {
    {.digest = D("aa"), .size = 300},
    {.digest = D("bb"), .size = 1000},
    {.digest = D("cc"), .size = 20},
};

static void setup(struct push_src *s, struct push_platform *p, size_t *ix, int docker)
{
	memset(s, 0, sizeof(*s));
	memset(p, 0, sizeof(*p));
	blobs[0].media = push_config_media(docker);
	blobs[1].media = blobs[2].media = push_layer_media(docker, IMG_COMPRESS_GZIP);
	ix[0] = 0, ix[1] = 1, ix[2] = 2;
	p->blobs = ix;
	p->nlayers = 2;
	s->blobs = blobs;
	s->nblobs = 3;
	s->plats = p;
	s->nplats = 1;
}

static void test_same_as_oci_writer(void **state)
{
	struct push_src s;
	struct push_platform p;
	struct sb_error err = {0};
	struct image img;
	size_t ix[3];
	char *layers[] = {blobs[1].digest, blobs[2].digest}, *doc;
	uint64_t sizes[] = {1000, 20};
	size_t len;

	(void)state;
	setup(&s, &p, ix, 0);
	img_init(&img);
	img.nlayers = 2;
	assert_int_equal(push_manifest_json(&s, &p, 0, &err), 0);
	assert_int_equal(img_oci_manifest_json(&img, blobs[0].digest, 300, layers, sizes,
					       "application/vnd.oci.image.layer.v1.tar+gzip", &doc,
					       &len, &err),
			 0);
	assert_int_equal(len, p.manifest_len);
	assert_memory_equal(doc, p.manifest, len);
	assert_int_equal(strlen(p.manifest_digest), 71);
	free(doc);
	free(p.manifest);
	img.nlayers = 0;
	img_release(&img);
}

static void test_docker_types(void **state)
{
	struct push_src s;
	struct push_platform p;
	struct sb_error err = {0};
	size_t ix[3];

	(void)state;
	setup(&s, &p, ix, 1);
	assert_int_equal(push_manifest_json(&s, &p, 1, &err), 0);
	assert_non_null(strstr(p.manifest, "\"mediaType\":\"application/vnd.docker.distribution."
					   "manifest.v2+json\""));
	assert_non_null(strstr(p.manifest, "application/vnd.docker.container.image.v1+json"));
	assert_non_null(strstr(p.manifest, "application/vnd.docker.image.rootfs.diff.tar.gzip"));
	assert_null(push_layer_media(1, IMG_COMPRESS_ZSTD));
	free(p.manifest);
}

static void test_index(void **state)
{
	struct push_src s;
	struct push_platform p[2];
	struct sb_error err = {0};
	size_t ix[3];

	(void)state;
	setup(&s, &p[0], ix, 0);
	p[1] = p[0];
	s.nplats = 2;
	strcpy(p[0].platform.os, "linux");
	strcpy(p[0].platform.architecture, "amd64");
	strcpy(p[1].platform.os, "linux");
	strcpy(p[1].platform.architecture, "arm");
	strcpy(p[1].platform.variant, "v7");
	strcpy(p[0].manifest_digest, D("11"));
	strcpy(p[1].manifest_digest, D("22"));
	p[0].manifest_len = 500;
	p[1].manifest_len = 501;
	assert_int_equal(push_index_json(&s, 0, &err), 0);
	assert_string_equal(
	    s.index,
	    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
	    "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	    "\"digest\":\"" D(
		"11") "\",\"size\":500,\"platform\":{\"architecture\":"
		      "\"amd64\",\"os\":\"linux\"}},{\"mediaType\":\"application/vnd.oci.image."
		      "manifest.v1+json\",\"digest\":\"" D(
			  "22") "\",\"size\":501,\"platform\":{"
				"\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}}]}");
	free(s.index);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_as_oci_writer),
	    cmocka_unit_test(test_docker_types),
	    cmocka_unit_test(test_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
