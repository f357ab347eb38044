/* The instructions that set the image's config and make no layer: EXPOSE,
 * ENV and LABEL (their config fields), USER, STOPSIGNAL, MAINTAINER, CMD,
 * ENTRYPOINT, VOLUME, SHELL, HEALTHCHECK, ONBUILD; and the refusal of the
 * instructions scratchbuild cannot build (RUN, unknown ones).
 */
#include "interp/eval_int.h"
#include "interp/golang.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* An instruction that takes no flags yet. */
static int refuse_flags(struct eval *ev, const struct df_instr *in)
{
	if (in->nflags == 0)
		return 0;
	ev_error_at(ev, in->flags[0].pos, "%s --%s is not supported by scratchbuild yet",
		    df_kind_name(in->kind), in->flags[0].name);
	return sb_error_hint(ev->err,
			     "remove the flag: this version of scratchbuild reads "
			     "%s without flags",
			     df_kind_name(in->kind));
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
			return ev_oom(ev);
	}
	return 0;
bad_proto:
	ev_error_at(ev, pos, "EXPOSE: \"%s\" has an unknown protocol", spec);
	return sb_error_hint(ev->err,
			     "the protocol is tcp (the default), udp or sctp, e.g. 53/udp");
bad_port:
	ev_error_at(ev, pos, "EXPOSE: \"%s\" is not a port", spec);
	return sb_error_hint(ev->err, "write a port number from 0 to 65535 such as 8080, "
				      "optionally a range (8000-8010) and a protocol (53/udp)");
}

/* expose = "EXPOSE" port... */
int ev_expose(struct eval *ev, const struct df_instr *in)
{
	struct img_config *c = &ev->st->img.config;
	char **args = NULL, **ports = NULL;
	struct sb_buf by = {0};
	int rc = -1;

	if (refuse_flags(ev, in) < 0)
		return -1;
	if (in->nargs == 0) {
		ev_error_at(ev, in->pos, "EXPOSE requires at least one argument");
		sb_error_hint(ev->err, "write the port the program listens on, e.g. EXPOSE 8080");
		return -1;
	}
	if (in->json) {
		ev_error_at(ev, in->rest_pos,
			    "EXPOSE takes ports separated by spaces, not a JSON "
			    "array");
		sb_error_hint(ev->err, "write EXPOSE 8080 53/udp");
		return -1;
	}
	if (ev_expand_args(ev, in, &args) < 0)
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
			ev_oom(ev);
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
	if (img_add_history(&ev->st->img, by.buf, 1, ev->err) < 0 || ev_add_step(ev, in, -1, 0) < 0)
		goto out;
	rc = 0;
	goto out;
nomem:
	ev_oom(ev);
out:
	sb_buf_release(&by);
	sb_strv_free(ports);
	sb_strv_free(args);
	return rc;
}

/* ---- instructions scratchbuild does not build -------------------------------- */

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

