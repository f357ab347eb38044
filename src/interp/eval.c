/* The evaluator: instructions -> build plan.
 *
 * It keeps two trees: the layer being built by the current COPY, and the image's
 * file system so far (metadata only), which tells what an existing parent
 * directory looks like when a later COPY writes into it: Docker's layer then
 * holds that directory again, with the mode and owner it already had.
 */
#include "interp/eval.h"
#include "context/match.h"
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

/* A build argument: declared by ARG, valued by its default or --build-arg. */
struct var {
	char *name;
	char *value; /* NULL: declared without a value */
};

/* One build stage being evaluated: what FROM starts and the instructions up
 * to the next FROM fill in. */
struct state {
	struct image img;      /* layers, config, history */
	struct img_tree *fs;   /* the stage's file system so far: metadata, and where
				  each file's bytes come from (COPY --from, --chown) */
	struct ev_step *steps; /* owned */
	size_t nsteps;
	struct var *vars; /* what $name means: ENV and valued ARGs, the last one to
			     set a name winning (BuildKit's rule) */
	size_t nvars;
	int cmd_set; /* CMD given in this stage: ENTRYPOINT keeps it */
};

/* Where each stage is in the Dockerfile. */
struct stage_info {
	char *name;	     /* from "AS name", lower case, or NULL; owned */
	size_t from, end;    /* its FROM, and one past its last instruction */
	struct img_tree *fs; /* once evaluated for COPY --from: its file system */
	int busy;	     /* being evaluated (a reference back is a cycle) */
};

struct eval {
	const char *what; /* the instruction being evaluated, e.g. "COPY" */
	const struct df_file *f;
	struct ctx *ctx;
	const struct ev_eval_opts *opts;
	struct ev_plan *plan; /* warnings go here */
	struct state *st;     /* the stage being evaluated */
	struct var *meta;     /* ARGs before the first FROM (they only reach FROM) */
	size_t nmeta;
	struct stage_info *stages;
	size_t nstages;
	struct sb_error *err;
};

const char *ev_host_architecture(void)
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

/* Moves an error recorded without a position (about a file of the context, say)
 * to pos in the Dockerfile: "PREFIX: FILE: MESSAGE", the hint kept. */
static int error_moved_to(struct eval *ev, struct sb_pos pos, const char *prefix)
{
	struct sb_error *err = ev->err;
	char *msg, *hint = NULL;

	if (err->file)
		msg = sb_printf("%s: %s: %s", prefix, err->file, err->msg ? err->msg : "failed");
	else
		msg = sb_printf("%s: %s", prefix, err->msg ? err->msg : "failed");
	if (err->hint)
		hint = sb_strdup(err->hint);
	if (!msg || (err->hint && !hint)) {
		free(msg);
		free(hint);
		return oom(ev);
	}
	error_at(ev, pos, "%s", msg);
	if (hint)
		sb_error_hint(err, "%s", hint);
	free(msg);
	free(hint);
	return -1;
}

