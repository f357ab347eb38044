/* push_image: the image on disk (push_load.c) sent to every reference, in
 * the order that keeps a registry consistent whatever fails: every blob, then
 * each platform's manifest by digest, then the tag. One client per registry
 * host, shared by the references on it: a blob that one repository of the
 * host got in this push is mounted into the next instead of sent again.
 */
#include "image/reference.h"
#include "registry/push_int.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One push: its references, their clients, and which repository has which
 * blob so far. */
struct pusher {
	const struct push_opts *o;
	struct push_src src;
	struct img_ref *refs; /* owned */
	size_t nrefs;
	struct reg_client **clients; /* per reference; owned by the first reference
					of its host (owner[r] == r) */
	size_t *owner;
	unsigned char *have; /* [blob * nrefs + ref]: ref's repository has the blob */
	struct push_result *res;
	const char *name;    /* the reference being pushed, for the events */
	const char *sending; /* the digest of the blob being uploaded */
};

void push_result_release(struct push_result *r)
{
	for (size_t i = 0; r->config_digests && r->config_digests[i]; i++)
		free(r->config_digests[i]);
	for (size_t i = 0; r->names && r->names[i]; i++)
		free(r->names[i]);
	free(r->config_digests);
	free(r->names);
	memset(r, 0, sizeof(*r));
}

static int bad_ref(struct sb_error *err, const char *ref, const char *why)
{
	if (!why)
		return sb_errorf(err, "out of memory");
	sb_errorf(err, "\"%s\": invalid reference format: %s", ref, why);
	return sb_error_hint(err, "a reference to push to looks like HOST[:PORT]/NAME:TAG, e.g. "
				  "127.0.0.1:5000/app:1 or registry.example/team/app:v2 "
				  "(lower-case name)");
}

int push_check_refs(char *const *refs, size_t nrefs, struct sb_error *err)
{
	for (size_t i = 0; i < nrefs; i++) {
		struct img_ref r;
		const char *why;

		if (img_reference_parse(refs[i], &r, &why) < 0)
			return bad_ref(err, refs[i], why);
		img_ref_release(&r);
	}
	return 0;
}

static void emit(struct pusher *p, enum push_event_kind kind, const char *digest, uint64_t sent,
		 uint64_t total)
{
	struct push_event ev = {kind, digest, sent, total, p->name};

	if (p->o->event)
		p->o->event(p->o->event_ud, &ev);
}

static void on_upload(void *ud, uint64_t sent, uint64_t total)
{
	struct pusher *p = ud;

	emit(p, PUSH_EV_SENDING, p->sending, sent, total);
}

/* The references read, and a client for each host. */
static int open_refs(struct pusher *p, char *const *refs, size_t nrefs, struct sb_error *err)
{
	if (!(p->refs = calloc(nrefs, sizeof(*p->refs))) ||
	    !(p->clients = calloc(nrefs, sizeof(*p->clients))) ||
	    !(p->owner = calloc(nrefs, sizeof(*p->owner))))
		return sb_errorf(err, "out of memory");
	p->nrefs = nrefs;
	for (size_t i = 0; i < nrefs; i++) {
		const char *why;

		if (img_reference_parse(refs[i], &p->refs[i], &why) < 0)
			return bad_ref(err, refs[i], why);
	}
	for (size_t i = 0; i < nrefs; i++) {
		p->owner[i] = i;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p->refs[i].host, p->refs[j].host)) {
				p->owner[i] = j;
				p->clients[i] = p->clients[j];
				break;
			}
		if (p->owner[i] == i &&
		    reg_client_new(&p->clients[i], p->refs[i].host, &p->o->reg, err) < 0)
			return -1;
	}
	return 0;
}

/* Blob b into reference r's repository: already there, mounted from a
 * repository of the same host that has it, or uploaded. */
