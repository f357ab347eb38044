/* The manifests and the index of a push, in OCI's media types or Docker's
 * (v2 schema 2 and its manifest list). The same layout as the OCI writer's
 * manifests (src/image/json.c: schemaVersion, mediaType, config, layers; a
 * descriptor's mediaType, digest, size), so that an image scratchbuild wrote
 * in the OCI format keeps its manifest digest in the registry. json.c's
 * writers take a built struct image and know OCI's types only; the push
 * starts from the image on disk, in either set of types. */
#include "image/digest.h"
#include "registry/push_int.h"
#include "util/jgen.h"
#include "util/sha256.h"

#include <stdio.h>

const char *push_manifest_media(int docker)
{
	return docker ? "application/vnd.docker.distribution.manifest.v2+json"
		      : "application/vnd.oci.image.manifest.v1+json";
}

const char *push_index_media(int docker)
{
	return docker ? "application/vnd.docker.distribution.manifest.list.v2+json"
		      : "application/vnd.oci.image.index.v1+json";
}

const char *push_config_media(int docker)
{
	return docker ? "application/vnd.docker.container.image.v1+json"
		      : "application/vnd.oci.image.config.v1+json";
}

const char *push_layer_media(int docker, enum img_compression c)
{
	switch (c) {
	case IMG_COMPRESS_NONE:
		return docker ? "application/vnd.docker.image.rootfs.diff.tar"
			      : "application/vnd.oci.image.layer.v1.tar";
	case IMG_COMPRESS_GZIP:
		return docker ? "application/vnd.docker.image.rootfs.diff.tar.gzip"
			      : "application/vnd.oci.image.layer.v1.tar+gzip";
	case IMG_COMPRESS_ZSTD:
		return docker ? NULL : "application/vnd.oci.image.layer.v1.tar+zstd";
	}
	return NULL;
}

static void descriptor(struct jgen *g, const char *media, const char *digest, uint64_t size)
{
	jgen_map_open(g);
	jgen_str(g, "mediaType"), jgen_str(g, media);
	jgen_str(g, "digest"), jgen_str(g, digest);
	jgen_str(g, "size"), jgen_int(g, (long long)size);
}

static void digest_of(const char *buf, size_t len, char out[72])
{
	unsigned char d[SB_SHA256_BYTES];

	sb_sha256(buf, len, d);
	dg_string(d, out);
}

int push_manifest_json(const struct push_src *s, struct push_platform *p, int docker,
		       struct sb_error *err)
{
	const struct push_blob *cfg = &s->blobs[p->blobs[0]];
	struct jgen g;

	if (jgen_start(&g, 0, err) < 0)
		return -1;
	jgen_map_open(&g);
	jgen_str(&g, "schemaVersion"), jgen_int(&g, 2);
	jgen_str(&g, "mediaType"), jgen_str(&g, push_manifest_media(docker));
	jgen_str(&g, "config");
	descriptor(&g, cfg->media, cfg->digest, cfg->size);
	jgen_map_close(&g);
	jgen_str(&g, "layers");
	jgen_array_open(&g);
	for (size_t i = 0; i < p->nlayers; i++) {
		const struct push_blob *b = &s->blobs[p->blobs[1 + i]];

		descriptor(&g, b->media, b->digest, b->size);
		jgen_map_close(&g);
	}
	jgen_array_close(&g);
	jgen_map_close(&g);
	if (jgen_finish(&g, &p->manifest, &p->manifest_len, err) < 0)
		return -1;
	digest_of(p->manifest, p->manifest_len, p->manifest_digest);
	return 0;
}

int push_index_json(struct push_src *s, int docker, struct sb_error *err)
{
	struct jgen g;

	if (jgen_start(&g, 0, err) < 0)
		return -1;
	jgen_map_open(&g);
	jgen_str(&g, "schemaVersion"), jgen_int(&g, 2);
	jgen_str(&g, "mediaType"), jgen_str(&g, push_index_media(docker));
	jgen_str(&g, "manifests");
	jgen_array_open(&g);
	for (size_t i = 0; i < s->nplats; i++) {
		const struct push_platform *p = &s->plats[i];

		descriptor(&g, push_manifest_media(docker), p->manifest_digest, p->manifest_len);
		jgen_str(&g, "platform");
		jgen_map_open(&g);
		jgen_str(&g, "architecture"), jgen_str(&g, p->platform.architecture);
		jgen_str(&g, "os"), jgen_str(&g, p->platform.os);
		if (p->platform.variant[0])
			jgen_str(&g, "variant"), jgen_str(&g, p->platform.variant);
		jgen_map_close(&g);
		jgen_map_close(&g);
	}
	jgen_array_close(&g);
	jgen_map_close(&g);
	if (jgen_finish(&g, &s->index, &s->index_len, err) < 0)
		return -1;
	digest_of(s->index, s->index_len, s->index_digest);
	return 0;
}