static int warn_at(struct eval *ev, struct sb_pos pos, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int warn_at(struct eval *ev, struct sb_pos pos, const char *hint, const char *fmt, ...)
{
	struct ev_plan *p = ev->plan;
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
	w = &p->warnings[p->nwarnings];
	memset(w, 0, sizeof(*w));
	sb_error_at(w, &ev->f->src, pos, "warning: %s", msg);
	free(msg);
	if (!w->msg)
		return oom(ev);
	/* A stage evaluated twice (FROM stage, COPY --from) says things once. */
	for (size_t i = 0; i < p->nwarnings; i++) {
		if (p->warnings[i].line == w->line && p->warnings[i].col == w->col &&
		    !strcmp(p->warnings[i].msg, w->msg)) {
			sb_error_release(w);
			return 0;
		}
	}
	if (hint)
		sb_error_hint(w, "%s", hint);
	p->nwarnings++;
	return 0;
}

static int add_step(struct eval *ev, const struct df_instr *in, long layer, uint64_t payload)
{
	struct state *p = ev->st;
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

static int expand_word(struct eval *ev, const char *word, struct sb_pos pos, char **out);

/* The arguments of in, each word processed as BuildKit does (quotes, escapes,
 * the stage's variables), in the JSON form too. *out is NULL-terminated and
 * yours (sb_strv_free). */
static int expand_args(struct eval *ev, const struct df_instr *in, char ***out)
{
	char **v = calloc(in->nargs + 1, sizeof(*v));

	if (!v)
		return oom(ev);
	for (size_t i = 0; i < in->nargs; i++) {
		if (expand_word(ev, in->args[i].text, in->args[i].pos, &v[i]) < 0) {
			sb_strv_free(v);
			return -1;
		}
	}
	*out = v;
	return 0;
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

/* ---- variables -------------------------------------------------------------- */

/* The build argument name from --build-arg, or NULL. */
static const char *build_arg(const struct eval *ev, const char *name, int *given)
{
	size_t n = strlen(name);

	*given = 0;
	for (char **a = ev->opts->build_args; a && *a; a++) {
		if (!strncmp(*a, name, n) && (*a)[n] == '=') {
			*given = 1;
			return *a + n + 1;
		}
	}
	return NULL;
}

/* The platform arguments BuildKit defines in the global scope. */
static const char *platform_arg(const struct eval *ev, const char *name)
{
	const char *arch = ev->st ? ev->st->img.architecture : NULL;
	static const char *const os_names[] = {"TARGETOS", "BUILDOS"};

	if (!arch)
		arch = ev->opts->architecture ? ev->opts->architecture : ev_host_architecture();
	for (size_t i = 0; i < 2; i++)
		if (!strcmp(name, os_names[i]))
			return "linux";
	if (!strcmp(name, "TARGETARCH") || !strcmp(name, "BUILDARCH"))
		return arch;
	if (!strcmp(name, "TARGETVARIANT") || !strcmp(name, "BUILDVARIANT"))
		return "";
	return NULL;
}

/* Variables FROM sees: the ARGs declared before the first FROM. */
static const char *meta_lookup(void *ud, const char *name)
{
	struct eval *ev = ud;

	for (size_t i = ev->nmeta; i-- > 0;)
		if (!strcmp(ev->meta[i].name, name))
			return ev->meta[i].value;
	return NULL;
}

/* Variables an instruction of a stage sees: ENV and the ARGs that have a
 * value, whichever set the name last. */
static const char *stage_lookup(void *ud, const char *name)
{
	struct eval *ev = ud;

	for (size_t i = 0; i < ev->st->nvars; i++)
		if (!strcmp(ev->st->vars[i].name, name))
			return ev->st->vars[i].value;
	return NULL;
}

/* Processes one word with the stage's variables. *out is yours. */
static int expand_word(struct eval *ev, const char *word, struct sb_pos pos, char **out)
{
	char *msg;

	if (shlex_word(word, ev->f->escape, ev->st ? stage_lookup : meta_lookup, ev, out,
		       ev->err) == 0)
		return 0;
	msg = sb_strdup(ev->err->msg ? ev->err->msg : "bad word");
	if (!msg)
		return oom(ev);
	error_at(ev, pos, "%s: %s", ev->what, msg);
	free(msg);
	return -1;
}

/* Declares an argument in vars (replacing one of the same name). value may
 * be NULL. */
static int declare(struct eval *ev, struct var **vars, size_t *n, const char *name,
		   const char *value)
{
	size_t cap = *n;
	char *nm = sb_strdup(name), *val = value ? sb_strdup(value) : NULL;

	if (!nm || (value && !val)) {
		free(nm);
		free(val);
		return oom(ev);
	}
	for (size_t i = 0; i < *n; i++) {
		if (!strcmp((*vars)[i].name, name)) {
			free(nm);
			free((*vars)[i].value);
			(*vars)[i].value = val;
			return 0;
		}
	}
	if (sb_grow(vars, &cap, *n + 1, sizeof(**vars)) < 0) {
		free(nm);
		free(val);
		return oom(ev);
	}
	(*vars)[*n].name = nm;
	(*vars)[*n].value = val;
	(*n)++;
	return 0;
}

/* ---- FROM ------------------------------------------------------------------- */

/* from = "FROM" ["--platform=..."] image ["AS" name] ; image = "scratch" | stage */
static int from_image(struct eval *ev, const struct df_instr *in, char **image)
{
	if (in->nargs != 1 && !(in->nargs == 3 && !strcasecmp(in->args[1].text, "as"))) {
		error_at(ev, in->pos, "FROM takes an image and optionally \"AS name\"");
		return sb_error_hint(ev->err, "write FROM scratch, or FROM scratch AS name");
	}
	if (in->nflags) {
		error_at(ev, in->flags[0].pos, "FROM --%s is not supported by scratchbuild",
			 in->flags[0].name);
		return sb_error_hint(ev->err, "remove the flag; images are built for this "
					      "machine's platform");
	}
	return expand_word(ev, in->args[0].text, in->args[0].pos, image);
}

/* The index of the stage called name (case-insensitive), or -1. */
static long find_stage(const struct eval *ev, const char *name, size_t before)
{
	for (size_t i = 0; i < before && i < ev->nstages; i++)
		if (ev->stages[i].name && !strcasecmp(ev->stages[i].name, name))
			return (long)i;
	return -1;
}

static int eval_instr(struct eval *ev, const struct df_instr *in);
static int run_onbuild(struct eval *ev);

/* Evaluates stage i into ev->st: its base first (scratch, or an earlier stage
 * replayed into the same state), then its instructions. */
static int eval_stage(struct eval *ev, size_t i)
{
	const struct df_instr *from = &ev->f->instrs[ev->stages[i].from];
	struct state *saved_st = ev->st;
	char *image = NULL;
	long base;
	int rc = -1;

	if (ev->stages[i].busy)
		return sb_errorf(ev->err, "circular dependency detected on stage: %s",
				 ev->stages[i].name ? ev->stages[i].name : "(unnamed)");
	ev->stages[i].busy = 1;
	/* FROM sees the global ARGs only. */
	ev->what = "FROM";
	ev->st = NULL;
	rc = from_image(ev, from, &image);
	ev->st = saved_st;
	if (rc < 0)
		goto out;
	rc = -1;
	if (strcmp(image, "scratch") != 0) {
		base = find_stage(ev, image, i);
		if (base < 0) {
			int lower = 1;

			for (const char *p = image; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					lower = 0;
			if (!lower) {
				error_at(ev, from->args[0].pos,
					 "FROM: \"%s\" is not a valid image name: it must be lower "
					 "case",
					 image);
				sb_error_hint(ev->err, "write FROM scratch");
			} else {
				error_at(ev, from->args[0].pos,
					 "FROM %s: scratchbuild builds from scratch or an earlier "
					 "stage only, and \"%s\" would be a base image to pull",
					 image, image);
				sb_error_hint(ev->err, "start from FROM scratch and COPY a static "
						       "binary and its files in");
			}
			goto out;
		}
		if (eval_stage(ev, (size_t)base) < 0)
			goto out;
		/* A CMD of the base is inherited: this stage's ENTRYPOINT clears it. */
		ev->st->cmd_set = 0;
		if (run_onbuild(ev) < 0)
			goto out;
	}
	for (size_t k = ev->stages[i].from + 1; k < ev->stages[i].end; k++)
		if (eval_instr(ev, &ev->f->instrs[k]) < 0)
			goto out;
	rc = 0;
out:
	ev->stages[i].busy = 0;
	free(image);
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
	struct fl_chmod_spec mode;
	const char **exclude; /* --exclude patterns (borrowed from the flags) */
	size_t nexclude;
	int parents;	  /* --parents */
	const char *from; /* --from (borrowed) */
	struct sb_pos from_pos;
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
	int add;			/* ADD: a local tar archive source is unpacked */
	unsigned onto_dest;		/* sources that became dest itself (not a directory) */
	const struct img_tree *from_fs; /* COPY --from: the stage's file system */
	const char *from_root;		/* COPY --from: the walked source's path there */
	uint64_t archive_groups;	/* hard-link groups made for archive members */
	const char *archive;		/* the archive being unpacked (its canonical path) */
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
			const struct img_entry *old = img_tree_get(ev->st->fs, buf);
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

/* Resolves the symbolic links in path as a root file system would: absolute
 * targets from the root, relative ones from the link's directory, ".." stopping
 * at the root. Entries are looked up in `top`, then in `below` (may be NULL).
 * The last component is followed only when follow_last is set. *out is
 * yours. */
static int resolve_links(const struct img_tree *top, const struct img_tree *below, const char *path,
			 int follow_last, char **out, struct sb_error *err)
{
	char *cur = sb_strdup(path);
	size_t done = 0; /* bytes of cur already resolved */
	int links = 0;

	while (cur && cur[0]) {
		char *slash = strchr(cur + done, '/');
		const struct img_entry *e;

		if (!slash && !follow_last)
			break;
		if (slash)
			*slash = '\0';
		e = img_tree_get(top, cur);
		if (!e && below)
			e = img_tree_get(below, cur);
		if (e && e->type == IMG_SYMLINK) {
			char *dir = strrchr(cur, '/');
			const char *tail = slash ? slash + 1 : "";
			char *next;

			if (++links > 255) {
				free(cur);
				return sb_errorf(err, "too many levels of symbolic links under /%s",
						 path);
			}
			if (dir)
				*dir = '\0';
			next = e->link[0] == '/'
				   ? sb_printf("%s/%s", e->link, tail)
				   : sb_printf("/%s/%s/%s", dir ? cur : "", e->link, tail);
			free(cur);
			cur = next ? clean_abs(next) : NULL;
			free(next);
			done = 0;
			continue;
		}
		if (!slash)
			break;
		*slash = '/';
		done = (size_t)(slash - cur) + 1;
	}
	if (!cur)
		return sb_errorf(err, "out of memory");
	*out = cur;
	return 0;
}

/* The directories of path resolved through the image as this layer builds it. */
static int resolve_dirs(struct copy *cp, const char *path, char **out)
{
	return resolve_links(cp->layer, cp->ev->st->fs, path, 0, out, cp->ev->err);
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

/* Where an entry of the walked source lands. rel is its path below the
 * source ("" for the source itself). The source directory itself gives only
 * its contents (the destination directory is made, *target stays NULL);
 * anything else named as a source lands inside a directory destination under
 * its own name, or becomes the destination. */
static int place(struct copy *cp, const char *rel, int is_dir, char **target)
{
	struct eval *ev = cp->ev;
	const char *slash, *base;
	int rc;

	*target = NULL;
	if (rel[0]) {
		*target = join(cp->root, rel);
		return *target ? 0 : oom(ev);
	}
	slash = strrchr(cp->source, '/');
	base = slash ? slash + 1 : cp->source;
	free(cp->root);
	if (is_dir)
		cp->root = sb_strdup(cp->dest);
	else if (cp->dest_dir)
		cp->root = join(cp->dest, base);
	else
		cp->root = sb_strdup(cp->dest);
	if (!cp->root)
		return oom(ev);
	if (is_dir)
		return mkdir_p(cp, cp->root);
	if (!cp->dest_dir)
		cp->onto_dest++;
	if (!cp->root[0]) {
		error_at(ev, cp->in->pos, "%s: cannot copy a file onto /", ev->what);
		return -1;
	}
	if (strchr(cp->root, '/')) {
		char *parent = sb_strndup(cp->root, (size_t)(strrchr(cp->root, '/') - cp->root));

		if (!parent)
			return oom(ev);
		rc = mkdir_p(cp, parent);
		free(parent);
		if (rc < 0)
			return -1;
	}
	*target = sb_strdup(cp->root);
	return *target ? 0 : oom(ev);
}

/* COPY --from: one entry of the stage's file system (cp->from_root is the
 * walked source's path there). Owner and mode stay as the stage has them,
 * unless --chown or --chmod say otherwise; hard links stay hard links. */
static int from_visit(void *ud, const struct img_entry *e, struct sb_error *err)
{
	struct copy *cp = ud;
	size_t rl = strlen(cp->from_root);
	const char *rel = rl == 0 ? e->path : e->path[rl] == '/' ? e->path + rl + 1 : "";
	struct img_entry ie = *e;
	char *target = NULL;
	int rc;

	(void)err;
	if (place(cp, rel, e->type == IMG_DIR, &target) < 0)
		return -1;
	if (!target)
		return 0;
	if (e->type == IMG_HARDLINK) {
		const struct img_entry *t = img_tree_get(cp->from_fs, e->link);

		if (!t || t->type != IMG_REG) {
			free(target);
			return sb_errorf(cp->ev->err, "COPY --from: /%s links to a missing file",
					 e->path);
		}
		ie = *t;
	}
	if (ie.type == IMG_REG) {
		/* Names that were one file in the stage are one file here. */
		const char *key = e->type == IMG_HARDLINK ? e->link : e->path;
		uint64_t h = 1469598103934665603ull;

		for (const char *p = key; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		ie.link_group = h | (1ull << 63);
		cp->payload += ie.size;
	}
	ie.path = target;
	if (cp->fl.chown) {
		ie.uid = cp->fl.uid;
		ie.gid = cp->fl.gid;
	}
	if (cp->fl.chmod && ie.type != IMG_SYMLINK)
		ie.mode = fl_chmod_apply(&cp->fl.mode, ie.mode, ie.type == IMG_DIR);
	rc = img_tree_put(cp->layer, &ie, cp->ev->err);
	free(target);
	return rc;
}

/* The paths of the stage's file system that src names: the path itself
 * (symbolic links in it followed inside the stage), or the matches of a
 * wildcard pattern, one component at a time. */
struct glob {
	const struct img_tree *t;
	char **out;
	size_t n, cap;
	const char *rest; /* components still to match */
	char *prefix;
	struct sb_error *err;
};

static int glob_dir(struct glob *g, const char *dir, const char *rest);

static int glob_child(void *ud, const struct img_entry *e, struct sb_error *err)
{
	struct glob *g = ud;
	const char *slash = strchr(g->rest, '/');
	size_t plen = slash ? (size_t)(slash - g->rest) : strlen(g->rest);
	char *pat = sb_strndup(g->rest, plen);
	const char *name = strrchr(e->path, '/') ? strrchr(e->path, '/') + 1 : e->path;
	int m;

	if (!pat)
		return sb_errorf(err, "out of memory");
	m = match_glob(pat, name, err);
	free(pat);
	if (m < 0)
		return -1;
	if (!m)
		return 0;
	if (!slash) {
		if (sb_grow(&g->out, &g->cap, g->n + 2, sizeof(*g->out)) < 0 ||
		    !(g->out[g->n] = sb_strdup(e->path)))
			return sb_errorf(err, "out of memory");
		g->out[++g->n] = NULL;
		return 0;
	}
	if (e->type != IMG_DIR)
		return 0;
	return glob_dir(g, e->path, slash + 1);
}

static int glob_dir(struct glob *g, const char *dir, const char *rest)
{
	const char *saved = g->rest;
	char *d = sb_strdup(dir);
	int rc;

	if (!d)
		return sb_errorf(g->err, "out of memory");
	g->rest = rest;
	rc = img_tree_children(g->t, d, glob_child, g, g->err);
	g->rest = saved;
	free(d);
	return rc < 0 ? -1 : 0;
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
	if (place(cp, e->path, e->type == CTX_DIR, &target) < 0)
		return -1;
	if (!target)
		return 0; /* the source directory: its contents follow */

	ie.path = target;
	ie.mode = e->mode & 07777;
	ie.mtime = e->mtime;
	ie.uid = cp->fl.uid;
	ie.gid = cp->fl.gid;
	if (cp->fl.chmod && e->type != CTX_LNK)
		ie.mode = fl_chmod_apply(&cp->fl.mode, ie.mode, e->type == CTX_DIR);
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
	const struct img_entry *e = img_tree_get(ev->st->fs, path);
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
	if (fl_parse_int32(word, strlen(word), &n)) {
		if (n < -1) {
			error_at(ev, f->pos, "%s --chown=%s: %s is not an id", ev->what, f->value,
				 word);
			return sb_error_hint(ev->err, "ids are numbers from 0 to 2147483647");
		}
		*id = *primary_gid = n < 0 ? 0 : (uint32_t)n;
		return 0;
	}
	if (!img_tree_get(ev->st->fs, file)) {
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
		*found = fl_passwd_lookup(text, len, word, id, primary_gid);
	else
		*found = fl_group_lookup(text, len, word, id);
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

/* --chmod=mode, already expanded. */
static int chmod_flag(struct eval *ev, const struct df_flag *f, struct copy_flags *fl)
{
	if (fl_chmod_parse(f->value, &fl->mode, ev->err) < 0) {
		char *msg = sb_strdup(ev->err->msg ? ev->err->msg : "bad mode");

		if (msg)
			error_at(ev, f->pos, "%s %s", ev->what, msg);
		free(msg);
		return sb_error_hint(ev->err, "write an octal mode such as 0755, or a symbolic one "
					      "such as u+x,go=rX");
	}
	fl->chmod = 1;
	return 0;
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
		if (!strcmp(f->name, "chown") || !strcmp(f->name, "chmod")) {
			/* BuildKit expands both; an empty --chmod means none. */
			struct df_flag x = *f;
			char *v = NULL;
			int rc;

			if (expand_word(ev, f->value, f->pos, &v) < 0)
				return -1;
			x.value = v;
			if (!strcmp(f->name, "chown")) {
				rc = resolve_chown(ev, &x, fl);
			} else if (!v[0]) {
				rc = 0;
			} else {
				fl_chmod_release(&fl->mode);
				rc = chmod_flag(ev, &x, fl);
			}
			free(v);
			if (rc < 0)
				return -1;
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
		} else if (!strcmp(f->name, "from") && in->kind == DF_COPY) {
			fl->from = f->value;
			fl->from_pos = f->pos;
		} else {
			error_at(ev, f->pos, "Unknown flag: %s", f->name);
			return sb_error_hint(
			    ev->err, "%s takes --chown, --chmod, --link, --exclude and --parents",
			    name);
		}
	}
	return 0;
}

static int stage_fs(struct eval *ev, size_t i, const struct img_tree **out);

/* COPY <<EOF dest: a file named after the heredoc, holding its body, with
 * the stage's variables expanded unless the delimiter was quoted (BuildKit
 * expands it with quotes and escapes kept as they are). */
static int copy_heredoc(struct copy *cp, const struct df_heredoc *hd, struct sb_pos pos,
			int dest_slash)
{
	struct eval *ev = cp->ev;
	const struct df_heredoc *body = df_heredoc_find(cp->in, hd->name);
	const struct img_entry *in_layer = img_tree_get(cp->layer, cp->dest);
	const struct img_entry *in_fs = img_tree_get(ev->st->fs, cp->dest);
	struct img_entry ie = {.type = IMG_REG, .mode = 0644, .mtime = IMG_MTIME_NOW};
	char *content = NULL, *target = NULL;
	size_t len = body ? body->len : 0;
	int rc = -1;

	if (body && body->expand) {
		static const struct shlex_opts raw = {.raw_quotes = 1, .raw_escapes = 1};

		if (shlex_word_opts(body->content, '\\', &raw, stage_lookup, ev, &content,
				    ev->err) < 0) {
			char *msg = sb_strdup(ev->err->msg ? ev->err->msg : "bad heredoc");

			if (msg)
				error_at(ev, pos, "%s <<%s: %s", ev->what, hd->name, msg);
			free(msg);
			return -1;
		}
		len = strlen(content);
	} else {
		content = malloc(len + 1);
		if (!content)
			return oom(ev);
		if (len)
			memcpy(content, body->content, len);
		content[len] = '\0';
	}
	cp->dest_dir =
	    dest_slash || (in_layer ? in_layer->type == IMG_DIR : in_fs && in_fs->type == IMG_DIR);
	cp->source = hd->name;
	if (place(cp, "", 0, &target) < 0)
		goto out;
	ie.path = target;
	ie.size = len;
	ie.data = content;
	ie.uid = cp->fl.uid;
	ie.gid = cp->fl.gid;
	if (cp->fl.chmod)
		ie.mode = fl_chmod_apply(&cp->fl.mode, ie.mode, 0);
	cp->payload += len;
	rc = img_tree_put(cp->layer, &ie, ev->err);
out:
	free(content);
	free(target);
	return rc;
}

/* COPY --from=stage: a stage name (any case) or index. */
static int from_stage(struct eval *ev, struct copy *cp)
{
	const char *v = cp->fl.from;
	uint32_t idx;
	long i = fl_parse_id(v, strlen(v), &idx) ? (idx < ev->nstages ? (long)idx : -1)
					      : find_stage(ev, v, ev->nstages);

	if (i < 0) {
		error_at(ev, cp->fl.from_pos,
			 "COPY --from=%s: there is no stage of that name or number, and "
			 "scratchbuild cannot pull an image",
			 v);
		return sb_error_hint(ev->err, "name an earlier stage: FROM scratch AS %s", v);
	}
	if (stage_fs(ev, (size_t)i, &cp->from_fs) < 0) {
		char *msg = sb_strdup(ev->err->msg ? ev->err->msg : "failed");

		if (msg && !ev->err->line)
			error_at(ev, cp->fl.from_pos, "COPY --from=%s: %s", v, msg);
		free(msg);
		return -1;
	}
	return 0;
}

/* COPY --from: one source, looked up in the stage's file system. */
static int copy_from_stage(struct copy *cp, const char *src, struct sb_pos pos, int dest_slash)
{
	struct eval *ev = cp->ev;
	char *abs = sb_printf("/%s", src), *clean = abs ? clean_abs(abs) : NULL;
	struct glob g = {.t = cp->from_fs, .err = ev->err};
	int rc = -1;

	if (!clean)
		goto nomem;
	if (match_has_wildcards(clean)) {
		if (glob_dir(&g, "", clean) < 0)
			goto located;
	} else {
		char *real = NULL;

		if (resolve_links(cp->from_fs, NULL, clean, 1, &real, ev->err) < 0)
			goto located;
		if (img_tree_get(cp->from_fs, real) || !real[0]) {
			g.out = calloc(2, sizeof(char *));
			if (!g.out) {
				free(real);
				goto nomem;
			}
			g.out[0] = real;
			g.n = 1;
		} else {
			free(real);
		}
	}
	if (g.n == 0) {
		if (match_has_wildcards(clean)) {
			rc =
			    warn_at(ev, pos, NULL,
				    "COPY --from: \"%s\" matches nothing in stage %s; like Docker, "
				    "nothing is copied for it",
				    src, cp->fl.from);
			goto out;
		}
		error_at(ev, pos, "COPY --from=%s: \"/%s\" not found in that stage", cp->fl.from,
			 clean);
		sb_error_hint(ev->err, "check the path the earlier stage put it at");
		goto out;
	}
	for (size_t k = 0; k < g.n; k++) {
		const struct img_entry *in_layer = img_tree_get(cp->layer, cp->dest);
		const struct img_entry *in_fs = img_tree_get(ev->st->fs, cp->dest);

		cp->dest_dir = dest_slash || (in_layer ? in_layer->type == IMG_DIR
						       : in_fs && in_fs->type == IMG_DIR);
		cp->source = g.out[k];
		cp->from_root = g.out[k];
		if (img_tree_walk(cp->from_fs, g.out[k], from_visit, cp, ev->err) < 0)
			goto located;
	}
	rc = 0;
	goto out;
located:
	if (ev->err->line == 0) {
		char *prefix = sb_printf("COPY --from=%s", cp->fl.from);

		if (!prefix) {
			oom(ev);
			goto out;
		}
		error_moved_to(ev, pos, prefix);
		free(prefix);
	}
	goto out;
nomem:
	oom(ev);
out:
	sb_strv_free(g.out);
	free(abs);
	free(clean);
	return rc;
}

/* Adds the layer cp built (taking it over) to the stage: the image's layers
 * and history, the stage's file system, and a step. */
static int push_layer(struct eval *ev, const struct df_instr *in, struct copy *cp,
		      const char *created_by)
{
	struct image *img = &ev->st->img;
	size_t cap = img->nlayers;

	if (img_tree_link_groups(cp->layer, ev->err) < 0 ||
	    img_tree_each(cp->layer, fs_merge, ev->st->fs, ev->err) < 0)
		return -1;
	if (sb_grow(&img->layers, &cap, img->nlayers + 1, sizeof(*img->layers)) < 0)
		return oom(ev);
	if (img_add_history(img, created_by, 0, ev->err) < 0)
		return -1;
	img->layers[img->nlayers++] = cp->layer;
	cp->layer = NULL;
	return add_step(ev, in, (long)img->nlayers - 1, cp->payload);
}

/* copy = "COPY" src... dest | "COPY" "[" src... "," dest "]" */
static int eval_copy(struct eval *ev, const struct df_instr *in)
{
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
	if (cp.fl.from && from_stage(ev, &cp) < 0)
		goto out;
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
	/* A relative destination is relative to WORKDIR. */
	{
		const char *wd = ev->st->img.config.workdir ? ev->st->img.config.workdir : "/";
		char *joined =
		    raw_dest[0] == '/' ? sb_strdup(raw_dest) : sb_printf("%s/%s", wd, raw_dest);

		dest = joined ? clean_abs(joined) : NULL;
		free(joined);
	}
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
		if (!in->json) {
			struct df_heredoc hd = {0};
			int is = df_heredoc_parse(in->args[i].text, &hd, ev->err);

			if (is < 0) {
				char *msg = sb_strdup(ev->err->msg ? ev->err->msg : "bad heredoc");

				if (msg)
					error_at(ev, in->args[i].pos, "%s: %s", ev->what, msg);
				free(msg);
				goto out;
			}
			if (is > 0) {
				is = copy_heredoc(&cp, &hd, in->args[i].pos, dest_slash);
				free(hd.name);
				if (is < 0)
					goto out;
				continue;
			}
		}
		if (cp.from_fs) {
			if (copy_from_stage(&cp, args[i], in->args[i].pos, dest_slash) < 0)
				goto out;
			continue;
		}
		free(base);
		free(include);
		base = include = NULL;
		/* A bad pattern is an error in the Dockerfile: shown at its word. */
		if (cp.fl.parents && ctx_parents_split(args[i], &base, &include,
						       &wopts.require_match, ev->err) < 0) {
			error_moved_to(ev, in->args[i].pos, ev->what);
			goto out;
		}
		wopts.include = include;
		if (ctx_match(ev->ctx, base ? base : args[i], &matches, &n, ev->err) < 0) {
			error_moved_to(ev, in->args[i].pos, ev->what);
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
			const struct img_entry *in_fs = img_tree_get(ev->st->fs, dest);

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
				if (ev->err->line == 0 && ev->err->msg)
					error_moved_to(ev, in->args[i].pos, ev->what);
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
	if (sb_buf_adds(&created_by, df_kind_name(in->kind)) < 0)
		goto nomem;
	for (size_t i = 0; i < nargs; i++)
		if (sb_buf_addf(&created_by, " %s", args[i]) < 0)
			goto nomem;
	if (sb_buf_adds(&created_by, " # buildkit") < 0)
		goto nomem;
	if (push_layer(ev, in, &cp, created_by.buf) < 0)
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
	fl_chmod_release(&cp.fl.mode);
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
	struct img_config *c = &ev->st->img.config;
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
	if (img_add_history(&ev->st->img, by.buf, 1, ev->err) < 0 || add_step(ev, in, -1, 0) < 0)
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

/* ---- metadata instructions ------------------------------------------------------ */

/* Records a history entry of an instruction that makes no layer, and its step. */
static int meta_done(struct eval *ev, const struct df_instr *in, const char *created_by)
{
	if (img_add_history(&ev->st->img, created_by, 1, ev->err) < 0)
		return -1;
	return add_step(ev, in, -1, 0);
}

static char **strv_dup(char *const *v)
{
	size_t n = 0;
	char **r;

	while (v && v[n])
		n++;
	r = calloc(n + 1, sizeof(*r));
	for (size_t i = 0; r && i < n; i++) {
		if (!(r[i] = sb_strdup(v[i]))) {
			sb_strv_free(r);
			return NULL;
		}
	}
	return r;
}

/* Sets key=value in a "K=V" list, in place when the key is there. */
static int env_set(char ***env, const char *key, const char *value)
{
	size_t n = 0, klen = strlen(key), cap;
	char *kv = sb_printf("%s=%s", key, value);

	if (!kv)
		return -1;
	for (; *env && (*env)[n]; n++) {
		if (!strncmp((*env)[n], key, klen) && (*env)[n][klen] == '=') {
			free((*env)[n]);
			(*env)[n] = kv;
			return 0;
		}
	}
	cap = n + 1;
	if (sb_grow(env, &cap, n + 2, sizeof(**env)) < 0) {
		free(kv);
		return -1;
	}
	(*env)[n] = kv;
	(*env)[n + 1] = NULL;
	return 0;
}

/* Sets key to value in a sorted key, value, key, value... list. */
static int label_set(char ***labels, const char *key, const char *value)
{
	size_t n = 0, at, cap;
	char *k = sb_strdup(key), *v = sb_strdup(value);

	if (!k || !v)
		goto fail;
	while (*labels && (*labels)[n])
		n++;
	for (at = 0; at < n; at += 2) {
		int c = strcmp((*labels)[at], key);

		if (c == 0) {
			free(k);
			free((*labels)[at + 1]);
			(*labels)[at + 1] = v;
			return 0;
		}
		if (c > 0)
			break;
	}
	cap = n + 1;
	if (sb_grow(labels, &cap, n + 3, sizeof(**labels)) < 0)
		goto fail;
	(*labels)[n] = NULL; /* a list that was empty had no terminator yet */
	memmove(*labels + at + 2, *labels + at, (n - at + 1) * sizeof(**labels));
	(*labels)[at] = k;
	(*labels)[at + 1] = v;
	return 0;
fail:
	free(k);
	free(v);
	return -1;
}

/* One name=value of ENV, LABEL or ARG, processed. */
struct pair {
	char *key, *value; /* value NULL: ARG without a default */
};

static void pairs_free(struct pair *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].key);
		free(p[i].value);
	}
	free(p);
}

/* pairs = name "=" value (name "=" value)* | name value-to-end-of-line
 * (BuildKit's parseNameVal; ARG takes name["=" default] words). Names and
 * values are processed with the variables as they were before the
 * instruction. */
static int parse_pairs(struct eval *ev, const struct df_instr *in, int arg, struct pair **out,
		       size_t *n)
{
	struct pair *p = calloc(in->nargs + 1, sizeof(*p));
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!p)
		return oom(ev);
	if (in->nargs == 0) {
		error_at(ev, in->pos, "%s requires at least one argument", ev->what);
		sb_error_hint(ev->err, "write %s name=value", ev->what);
		goto fail;
	}
	if (!arg && !strchr(in->args[0].text, '=')) {
		/* The old form: ENV name the rest of the line. */
		const char *rest = in->rest + strlen(in->args[0].text);

		while (*rest == ' ' || *rest == '\t')
			rest++;
		if (in->nargs < 2) {
			error_at(ev, in->pos, "%s must have two arguments", ev->what);
			sb_error_hint(ev->err, "write %s name=value", ev->what);
			goto fail;
		}
		if (expand_word(ev, in->args[0].text, in->args[0].pos, &p[0].key) < 0 ||
		    expand_word(ev, rest, in->args[1].pos, &p[0].value) < 0)
			goto fail;
		*out = p;
		*n = 1;
		return 0;
	}
	for (k = 0; k < in->nargs; k++) {
		const char *w = in->args[k].text, *eq = strchr(w, '=');
		char *name = sb_strndup(w, eq ? (size_t)(eq - w) : strlen(w));
		int bad = !name || !eq;

		if (!name)
			goto nomem;
		if (!eq && arg) {
			bad = 0;
		} else if (bad) {
			error_at(ev, in->args[k].pos,
				 "Syntax error - can't find = in \"%s\". Must be of the form: "
				 "name=value",
				 w);
			free(name);
			goto fail;
		}
		if (!name[0]) {
			error_at(ev, in->args[k].pos, "%s names can not be blank", ev->what);
			free(name);
			goto fail;
		}
		if (arg) {
			p[k].key = name;
		} else {
			int rc = expand_word(ev, name, in->args[k].pos, &p[k].key);

			free(name);
			if (rc < 0)
				goto fail;
		}
		if (eq && expand_word(ev, eq + 1, in->args[k].pos, &p[k].value) < 0)
			goto fail;
	}
	*out = p;
	*n = k;
	return 0;
nomem:
	oom(ev);
fail:
	pairs_free(p, in->nargs + 1);
	return -1;
}

/* arg = "ARG" name ["=" default] ... */
static int eval_arg(struct eval *ev, const struct df_instr *in)
{
	struct pair *p = NULL;
	struct sb_buf by = {0};
	size_t n;
	int rc = -1;

	if (parse_pairs(ev, in, 1, &p, &n) < 0)
		return -1;
	if (sb_buf_adds(&by, "ARG") < 0)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		int given;
		const char *v = build_arg(ev, p[i].key, &given);

		if (!given)
			v = p[i].value ? p[i].value : meta_lookup(ev, p[i].key);
		if (!given && !p[i].value && !v)
			v = platform_arg(ev, p[i].key);
		/* An ARG without a value leaves an ENV of the same name alone. */
		if (ev->st ? v && declare(ev, &ev->st->vars, &ev->st->nvars, p[i].key, v)
			   : declare(ev, &ev->meta, &ev->nmeta, p[i].key, v))
			goto out;
		/* History shows the ARG as written, never the value it got. */
		if (p[i].value ? sb_buf_addf(&by, " %s=%s", p[i].key, p[i].value)
			       : sb_buf_addf(&by, " %s", p[i].key))
			goto nomem;
	}
	rc = ev->st ? meta_done(ev, in, by.buf) : 0;
	goto out;
nomem:
	oom(ev);
out:
	sb_buf_release(&by);
	pairs_free(p, n);
	return rc;
}

/* env = "ENV" name "=" value ... | "ENV" name value
 * label = "LABEL" name "=" value ... | "LABEL" name value */
static int eval_env_label(struct eval *ev, const struct df_instr *in)
{
	struct img_config *c = &ev->st->img.config;
	struct pair *p = NULL;
	struct sb_buf by = {0};
	size_t n;
	int rc = -1, env = in->kind == DF_ENV;

	if (parse_pairs(ev, in, 0, &p, &n) < 0)
		return -1;
	if (sb_buf_adds(&by, ev->what) < 0)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		if (env ? env_set(&c->env, p[i].key, p[i].value)
			: label_set(&c->labels, p[i].key, p[i].value))
			goto nomem;
		if (env && declare(ev, &ev->st->vars, &ev->st->nvars, p[i].key, p[i].value) < 0)
			goto out;
		if (sb_buf_addf(&by, " %s=%s", p[i].key, p[i].value) < 0)
			goto nomem;
	}
	rc = meta_done(ev, in, by.buf);
	goto out;
nomem:
	oom(ev);
out:
	sb_buf_release(&by);
	pairs_free(p, n);
	return rc;
}

/* The single argument of WORKDIR, USER, STOPSIGNAL: the rest of the line. */
static int one_word(struct eval *ev, const struct df_instr *in, char **out)
{
	if (!in->rest || !in->rest[0]) {
		error_at(ev, in->pos, "%s requires exactly one argument", ev->what);
		return sb_error_hint(ev->err, "write %s value", ev->what);
	}
	return expand_word(ev, in->rest, in->rest_pos, out);
}

/* Replaces the config string *field with v (taken over) and records the
 * history entry "<INSTRUCTION> <v>". */
static int set_string(struct eval *ev, const struct df_instr *in, char **field, char *v)
{
	char *by = sb_printf("%s %s", ev->what, v);
	int rc;

	if (!by) {
		free(v);
		return oom(ev);
	}
	free(*field);
	*field = v;
	rc = meta_done(ev, in, by);
	free(by);
	return rc;
}

/* user = "USER" user[":" group] */
static int eval_user(struct eval *ev, const struct df_instr *in)
{
	char *v = NULL;

	if (one_word(ev, in, &v) < 0)
		return -1;
	return set_string(ev, in, &ev->st->img.config.user, v);
}

static int valid_signal(const char *s)
{
	static const char *const names[] = {
	    "ABRT", "ALRM",   "BUS",  "CHLD",	"CLD",	 "CONT", "FPE",	 "HUP",	   "ILL",
	    "INT",  "IO",     "IOT",  "KILL",	"PIPE",	 "POLL", "PROF", "PWR",	   "QUIT",
	    "SEGV", "STKFLT", "STOP", "SYS",	"TERM",	 "TRAP", "TSTP", "TTIN",   "TTOU",
	    "URG",  "USR1",   "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ", "UNUSED",
	};
	uint32_t n;

	if (fl_parse_id(s, strlen(s), &n))
		return n > 0 && n < 65;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	if (!strncasecmp(s, "RTMIN", 5) || !strncasecmp(s, "RTMAX", 5))
		return 1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(s, names[i]))
			return 1;
	return 0;
}

/* stopsignal = "STOPSIGNAL" signal */
static int eval_stopsignal(struct eval *ev, const struct df_instr *in)
{
	char *v = NULL;

	if (one_word(ev, in, &v) < 0)
		return -1;
	if (!valid_signal(v)) {
		error_at(ev, in->rest_pos, "STOPSIGNAL: Invalid signal: %s", v);
		free(v);
		return sb_error_hint(ev->err, "write a signal name such as SIGTERM, or its number");
	}
	return set_string(ev, in, &ev->st->img.config.stop_signal, v);
}

/* maintainer = "MAINTAINER" text (deprecated: a label is the way now) */
static int eval_maintainer(struct eval *ev, const struct df_instr *in)
{
	char *v = sb_strdup(in->rest ? in->rest : "");

	if (!v)
		return oom(ev);
	if (set_string(ev, in, &ev->st->img.config.author, v) < 0)
		return -1;
	return warn_at(ev, in->pos,
		       "write LABEL org.opencontainers.image.authors=\"name <mail>\" instead",
		       "MaintainerDeprecated: the MAINTAINER instruction is deprecated");
}

/* The argument list of CMD, ENTRYPOINT and HEALTHCHECK: exec form as
 * written, shell form through the stage's SHELL (default /bin/sh -c). *out
 * is yours. */
static int command_line(struct eval *ev, const struct df_instr *in, size_t skip, const char *rest,
			char ***out)
{
	char **v;
	const struct img_config *c = &ev->st->img.config;

	if (in->json) {
		v = calloc(in->nargs + 1, sizeof(*v));
		for (size_t i = skip; v && i < in->nargs; i++)
			if (!(v[i - skip] = sb_strdup(in->args[i].text))) {
				sb_strv_free(v);
				v = NULL;
			}
	} else {
		static char *const sh[] = {"/bin/sh", "-c", NULL};
		char *const *shell = c->shell && c->shell[0] ? c->shell : sh;
		size_t n = 0;

		while (shell[n])
			n++;
		v = calloc(n + 2, sizeof(*v));
		for (size_t i = 0; v && i < n; i++)
			if (!(v[i] = sb_strdup(shell[i]))) {
				sb_strv_free(v);
				v = NULL;
			}
		if (v && !(v[n] = sb_strdup(rest ? rest : ""))) {
			sb_strv_free(v);
			v = NULL;
		}
	}
	if (!v)
		return oom(ev);
	*out = v;
	return 0;
}

/* Replaces the config list *field with v (taken over) and records the history
 * entry "<INSTRUCTION> <v>", v printed as Go's %q (quoted) or %v prints it. */
static int set_list(struct eval *ev, const struct df_instr *in, char ***field, char **v, int quoted)
{
	struct sb_buf by = {0};
	int rc;

	if (sb_buf_addf(&by, "%s ", ev->what) < 0 ||
	    (quoted ? go_quote_list(&by, v) : go_list(&by, v)) < 0) {
		sb_buf_release(&by);
		sb_strv_free(v);
		return oom(ev);
	}
	sb_strv_free(*field);
	*field = v;
	rc = meta_done(ev, in, by.buf);
	sb_buf_release(&by);
	return rc;
}

/* cmd = "CMD" json-array | "CMD" shell-command */
static int eval_cmd(struct eval *ev, const struct df_instr *in)
{
	struct img_config *c = &ev->st->img.config;
	char **v = NULL;

	if (command_line(ev, in, 0, in->rest, &v) < 0)
		return -1;
	if (!in->json && in->rest && in->rest[0] &&
	    warn_at(ev, in->pos,
		    "write CMD [\"--port\", \"8080\"]: exec form needs no shell in the image",
		    "JSONArgsRecommended: CMD in shell form runs %s, which a scratch image does "
		    "not have unless you put it there",
		    v[0]) < 0) {
		sb_strv_free(v);
		return -1;
	}
	c->args_escaped = 1;
	ev->st->cmd_set = 1;
	return set_list(ev, in, &c->cmd, v, 1);
}

/* volume = "VOLUME" json-array | "VOLUME" path... */
static int eval_volume(struct eval *ev, const struct df_instr *in)
{
	struct img_config *c = &ev->st->img.config;
	struct sb_buf by = {0};
	char **v = NULL;
	int rc = -1;

	if (in->nargs == 0) {
		error_at(ev, in->pos, "VOLUME requires at least one argument");
		return sb_error_hint(ev->err, "write VOLUME /data");
	}
	if (expand_args(ev, in, &v) < 0)
		return -1;
	for (size_t i = 0; v[i]; i++) {
		char *copy;

		if (!v[i][0]) {
			error_at(ev, in->args[i].pos,
				 "VOLUME specified can not be an empty string");
			goto out;
		}
		copy = sb_strdup(v[i]);
		if (!copy || set_add(&c->volumes, copy) < 0) {
			oom(ev);
			goto out;
		}
	}
	if (sb_buf_adds(&by, "VOLUME ") < 0 || go_list(&by, v) < 0) {
		oom(ev);
		goto out;
	}
	rc = meta_done(ev, in, by.buf);
out:
	sb_buf_release(&by);
	sb_strv_free(v);
	return rc;
}

/* shell = "SHELL" json-array */
static int eval_shell(struct eval *ev, const struct df_instr *in)
{
	char **v = NULL;

	if (!in->json || in->nargs == 0) {
		error_at(ev, in->pos, "SHELL requires the arguments to be in JSON form");
		return sb_error_hint(ev->err, "write SHELL [\"/bin/ash\", \"-c\"]");
	}
	if (command_line(ev, in, 0, NULL, &v) < 0)
		return -1;
	return set_list(ev, in, &ev->st->img.config.shell, v, 0);
}

/* healthcheck = "HEALTHCHECK" "NONE"
 *             | "HEALTHCHECK" [--interval=d] [--timeout=d] [--start-period=d]
 *               [--retries=n] "CMD" (json-array | shell-command) */
static int eval_healthcheck(struct eval *ev, const struct df_instr *in)
{
	struct img_health *h = calloc(1, sizeof(*h));
	struct sb_buf by = {0};
	const char *type = in->nargs ? in->args[0].text : "";
	int rc = -1;

	if (!h)
		return oom(ev);
	if (!strcasecmp(type, "NONE")) {
		if (in->nflags || in->nargs > 1) {
			error_at(ev, in->pos, "HEALTHCHECK NONE takes no other arguments");
			goto out;
		}
		h->test = calloc(2, sizeof(char *));
		if (!h->test || !(h->test[0] = sb_strdup("NONE")))
			goto nomem;
	} else if (!strcasecmp(type, "CMD")) {
		const char *rest = in->rest + strlen(in->args[0].text);

		while (*rest == ' ' || *rest == '\t')
			rest++;
		for (size_t i = 0; i < in->nflags; i++) {
			const struct df_flag *f = &in->flags[i];
			int64_t *d = !strcmp(f->name, "interval")	? &h->interval
				     : !strcmp(f->name, "timeout")	? &h->timeout
				     : !strcmp(f->name, "start-period") ? &h->start_period
									: NULL;

			if (!f->value) {
				error_at(ev, f->pos, "Missing a value on flag: %s", f->name);
				goto out;
			}
			if (d) {
				if (go_parse_duration(f->value, d) < 0 || *d < 0) {
					error_at(ev, f->pos,
						 "HEALTHCHECK --%s=%s is not a duration", f->name,
						 f->value);
					sb_error_hint(ev->err,
						      "write a duration such as 30s, 1m30s or "
						      "500ms");
					goto out;
				}
				if (*d != 0 && *d < 1000000) {
					error_at(ev, f->pos,
						 "HEALTHCHECK --%s cannot be less than 1ms",
						 f->name);
					goto out;
				}
			} else if (!strcmp(f->name, "retries")) {
				int64_t r;

				if (!fl_parse_int32(f->value, strlen(f->value), &r) || r < 0) {
					error_at(ev, f->pos,
						 "HEALTHCHECK --retries=%s is not a count",
						 f->value);
					goto out;
				}
				h->retries = (int)r;
			} else {
				error_at(ev, f->pos, "Unknown flag: %s", f->name);
				sb_error_hint(ev->err, "HEALTHCHECK takes --interval, --timeout, "
						       "--start-period and --retries");
				goto out;
			}
		}
		if (in->json && in->nargs < 2) {
			error_at(ev, in->pos, "HEALTHCHECK CMD needs a command");
			goto out;
		}
		if (in->json) {
			char **cmd = NULL;

			if (command_line(ev, in, 0, NULL, &cmd) < 0)
				goto out;
			h->test = cmd;
		} else {
			if (!*rest) {
				error_at(ev, in->pos, "HEALTHCHECK CMD needs a command");
				goto out;
			}
			h->test = calloc(3, sizeof(char *));
			if (!h->test || !(h->test[0] = sb_strdup("CMD-SHELL")) ||
			    !(h->test[1] = sb_strdup(rest)))
				goto nomem;
		}
	} else {
		error_at(ev, in->nargs ? in->args[0].pos : in->pos,
			 "HEALTHCHECK takes CMD or NONE, not \"%s\"", type);
		sb_error_hint(ev->err,
			      "write HEALTHCHECK CMD [\"/healthcheck\"] or HEALTHCHECK NONE");
		goto out;
	}
	/* BuildKit prints the Go struct with %q: each field quoted. */
	if (sb_buf_adds(&by, "HEALTHCHECK &{") < 0 || go_quote_list(&by, h->test) < 0 ||
	    sb_buf_adds(&by, " \"") < 0 || go_format_duration(&by, h->interval) < 0 ||
	    sb_buf_adds(&by, "\" \"") < 0 || go_format_duration(&by, h->timeout) < 0 ||
	    sb_buf_adds(&by, "\" \"") < 0 || go_format_duration(&by, h->start_period) < 0 ||
	    sb_buf_adds(&by, "\" ") < 0 || go_quote_rune(&by, (uint32_t)h->retries) < 0 ||
	    sb_buf_addc(&by, '}') < 0)
		goto nomem;
	if (ev->st->img.config.health)
		sb_strv_free(ev->st->img.config.health->test);
	free(ev->st->img.config.health);
	ev->st->img.config.health = h;
	h = NULL;
	rc = meta_done(ev, in, by.buf);
	goto out;
nomem:
	oom(ev);
out:
	sb_buf_release(&by);
	if (h)
		sb_strv_free(h->test);
	free(h);
	return rc;
}

/* onbuild = "ONBUILD" instruction: stored in the config, run by a later
 * build FROM this image. No history entry. */
static int eval_onbuild(struct eval *ev, const struct df_instr *in)
{
	struct img_config *c = &ev->st->img.config;
	const char *r = in->rest ? in->rest : "";
	size_t n = 0, cap;
	char *copy;

	if (!*r) {
		error_at(ev, in->pos, "ONBUILD requires at least one argument");
		return -1;
	}
	if (!strncasecmp(r, "ONBUILD", 7) || !strncasecmp(r, "FROM", 4) ||
	    !strncasecmp(r, "MAINTAINER", 10)) {
		size_t w = strcspn(r, " \t");

		error_at(ev, in->rest_pos, "%.*s isn't allowed as an ONBUILD trigger", (int)w, r);
		return -1;
	}
	while (c->onbuild && c->onbuild[n])
		n++;
	cap = n + 1;
	copy = sb_strdup(r);
	if (!copy || sb_grow(&c->onbuild, &cap, n + 2, sizeof(*c->onbuild)) < 0) {
		free(copy);
		return oom(ev);
	}
	c->onbuild[n] = copy;
	c->onbuild[n + 1] = NULL;
	return add_step(ev, in, -1, 0);
}

static int dir_exists(const struct img_tree *t, const char *path)
{
	const struct img_entry *e = img_tree_get(t, path);

	return e && e->type == IMG_DIR;
}

/* workdir = "WORKDIR" path: the working directory, and a layer that holds
 * its directories, as BuildKit makes one. */
static int eval_workdir(struct eval *ev, const struct df_instr *in)
{
	struct img_config *c = &ev->st->img.config;
	char *v = NULL, *abs = NULL, *clean = NULL, *by = NULL;
	struct copy cp = {.ev = ev, .in = in};
	int rc = -1;

	if (one_word(ev, in, &v) < 0)
		return -1;
	abs = v[0] == '/' ? sb_strdup(v) : sb_printf("%s/%s", c->workdir ? c->workdir : "/", v);
	clean = abs ? clean_abs(abs) : NULL;
	cp.layer = img_tree_new();
	if (!clean || !cp.layer)
		goto nomem;
	by = sb_printf("WORKDIR /%s", clean);
	free(c->workdir);
	c->workdir = sb_printf("/%s", clean);
	if (!by || !c->workdir)
		goto nomem;
	if (!clean[0]) {
		/* WORKDIR / creates nothing: no layer at all. */
		rc = meta_done(ev, in, by);
		goto out;
	}
	/* The directories it creates belong to USER; when they all exist the
	 * layer is empty, as with BuildKit. */
	if (!dir_exists(ev->st->fs, clean)) {
		if (c->user && c->user[0]) {
			struct df_flag f = {.name = "chown", .value = c->user, .pos = in->pos};

			if (resolve_chown(ev, &f, &cp.fl) < 0)
				goto out;
		}
		if (mkdir_p(&cp, clean) < 0)
			goto out;
	}
	if (push_layer(ev, in, &cp, by) < 0)
		goto out;
	rc = 0;
	goto out;
nomem:
	oom(ev);
out:
	img_tree_free(cp.layer);
	free(v);
	free(abs);
	free(clean);
	free(by);
	return rc;
}

/* entrypoint = "ENTRYPOINT" json-array | "ENTRYPOINT" shell-command
 * It clears a CMD inherited from a base stage, and keeps one given in this
 * stage, as BuildKit does. */
static int eval_entrypoint(struct eval *ev, const struct df_instr *in)
{
	struct img_config *c = &ev->st->img.config;
	char **v = NULL;

	if (command_line(ev, in, 0, in->rest, &v) < 0)
		return -1;
	if (!in->json &&
	    warn_at(ev, in->pos,
		    "write ENTRYPOINT [\"/server/serve\", \"--flag\"]: exec form gets signals and "
		    "needs no shell in the image",
		    "JSONArgsRecommended: ENTRYPOINT in shell form runs %s, which a scratch "
		    "image does not have unless you put it there",
		    v[0]) < 0) {
		sb_strv_free(v);
		return -1;
	}
	if (!ev->st->cmd_set) {
		sb_strv_free(c->cmd);
		c->cmd = NULL;
	}
	return set_list(ev, in, &c->entrypoint, v, 1);
}

static int eval_instr(struct eval *ev, const struct df_instr *in)
{
	ev->what = df_kind_name(in->kind);
	switch (in->kind) {
	case DF_COPY:
	case DF_ADD:
		return eval_copy(ev, in);
	case DF_EXPOSE:
		return eval_expose(ev, in);
	case DF_ENTRYPOINT:
		return eval_entrypoint(ev, in);
	case DF_CMD:
		return eval_cmd(ev, in);
	case DF_ARG:
		return eval_arg(ev, in);
	case DF_ENV:
	case DF_LABEL:
		return eval_env_label(ev, in);
	case DF_WORKDIR:
		return eval_workdir(ev, in);
	case DF_USER:
		return eval_user(ev, in);
	case DF_VOLUME:
		return eval_volume(ev, in);
	case DF_STOPSIGNAL:
		return eval_stopsignal(ev, in);
	case DF_HEALTHCHECK:
		return eval_healthcheck(ev, in);
	case DF_SHELL:
		return eval_shell(ev, in);
	case DF_ONBUILD:
		return eval_onbuild(ev, in);
	case DF_MAINTAINER:
		return eval_maintainer(ev, in);
	default:
		return refuse(ev, in);
	}
}

/* FROM a stage that has ONBUILD triggers runs them, as BuildKit does; the
 * new stage starts with none. Each trigger is read as a one-line Dockerfile. */
static int run_onbuild(struct eval *ev)
{
	char **triggers = ev->st->img.config.onbuild;
	const struct df_file *saved = ev->f;
	int rc = 0;

	ev->st->img.config.onbuild = NULL;
	for (size_t i = 0; triggers && triggers[i] && rc == 0; i++) {
		struct df_file trig = {0};
		char *text = sb_printf("%s\n", triggers[i]);
		char *name = sb_strdup("ONBUILD trigger");

		if (!text || !name) {
			free(text);
			free(name);
			rc = oom(ev);
			break;
		}
		rc = df_parse(&trig, name, text, strlen(text), ev->err);
		ev->f = &trig;
		for (size_t k = 0; rc == 0 && k < trig.ninstrs; k++)
			rc = eval_instr(ev, &trig.instrs[k]);
		ev->f = saved;
		df_file_release(&trig);
	}
	sb_strv_free(triggers);
	return rc;
}

/* A fresh stage: FROM scratch, as BuildKit starts one. */
static int state_init(struct state *st, const struct ev_eval_opts *opts, struct sb_error *err)
{
	struct image *img = &st->img;

	memset(st, 0, sizeof(*st));
	img_init(img);
	st->fs = img_tree_new();
	img->config.env = calloc(2, sizeof(char *));
	img->architecture =
	    sb_strdup(opts->architecture ? opts->architecture : ev_host_architecture());
	img->os = sb_strdup("linux");
	img->config.workdir = sb_strdup("/");
	img->tags = strv_dup(opts->tags);
	if (!st->fs || !img->config.env || !img->architecture || !img->os || !img->config.workdir ||
	    !img->tags || !(img->config.env[0] = sb_strdup(DEFAULT_PATH)))
		return sb_errorf(err, "out of memory");
	img->epoch = opts->epoch;
	st->vars = calloc(1, sizeof(*st->vars));
	if (!st->vars || !(st->vars[0].name = sb_strdup("PATH")) ||
	    !(st->vars[0].value = sb_strdup(&DEFAULT_PATH[5]))) /* after "PATH=" */
		return sb_errorf(err, "out of memory");
	st->nvars = 1;
	return 0;
}

static void vars_free(struct var *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

static void state_release(struct state *st)
{
	img_release(&st->img);
	img_tree_free(st->fs);
	for (size_t i = 0; i < st->nsteps; i++)
		free(st->steps[i].text);
	free(st->steps);
	vars_free(st->vars, st->nvars);
	memset(st, 0, sizeof(*st));
}

/* The file system of stage i, as COPY --from reads it (evaluated once). */
static int stage_fs(struct eval *ev, size_t i, const struct img_tree **out)
{
	struct stage_info *si = &ev->stages[i];
	struct state st, *saved = ev->st;
	const char *what = ev->what;
	int rc;

	if (si->fs) {
		*out = si->fs;
		return 0;
	}
	if (state_init(&st, ev->opts, ev->err) < 0) {
		state_release(&st);
		return -1;
	}
	ev->st = &st;
	rc = eval_stage(ev, i);
	ev->st = saved;
	ev->what = what;
	if (rc == 0) {
		si->fs = st.fs;
		st.fs = NULL;
		*out = si->fs;
	}
	state_release(&st);
	return rc;
}

/* Splits the Dockerfile into stages; evaluates the ARGs before the first FROM. */
static int split_stages(struct eval *ev)
{
	const struct df_file *f = ev->f;
	size_t cap = 0;

	for (size_t i = 0; i < f->ninstrs; i++) {
		const struct df_instr *in = &f->instrs[i];

		ev->what = df_kind_name(in->kind);
		if (in->kind == DF_FROM) {
			struct stage_info si = {.from = i, .end = f->ninstrs};

			if (ev->nstages)
				ev->stages[ev->nstages - 1].end = i;
			if (in->nargs == 3) {
				const char *n = in->args[2].text;

				if (!((n[0] >= 'a' && n[0] <= 'z') ||
				      (n[0] >= 'A' && n[0] <= 'Z')) ||
				    strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					      "0123456789-_.") != strlen(n)) {
					error_at(ev, in->args[2].pos,
						 "invalid name for build stage: \"%s\", name can't "
						 "start with a number or contain symbols",
						 n);
					return -1;
				}
				if (find_stage(ev, n, ev->nstages) >= 0) {
					error_at(ev, in->args[2].pos, "duplicate stage name \"%s\"",
						 n);
					return -1;
				}
				si.name = sb_strdup(n);
				if (!si.name)
					return oom(ev);
				for (char *p = si.name; *p; p++)
					if (*p >= 'A' && *p <= 'Z')
						*p = (char)(*p + 32);
			}
			if (sb_grow(&ev->stages, &cap, ev->nstages + 1, sizeof(*ev->stages)) < 0) {
				free(si.name);
				return oom(ev);
			}
			ev->stages[ev->nstages++] = si;
		} else if (ev->nstages == 0) {
			if (in->kind == DF_ARG) {
				if (eval_arg(ev, in) < 0)
					return -1;
			} else if (in->kind == DF_UNKNOWN) {
				return refuse(ev, in);
			} else {
				error_at(ev, in->pos, "%s comes before any FROM",
					 df_kind_name(in->kind));
				return sb_error_hint(ev->err,
						     "only ARG may come before the first FROM; "
						     "a Dockerfile starts with FROM scratch");
			}
		}
	}
	if (ev->nstages == 0) {
		sb_error_file(ev->err, f->src.name, "no FROM instruction: there is no build stage");
		return sb_error_hint(ev->err, "a Dockerfile starts with FROM scratch");
	}
	return 0;
}

int ev_eval(const struct df_file *f, struct ctx *c, const struct ev_eval_opts *opts,
	    struct ev_plan *out, struct sb_error *err)
{
	struct eval ev = {.f = f, .ctx = c, .opts = opts, .plan = out, .err = err};
	struct state st;
	size_t target;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	if (split_stages(&ev) < 0)
		goto out;
	target = ev.nstages - 1;
	if (opts->target) {
		long t = find_stage(&ev, opts->target, ev.nstages);

		if (t < 0) {
			sb_errorf(err, "target stage \"%s\" could not be found", opts->target);
			sb_error_hint(err, "--target names a stage: FROM scratch AS %s",
				      opts->target);
			goto out;
		}
		target = (size_t)t;
	}
	if (state_init(&st, opts, err) < 0)
		goto out;
	ev.st = &st;
	if (eval_stage(&ev, target) < 0)
		goto out;
	out->img = st.img;
	memset(&st.img, 0, sizeof(st.img));
	out->steps = st.steps;
	out->nsteps = st.nsteps;
	st.steps = NULL;
	st.nsteps = 0;
	rc = 0;
out:
	state_release(&st);
	vars_free(ev.meta, ev.nmeta);
	for (size_t i = 0; i < ev.nstages; i++) {
		free(ev.stages[i].name);
		img_tree_free(ev.stages[i].fs);
	}
	free(ev.stages);
	if (rc < 0)
		ev_plan_release(out);
	return rc;
}

void ev_plan_release(struct ev_plan *p)
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
