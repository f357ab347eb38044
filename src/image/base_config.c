/* A base image's config as BuildKit takes it over: dockerfile2llb copies the
 * whole image config struct of the base (its runtime config, the top-level
 * author, the history), so every field scratchbuild writes is read here the
 * way Go's encoding/json would decode it into that struct: the last of
 * duplicate keys wins, null is the zero value, maps come out with their keys
 * sorted (as Go marshals them again), and a value of the wrong type is an
 * error. Fields that struct does not have (Hostname, Image, ...) are dropped,
 * as BuildKit drops them. */
#include "image/base_priv.h"
#include "util/jtree.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

static int bad(struct sb_error *err, const char *field, const char *want)
{
	return sb_errorf(err, "%s is not %s", field, want);
}

/* A JSON string, or null (-> NULL). */
static int get_str(yajl_val o, const char *key, const char *field, char **out, struct sb_error *err)
{
	yajl_val v = jt_get(o, key);

	*out = NULL;
	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_STRING(v))
		return bad(err, field, "a string");
	*out = sb_strdup(v->u.string);
	return *out ? 0 : sb_errorf(err, "out of memory");
}

/* A JSON array of strings, or null (-> NULL). An empty array gives NULL too:
 * the writer leaves out an empty field as Go's omitempty does. */
static int get_strv(yajl_val o, const char *key, const char *field, char ***out,
		    struct sb_error *err)
{
	yajl_val v = jt_get(o, key);
	size_t n;

	*out = NULL;
	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_ARRAY(v))
		return bad(err, field, "an array of strings");
	n = v->u.array.len;
	if (n == 0)
		return 0;
	*out = calloc(n + 1, sizeof(char *));
	if (!*out)
		return sb_errorf(err, "out of memory");
	for (size_t i = 0; i < n; i++) {
		yajl_val s = v->u.array.values[i];

		if (!YAJL_IS_STRING(s))
			return bad(err, field, "an array of strings");
		if (!((*out)[i] = sb_strdup(s->u.string)))
			return sb_errorf(err, "out of memory");
	}
	return 0;
}

static int get_bool(yajl_val o, const char *key, const char *field, int *out, struct sb_error *err)
{
	yajl_val v = jt_get(o, key);

	*out = 0;
	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		return bad(err, field, "true or false");
	*out = YAJL_IS_TRUE(v);
	return 0;
}

static int get_int(yajl_val o, const char *key, const char *field, int64_t *out,
		   struct sb_error *err)
{
	yajl_val v = jt_get(o, key);

	*out = 0;
	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_INTEGER(v))
		return bad(err, field, "an integer");
	*out = YAJL_GET_INTEGER(v);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether key k of object o appears again after index i (Go keeps the last). */
static int repeated_later(yajl_val o, size_t i)
{
	for (size_t j = i + 1; j < o->u.object.len; j++)
		if (!strcmp(o->u.object.keys[i], o->u.object.keys[j]))
			return 1;
	return 0;
}

/* A Go map as JSON: its keys sorted and unique (-> NULL when empty). With
 * pairs, each key followed by its string value (null: ""); else the values
 * are struct{} and ignored. */
static int get_map(yajl_val o, const char *key, const char *field, int pairs, char ***out,
		   struct sb_error *err)
{
	yajl_val v = jt_get(o, key);
	size_t n = 0, step = pairs ? 2 : 1;
	char **keys = NULL;
	int rc = -1;

	*out = NULL;
	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_OBJECT(v))
		return bad(err, field, pairs ? "an object of strings" : "an object");
	if (v->u.object.len == 0)
		return 0;
	/* Sorted through an array of pointers to "key\0value" pairs. */
	keys = calloc(v->u.object.len + 1, sizeof(char *));
	*out = calloc(v->u.object.len * step + 1, sizeof(char *));
	if (!keys || !*out) {
		sb_errorf(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < v->u.object.len; i++) {
		yajl_val val = v->u.object.values[i];
		const char *k = v->u.object.keys[i];

		if (repeated_later(v, i))
			continue;
		if (pairs && !YAJL_IS_STRING(val) && !YAJL_IS_NULL(val)) {
			bad(err, field, "an object of strings");
			goto out;
		}
		keys[n] =
		    sb_printf("%s%c%s", k, '\0', pairs && YAJL_IS_STRING(val) ? val->u.string : "");
		if (!keys[n]) {
			sb_errorf(err, "out of memory");
			goto out;
		}
		n++;
	}
	qsort(keys, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++) {
		const char *k = keys[i];

		if (!((*out)[i * step] = sb_strdup(k)) ||
		    (pairs && !((*out)[i * step + 1] = sb_strdup(k + strlen(k) + 1)))) {
			sb_errorf(err, "out of memory");
			goto out;
		}
	}
	rc = 0;
out:
	sb_strv_free(keys);
	return rc;
}

