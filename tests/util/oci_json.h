/* Test helpers: the JSON documents of a one-layer OCI image, written by hand
 * (not by the code under test) so that tests can also make them lie. Each
 * returns a string the caller frees, or NULL when out of memory. */
#ifndef SB_TEST_OCI_JSON_H
#define SB_TEST_OCI_JSON_H

#include "util/mem.h" /* sb_printf */

#include <stddef.h>

/* An arm64 config with one DiffID ("sha256:..."). */
static inline char *oci_config_json(const char *diff_id)
{
	return sb_printf("{\"architecture\":\"arm64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
			 "\"layers\",\"diff_ids\":[\"%s\"]}}",
			 diff_id);
}

/* A manifest naming the config and one gzip layer by digest and size. */
static inline char *oci_manifest_json(const char *config_digest, size_t config_size,
				      const char *layer_digest, size_t layer_size)
{
	return sb_printf("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/"
			 "vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%zu},"
			 "\"layers\":[{\"mediaType\":\"application/"
			 "vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\",\"size\":%zu}]}",
			 config_digest, config_size, layer_digest, layer_size);
}

/* An index of that one manifest, tagged 1.0. */
static inline char *oci_index_json(const char *manifest_digest, size_t manifest_size)
{
	return sb_printf("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/"
			 "vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%zu,"
			 "\"annotations\":{\"org.opencontainers.image.ref.name\":\"1.0\"}}]}",
			 manifest_digest, manifest_size);
}

/* An index that points to another index. */
static inline char *oci_nested_index_json(const char *index_digest, size_t index_size)
{
	return sb_printf("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/"
			 "vnd.oci.image.index.v1+json\",\"digest\":\"%s\",\"size\":%zu}]}",
			 index_digest, index_size);
}

#endif
