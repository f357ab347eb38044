/* The evaluator: instructions -> build plan.
 *
 * It keeps two trees: the layer being built by the current COPY, and the image's
 * file system so far (metadata only), which tells what an existing parent
 * directory looks like when a later COPY writes into it: Docker's layer then
 * holds that directory again, with the mode and owner it already had.
 */
#include "interp/eval.h"
#include "interp/flags.h"
#include "interp/golang.h"
#include "interp/shlex.h"
#include "interp/source.h"
#include "util/io.h"
#include "util/mem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct eval {
	const char *what; /* the instruction being evaluated, e.g. "COPY" */
	const struct df_file *f;
	struct ctx *ctx;
	struct df_plan *plan;
	struct img_tree *fs; /* the image's file system so far: metadata only */
	int in_stage;	     /* a FROM has been seen */
	struct sb_error *err;
};

/* No build arguments or ENV exist yet: every variable expands to "". */
static const char *no_vars(void *ud, const char *name)
{
	(void)ud, (void)name;
	return NULL;
}

const char *df_host_architecture(void)
{
	static const struct {
		const char *uname, *go;
	} map[] = {
	    {"x86_64", "amd64"},
	    {"aarch64", "arm64"},
	    {"armv7l", "arm"},
	    {"armv6l", "arm"},
	    {"i686", "386"},
	    {"i386", "386"},
	    {"ppc64le", "ppc64le"},
	    {"s390x", "s390x"},
	    {"riscv64", "riscv64"},
	    {"mips64", "mips64"},
	    {"loongarch64", "loong64"},
	};
	struct utsname u;

	if (uname(&u) == 0)
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (!strcmp(u.machine, map[i].uname))
				return map[i].go;
	return "amd64";
}

static int oom(struct eval *ev)
{
	return sb_errorf(ev->err, "out of memory");
}