int ev_refuse(struct eval *ev, const struct df_instr *in)
{
	switch (in->kind) {
	case DF_UNKNOWN: {
		const char *best = NULL;
		size_t bestd = SIZE_MAX;

		for (int k = DF_FIRST_KIND; k <= DF_LAST_KIND; k++) {
			const char *name = df_kind_name((enum df_kind)k);
			size_t d = edit_distance(in->keyword, name);

			if (d < bestd)
				bestd = d, best = name;
		}
		ev_error_at(ev, in->pos, "unknown instruction: %s", in->keyword);
		if (best && bestd <= 2)
			return sb_error_hint(ev->err, "did you mean %s?", best);
		return sb_error_hint(ev->err, "scratchbuild reads FROM scratch, COPY, EXPOSE and "
					      "ENTRYPOINT");
	}
	case DF_RUN:
		ev_error_at(ev, in->pos,
			    "RUN needs a container runtime and a shell inside the "
			    "image; scratchbuild builds without running anything");
		return sb_error_hint(ev->err, "run the command before the build (e.g. compile "
					      "a static binary), then COPY its result in");
	default:
		ev_error_at(ev, in->pos, "%s is not supported by this version of scratchbuild",
			    df_kind_name(in->kind));
		return sb_error_hint(ev->err,
				     "this version builds FROM scratch, COPY, EXPOSE "
				     "and ENTRYPOINT; remove the %s line",
				     df_kind_name(in->kind));
	}
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

/* env = "ENV" name "=" value ... | "ENV" name value
 * label = "LABEL" name "=" value ... | "LABEL" name value */
int ev_env_label(struct eval *ev, const struct df_instr *in)
{
	struct img_config *c = &ev->st->img.config;
	struct ev_pair *p = NULL;
	struct sb_buf by = {0};
	size_t n;
	int rc = -1, env = in->kind == DF_ENV;

	if (ev_parse_pairs(ev, in, 0, &p, &n) < 0)
		return -1;
	if (sb_buf_adds(&by, ev->what) < 0)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		if (env ? env_set(&c->env, p[i].key, p[i].value)
			: label_set(&c->labels, p[i].key, p[i].value))
			goto nomem;
		if (env && ev_declare(ev, &ev->st->vars, &ev->st->nvars, p[i].key, p[i].value) < 0)
			goto out;
		if (sb_buf_addf(&by, " %s=%s", p[i].key, p[i].value) < 0)
			goto nomem;
	}
	rc = ev_meta_done(ev, in, by.buf);
	goto out;
nomem:
	ev_oom(ev);
out:
	sb_buf_release(&by);
	ev_pairs_free(p, n);
	return rc;
}

/* Replaces the config string *field with v (taken over) and records the
 * history entry "<INSTRUCTION> <v>". */
static int set_string(struct eval *ev, const struct df_instr *in, char **field, char *v)
{
	char *by = sb_printf("%s %s", ev->what, v);
	int rc;

	if (!by) {
		free(v);
		return ev_oom(ev);
	}
	free(*field);
	*field = v;
	rc = ev_meta_done(ev, in, by);
	free(by);
	return rc;
}

