/* The evaluator's insides, shared by its files and by nothing else: the state
 * of a build (struct eval), the state of one COPY (struct copy), and the
 * functions one file of the evaluator offers the others.
 *
 *	eval.c        stages, ONBUILD, the dispatcher, diagnostics
 *	vars.c        ARG, build arguments, words expanded with variables
 *	copy.c        COPY and ADD sources into a layer; WORKDIR's layer
 *	copy_from.c   COPY --from: another stage's or a named context's files
 *	copy_flags.c  --chown, --chmod and the other flags of COPY and ADD
 *	add.c         ADD: tar archives unpacked
 *	config.c      the instructions that set the image's config
 *	from_image.c  FROM an image context, COPY --from one
 */
#ifndef SB_EVAL_INT_H
#define SB_EVAL_INT_H

#include "interp/eval.h"
#include "interp/perms.h"

#include <stdint.h>
#include <sys/types.h>

struct src_opener;

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
	size_t fs_layers;      /* img.layers[0, fs_layers) are in fs; the later ones
				  are merged in when fs is next read (ev_fs_sync) */
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
	long named;	     /* the named context (index into opts->contexts) that
				replaces it, never evaluated then; or -1 */
};

struct eval {
	const char *what; /* the instruction being evaluated, e.g. "COPY" */
	const struct df_file *f;
	struct ctx *ctx;
	struct src_opener *bytes; /* reads the content of the stage's files (--chown) */
	const struct ev_eval_opts *opts;
	struct ev_plan *plan; /* warnings go here */
	struct state *st;     /* the stage being evaluated */
	struct var *meta;     /* ARGs before the first FROM (they only reach FROM) */
	size_t nmeta;
	struct stage_info *stages;
	size_t nstages;
	struct sb_error *err;
	/* What TARGETPLATFORM and BUILDPLATFORM (and their parts) say: the
	 * target is the config's platform too. */
	struct img_platform target, build;
	struct img_tree **image_fs; /* per named context that is an image: its file
				       system for COPY --from, made once; owned */
};

/* What the flags of one COPY ask for. */
struct copy_flags {
	int chown; /* --chown given: uid/gid below */
	uint32_t uid, gid;
	int chmod; /* --chmod given */
	struct perm_chmod mode;
	const char **exclude; /* --exclude patterns (borrowed from the flags) */
	size_t nexclude;
	int parents;	  /* --parents */
	const char *from; /* --from (borrowed) */
	struct sb_pos from_pos;
};

struct link_id {
	dev_t dev;
	ino_t ino;
	uint64_t id;
};

/* One COPY, ADD or WORKDIR building its layer. */
struct copy {
	struct eval *ev;
	const struct df_instr *in;
	struct copy_flags fl;
	struct img_tree *layer;
	const char *dest;   /* cleaned destination without leading '/'; "" = root */
	int dest_slash;	    /* the destination is written as a directory ("x/", ".") */
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
	struct img_tree *scratch_fs;	/* COPY --from=scratch: the empty image; owned */
	uint64_t archive_groups;	/* hard-link groups made for archive members */
	const char *archive;		/* the archive being unpacked (its canonical path) */

	const struct ctx_named *from_named; /* COPY --from=NAME, FROM NAME: the named context
					       read instead of the build context */
	uint32_t from_origin;		    /* its img_entry origin (index + 1) */
};

/* ---- eval.c: diagnostics, steps, stages ---- */