static int error_at(struct eval *ev, struct sb_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int error_at(struct eval *ev, struct sb_pos pos, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = sb_vprintf(fmt, ap);
	va_end(ap);
	if (!msg)
		return oom(ev);
	sb_error_at(ev->err, &ev->f->src, pos, "%s", msg);
	free(msg);
	return -1;
}

static int warn_at(struct eval *ev, struct sb_pos pos, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int warn_at(struct eval *ev, struct sb_pos pos, const char *hint, const char *fmt, ...)
{
	struct df_plan *p = ev->plan;
	size_t cap = p->nwarnings;
	struct sb_error *w;
	va_list ap;
	char *msg;

	if (sb_grow(&p->warnings, &cap, p->nwarnings + 1, sizeof(*p->warnings)) < 0)
		return oom(ev);
	va_start(ap, fmt);
	msg = sb_vprintf(fmt, ap);
	va_end(ap);
	if (!msg)
		return oom(ev);
	w = &p->warnings[p->nwarnings++];
	memset(w, 0, sizeof(*w));
	sb_error_at(w, &ev->f->src, pos, "warning: %s", msg);
	if (hint)
		sb_error_hint(w, "%s", hint);
	free(msg);
	return 0;
}

static int add_step(struct eval *ev, const struct df_instr *in, long layer, uint64_t payload)
{
	struct df_plan *p = ev->plan;
	size_t cap = p->nsteps;
	struct sb_buf text = {0};
	int rc = sb_buf_adds(&text, df_kind_name(in->kind));

	/* The line as written, continuations joined: flags, then the rest. */
	for (size_t i = 0; i < in->nflags && rc == 0; i++)
		rc = in->flags[i].value
			 ? sb_buf_addf(&text, " --%s=%s", in->flags[i].name, in->flags[i].value)
			 : sb_buf_addf(&text, " --%s", in->flags[i].name);
	if (rc == 0 && in->rest && in->rest[0])
		rc = sb_buf_addf(&text, " %s", in->rest);
	if (rc < 0 || sb_grow(&p->steps, &cap, p->nsteps + 1, sizeof(*p->steps)) < 0) {
		sb_buf_release(&text);
		return oom(ev);
	}
	p->steps[p->nsteps].text = sb_buf_detach(&text);
	if (!p->steps[p->nsteps].text)
		return oom(ev);
	p->steps[p->nsteps].layer = layer;
	p->steps[p->nsteps].payload = payload;
	p->steps[p->nsteps].pos = in->pos;
	p->nsteps++;
	return 0;
}

/* The arguments of in after quote removal and variable expansion: the JSON
 * strings as they are, or each shell word processed. *out is NULL-terminated
 * and yours (sb_strv_free). */
static int expand_args(struct eval *ev, const struct df_instr *in, char ***out)
{
	char **v = calloc(in->nargs + 1, sizeof(*v));

	if (!v)
		return oom(ev);
	/* BuildKit processes the words of both forms (JSON strings too). */
	for (size_t i = 0; i < in->nargs; i++) {
		if (shlex_word(in->args[i].text, ev->f->escape, no_vars, NULL, &v[i], ev->err) <
		    0) {
			char *msg = sb_strdup(ev->err->msg ? ev->err->msg : "bad word");

			if (!msg)
				goto nomem;
			error_at(ev, in->args[i].pos, "%s: %s", df_kind_name(in->kind), msg);
			free(msg);
			sb_strv_free(v);
			return -1;
		}
	}
	*out = v;
	return 0;
nomem:
	sb_strv_free(v);
	return oom(ev);
}

static int refuse_flags(struct eval *ev, const struct df_instr *in)
{
	if (in->nflags == 0)
		return 0;
	error_at(ev, in->flags[0].pos, "%s --%s is not supported by scratchbuild yet",
		 df_kind_name(in->kind), in->flags[0].name);
	return sb_error_hint(ev->err,
			     "remove the flag: this version of scratchbuild reads "
			     "%s without flags",
			     df_kind_name(in->kind));
}

/* ---- FROM ----------------------------------------------------------------- */

static void reset_stage(struct eval *ev)
{
	struct image *img = &ev->plan->img;

	for (size_t i = 0; i < img->nlayers; i++)
		img_tree_free(img->layers[i]);
	img->nlayers = 0;
	sb_strv_free(img->config.entrypoint);
	img->config.entrypoint = NULL;
	sb_strv_free(img->config.ports);
	img->config.ports = NULL;
	for (size_t i = 0; i < img->config.nhistory; i++)
		free(img->config.history[i].created_by);
	img->config.nhistory = 0;
	for (size_t i = 0; i < ev->plan->nsteps; i++)
		free(ev->plan->steps[i].text);
	ev->plan->nsteps = 0;
	img_tree_free(ev->fs);
	ev->fs = img_tree_new();
}

/* from = "FROM" ["--platform=..."] "scratch" ["AS" name] */
static int eval_from(struct eval *ev, const struct df_instr *in)
{
	char **args = NULL;
	int rc = -1;

	if (refuse_flags(ev, in) < 0)
		return -1;
	if (in->nargs != 1 && !(in->nargs == 3 && !strcasecmp(in->args[1].text, "as"))) {
		error_at(ev, in->pos, "FROM takes an image and optionally \"AS name\"");
		sb_error_hint(ev->err, "write FROM scratch, or FROM scratch AS name");
		return -1;
	}
	if (expand_args(ev, in, &args) < 0)
		return -1;
	if (strcmp(args[0], "scratch") != 0) {
		int lower = 1;

		for (const char *p = args[0]; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				lower = 0;
		if (!lower) {
			error_at(ev, in->args[0].pos,
				 "FROM: \"%s\" is not a valid image name: it must be lower case",
				 args[0]);
			sb_error_hint(ev->err, "write FROM scratch");
		} else {
			error_at(ev, in->args[0].pos,
				 "FROM %s: scratchbuild builds from scratch only, and \"%s\" "
				 "would be a base image to pull",
				 args[0], args[0]);
			sb_error_hint(ev->err, "start from FROM scratch and COPY a static binary "
					       "and its files in");
		}
		goto out;
	}
	if (ev->in_stage)
		reset_stage(ev);
	ev->in_stage = 1;
	rc = 0;
out:
	sb_strv_free(args);
	return rc;
}

/* ---- COPY ------------------------------------------------------------------ */

struct link_id {
	dev_t dev;
	ino_t ino;
	uint64_t id;
};

/* What the flags of one COPY ask for. */
struct copy_flags {
	int chown; /* --chown given: uid/gid below */
	uint32_t uid, gid;
	int chmod; /* --chmod given */
	struct chmod_spec mode;
	const char **exclude; /* --exclude patterns (borrowed from the flags) */
	size_t nexclude;
	int parents; /* --parents */
};

struct copy {
	struct eval *ev;
	const struct df_instr *in;
	struct copy_flags fl;
	struct img_tree *layer;
	const char *dest;   /* cleaned destination without leading '/'; "" = root */
	int dest_dir;	    /* the source goes inside dest */
	const char *source; /* the matched source path, for naming and messages */
	char *root;	    /* where the walked source lands in the layer */
	uint64_t payload;
	struct link_id *links;
	size_t nlinks, links_cap;
	int add;		 /* ADD: a local tar archive source is unpacked */
	unsigned onto_dest;	 /* sources that became dest itself (not a directory) */
	uint64_t archive_groups; /* hard-link groups made for archive members */
	const char *archive;	 /* the archive being unpacked (its canonical path) */
};

/* path.Clean for a '/'-rooted path, returned without the leading '/'. */
static char *clean_abs(const char *p)
{
	struct sb_buf b = {0};
	const char *s = p;

	while (*s) {
		const char *e;
		size_t n;

		while (*s == '/')
			s++;
		if (!*s)
			break;
		e = strchr(s, '/');
		n = e ? (size_t)(e - s) : strlen(s);
		if (n == 1 && s[0] == '.') {
			/* skip */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			char *slash = b.buf ? strrchr(b.buf, '/') : NULL;

			if (slash) {
				b.len = (size_t)(slash - b.buf);
				b.buf[b.len] = '\0';
			} else if (b.buf) {
				b.len = 0;
				b.buf[0] = '\0';
			}
		} else {
			if ((b.len > 0 && sb_buf_addc(&b, '/') < 0) || sb_buf_add(&b, s, n) < 0) {
				sb_buf_release(&b);
				return NULL;
			}
		}
		s += n;
	}
	return sb_buf_detach(&b);
}

static char *join(const char *a, const char *b)
{
	if (!*a)
		return sb_strdup(b);
	if (!*b)
		return sb_strdup(a);
	return sb_printf("%s/%s", a, b);
}

/* Makes sure directory path exists in the layer. A directory the image already
 * has is written again with its mode and owner; a new one gets 0755 root:root. */
static int mkdir_p(struct copy *cp, const char *path)
{
	struct eval *ev = cp->ev;
	char *buf = sb_strdup(path);
	int rc = -1;

	if (!buf)
		return oom(ev);
	for (char *p = buf; *p;) {
		char *slash = strchr(p, '/');
		const struct img_entry *have;

		if (slash)
			*slash = '\0';
		have = img_tree_get(cp->layer, buf);
		if (have && have->type != IMG_DIR) {
			error_at(ev, cp->in->pos,
				 "%s: cannot create directory /%s: the copy "
				 "already put a file there",
				 ev->what, buf);
			goto out;
		}
		if (!have) {
			const struct img_entry *old = img_tree_get(ev->fs, buf);
			struct img_entry dir = {.path = buf,
						.type = IMG_DIR,
						.mode = 0755,
						.uid = cp->fl.uid,
						.gid = cp->fl.gid,
						.mtime = IMG_MTIME_NOW};

			if (old && old->type != IMG_DIR) {
				error_at(ev, cp->in->pos,
					 "%s: cannot create directory /%s: an earlier layer "
					 "has a file there",
					 ev->what, buf);
				goto out;
			}
			if (old) {
				dir.mode = old->mode;
				dir.uid = old->uid;
				dir.gid = old->gid;
			}
			if (img_tree_put(cp->layer, &dir, ev->err) < 0)
				goto out;
		}
		if (!slash)
			break;
		*slash = '/';
		p = slash + 1;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

static uint64_t link_group(struct copy *cp, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < cp->nlinks; i++)
		if (cp->links[i].dev == dev && cp->links[i].ino == ino)
			return cp->links[i].id;
	if (sb_grow(&cp->links, &cp->links_cap, cp->nlinks + 1, sizeof(*cp->links)) < 0)
		return 0;
	cp->links[cp->nlinks] = (struct link_id){dev, ino, cp->nlinks + 1};
	return ++cp->nlinks;
}

static const char *kind_of(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a named pipe (FIFO)";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	return "not a regular file, directory or symbolic link";
}

/* The entry at path as the image has it while this layer is built: the
 * layer's own, else the earlier layers'. */
static const struct img_entry *view_get(const struct copy *cp, const char *path)
{
	const struct img_entry *e = img_tree_get(cp->layer, path);

	return e ? e : img_tree_get(cp->ev->fs, path);
}

/* Resolves the directories of path through the symbolic links the image has
 * (the last component is left as it is), as writing into a real root file
 * system would: absolute targets from the image root, relative ones from the
 * link's directory, ".." stopping at the root. *out is yours. */
static int resolve_dirs(struct copy *cp, const char *path, char **out)
{
	char *cur = sb_strdup(path);
	size_t done = 0; /* bytes of cur already resolved */
	int links = 0;

	while (cur) {
		char *slash = strchr(cur + done, '/');
		const struct img_entry *e;

		if (!slash)
			break;
		*slash = '\0';
		e = view_get(cp, cur);
		if (e && e->type == IMG_SYMLINK) {
			char *dir = strrchr(cur, '/');
			char *next;

			if (++links > 255) {
				free(cur);
				return sb_errorf(cp->ev->err,
						 "too many levels of symbolic links "
						 "under /%s",
						 path);
			}
			if (dir)
				*dir = '\0';
			next = e->link[0] == '/'
				   ? sb_printf("%s/%s", e->link, slash + 1)
				   : sb_printf("/%s/%s/%s", dir ? cur : "", e->link, slash + 1);
			free(cur);
			cur = next ? clean_abs(next) : NULL;
			free(next);
			done = 0;
			continue;
		}
		*slash = '/';
		done = (size_t)(slash - cur) + 1;
	}
	if (!cur)
		return oom(cp->ev);
	*out = cur;
	return 0;
}

/* One member of an archive that ADD unpacks into cp->root, as BuildKit's
 * unpacking writes it into the image (each rule checked against Docker):
 * owner, mode and time from the archive; --chown and --chmod reach only the
 * directories ADD creates; names are cleaned to stay inside the destination
 * ("../x" is x); parents the archive does not list are created 0755; a member
 * below one of the archive's symbolic links goes where the link points; hard
 * links stay hard links, both names with the owner and mode of the last
 * header; named pipes are kept; the archive's own "./" changes nothing. */
static int add_member(void *ud, const struct src_member *m, struct sb_error *err)
{
	struct copy *cp = ud;
	struct eval *ev = cp->ev;
	char *abs = sb_printf("/%s", m->path);
	char *name = abs ? clean_abs(abs) : NULL;
	char *joined = NULL, *target = NULL, *link = NULL;
	struct img_entry ie = {0};
	int rc = -1;

	(void)err;
	if (!name)
		goto nomem;
	if (!name[0]) {
		rc = 0;
		goto out;
	}
	joined = join(cp->root, name);
	if (!joined || resolve_dirs(cp, joined, &target) < 0)
		goto fail;
	ie.path = target;
	ie.uid = m->uid;
	ie.gid = m->gid;
	ie.mode = m->mode & 07777;
	ie.mtime = m->mtime;
	if (m->hardlink) {
		char *habs = sb_printf("/%s", m->hardlink);
		char *hname = habs ? clean_abs(habs) : NULL;
		char *hjoined = hname ? join(cp->root, hname) : NULL;
		const struct img_entry *t;
		struct img_entry first;

		free(habs);
		free(hname);
		if (!hjoined || resolve_dirs(cp, hjoined, &link) < 0) {
			free(hjoined);
			goto fail;
		}
		free(hjoined);
		t = img_tree_get(cp->layer, link);
		if (!t || t->type != IMG_REG) {
			error_at(ev, cp->in->pos,
				 "ADD: member \"%s\" of %s is a hard link to \"%s\", which is not "
				 "a file earlier in the archive",
				 m->path, cp->archive, m->hardlink);
			goto out;
		}
		/* Both names are one file: the first in layer order carries it, and
		 * the last header's owner and mode are the file's. */
		first = *t;
		if (!first.link_group)
			first.link_group = (1ull << 32) + ++cp->archive_groups;
		first.uid = ie.uid;
		first.gid = ie.gid;
		first.mode = ie.mode;
		if (img_tree_put(cp->layer, &first, ev->err) < 0)
			goto out;
		t = img_tree_get(cp->layer, link);
		ie = *t;
		ie.path = target;
	} else if (S_ISDIR(m->mode)) {
		ie.type = IMG_DIR;
	} else if (S_ISREG(m->mode)) {
		ie.type = IMG_REG;
		ie.size = m->size;
		ie.source = (char *)cp->archive;
		ie.member = m->index;
		cp->payload += m->size;
	} else if (S_ISLNK(m->mode)) {
		ie.type = IMG_SYMLINK;
		ie.link = (char *)(m->symlink ? m->symlink : "");
	} else if (S_ISFIFO(m->mode)) {
		ie.type = IMG_FIFO;
	} else {
		error_at(ev, cp->in->pos,
			 "ADD: member \"%s\" of %s is a device, which an image build cannot "
			 "create (Docker fails the same way)",
			 m->path, cp->archive);
		sb_error_hint(ev->err, "leave devices out of the archive");
		goto out;
	}
	if (strchr(target, '/')) {
		char *parent = sb_strndup(target, (size_t)(strrchr(target, '/') - target));

		if (!parent)
			goto nomem;
		rc = mkdir_p(cp, parent);
		free(parent);
		if (rc < 0)
			goto out;
		rc = -1;
	}
	rc = img_tree_put(cp->layer, &ie, ev->err);
	goto out;
fail:
	if (!ev->err->msg)
		goto nomem;
	{
		char *msg = sb_strdup(ev->err->msg);

		if (msg)
			error_at(ev, cp->in->pos, "ADD: %s: %s", cp->archive, msg);
		free(msg);
	}
	goto out;
nomem:
	oom(ev);
out:
	free(abs);
	free(name);
	free(joined);
	free(target);
	free(link);
	return rc;
}

/* ADD of a regular file: unpacks it when it is a tar archive. Sets *done. */
static int add_archive(struct copy *cp, const struct ctx_entry *e, int *done)
{
	struct eval *ev = cp->ev;
	int is_archive = 0, rc;

	*done = 0;
	cp->root = sb_strdup(cp->dest);
	if (!cp->root)
		return oom(ev);
	cp->archive = e->real;
	rc = src_archive_list(ev->ctx, e->real, &is_archive, add_member, cp, ev->err);
	cp->archive = NULL;
	if (rc < 0)
		return -1;
	if (is_archive) {
		*done = 1;
		return 0;
	}
	free(cp->root);
	cp->root = NULL;
	return 0;
}

static int copy_visit(void *ud, const struct ctx_entry *e, struct sb_error *err)
{
	struct copy *cp = ud;
	struct eval *ev = cp->ev;
	struct img_entry ie = {0};
	char *target = NULL;
	int rc = -1;

	(void)err;
	if (e->path[0] == '\0' && cp->add && e->type == CTX_REG) {
		int done;

		/* A local tar archive goes into dest as a directory, unpacked. */
		if (add_archive(cp, e, &done) < 0)
			return -1;
		if (done)
			return mkdir_p(cp, cp->dest);
	}
	if (e->path[0] == '\0') {
		const char *slash = strrchr(cp->source, '/');
		const char *base = slash ? slash + 1 : cp->source;

		/* A directory gives its contents; anything else lands inside a
		 * directory destination under its own name, or becomes dest. */
		if (e->type == CTX_DIR)
			cp->root = sb_strdup(cp->dest);
		else if (cp->dest_dir)
			cp->root = join(cp->dest, base);
		else
			cp->root = sb_strdup(cp->dest);
		if (!cp->root)
			return oom(ev);
		if (e->type == CTX_DIR)
			return mkdir_p(cp, cp->root);
		if (!cp->dest_dir)
			cp->onto_dest++;
		if (!cp->root[0]) {
			error_at(ev, cp->in->pos, "%s: cannot copy a file onto /", ev->what);
			return -1;
		}
		if (strchr(cp->root, '/')) {
			char *parent =
			    sb_strndup(cp->root, (size_t)(strrchr(cp->root, '/') - cp->root));

			if (!parent)
				return oom(ev);
			rc = mkdir_p(cp, parent);
			free(parent);
			if (rc < 0)
				return -1;
			rc = -1;
		}
		target = sb_strdup(cp->root);
	} else {
		target = join(cp->root, e->path);
	}
	if (!target)
		return oom(ev);

	ie.path = target;
	ie.mode = e->mode & 07777;
	ie.mtime = e->mtime;
	ie.uid = cp->fl.uid;
	ie.gid = cp->fl.gid;
	if (cp->fl.chmod && e->type != CTX_LNK)
		ie.mode = chmod_apply(&cp->fl.mode, ie.mode, e->type == CTX_DIR);
	switch (e->type) {
	case CTX_DIR:
		ie.type = IMG_DIR;
		break;
	case CTX_REG:
		ie.type = IMG_REG;
		ie.size = e->size;
		ie.source = (char *)e->real;
		if (e->nlink > 1) {
			ie.link_group = link_group(cp, e->dev, e->ino);
			if (!ie.link_group) {
				oom(ev);
				goto out;
			}
		}
		cp->payload += e->size;
		break;
	case CTX_LNK:
		ie.type = IMG_SYMLINK;
		ie.link = (char *)e->link;
		break;
	default:
		if (S_ISSOCK(e->mode)) {
			/* BuildKit turns a socket into an empty file with its mode. */
			ie.type = IMG_REG;
			break;
		}
		/* BuildKit leaves named pipes out without a word; scratchbuild
		 * leaves them (and devices) out too, and says so. */
		rc = warn_at(ev, cp->in->pos, "exclude it with .dockerignore to silence this",
			     "%s: \"%s\" in the build context is %s; like Docker, it is "
			     "not copied",
			     ev->what, e->real[0] ? e->real : ".", kind_of(e->mode));
		goto out;
	}
	if (img_tree_put(cp->layer, &ie, ev->err) < 0)
		goto out;
	rc = 0;
out:
	free(target);
	return rc;
}

/* What BuildKit's ADD would download: http(s) URLs and git repositories. */
static int is_remote(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8) || !strncmp(s, "git@", 4) ||
	       !strncmp(s, "git://", 6) || !strncmp(s, "ssh://", 6);
}

static int has_wildcard(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Records the layer in the image and the image's file system. */
static int fs_merge(void *ud, const struct img_entry *e, struct sb_error *err)
{
	struct img_tree *fs = ud;
	struct img_entry meta = *e;

	/* The source stays: a later --chown=name reads /etc/passwd through it. */
	meta.link_group = 0;
	return img_tree_put(fs, &meta, err);
}

/* Reads the content of the image's regular file at path (as the layers so far
 * have it) into *out (yours to free), or sets *out = NULL when there is none. */
static int read_image_file(struct eval *ev, const char *path, char **out, size_t *len)
{
	const struct img_entry *e = img_tree_get(ev->fs, path);
	int fd, rc;

	*out = NULL;
	*len = 0;
	if (!e)
		return 0;
	if (e->type != IMG_REG || !e->source || e->member)
		return sb_errorf(ev->err,
				 "/%s in the image is not a regular file of the build "
				 "context",
				 path);
	if (ctx_open_file(ev->ctx, e->source, &fd, ev->err) < 0)
		return -1;
	rc = sb_read_all(fd, e->source, 16u << 20, out, len, ev->err);
	close(fd);
	return rc;
}

/* Looks an id up the way BuildKit does for one half of --chown: "" and "root"
 * are 0, a 32-bit integer is itself (-1, "leave as is", is 0 for files from the
 * context), anything else a name in the image's `file` (etc/passwd or
 * etc/group). *found is 0 for a name that is not there. */
static int chown_id(struct eval *ev, const struct df_flag *f, const char *word, const char *file,
		    uint32_t *id, uint32_t *primary_gid, int *found)
{
	int64_t n;
	char *text = NULL;
	size_t len = 0;
	int rc = -1;

	*found = 1;
	if (!*word || !strcmp(word, "root")) {
		*id = *primary_gid = 0;
		return 0;
	}
	if (parse_int32(word, strlen(word), &n)) {
		if (n < -1) {
			error_at(ev, f->pos, "%s --chown=%s: %s is not an id", ev->what, f->value,
				 word);
			return sb_error_hint(ev->err, "ids are numbers from 0 to 2147483647");
		}
		*id = *primary_gid = n < 0 ? 0 : (uint32_t)n;
		return 0;
	}
	if (!img_tree_get(ev->fs, file)) {
		error_at(ev, f->pos, "%s --chown=%s: the image has no /%s to look up \"%s\" in",
			 ev->what, f->value, file, word);
		sb_error_hint(ev->err,
			      "use numeric ids, or COPY an /%s into the image in an "
			      "earlier step",
			      file);
		goto out;
	}
	if (read_image_file(ev, file, &text, &len) < 0)
		goto read_failed;
	if (!strcmp(file, "etc/passwd"))
		*found = passwd_lookup(text, len, word, id, primary_gid);
	else
		*found = group_lookup(text, len, word, id);
	rc = 0;
	goto out;
read_failed : {
	char *msg = sb_strdup(ev->err->msg ? ev->err->msg : "cannot read");

	if (msg)
		error_at(ev, f->pos, "%s --chown=%s: %s", ev->what, f->value, msg);
	free(msg);
}
out:
	free(text);
	return rc;
}

/* Resolves --chown=user[:group] as BuildKit does: the value is split at the
 * first ':'; a numeric user without a group means the same group, a user name
 * alone its primary group from /etc/passwd. BuildKit quietly uses 0 for a user
 * that /etc/passwd does not list, and keeps the user's group for a group that
 * /etc/group does not list; scratchbuild does the same and warns. */
static int resolve_chown(struct eval *ev, const struct df_flag *f, struct copy_flags *fl)
{
	const char *colon = strchr(f->value, ':');
	char *user = sb_strndup(f->value, colon ? (size_t)(colon - f->value) : strlen(f->value));
	uint32_t primary = 0, unused;
	int found, rc = -1;

	if (!user)
		return oom(ev);
	if (chown_id(ev, f, user, "etc/passwd", &fl->uid, &primary, &found) < 0)
		goto out;
	if (!found) {
		fl->uid = primary = 0;
		if (warn_at(ev, f->pos, "add the user to /etc/passwd, or use a numeric id",
			    "%s --chown=%s: no user \"%s\" in the image's /etc/passwd; like "
			    "Docker, uid 0 is used",
			    ev->what, f->value, user) < 0)
			goto out;
	}
	fl->gid = primary;
	if (colon) {
		if (chown_id(ev, f, colon + 1, "etc/group", &fl->gid, &unused, &found) < 0)
			goto out;
		if (!found) {
			fl->gid = primary;
			if (warn_at(ev, f->pos, "add the group to /etc/group, or use a numeric id",
				    "%s --chown=%s: no group \"%s\" in the image's /etc/group; "
				    "like Docker, gid %u is used",
				    ev->what, f->value, colon + 1, (unsigned)primary) < 0)
				goto out;
		}
	}
	fl->chown = 1;
	rc = 0;
out:
	free(user);
	return rc;
}

/* Reads the flags of COPY. --link is accepted: every layer scratchbuild writes
 * is already independent of the layers below it. */
static int copy_flags(struct eval *ev, const struct df_instr *in, struct copy_flags *fl)
{
	const char *name = df_kind_name(in->kind);

	for (size_t i = 0; i < in->nflags; i++) {
		const struct df_flag *f = &in->flags[i];

		for (size_t k = 0; k < i; k++) {
			if (!strcmp(in->flags[k].name, f->name) && strcmp(f->name, "exclude")) {
				error_at(ev, f->pos, "Duplicate flag specified: %s", f->name);
				return sb_error_hint(ev->err, "give --%s once", f->name);
			}
		}
		int needs_value = !strcmp(f->name, "chown") || !strcmp(f->name, "chmod") ||
				  !strcmp(f->name, "from") || !strcmp(f->name, "exclude");

		if (needs_value && (!f->value || !*f->value)) {
			error_at(ev, f->pos, "Missing a value on flag: %s", f->name);
			return sb_error_hint(ev->err, "write --%s=VALUE", f->name);
		}
		if (!strcmp(f->name, "chown")) {
			if (resolve_chown(ev, f, fl) < 0)
				return -1;
		} else if (!strcmp(f->name, "chmod")) {
			chmod_release(&fl->mode);
			if (chmod_parse(f->value, &fl->mode, ev->err) < 0) {
				char *msg = sb_strdup(ev->err->msg ? ev->err->msg : "bad mode");

				if (msg)
					error_at(ev, f->pos, "%s %s", name, msg);
				free(msg);
				return sb_error_hint(ev->err,
						     "write an octal mode such as 0755, or a "
						     "symbolic one such as u+x,go=rX");
			}
			fl->chmod = 1;
		} else if (!strcmp(f->name, "link") || !strcmp(f->name, "parents")) {
			if (f->value && strcmp(f->value, "true") && strcmp(f->value, "false")) {
				error_at(ev, f->pos, "--%s takes true or false, not \"%s\"",
					 f->name, f->value);
				return -1;
			}
			if (!strcmp(f->name, "parents"))
				fl->parents = !f->value || !strcmp(f->value, "true");
		} else if (!strcmp(f->name, "exclude")) {
			size_t cap = fl->nexclude;

			if (sb_grow(&fl->exclude, &cap, fl->nexclude + 1, sizeof(*fl->exclude)) < 0)
				return oom(ev);
			fl->exclude[fl->nexclude++] = f->value;
		} else if (!strcmp(f->name, "from")) {
			error_at(ev, f->pos,
				 "%s --from is not supported by this version of "
				 "scratchbuild",
				 name);
			return sb_error_hint(ev->err, "copy from the build context instead");
		} else {
			error_at(ev, f->pos, "Unknown flag: %s", f->name);
			return sb_error_hint(
			    ev->err, "%s takes --chown, --chmod, --link, --exclude and --parents",
			    name);
		}
	}
	return 0;
}

/* copy = "COPY" src... dest | "COPY" "[" src... "," dest "]" */
static int eval_copy(struct eval *ev, const struct df_instr *in)
{
	struct image *img = &ev->plan->img;
	struct copy cp = {.ev = ev, .in = in, .add = in->kind == DF_ADD};
	char **args = NULL, *dest = NULL;
	size_t nargs = 0, nsrc;
	const char *raw_dest;
	int dest_slash;
	struct ctx_walk_opts wopts = {0};
	char *base = NULL, *include = NULL; /* --parents: a source cut at its pivot */
	struct sb_buf created_by = {0};
	int rc = -1;

	if (copy_flags(ev, in, &cp.fl) < 0)
		goto out;
	wopts.exclude = cp.fl.exclude;
	wopts.nexclude = cp.fl.nexclude;
	if (expand_args(ev, in, &args) < 0)
		goto out;
	while (args[nargs])
		nargs++;
	if (nargs < 2) {
		error_at(ev, in->pos,
			 "%s requires at least two arguments, but only %s was "
			 "provided: the destination could not be determined",
			 ev->what, nargs == 0 ? "none" : "one");
		sb_error_hint(ev->err, "write COPY <source>... <destination>, e.g. COPY ./serve "
				       "/server/");
		goto out;
	}
	nsrc = nargs - 1;
	raw_dest = args[nsrc];
	/* Relative destinations are relative to WORKDIR, which is "/" here. */
	dest = clean_abs(raw_dest);
	cp.layer = img_tree_new();
	if (!dest || !cp.layer) {
		oom(ev);
		goto out;
	}
	cp.dest = dest;
	dest_slash = strlen(raw_dest) == 0 || raw_dest[strlen(raw_dest) - 1] == '/' ||
		     !strcmp(raw_dest, ".") || !dest[0];

	for (size_t i = 0; i < nsrc; i++) {
		char **matches = NULL;
		size_t n = 0;

		if (!cp.add &&
		    (!strncmp(args[i], "http://", 7) || !strncmp(args[i], "https://", 8))) {
			error_at(ev, in->args[i].pos, "source can't be a URL for COPY");
			sb_error_hint(ev->err, "download it before the build, then COPY the file");
			goto out;
		}
		if (cp.add && is_remote(args[i])) {
			error_at(ev, in->args[i].pos,
				 "ADD %s: scratchbuild builds offline and downloads nothing",
				 args[i]);
			sb_error_hint(ev->err, "fetch it before the build (curl -LO, git clone) "
					       "and ADD or COPY the local copy");
			goto out;
		}
		free(base);
		free(include);
		base = include = NULL;
		if (cp.fl.parents &&
		    ctx_parents_split(args[i], &base, &include, &wopts.require_match, ev->err) < 0)
			goto out;
		wopts.include = include;
		if (ctx_match(ev->ctx, base ? base : args[i], &matches, &n, ev->err) < 0) {
			sb_error_prefix(ev->err, "%s %s", ev->what, args[i]);
			goto out;
		}
		if (n == 0) {
			sb_strv_free(matches);
			if (has_wildcard(args[i])) {
				warn_at(ev, in->args[i].pos, NULL,
					"%s: \"%s\" matches nothing in the build context; "
					"like Docker, nothing is copied for it",
					ev->what, args[i]);
				continue;
			}
			error_at(ev, in->args[i].pos,
				 "%s: \"%s\" not found in the build context (%s)", ev->what,
				 args[i], ctx_dir(ev->ctx));
			sb_error_hint(ev->err, "check the name, and that .dockerignore does not "
					       "exclude it");
			goto out;
		}
		for (size_t k = 0; k < n; k++) {
			const struct img_entry *in_layer = img_tree_get(cp.layer, dest);
			const struct img_entry *in_fs = img_tree_get(ev->fs, dest);

			/* Decided again for every source, as BuildKit copies them one
			 * after the other: `COPY dir file /x` makes /x a directory
			 * first, and the file then goes inside it. */
			cp.dest_dir = dest_slash || cp.fl.parents ||
				      (in_layer ? in_layer->type == IMG_DIR
						: in_fs && in_fs->type == IMG_DIR);
			cp.source = matches[k];
			free(cp.root);
			cp.root = NULL;
			if (ctx_walk2(ev->ctx, matches[k], &wopts, copy_visit, &cp, ev->err) < 0) {
				sb_strv_free(matches);
				if (ev->err->line == 0 && ev->err->msg) {
					char *msg = sb_strdup(ev->err->msg);

					if (!msg) {
						oom(ev);
						goto out;
					}
					error_at(ev, in->args[i].pos, "%s: %s", ev->what, msg);
					free(msg);
				}
				goto out;
			}
		}
		sb_strv_free(matches);
	}
	if (cp.onto_dest > 1 &&
	    warn_at(ev, in->args[nsrc].pos,
		    "end the destination with / to copy several sources into a directory",
		    "%s: %u sources were copied to \"%s\", which is not a directory: as with "
		    "Docker, each replaced the one before",
		    ev->what, cp.onto_dest, raw_dest) < 0)
		goto out;
	if (img_tree_link_groups(cp.layer, ev->err) < 0 ||
	    img_tree_each(cp.layer, fs_merge, ev->fs, ev->err) < 0)
		goto out;

	if (sb_buf_adds(&created_by, df_kind_name(in->kind)) < 0)
		goto nomem;
	for (size_t i = 0; i < nargs; i++)
		if (sb_buf_addf(&created_by, " %s", args[i]) < 0)
			goto nomem;
	if (sb_buf_adds(&created_by, " # buildkit") < 0)
		goto nomem;
	{
		size_t cap = img->nlayers;

		if (sb_grow(&img->layers, &cap, img->nlayers + 1, sizeof(*img->layers)) < 0)
			goto nomem;
	}
	if (img_add_history(img, created_by.buf, 0, ev->err) < 0)
		goto out;
	img->layers[img->nlayers++] = cp.layer;
	cp.layer = NULL;
	if (add_step(ev, in, (long)img->nlayers - 1, cp.payload) < 0)
		goto out;
	rc = 0;
	goto out;
nomem:
	oom(ev);
out:
	sb_buf_release(&created_by);
	img_tree_free(cp.layer);
	free(cp.root);
	free(cp.links);
	chmod_release(&cp.fl.mode);
	free(cp.fl.exclude);
	free(base);
	free(include);
	free(dest);
	sb_strv_free(args);
	return rc;
}

/* ---- EXPOSE ---------------------------------------------------------------- */

static int parse_port(const char *s, size_t n, unsigned long *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*out = v;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds "port/proto" to a sorted, duplicate-free string set. */
static int set_add(char ***set, char *s)
{
	size_t n = 0, cap;

	while (*set && (*set)[n])
		n++;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp((*set)[i], s)) {
			free(s);
			return 0;
		}
	}
	cap = n ? n + 1 : 0;
	if (sb_grow(set, &cap, n + 2, sizeof(**set)) < 0) {
		free(s);
		return -1;
	}
	(*set)[n] = s;
	(*set)[n + 1] = NULL;
	qsort(*set, n + 1, sizeof(**set), cmp_str);
	return 0;
}

/* port = [[ip ":"] hostport ":"] containerport ["-" end] ["/" ("tcp"|"udp"|"sctp")] */
static int expose_one(struct eval *ev, const char *spec, struct sb_pos pos, char ***ports)
{
	const char *slash = strrchr(spec, '/');
	const char *colon, *start, *dash;
	size_t len = slash ? (size_t)(slash - spec) : strlen(spec);
	unsigned long lo, hi;
	char proto[8] = "tcp";

	if (slash) {
		size_t pl = strlen(slash + 1);

		if (pl == 0 || pl >= sizeof(proto))
			goto bad_proto;
		for (size_t i = 0; i < pl; i++)
			proto[i] =
			    (char)((slash[1 + i] >= 'A' && slash[1 + i] <= 'Z') ? slash[1 + i] + 32
										: slash[1 + i]);
		proto[pl] = '\0';
		if (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp"))
			goto bad_proto;
	}
	/* Docker takes the container port of an ip:hostport:containerport mapping. */
	colon = NULL;
	for (size_t i = 0; i < len; i++)
		if (spec[i] == ':')
			colon = spec + i;
	start = colon ? colon + 1 : spec;
	len -= (size_t)(start - spec);
	dash = memchr(start, '-', len);
	if (dash) {
		if (parse_port(start, (size_t)(dash - start), &lo) < 0 ||
		    parse_port(dash + 1, len - (size_t)(dash - start) - 1, &hi) < 0 || hi < lo)
			goto bad_port;
	} else {
		if (parse_port(start, len, &lo) < 0)
			goto bad_port;
		hi = lo;
	}
	for (unsigned long p = lo; p <= hi; p++) {
		char *s = sb_printf("%lu/%s", p, proto);

		if (!s || set_add(ports, s) < 0)
			return oom(ev);
	}
	return 0;
bad_proto:
	error_at(ev, pos, "EXPOSE: \"%s\" has an unknown protocol", spec);
	return sb_error_hint(ev->err,
			     "the protocol is tcp (the default), udp or sctp, e.g. 53/udp");
bad_port:
	error_at(ev, pos, "EXPOSE: \"%s\" is not a port", spec);
	return sb_error_hint(ev->err, "write a port number from 0 to 65535 such as 8080, "
				      "optionally a range (8000-8010) and a protocol (53/udp)");
}

/* expose = "EXPOSE" port... */
static int eval_expose(struct eval *ev, const struct df_instr *in)
{
	struct img_config *c = &ev->plan->img.config;
	char **args = NULL, **ports = NULL;
	struct sb_buf by = {0};
	int rc = -1;

	if (refuse_flags(ev, in) < 0)
		return -1;
	if (in->nargs == 0) {
		error_at(ev, in->pos, "EXPOSE requires at least one argument");
		sb_error_hint(ev->err, "write the port the program listens on, e.g. EXPOSE 8080");
		return -1;
	}
	if (in->json) {
		error_at(ev, in->rest_pos,
			 "EXPOSE takes ports separated by spaces, not a JSON "
			 "array");
		sb_error_hint(ev->err, "write EXPOSE 8080 53/udp");
		return -1;
	}
	if (expand_args(ev, in, &args) < 0)
		return -1;
	for (size_t i = 0; args[i]; i++) {
		if (!args[i][0])
			continue;
		if (expose_one(ev, args[i], in->args[i].pos, &ports) < 0)
			goto out;
	}
	for (size_t i = 0; ports && ports[i]; i++) {
		char *copy = sb_strdup(ports[i]);

		if (!copy || set_add(&c->ports, copy) < 0) {
			oom(ev);
			goto out;
		}
	}
	/* BuildKit prints the Go map of this instruction's ports: keys sorted. */
	if (sb_buf_adds(&by, "EXPOSE map[") < 0)
		goto nomem;
	for (size_t i = 0; ports && ports[i]; i++)
		if (sb_buf_addf(&by, "%s%s:{}", i ? " " : "", ports[i]) < 0)
			goto nomem;
	if (sb_buf_addc(&by, ']') < 0)
		goto nomem;
	if (img_add_history(&ev->plan->img, by.buf, 1, ev->err) < 0 || add_step(ev, in, -1, 0) < 0)
		goto out;
	rc = 0;
	goto out;
nomem:
	oom(ev);
out:
	sb_buf_release(&by);
	sb_strv_free(ports);
	sb_strv_free(args);
	return rc;
}

/* ---- ENTRYPOINT ------------------------------------------------------------ */

/* entrypoint = "ENTRYPOINT" json-array | "ENTRYPOINT" shell-command */
static int eval_entrypoint(struct eval *ev, const struct df_instr *in)
{
	struct img_config *c = &ev->plan->img.config;
	char **v = NULL;
	struct sb_buf by = {0};
	int rc = -1;

	if (refuse_flags(ev, in) < 0)
		return -1;
	if (in->json) {
		v = calloc(in->nargs + 1, sizeof(*v));
		if (!v)
			goto nomem;
		for (size_t i = 0; i < in->nargs; i++)
			if (!(v[i] = sb_strdup(in->args[i].text)))
				goto nomem;
	} else {
		/* Shell form runs the line as written through /bin/sh -c. */
		v = calloc(4, sizeof(*v));
		if (!v || !(v[0] = sb_strdup("/bin/sh")) || !(v[1] = sb_strdup("-c")) ||
		    !(v[2] = sb_strdup(in->rest ? in->rest : "")))
			goto nomem;
		if (warn_at(ev, in->pos,
			    "write ENTRYPOINT [\"/server/serve\", \"--flag\"]: exec form "
			    "gets signals and needs no shell in the image",
			    "JSONArgsRecommended: ENTRYPOINT in shell form runs /bin/sh, which a "
			    "scratch image does not have") < 0)
			goto out;
	}
	if (sb_buf_adds(&by, "ENTRYPOINT ") < 0 || go_quote_list(&by, v) < 0)
		goto nomem;
	sb_strv_free(c->entrypoint);
	/* ENTRYPOINT [] leaves no entrypoint at all, as with Docker. */
	if (v[0]) {
		c->entrypoint = v;
	} else {
		c->entrypoint = NULL;
		sb_strv_free(v);
	}
	v = NULL;
	if (img_add_history(&ev->plan->img, by.buf, 1, ev->err) < 0 || add_step(ev, in, -1, 0) < 0)
		goto out;
	rc = 0;
	goto out;
nomem:
	oom(ev);
out:
	sb_buf_release(&by);
	sb_strv_free(v);
	return rc;
}

/* ---- everything else ------------------------------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[32];

	if (lb >= 32)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			int ca = a[i - 1] >= 'a' && a[i - 1] <= 'z' ? a[i - 1] - 32 : a[i - 1];
			size_t best = prev + (ca != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

static int refuse(struct eval *ev, const struct df_instr *in)
{
	static const char *const known[] = {
	    "ADD",    "ARG",   "CMD",	      "COPY",  "ENTRYPOINT", "ENV",
	    "EXPOSE", "FROM",  "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD",
	    "RUN",    "SHELL", "STOPSIGNAL",  "USER",  "VOLUME",     "WORKDIR",
	};

	switch (in->kind) {
	case DF_UNKNOWN: {
		const char *best = NULL;
		size_t bestd = SIZE_MAX;

		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
			size_t d = edit_distance(in->keyword, known[i]);

			if (d < bestd)
				bestd = d, best = known[i];
		}
		error_at(ev, in->pos, "unknown instruction: %s", in->keyword);
		if (best && bestd <= 2)
			return sb_error_hint(ev->err, "did you mean %s?", best);
		return sb_error_hint(ev->err, "scratchbuild reads FROM scratch, COPY, EXPOSE and "
					      "ENTRYPOINT");
	}
	case DF_RUN:
		error_at(ev, in->pos,
			 "RUN needs a container runtime and a shell inside the "
			 "image; scratchbuild builds without running anything");
		return sb_error_hint(ev->err, "run the command before the build (e.g. compile "
					      "a static binary), then COPY its result in");
	default:
		error_at(ev, in->pos, "%s is not supported by this version of scratchbuild",
			 df_kind_name(in->kind));
		return sb_error_hint(ev->err,
				     "this version builds FROM scratch, COPY, EXPOSE "
				     "and ENTRYPOINT; remove the %s line",
				     df_kind_name(in->kind));
	}
}

static int eval_instr(struct eval *ev, const struct df_instr *in)
{
	ev->what = df_kind_name(in->kind);
	if (in->kind == DF_FROM)
		return eval_from(ev, in);
	if (!ev->in_stage && in->kind != DF_UNKNOWN) {
		error_at(ev, in->pos, "%s comes before any FROM", df_kind_name(in->kind));
		return sb_error_hint(ev->err, "a Dockerfile starts with FROM scratch");
	}
	switch (in->kind) {
	case DF_COPY:
	case DF_ADD:
		return eval_copy(ev, in);
	case DF_EXPOSE:
		return eval_expose(ev, in);
	case DF_ENTRYPOINT:
		return eval_entrypoint(ev, in);
	default:
		return refuse(ev, in);
	}
}

static int init_plan(struct df_plan *p, const struct df_eval_opts *opts, struct sb_error *err)
{
	struct image *img = &p->img;
	size_t ntags = 0;

	img_init(img);
	while (opts->tags && opts->tags[ntags])
		ntags++;
	img->tags = calloc(ntags + 1, sizeof(*img->tags));
	img->config.env = calloc(2, sizeof(char *));
	img->architecture =
	    sb_strdup(opts->architecture ? opts->architecture : df_host_architecture());
	img->os = sb_strdup("linux");
	img->config.workdir = sb_strdup("/");
	if (!img->tags || !img->config.env || !img->architecture || !img->os ||
	    !img->config.workdir || !(img->config.env[0] = sb_strdup(DEFAULT_PATH)))
		return sb_errorf(err, "out of memory");
	for (size_t i = 0; i < ntags; i++)
		if (!(img->tags[i] = sb_strdup(opts->tags[i])))
			return sb_errorf(err, "out of memory");
	img->epoch = opts->epoch;
	return 0;
}

int df_eval(const struct df_file *f, struct ctx *c, const struct df_eval_opts *opts,
	    struct df_plan *out, struct sb_error *err)
{
	struct eval ev = {.f = f, .ctx = c, .plan = out, .err = err};
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (init_plan(out, opts, err) < 0)
		goto out;
	ev.fs = img_tree_new();
	if (!ev.fs) {
		oom(&ev);
		goto out;
	}
	for (size_t i = 0; i < f->ninstrs; i++)
		if (eval_instr(&ev, &f->instrs[i]) < 0)
			goto out;
	if (!ev.in_stage) {
		sb_error_file(err, f->src.name, "no FROM instruction: there is no build stage");
		sb_error_hint(err, "a Dockerfile starts with FROM scratch");
		goto out;
	}
	rc = 0;
out:
	img_tree_free(ev.fs);
	if (rc < 0)
		df_plan_release(out);
	return rc;
}

void df_plan_release(struct df_plan *p)
{
	img_release(&p->img);
	for (size_t i = 0; i < p->nsteps; i++)
		free(p->steps[i].text);
	free(p->steps);
	for (size_t i = 0; i < p->nwarnings; i++)
		sb_error_release(&p->warnings[i]);
	free(p->warnings);
	memset(p, 0, sizeof(*p));
}