/* user = "USER" user[":" group] */
int ev_user(struct eval *ev, const struct df_instr *in)
{
	char *v = NULL;

	if (ev_one_word(ev, in, &v) < 0)
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

	if (perm_parse_id(s, strlen(s), &n))
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
int ev_stopsignal(struct eval *ev, const struct df_instr *in)
{
	char *v = NULL;

	if (ev_one_word(ev, in, &v) < 0)
		return -1;
	if (!valid_signal(v)) {
		ev_error_at(ev, in->rest_pos, "STOPSIGNAL: Invalid signal: %s", v);
		free(v);
		return sb_error_hint(ev->err, "write a signal name such as SIGTERM, or its number");
	}
	return set_string(ev, in, &ev->st->img.config.stop_signal, v);
}

/* maintainer = "MAINTAINER" text (deprecated: a label is the way now) */
int ev_maintainer(struct eval *ev, const struct df_instr *in)
{
	char *v = sb_strdup(in->rest ? in->rest : "");

	if (!v)
		return ev_oom(ev);
	if (set_string(ev, in, &ev->st->img.config.author, v) < 0)
		return -1;
	return ev_warn_at(ev, in->pos,
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
		return ev_oom(ev);
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
		return ev_oom(ev);
	}
	sb_strv_free(*field);
	*field = v;
	rc = ev_meta_done(ev, in, by.buf);
	sb_buf_release(&by);
	return rc;
}

/* cmd = "CMD" json-array | "CMD" shell-command */
int ev_cmd(struct eval *ev, const struct df_instr *in)
{
	struct img_config *c = &ev->st->img.config;
	char **v = NULL;

	if (command_line(ev, in, 0, in->rest, &v) < 0)
		return -1;
	if (!in->json && in->rest && in->rest[0] &&
	    ev_warn_at(ev, in->pos,
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
int ev_volume(struct eval *ev, const struct df_instr *in)
{
	struct img_config *c = &ev->st->img.config;
	struct sb_buf by = {0};
	char **v = NULL;
	int rc = -1;

	if (in->nargs == 0) {
		ev_error_at(ev, in->pos, "VOLUME requires at least one argument");
		return sb_error_hint(ev->err, "write VOLUME /data");
	}
	if (ev_expand_args(ev, in, &v) < 0)
		return -1;
	for (size_t i = 0; v[i]; i++) {
		char *copy;

		if (!v[i][0]) {
			ev_error_at(ev, in->args[i].pos,
				    "VOLUME specified can not be an empty string");
			goto out;
		}
		copy = sb_strdup(v[i]);
		if (!copy || set_add(&c->volumes, copy) < 0) {
			ev_oom(ev);
			goto out;
		}
	}
	if (sb_buf_adds(&by, "VOLUME ") < 0 || go_list(&by, v) < 0) {
		ev_oom(ev);
		goto out;
	}
	rc = ev_meta_done(ev, in, by.buf);
out:
	sb_buf_release(&by);
	sb_strv_free(v);
	return rc;
}

/* shell = "SHELL" json-array */
int ev_shell(struct eval *ev, const struct df_instr *in)
{
	char **v = NULL;

	if (!in->json || in->nargs == 0) {
		ev_error_at(ev, in->pos, "SHELL requires the arguments to be in JSON form");
		return sb_error_hint(ev->err, "write SHELL [\"/bin/ash\", \"-c\"]");
	}
	if (command_line(ev, in, 0, NULL, &v) < 0)
		return -1;
	return set_list(ev, in, &ev->st->img.config.shell, v, 0);
}

/* HEALTHCHECK's flags into h: --interval, --timeout, --start-period (Go
 * durations of 1ms or more, or 0) and --retries. */
static int health_flags(struct eval *ev, const struct df_instr *in, struct img_health *h)
{
	for (size_t i = 0; i < in->nflags; i++) {
		const struct df_flag *f = &in->flags[i];
		int64_t *d = !strcmp(f->name, "interval")	? &h->interval
			     : !strcmp(f->name, "timeout")	? &h->timeout
			     : !strcmp(f->name, "start-period") ? &h->start_period
								: NULL;
		int64_t r;

		if (!f->value)
			return ev_error_at(ev, f->pos, "Missing a value on flag: %s", f->name);
		if (d && (go_parse_duration(f->value, d) < 0 || *d < 0)) {
			ev_error_at(ev, f->pos, "HEALTHCHECK --%s=%s is not a duration", f->name,
				    f->value);
			return sb_error_hint(ev->err,
					     "write a duration such as 30s, 1m30s or 500ms");
		}
		if (d && *d != 0 && *d < 1000000)
			return ev_error_at(ev, f->pos, "HEALTHCHECK --%s cannot be less than 1ms",
					   f->name);
		if (d)
			continue;
		if (strcmp(f->name, "retries") != 0) {
			ev_error_at(ev, f->pos, "Unknown flag: %s", f->name);
			return sb_error_hint(ev->err, "HEALTHCHECK takes --interval, --timeout, "
						      "--start-period and --retries");
		}
		if (!perm_parse_int32(f->value, strlen(f->value), &r) || r < 0)
			return ev_error_at(ev, f->pos, "HEALTHCHECK --retries=%s is not a count",
					   f->value);
		h->retries = (int)r;
	}
	return 0;
}

/* HEALTHCHECK CMD: the flags, then the command into h->test, exec form as
 * written or ["CMD-SHELL", command]. */
static int health_cmd(struct eval *ev, const struct df_instr *in, struct img_health *h)
{
	const char *rest = in->rest + strlen(in->args[0].text);

	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (health_flags(ev, in, h) < 0)
		return -1;
	if (in->json && in->nargs < 2)
		return ev_error_at(ev, in->pos, "HEALTHCHECK CMD needs a command");
	if (in->json)
		return command_line(ev, in, 0, NULL, &h->test);
	if (!*rest)
		return ev_error_at(ev, in->pos, "HEALTHCHECK CMD needs a command");
	h->test = calloc(3, sizeof(char *));
	if (!h->test || !(h->test[0] = sb_strdup("CMD-SHELL")) || !(h->test[1] = sb_strdup(rest)))
		return ev_oom(ev);
	return 0;
}

/* The history entry: BuildKit prints the Go struct with %q, each field quoted. */
static int health_history(struct sb_buf *by, const struct img_health *h)
{
	const int64_t d[] = {h->interval, h->timeout, h->start_period};

	if (sb_buf_adds(by, "HEALTHCHECK &{") < 0 || go_quote_list(by, h->test) < 0)
		return -1;
	for (size_t i = 0; i < 3; i++)
		if (sb_buf_adds(by, i ? "\" \"" : " \"") < 0 || go_format_duration(by, d[i]) < 0)
			return -1;
	if (sb_buf_adds(by, "\" ") < 0 || go_quote_rune(by, (uint32_t)h->retries) < 0 ||
	    sb_buf_addc(by, '}') < 0)
		return -1;
	return 0;
}

/* healthcheck = "HEALTHCHECK" "NONE"
 *             | "HEALTHCHECK" [--interval=d] [--timeout=d] [--start-period=d]
 *               [--retries=n] "CMD" (json-array | shell-command) */
int ev_healthcheck(struct eval *ev, const struct df_instr *in)
{
	struct img_config *c = &ev->st->img.config;
	struct img_health *h = calloc(1, sizeof(*h));
	struct sb_buf by = {0};
	const char *type = in->nargs ? in->args[0].text : "";
	int rc = -1;

	if (!h)
		return ev_oom(ev);
	if (!strcasecmp(type, "NONE")) {
		if (in->nflags || in->nargs > 1) {
			ev_error_at(ev, in->pos, "HEALTHCHECK NONE takes no other arguments");
			goto out;
		}
		h->test = calloc(2, sizeof(char *));
		if (!h->test || !(h->test[0] = sb_strdup("NONE"))) {
			ev_oom(ev);
			goto out;
		}
	} else if (!strcasecmp(type, "CMD")) {
		if (health_cmd(ev, in, h) < 0)
			goto out;
	} else {
		ev_error_at(ev, in->nargs ? in->args[0].pos : in->pos,
			    "HEALTHCHECK takes CMD or NONE, not \"%s\"", type);
		sb_error_hint(ev->err,
			      "write HEALTHCHECK CMD [\"/healthcheck\"] or HEALTHCHECK NONE");
		goto out;
	}
	if (health_history(&by, h) < 0) {
		ev_oom(ev);
		goto out;
	}
	if (c->health)
		sb_strv_free(c->health->test);
	free(c->health);
	c->health = h;
	h = NULL;
	rc = ev_meta_done(ev, in, by.buf);
out:
	sb_buf_release(&by);
	if (h)
		sb_strv_free(h->test);
	free(h);
	return rc;
}

/* onbuild = "ONBUILD" instruction: stored in the config, run by a later
 * build FROM this image. No history entry. */
int ev_onbuild(struct eval *ev, const struct df_instr *in)
{
	struct img_config *c = &ev->st->img.config;
	const char *r = in->rest ? in->rest : "";
	size_t n = 0, cap;
	char *copy;

	if (!*r) {
		ev_error_at(ev, in->pos, "ONBUILD requires at least one argument");
		return -1;
	}
	if (!strncasecmp(r, "ONBUILD", 7) || !strncasecmp(r, "FROM", 4) ||
	    !strncasecmp(r, "MAINTAINER", 10)) {
		size_t w = strcspn(r, " \t");

		ev_error_at(ev, in->rest_pos, "%.*s isn't allowed as an ONBUILD trigger", (int)w,
			    r);
		return -1;
	}
	while (c->onbuild && c->onbuild[n])
		n++;
	cap = n + 1;
	copy = sb_strdup(r);
	if (!copy || sb_grow(&c->onbuild, &cap, n + 2, sizeof(*c->onbuild)) < 0) {
		free(copy);
		return ev_oom(ev);
	}
	c->onbuild[n] = copy;
	c->onbuild[n + 1] = NULL;
	return ev_add_step(ev, in, -1, 0);
}

/* entrypoint = "ENTRYPOINT" json-array | "ENTRYPOINT" shell-command
 * It clears a CMD inherited from a base stage, and keeps one given in this
 * stage, as BuildKit does. */
int ev_entrypoint(struct eval *ev, const struct df_instr *in)
{
	struct img_config *c = &ev->st->img.config;
	char **v = NULL;

	if (command_line(ev, in, 0, in->rest, &v) < 0)
		return -1;
	if (!in->json &&
	    ev_warn_at(
		ev, in->pos,
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