int ev_oom(struct eval *ev);
int ev_error_at(struct eval *ev, struct sb_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Moves the error in err, recorded without a position (about a file of the
 * context, say), to pos in the Dockerfile: "PREFIXFILE: MESSAGE", where PREFIX
 * is fmt formatted and ends with its own separator (usually ": "); the hint is
 * kept. Returns -1. */
int ev_error_moved(struct eval *ev, struct sb_error *err, struct sb_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int ev_warn_at(struct eval *ev, struct sb_pos pos, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Refuses text, len bytes of a word at pos that reaches a file system, when it
 * holds a NUL byte: an error at pos ("COPY: \"/dir\\0\" contains a NUL
 * byte"), -1. Otherwise 0. */
int ev_refuse_nul(struct eval *ev, const char *text, size_t len, struct sb_pos pos);
/* Records the step of in: the layer it made (or -1) and its payload. */
int ev_add_step(struct eval *ev, const struct df_instr *in, long layer, uint64_t payload);
/* Records a history entry of an instruction that makes no layer, and its step. */
int ev_meta_done(struct eval *ev, const struct df_instr *in, const char *created_by);
/* The platform images are built for: opts->platform, else linux/architecture,
 * else the build machine's. */
void ev_target_platform(const struct ev_eval_opts *opts, struct img_platform *out);
/* The index of the last stage before `before` called name (case-insensitive),
 * or -1: of two stages with one name, the last wins. */
long ev_find_stage(const struct eval *ev, const char *name, size_t before);
/* Whether n may name a stage (FROM ... AS n): a letter, then letters, digits,
 * '-', '_' and '.'. */
int ev_stage_name_ok(const char *n);
/* The file system of stage i, as COPY --from reads it (evaluated once). */
int ev_stage_fs(struct eval *ev, size_t i, const struct img_tree **out);

/* Brings ev->st->fs up to date with the stage's layers. COPY, ADD and
 * WORKDIR call it before they read the file system, and so does a stage
 * that another reads; a layer that nothing reads after it (the last COPY
 * of the build) is never copied into the file system. */
int ev_fs_sync(struct eval *ev);
/* The named context (--build-context) that name answers, matched as BuildKit
 * matches it (img_reference_familiar): *k its index, or -1 for none. Returns
 * -1 only when out of memory. */
int ev_find_context(struct eval *ev, const char *name, long *k);

/* ---- vars.c ---- */

/* Processes one word with the stage's variables (before FROM: the global
 * ARGs). *out is yours. */
int ev_expand_word(struct eval *ev, const char *word, struct sb_pos pos, char **out);
/* The arguments of in, each word expanded; *out is NULL-terminated and yours. */
int ev_expand_args(struct eval *ev, const struct df_instr *in, char ***out);
/* The single argument of WORKDIR, USER, STOPSIGNAL: the rest of the line. */
int ev_one_word(struct eval *ev, const struct df_instr *in, char **out);
/* A shlex_lookup (ud = struct eval *): the stage's variables. */
const char *ev_stage_lookup(void *ud, const char *name);
/* Declares name in vars (replacing one of the same name); value may be NULL. */
int ev_declare(struct eval *ev, struct var **vars, size_t *n, const char *name, const char *value);
void ev_vars_free(struct var *v, size_t n);

/* One name=value of ENV, LABEL or ARG, processed. */
struct ev_pair {
	char *key, *value; /* value NULL: ARG without a default */
};
/* The name=value pairs of in (arg: ARG's forms). *out is yours (ev_pairs_free). */
int ev_parse_pairs(struct eval *ev, const struct df_instr *in, int arg, struct ev_pair **out,
		   size_t *n);
void ev_pairs_free(struct ev_pair *p, size_t n);

/* ---- the instructions: vars.c, copy.c, config.c ---- */

int ev_arg(struct eval *ev, const struct df_instr *in);
int ev_copy(struct eval *ev, const struct df_instr *in); /* COPY and ADD */
int ev_workdir(struct eval *ev, const struct df_instr *in);
int ev_expose(struct eval *ev, const struct df_instr *in);
int ev_env_label(struct eval *ev, const struct df_instr *in); /* ENV and LABEL */
int ev_user(struct eval *ev, const struct df_instr *in);
int ev_stopsignal(struct eval *ev, const struct df_instr *in);
int ev_maintainer(struct eval *ev, const struct df_instr *in);
int ev_cmd(struct eval *ev, const struct df_instr *in);
int ev_entrypoint(struct eval *ev, const struct df_instr *in);
int ev_volume(struct eval *ev, const struct df_instr *in);
int ev_shell(struct eval *ev, const struct df_instr *in);
int ev_healthcheck(struct eval *ev, const struct df_instr *in);
int ev_onbuild(struct eval *ev, const struct df_instr *in);
/* RUN, unknown instructions and the rest scratchbuild cannot build: an error. */
int ev_refuse(struct eval *ev, const struct df_instr *in);

/* ---- copy.c: building a layer ---- */

/* a/b, either part possibly "". Yours; NULL when out of memory. */
char *ev_path_join(const char *a, const char *b);
/* Makes sure directory path exists in cp's layer. */
int ev_mkdir_p(struct copy *cp, const char *path, struct sb_error *err);
/* Makes sure the parent directories of path exist in cp's layer. */
int ev_mkdir_parent(struct copy *cp, const char *path, struct sb_error *err);
/* Where an entry of the source being copied lands: *target (yours), or NULL
 * for a source directory itself, whose contents follow. rel is the entry's
 * path below the source ("" for the source itself). */
int ev_copy_place(struct copy *cp, const char *rel, int is_dir, char **target,
		  struct sb_error *err);
/* Whether a source goes inside cp's destination rather than becoming it. */
int ev_copy_dest_is_dir(const struct copy *cp);
/* FROM with the named context k (a stage it replaces, or FROM NAME): the
 * stage's first layer, holding the context directory's contents. */
int ev_context_layer(struct eval *ev, const struct df_instr *from, size_t k);

/* ---- copy_from.c: COPY --from ---- */

/* COPY --from=V: what V names (a stage, a named context, scratch) chosen as
 * the file system cp's sources are read from. */
int ev_copy_from(struct eval *ev, struct copy *cp);
/* The named context k as the place cp's sources are read from: its directory,
 * or its image's file system. */
int ev_copy_from_context(struct eval *ev, struct copy *cp, size_t k);
/* One source of COPY --from, looked up in cp->from_fs and copied into cp's
 * layer; pos is its word's position. */
int ev_copy_from_source(struct copy *cp, const char *src, struct sb_pos pos);

/* ---- from_image.c ---- */

/* FROM the named context k (a stage it replaces, or FROM NAME): an image
 * starts the stage from its layers, config and file system (its ONBUILD
 * triggers left for the caller to run); a directory gives ev_context_layer.
 * Errors are at from's image word. */
int ev_named_base(struct eval *ev, const struct df_instr *from, size_t k);
/* The file system of the image of named context k, for COPY --from (made
 * once, kept in ev->image_fs); an error is shown at pos. */
int ev_image_fs(struct eval *ev, size_t k, struct sb_pos pos, const struct img_tree **out);

/* ---- copy_flags.c ---- */

/* Reads the flags of COPY and ADD into fl (release with ev_copy_flags_release). */
int ev_copy_flags(struct eval *ev, const struct df_instr *in, struct copy_flags *fl);
void ev_copy_flags_release(struct copy_flags *fl);
/* --chown=f->value resolved against the stage's /etc/passwd and /etc/group. */
int ev_resolve_chown(struct eval *ev, const struct df_flag *f, struct copy_flags *fl);

/* ---- add.c ---- */

/* ADD of the context file e: unpacks it into cp->dest when it is a tar
 * archive, and sets *done; otherwise *done is 0 and it is copied as a file. */
int ev_add_archive(struct copy *cp, const struct ctx_entry *e, int *done, struct sb_error *err);

#endif
