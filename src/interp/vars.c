/* The evaluator's variables: ARG (in a stage and before the first FROM),
 * --build-arg values, the platform arguments BuildKit predefines, ENV's
 * variables, and words expanded with them as BuildKit's shell lexer does.
 */
#include "interp/eval_int.h"
#include "interp/shlex.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

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

/* The platform arguments BuildKit defines in the global scope: TARGET* for
 * the target platform (--platform, else the build machine's), BUILD* for the
 * build machine's. FROM --platform changes neither. NULL for another name. */
static const char *platform_arg(const struct eval *ev, const char *name)
{
	static const char *const names[] = {
	    "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
	    "BUILDPLATFORM",  "BUILDOS",  "BUILDARCH",  "BUILDVARIANT",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct img_platform *p = i < 4 ? &ev->target : &ev->build;

		if (strcmp(name, names[i]) != 0)
			continue;
		switch (i % 4) {
		case 0:
			return p->name;
		case 1:
			return p->os;
		case 2:
			return p->architecture;
		default:
			return p->variant;
		}
	}
	return NULL;
}

/* Variables FROM sees: the ARGs declared before the first FROM, then the
 * platform arguments, which need no declaration there. --build-arg replaces
 * a platform argument's value (BuildKit lets it: TARGETARCH=x gives "x",
 * though the image stays the target platform's). */
static const char *meta_lookup(void *ud, const char *name)
{
	struct eval *ev = ud;
	const char *v;
	int given;

	for (size_t i = ev->nmeta; i-- > 0;)
		if (!strcmp(ev->meta[i].name, name))
			return ev->meta[i].value;
	if (!platform_arg(ev, name))
		return NULL;
	v = build_arg(ev, name, &given);
	return given ? v : platform_arg(ev, name);
}

/* Variables an instruction of a stage sees: ENV and the ARGs that have a
 * value, whichever set the name last. */
const char *ev_stage_lookup(void *ud, const char *name)
{
	struct eval *ev = ud;

	for (size_t i = 0; i < ev->st->nvars; i++)
		if (!strcmp(ev->st->vars[i].name, name))
			return ev->st->vars[i].value;
	return NULL;
}

/* Processes one word with the stage's variables. *out is yours. */
int ev_expand_word(struct eval *ev, const char *word, struct sb_pos pos, char **out)
{
	if (shlex_word(word, ev->f->escape, ev->st ? ev_stage_lookup : meta_lookup, ev, out,
		       ev->err) == 0)
		return 0;
	return ev_error_moved(ev, ev->err, pos, "%s: ", ev->what);
}

/* The arguments of in, each word processed as BuildKit does (quotes, escapes,
 * the stage's variables), in the JSON form too. *out is NULL-terminated and
 * yours (sb_strv_free). */
int ev_expand_args(struct eval *ev, const struct df_instr *in, char ***out)
{
	char **v = calloc(in->nargs + 1, sizeof(*v));

	if (!v)
		return ev_oom(ev);
	for (size_t i = 0; i < in->nargs; i++) {
		if (ev_expand_word(ev, in->args[i].text, in->args[i].pos, &v[i]) < 0) {
			sb_strv_free(v);
			return -1;
		}
	}
	*out = v;
	return 0;
}

/* Declares an argument in vars (replacing one of the same name). value may
 * be NULL. */
int ev_declare(struct eval *ev, struct var **vars, size_t *n, const char *name, const char *value)
{
	size_t cap = *n;
	char *nm = sb_strdup(name), *val = value ? sb_strdup(value) : NULL;

	if (!nm || (value && !val)) {
		free(nm);
		free(val);
		return ev_oom(ev);
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
		return ev_oom(ev);
	}
	(*vars)[*n].name = nm;
	(*vars)[*n].value = val;
	(*n)++;
	return 0;
}

void ev_pairs_free(struct ev_pair *p, size_t n)
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
int ev_parse_pairs(struct eval *ev, const struct df_instr *in, int arg, struct ev_pair **out,
		   size_t *n)
{
	struct ev_pair *p = calloc(in->nargs + 1, sizeof(*p));
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!p)
		return ev_oom(ev);
	if (in->nargs == 0) {
		ev_error_at(ev, in->pos, "%s requires at least one argument", ev->what);
		sb_error_hint(ev->err, "write %s name=value", ev->what);
		goto fail;
	}
	if (!arg && !strchr(in->args[0].text, '=')) {
		/* The old form: ENV name the rest of the line. */
		const char *rest = in->rest + strlen(in->args[0].text);

		while (*rest == ' ' || *rest == '\t')
			rest++;
		if (in->nargs < 2) {
			ev_error_at(ev, in->pos, "%s must have two arguments", ev->what);
			sb_error_hint(ev->err, "write %s name=value", ev->what);
			goto fail;
		}
		if (ev_expand_word(ev, in->args[0].text, in->args[0].pos, &p[0].key) < 0 ||
		    ev_expand_word(ev, rest, in->args[1].pos, &p[0].value) < 0)
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
			ev_error_at(ev, in->args[k].pos,
				    "Syntax error - can't find = in \"%s\". Must be of the form: "
				    "name=value",
				    w);
			free(name);
			goto fail;
		}
		if (!name[0]) {
			ev_error_at(ev, in->args[k].pos, "%s names can not be blank", ev->what);
			free(name);
			goto fail;
		}
		if (arg) {
			p[k].key = name;
		} else {
			int rc = ev_expand_word(ev, name, in->args[k].pos, &p[k].key);

			free(name);
			if (rc < 0)
				goto fail;
		}
		if (eq && ev_expand_word(ev, eq + 1, in->args[k].pos, &p[k].value) < 0)
			goto fail;
	}
	*out = p;
	*n = k;
	return 0;
nomem:
	ev_oom(ev);
fail:
	ev_pairs_free(p, in->nargs + 1);
	return -1;
}

/* arg = "ARG" name ["=" default] ... */
int ev_arg(struct eval *ev, const struct df_instr *in)
{
	struct ev_pair *p = NULL;
	struct sb_buf by = {0};
	size_t n;
	int rc = -1;

	if (ev_parse_pairs(ev, in, 1, &p, &n) < 0)
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
		if (ev->st ? v && ev_declare(ev, &ev->st->vars, &ev->st->nvars, p[i].key, v)
			   : ev_declare(ev, &ev->meta, &ev->nmeta, p[i].key, v))
			goto out;
		/* History shows the ARG as written, never the value it got. */
		if (p[i].value ? sb_buf_addf(&by, " %s=%s", p[i].key, p[i].value)
			       : sb_buf_addf(&by, " %s", p[i].key))
			goto nomem;
	}
	rc = ev->st ? ev_meta_done(ev, in, by.buf) : 0;
	goto out;
nomem:
	ev_oom(ev);
out:
	sb_buf_release(&by);
	ev_pairs_free(p, n);
	return rc;
}

/* The single argument of WORKDIR, USER, STOPSIGNAL: the rest of the line. */
int ev_one_word(struct eval *ev, const struct df_instr *in, char **out)
{
	if (!in->rest || !in->rest[0]) {
		ev_error_at(ev, in->pos, "%s requires exactly one argument", ev->what);
		return sb_error_hint(ev->err, "write %s value", ev->what);
	}
	return ev_expand_word(ev, in->rest, in->rest_pos, out);
}

void ev_vars_free(struct var *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}