static int get_health(yajl_val o, struct img_config *c, struct sb_error *err)
{
	yajl_val v = jt_get(o, "Healthcheck");
	int64_t retries;

	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_OBJECT(v))
		return bad(err, "config.Healthcheck", "an object");
	c->health = calloc(1, sizeof(*c->health));
	if (!c->health)
		return sb_errorf(err, "out of memory");
	if (get_strv(v, "Test", "config.Healthcheck.Test", &c->health->test, err) < 0 ||
	    get_int(v, "Interval", "config.Healthcheck.Interval", &c->health->interval, err) < 0 ||
	    get_int(v, "Timeout", "config.Healthcheck.Timeout", &c->health->timeout, err) < 0 ||
	    get_int(v, "StartPeriod", "config.Healthcheck.StartPeriod", &c->health->start_period,
		    err) < 0 ||
	    get_int(v, "Retries", "config.Healthcheck.Retries", &retries, err) < 0)
		return -1;
	if (retries < INT32_MIN || retries > INT32_MAX)
		return bad(err, "config.Healthcheck.Retries", "a small integer");
	c->health->retries = (int)retries;
	return 0;
}

static int get_runtime(yajl_val o, struct img_config *c, struct sb_error *err)
{
	if (o && !YAJL_IS_NULL(o) && !YAJL_IS_OBJECT(o))
		return bad(err, "config", "an object");
	if (!o || YAJL_IS_NULL(o))
		return 0;
	if (get_str(o, "User", "config.User", &c->user, err) < 0 ||
	    get_map(o, "ExposedPorts", "config.ExposedPorts", 0, &c->ports, err) < 0 ||
	    get_strv(o, "Env", "config.Env", &c->env, err) < 0 ||
	    get_strv(o, "Entrypoint", "config.Entrypoint", &c->entrypoint, err) < 0 ||
	    get_strv(o, "Cmd", "config.Cmd", &c->cmd, err) < 0 ||
	    get_map(o, "Volumes", "config.Volumes", 0, &c->volumes, err) < 0 ||
	    get_str(o, "WorkingDir", "config.WorkingDir", &c->workdir, err) < 0 ||
	    get_map(o, "Labels", "config.Labels", 1, &c->labels, err) < 0 ||
	    get_str(o, "StopSignal", "config.StopSignal", &c->stop_signal, err) < 0 ||
	    get_health(o, c, err) < 0 ||
	    get_bool(o, "ArgsEscaped", "config.ArgsEscaped", &c->args_escaped, err) < 0 ||
	    get_strv(o, "OnBuild", "config.OnBuild", &c->onbuild, err) < 0 ||
	    get_strv(o, "Shell", "config.Shell", &c->shell, err) < 0)
		return -1;
	return 0;
}

static int get_history(yajl_val root, struct img_config *c, struct sb_error *err)
{
	yajl_val h = jt_get(root, "history");

	if (!h || YAJL_IS_NULL(h))
		return 0;
	if (!YAJL_IS_ARRAY(h))
		return bad(err, "history", "an array");
	if (h->u.array.len == 0)
		return 0;
	c->history = calloc(h->u.array.len, sizeof(*c->history));
	if (!c->history)
		return sb_errorf(err, "out of memory");
	for (size_t i = 0; i < h->u.array.len; i++) {
		yajl_val e = h->u.array.values[i];
		struct img_history *x = &c->history[c->nhistory++];

		x->inherited = 1;
		if (!YAJL_IS_OBJECT(e))
			return sb_errorf(err, "history[%zu] is not an object", i);
		if (get_str(e, "created", "a history entry's created", &x->created, err) < 0 ||
		    get_str(e, "author", "a history entry's author", &x->author, err) < 0 ||
		    get_str(e, "created_by", "a history entry's created_by", &x->created_by, err) <
			0 ||
		    get_str(e, "comment", "a history entry's comment", &x->comment, err) < 0 ||
		    get_bool(e, "empty_layer", "a history entry's empty_layer", &x->empty_layer,
			     err) < 0)
			return sb_error_prefix(err, "history[%zu]", i);
	}
	return 0;
}

int base_platform_of(yajl_val root, struct img_platform *p, struct sb_error *err)
{
	const char *os = jt_str(root, "os"), *arch = jt_str(root, "architecture"),
		   *variant = jt_str(root, "variant");
	char *spec;
	int rc;

	if (!os || !*os || !arch || !*arch)
		return sb_errorf(err, "no \"os\" and \"architecture\"");
	spec = variant && *variant ? sb_printf("%s/%s/%s", os, arch, variant)
				   : sb_printf("%s/%s", os, arch);
	if (!spec)
		return sb_errorf(err, "out of memory");
	rc = img_platform_parse(spec, p, err);
	if (rc < 0)
		sb_error_prefix(err, "its platform %s", spec);
	free(spec);
	return rc;
}

int base_config_parse(yajl_val root, struct img_config *c, struct img_platform *p,
		      struct sb_error *err)
{
	memset(c, 0, sizeof(*c));
	if (get_runtime(jt_get(root, "config"), c, err) < 0 ||
	    get_str(root, "author", "author", &c->author, err) < 0 ||
	    get_history(root, c, err) < 0 || base_platform_of(root, p, err) < 0) {
		img_config_release(c);
		return -1;
	}
	return 0;
}