static int send_blob(struct pusher *p, size_t b, size_t r, struct sb_error *err)
{
	struct push_blob *blob = &p->src.blobs[b];
	struct reg_client *c = p->clients[r];
	const char *repo = p->refs[r].repo;
	struct push_body pb;
	struct reg_body body;
	int exists = 0, mounted = 0;

	for (size_t j = 0; j < r; j++)
		if (p->have[b * p->nrefs + j] && p->owner[j] == p->owner[r] &&
		    !strcmp(p->refs[j].repo, repo))
			goto have;
	if (reg_blob_exists(c, repo, blob->digest, 1, &exists, err) < 0)
		return -1;
	if (exists) {
		p->res->existed++;
		emit(p, PUSH_EV_EXISTS, blob->digest, blob->size, blob->size);
		goto have;
	}
	for (size_t j = 0; j < r && !mounted; j++) {
		if (!p->have[b * p->nrefs + j] || p->owner[j] != p->owner[r])
			continue;
		if (reg_blob_mount(c, repo, p->refs[j].repo, blob->digest, &mounted, err) < 0)
			return -1;
	}
	if (mounted) {
		p->res->mounted++;
		emit(p, PUSH_EV_MOUNTED, blob->digest, blob->size, blob->size);
		goto have;
	}
	if (push_blob_from_cache(blob) && push_blob_spool(blob, p->o, err) < 0)
		return -1;
	push_body_init(&pb, blob, p->o->compression, &body);
	p->sending = blob->digest;
	if (reg_blob_upload(c, repo, blob->digest, &body, on_upload, p, err) < 0)
		return -1;
	p->res->uploaded++;
	p->res->uploaded_bytes += blob->size;
	emit(p, PUSH_EV_PUSHED, blob->digest, blob->size, blob->size);
have:
	p->have[b * p->nrefs + r] = 1;
	return 0;
}

/* Reference r: its blobs, its manifests by digest, its tag last. */
static int push_ref(struct pusher *p, size_t r, struct sb_error *err)
{
	const struct img_ref *ref = &p->refs[r];
	struct reg_client *c = p->clients[r];
	const struct push_src *s = &p->src;
	int docker = p->o->docker;
	char **names;

	p->name = ref->name;
	for (size_t b = 0; b < s->nblobs; b++)
		if (send_blob(p, b, r, err) < 0)
			goto fail;
	if (s->nplats == 1) {
		if (reg_manifest_put(c, ref->repo, ref->tag, push_manifest_media(docker),
				     s->plats[0].manifest, s->plats[0].manifest_len, err) < 0)
			goto fail;
	} else {
		for (size_t i = 0; i < s->nplats; i++)
			if (reg_manifest_put(c, ref->repo, s->plats[i].manifest_digest,
					     push_manifest_media(docker), s->plats[i].manifest,
					     s->plats[i].manifest_len, err) < 0)
				goto fail;
		if (reg_manifest_put(c, ref->repo, ref->tag, push_index_media(docker), s->index,
				     s->index_len, err) < 0)
			goto fail;
	}
	names = realloc(p->res->names, (p->res->nnames + 2) * sizeof(*names));
	if (!names)
		return sb_errorf(err, "out of memory");
	p->res->names = names;
	if (!(names[p->res->nnames] = sb_printf("%s", ref->name)))
		return sb_errorf(err, "out of memory");
	names[++p->res->nnames] = NULL;
	emit(p, PUSH_EV_TAGGED, p->res->digest, 0, 0);
	return 0;
fail:
	return sb_error_prefix(err, "pushing %s", ref->name);
}

/* What every tag points at, and the image IDs, into the result. */
static int fill_result(struct pusher *p, struct sb_error *err)
{
	const struct push_src *s = &p->src;
	struct push_result *res = p->res;

	if (s->nplats > 1)
		snprintf(res->digest, sizeof(res->digest), "%s", s->index_digest);
	else
		snprintf(res->digest, sizeof(res->digest), "%s", s->plats[0].manifest_digest);
	if (!(res->config_digests = calloc(s->nplats + 1, sizeof(char *))))
		return sb_errorf(err, "out of memory");
	for (size_t i = 0; i < s->nplats; i++)
		if (!(res->config_digests[i] = sb_printf("%s", s->plats[i].config_digest)))
			return sb_errorf(err, "out of memory");
	res->nplatforms = s->nplats;
	return 0;
}

int push_image(const char *path, char *const *refs, size_t nrefs, const struct push_opts *opts,
	       struct push_result *res, struct sb_error *err)
{
	struct pusher p = {.o = opts, .res = res};
	int rc = -1;

	if (open_refs(&p, refs, nrefs, err) < 0 || push_src_load(&p.src, path, opts, err) < 0 ||
	    fill_result(&p, err) < 0)
		goto out;
	if (!(p.have = calloc(p.src.nblobs * nrefs + 1, 1))) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	for (size_t r = 0; r < nrefs; r++)
		if (push_ref(&p, r, err) < 0)
			goto out;
	rc = 0;
out:
	snprintf(res->media_type, sizeof(res->media_type), "%s",
		 p.src.nplats > 1 ? push_index_media(opts->docker)
				  : push_manifest_media(opts->docker));
	for (size_t i = 0; i < p.nrefs; i++) {
		if (p.clients && p.owner[i] == i && p.clients[i]) {
			res->requests += reg_client_requests(p.clients[i]);
			reg_client_free(p.clients[i]);
		}
		img_ref_release(&p.refs[i]);
	}
	free(p.refs);
	free(p.clients);
	free(p.owner);
	free(p.have);
	push_src_release(&p.src);
	return rc;
}
