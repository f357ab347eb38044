/* config.json and manifest.json, byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"

static char *env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL};
static char *entry[] = {"/server/serve", NULL};
static char *ports[] = {"53/udp", "8080/tcp", NULL};
static char *tags[] = {"mini-image:1.0", NULL};

static void seed_image(struct image *img, struct img_history *h)
{
	img_init(img);
	img->architecture = "amd64";
	img->os = "linux";
	img->config.env = env;
	img->config.entrypoint = entry;
	img->config.ports = ports;
	img->config.workdir = "/";
	h[0] = (struct img_history){.created_by = "COPY ./serve /server/ # buildkit"};
	h[1] = (struct img_history){.created_by = "EXPOSE map[53/udp:{} 8080/tcp:{}]",
				    .empty_layer = 1};
	img->config.history = h;
	img->config.nhistory = 2;
	img->nlayers = 1;
	img->tags = tags;
}

static void test_config_as_buildkit_orders_it(void **state)
{
	struct image img;
	struct img_history h[2];
	struct sb_error err = {0};
	char *ids[] = {"sha256:0123", NULL};
	char *out;
	size_t len;

	(void)state;
	seed_image(&img, h);
	assert_int_equal(img_config_json(&img, ids, &out, &len, &err), 0);
	assert_string_equal(
	    out, "{\"architecture\":\"amd64\",\"config\":{\"ExposedPorts\":{\"53/udp\":{},"
		 "\"8080/tcp\":{}},\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/"
		 "bin:/sbin:/bin\"],\"Entrypoint\":[\"/server/serve\"],\"WorkingDir\":\"/\","
		 "\"OnBuild\":null},\"created\":\"1970-01-01T00:00:00Z\",\"history\":[{\"created\":"
		 "\"1970-01-01T00:00:00Z\",\"created_by\":\"COPY ./serve /server/ # "
		 "buildkit\",\"comment\":\"buildkit.dockerfile.v0\"},{\"created\":\"1970-01-01T00:"
		 "00:00Z\",\"created_by\":\"EXPOSE "
		 "map[53/udp:{} 8080/tcp:{}]\",\"comment\":\"buildkit.dockerfile.v0\","
		 "\"empty_layer\":true}],\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
		 "\"diff_ids\":[\"sha256:0123\"]}}");
	assert_int_equal(len, strlen(out));
	free(out);
}

static void test_epoch_sets_created(void **state)
{
	struct image img;
	struct img_history h[2];
	struct sb_error err = {0};
	char *ids[] = {"sha256:0123", NULL};
	char *out;
	size_t len;

	(void)state;
	seed_image(&img, h);
	img.epoch = 1700000000;
	img.config.entrypoint = NULL;
	img.config.ports = NULL;
	img.config.nhistory = 1;
	assert_int_equal(img_config_json(&img, ids, &out, &len, &err), 0);
	assert_non_null(strstr(out, "\"OnBuild\":null},\"created\":\"2023-11-14T22:13:20Z\","
				    "\"history\":[{\"created\":\"2023-11-14T22:13:20Z\","
				    "\"created_by\""));
	assert_null(strstr(out, "Entrypoint"));
	assert_null(strstr(out, "ExposedPorts"));
	free(out);
}

static void test_invalid_utf8_becomes_replacement_char(void **state)
{
	struct image img;
	struct img_history h[2];
	struct sb_error err = {0};
	char *ids[] = {"sha256:0123", NULL};
	char *out;
	size_t len;

	(void)state;
	seed_image(&img, h);
	h[0].created_by = "COPY caf\xe9 \xc3\xa9t\xc3\xa9 /x/ # buildkit";
	assert_int_equal(img_config_json(&img, ids, &out, &len, &err), 0);
	assert_non_null(strstr(out, "\"COPY caf\xef\xbf\xbd \xc3\xa9t\xc3\xa9 /x/ # buildkit\""));
	free(out);
}

static void test_manifest(void **state)
{
	struct image img;
	struct img_history h[2];
	struct sb_error err = {0};
	char *names[] = {"layer_0.tar", "layer_1.tar", NULL};
	char *out;
	size_t len;

	(void)state;
	seed_image(&img, h);
	img.nlayers = 2;
	assert_int_equal(img_manifest_json(&img, "config.json", names, &out, &len, &err), 0);
	assert_string_equal(out, "[{\"Config\":\"config.json\",\"RepoTags\":[\"mini-image:1.0\"],"
				 "\"Layers\":[\"layer_0.tar\",\"layer_1.tar\"]}]");
	free(out);
	img.tags = NULL;
	assert_int_equal(img_manifest_json(&img, "config.json", names, &out, &len, &err), 0);
	assert_non_null(strstr(out, "\"RepoTags\":[]"));
	free(out);
}

/* Several platforms: the index lists each manifest with its platform, in
 * order, the variant only when there is one; index.json names the index. */
static void test_platform_index(void **state)
{
	struct img_history h1[2], h2[2];
	struct image a, b;
	struct image *imgs[] = {&a, &b};
	char *digests[] = {"sha256:aa", "sha256:bb"};
	uint64_t sizes[] = {10, 20};
	struct sb_error err = {0};
	char *out = NULL;
	size_t len;

	(void)state;
	seed_image(&a, h1);
	seed_image(&b, h2);
	b.architecture = "arm";
	b.variant = "v7";
	assert_int_equal(img_oci_platform_index_json(imgs, 2, digests, sizes, &out, &len, &err), 0);
	assert_string_equal(
	    out, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
		 "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		 "\"digest\":\"sha256:aa\",\"size\":10,\"platform\":{\"architecture\":\"amd64\","
		 "\"os\":\"linux\"}},{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		 "\"digest\":\"sha256:bb\",\"size\":20,\"platform\":{\"architecture\":\"arm\","
		 "\"os\":\"linux\",\"variant\":\"v7\"}}]}");
	free(out);
	assert_int_equal(img_oci_index_json_media(&a, "application/vnd.oci.image.index.v1+json",
						  "sha256:cc", 30, &out, &len, &err),
			 0);
	assert_non_null(strstr(out, "\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
				    "\"digest\":\"sha256:cc\",\"size\":30,\"annotations\""));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_as_buildkit_orders_it),
	    cmocka_unit_test(test_epoch_sets_created),
	    cmocka_unit_test(test_invalid_utf8_becomes_replacement_char),
	    cmocka_unit_test(test_manifest),
	    cmocka_unit_test(test_platform_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
