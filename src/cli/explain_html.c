/* --explain-html: the explanation as one self-contained page. */
#include "cli/explain.h"
#include "cli/explain_int.h"
#include "cli/print.h"
#include "util/io.h"
#include "util/mem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --explain-html: the same story as one self-contained page. Everything that
 * comes from the Dockerfile, the context or the image goes through esc(). */

struct page {
	struct sb_buf b;
	int failed; /* out of memory: sticky, checked once at the end */
};

static void put(struct page *p, const char *s)
{
	if (!p->failed && sb_buf_adds(&p->b, s) < 0)
		p->failed = 1;
}

static void putf(struct page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct page *p, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = sb_vprintf(fmt, ap);
	va_end(ap);
	if (!s)
		p->failed = 1;
	else
		put(p, s);
	free(s);
}

static void esc(struct page *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n && !p->failed; i++) {
		const char *e = s[i] == '&'    ? "&amp;"
				: s[i] == '<'  ? "&lt;"
				: s[i] == '>'  ? "&gt;"
				: s[i] == '"'  ? "&quot;"
				: s[i] == '\'' ? "&#39;"
				: s[i] == '\0' ? "&#xFFFD;"
					       : NULL;

		if (e ? sb_buf_adds(&p->b, e) < 0 : sb_buf_addc(&p->b, s[i]) < 0)
			p->failed = 1;
	}
}

static void escs(struct page *p, const char *s)
{
	esc(p, s, strlen(s));
}

static const char page_css[] =
    ":root{--fg:#1c2430;--mut:#677281;--acc:#0a5fc2;--line:#dde3ea;--hl:#fff1a8}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
    "color:var(--fg);background:#f3f5f8}"
    "header{padding:14px 24px;background:#17263a;color:#fff}"
    "header h1{margin:0;font-size:19px;font-weight:600}"
    "header p{margin:4px 0 0;color:#b9c6d6;font-size:13px}"
    "header code{color:#fff}"
    "main{display:grid;grid-template-columns:minmax(0,5fr) minmax(0,7fr);gap:20px;"
    "padding:18px 24px;align-items:start}"
    "h2{font-size:15px;margin:0 0 8px;color:var(--mut);text-transform:uppercase;"
    "letter-spacing:.05em}"
    "pre,code,table.tree{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,"
    "monospace;font-size:13px}"
    ".card{background:#fff;border:1px solid var(--line);border-radius:8px;"
    "padding:12px 16px;margin-bottom:14px;scroll-margin-top:10px}"
    ".df{position:sticky;top:10px;max-height:calc(100vh - 20px);overflow:auto;padding:12px 0}"
    ".df h2{padding:0 16px}"
    ".src{margin:0}"
    ".src a,.src span.l{display:block;white-space:pre-wrap;overflow-wrap:anywhere;"
    "padding:1px 12px 1px calc(3.2em + 12px);text-indent:calc(-3.2em - 12px);color:inherit;"
    "text-decoration:none;border-left:4px solid transparent;scroll-margin-top:40px}"
    ".src a{background:#edf4ff;border-left-color:var(--acc)}"
    ".src a:hover{background:#d9e8ff}"
    ".src a.first{font-weight:600;margin-top:3px}"
    ".src .to{float:right;text-indent:0;margin-left:12px;padding:0 "
    "6px;border-radius:8px;font-size:11.5px;"
    "font-weight:600;color:#fff;background:var(--acc)}"
    ".src .to.layer{background:#1f8a4c}"
    ".src .c{color:var(--mut)}"
    ".ln{display:inline-block;width:3.2em;padding-right:12px;text-align:right;text-indent:0;"
    "color:var(--mut);font-weight:400;user-select:none}"
    ":target{outline:3px solid #e0a800;background:var(--hl)!important}"
    ".step .where{display:flex;gap:10px;align-items:baseline;font-size:13px;color:var(--mut)}"
    ".step .where a{color:var(--acc);font-weight:600;text-decoration:none}"
    ".instr{margin:4px 0 8px;font-size:14px;font-weight:600;white-space:pre-wrap;"
    "word-break:break-all}"
    ".badge{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;"
    "font-weight:600;color:#fff}"
    ".b-layer{background:#1f8a4c}.b-config{background:var(--acc)}.b-none{background:#8a94a0}"
    "details.layer{border:1px solid var(--line);border-radius:6px;padding:6px 10px;"
    "background:#f8fbf9}"
    "details.layer summary{cursor:pointer;font-weight:600}"
    ".digest{font-size:12.5px;color:var(--mut);margin:4px 0;word-break:break-all}"
    ".digest code{color:var(--fg)}"
    "table.tree{border-collapse:collapse;margin-top:4px;width:100%}"
    "table.tree th{text-align:left;color:var(--mut);font-weight:400;font-size:12px;"
    "border-bottom:1px solid var(--line);padding:2px 10px 2px 0}"
    "table.tree td{padding:1px 10px 1px 0;white-space:pre;vertical-align:top}"
    "table.tree td.r,table.tree th.r{text-align:right}"
    "table.tree td.p{white-space:pre-wrap;word-break:break-all;width:100%}"
    ".lt{color:var(--mut)}"
    ".cfgval{margin:6px 0 0;padding:6px 10px;background:#f2f7ff;border-radius:6px;"
    "white-space:pre-wrap;word-break:break-all}"
    ".note{margin:4px 0 0;color:var(--mut)}"
    "pre.json{margin:0;white-space:pre-wrap;word-break:break-all}"
    "pre.json .f{display:block;background:#f2f7ff}"
    "a.ref{color:var(--acc)}";

/* The config field line in pretty JSON at `line`: indent 4 (inside "config")
 * or 2 ("author"), a key that field_of knows. Returns its index in the map
 * order of fields[], or -1; *end is set past the last line of its value. */
static int field_block(const char *line, const char *const *fields, size_t nfields,
		       const char **end)
{
	size_t ind = strspn(line, " ");
	const char *nl = strchr(line, '\n');
	const char *stop = nl ? nl : line + strlen(line);

	if ((ind != 2 && ind != 4) || line[ind] != '"')
		return -1;
	for (size_t k = 0; k < nfields; k++) {
		size_t n = strlen(fields[k]);
		const char *q = line + ind + 1;
		const char *last;

		if (strncmp(q, fields[k], n) || strncmp(q + n, "\": ", 3))
			continue;
		last = stop;
		while (last > line && (last[-1] == ',' || last[-1] == ' '))
			last--;
		if (last > line && (last[-1] == '{' || last[-1] == '[')) {
			/* Up to the closing line at the same indent. */
			const char *l = nl;

			while (l) {
				size_t li = strspn(l + 1, " ");

				if (li == ind && (l[1 + li] == '}' || l[1 + li] == ']'))
					break;
				l = strchr(l + 1, '\n');
			}
			stop = l ? strchr(l + 1, '\n') : NULL;
			if (!stop)
				stop = line + strlen(line);
		}
		*end = stop;
		return (int)k;
	}
	return -1;
}

static const char *const page_fields[] = {
    "ExposedPorts", "Entrypoint", "Cmd",	 "Env",	  "Labels",  "User",   "WorkingDir",
    "Volumes",	    "StopSignal", "Healthcheck", "Shell", "OnBuild", "author",
};

/* The pretty config, each field a block with id="cfg-<field>", each DiffID of
 * rootfs.diff_ids (in layer order) a link to its layer. */
static void put_config(struct page *p, const char *pretty, char *const *diff_ids)
{
	const size_t nf = sizeof(page_fields) / sizeof(page_fields[0]);
	unsigned done = 0;
	size_t layer = 0;
	const char *s = pretty;

	put(p, "<pre class=\"json\">");
	while (*s) {
		const char *end = NULL;
		int k = field_block(s, page_fields, nf, &end);
		const char *nl;

		if (k >= 0 && !(done & (1u << k))) {
			done |= 1u << k;
			putf(p, "<span class=\"f\" id=\"cfg-%s\">", page_fields[k]);
			if (*end == '\n')
				end++;
			esc(p, s, (size_t)(end - s));
			put(p, "</span>");
			s = end;
			continue;
		}
		nl = strchr(s, '\n');
		end = nl ? nl + 1 : s + strlen(s);
		if (diff_ids && diff_ids[layer]) {
			const char *d = diff_ids[layer];
			const char *q = memmem(s, (size_t)(end - s), d, strlen(d));

			if (q) {
				esc(p, s, (size_t)(q - s));
				putf(p, "<a class=\"ref\" href=\"#layer-%zu\">", layer++);
				escs(p, d);
				put(p, "</a>");
				s = q + strlen(d);
			}
		}
		esc(p, s, (size_t)(end - s));
		s = end;
	}
	put(p, "</pre>\n");
}

/* The value of `field` as the pretty config shows it. */
static void put_field_value(struct page *p, const char *pretty, const char *field)
{
	for (const char *s = pretty; s && *s;) {
		const char *end = NULL;

		if (field_block(s, &field, 1, &end) == 0) {
			size_t ind = strspn(s, " ");
			const char *l = s + ind;

			while (end > s && (end[-1] == '\n' || end[-1] == ','))
				end--;

			/* Re-indented to the left margin. */
			put(p, "<pre class=\"cfgval\">");
			while (l < end) {
				const char *nl = memchr(l, '\n', (size_t)(end - l));
				const char *e = nl ? nl : end;

				esc(p, l, (size_t)(e - l));
				if (!nl)
					break;
				put(p, "\n");
				l = nl + 1;
				l += strspn(l, " ") >= ind ? ind : strspn(l, " ");
			}
			put(p, "</pre>");
			return;
		}
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
}

static int put_entry_row(void *ud, const struct img_entry *e, struct sb_error *err)
{
	struct page *p = ud;
	char mode[11];

	(void)err;
	sb_mode_string(sb_explain_type_letter(e), e->mode, mode);
	putf(p, "<tr><td>%s</td><td>%u:%u</td><td class=\"r\">%llu</td><td class=\"p\">", mode,
	     e->uid, e->gid, (unsigned long long)(e->type == IMG_REG ? e->size : 0));
	escs(p, e->path);
	if (e->type == IMG_DIR)
		put(p, "/");
	if (e->link && (e->type == IMG_SYMLINK || e->type == IMG_HARDLINK)) {
		put(p, e->type == IMG_SYMLINK ? " <span class=\"lt\">&rarr;</span> "
					      : " <span class=\"lt\">hard link to</span> ");
		escs(p, e->link);
	}
	put(p, "</td></tr>\n");
	return 0;
}

/* Layer l, its entries in a table; a base's layer (base may be NULL) is
 * named as the base's and folded: its entries are the base's bytes. */
static int put_layer(struct page *p, const struct image *img, const struct img_result *res,
		     size_t l, const struct sb_explain_base *base, struct sb_error *err)
{
	int from_base = base && l < base->nlayers;

	putf(p, "<details%s class=\"layer\" id=\"layer-%zu\"><summary>layer %zu",
	     from_base ? "" : " open", l, l);
	if (from_base) {
		put(p, " &middot; from base ");
		escs(p, base->name);
		putf(p, " (its layer %zu of %zu)", img->layer_src[l].index + 1, base->nlayers);
	}
	putf(p, " &middot; layer_%zu.tar &middot; %llu bytes &middot; %zu entr%s</summary>\n", l,
	     (unsigned long long)res->layer_sizes[l], img_tree_count(img->layers[l]),
	     img_tree_count(img->layers[l]) == 1 ? "y" : "ies");
	put(p, "<div class=\"digest\">DiffID <code>");
	escs(p, res->diff_ids[l] ? res->diff_ids[l] : "");
	put(p, "</code></div>\n");
	if (img_tree_count(img->layers[l]) == 0) {
		put(p, "<p class=\"note\">(empty: no entries)</p>");
	} else {
		put(p, "<table class=\"tree\"><thead><tr><th>mode</th><th>owner</th>"
		       "<th class=\"r\">size</th><th>path</th></tr></thead><tbody>\n");
		if (img_tree_each(img->layers[l], put_entry_row, p, err) < 0)
			return -1;
		put(p, "</tbody></table>");
	}
	put(p, "</details>\n");
	return 0;
}

/* For each physical line of the Dockerfile, the step it belongs to, or -1:
 * the lines from a step's instruction to the next instruction, minus the
 * blank lines and comments before that one. */
static long *line_steps(const struct df_file *df, const struct ev_plan *plan, const size_t *starts,
			size_t nlines)
{
	long *map = malloc((nlines + 1) * sizeof(*map));

	if (!map)
		return NULL;
	for (size_t i = 0; i <= nlines; i++)
		map[i] = -1;
	for (size_t s = 0; s < plan->nsteps; s++) {
		size_t first = plan->steps[s].pos.line, last = first;

		if (first == 0 || first > nlines)
			continue;
		for (size_t k = 0; k < df->ninstrs; k++) {
			size_t next = nlines + 1;

			if (df->instrs[k].pos.line != first)
				continue;
			if (k + 1 < df->ninstrs)
				next = df->instrs[k + 1].pos.line;
			last = next - 1;
			while (last > first) {
				const char *l = df->src.buf + starts[last - 1];

				l += strspn(l, " \t");
				if (*l != '\n' && *l != '\r' && *l != '#' && *l != '\0')
					break;
				last--;
			}
			break;
		}
		for (size_t l = first; l <= last && l <= nlines; l++)
			if (map[l] < 0)
				map[l] = (long)s;
	}
	return map;
}

static void put_source(struct page *p, const struct df_file *df, const struct ev_plan *plan,
		       const struct sb_explain_base *base)
{
	const char *buf = df->src.buf;
	size_t len = df->src.len, nlines = 0, *starts = NULL, cap = 0;
	long *map = NULL;

	for (size_t off = 0; off < len;) {
		const char *nl = memchr(buf + off, '\n', len - off);

		if (sb_grow(&starts, &cap, nlines + 1, sizeof(*starts)) < 0) {
			p->failed = 1;
			goto out;
		}
		starts[nlines++] = off;
		off = nl ? (size_t)(nl - buf) + 1 : len;
	}
	map = line_steps(df, plan, starts, nlines);
	if (!map) {
		p->failed = 1;
		goto out;
	}
	put(p, "<pre class=\"src\">");
	for (size_t i = 0; i < nlines; i++) {
		size_t line = i + 1, off = starts[i];
		size_t end = i + 1 < nlines ? starts[i + 1] : len;
		long s = map[line];
		const char *t;

		if (end > off && buf[end - 1] == '\n')
			end--;
		if (end > off && buf[end - 1] == '\r')
			end--;
		if (line == 1 && end - off >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
			off += 3; /* the byte order mark */
		t = buf + off + strspn(buf + off, " \t");
		if (s < 0 && base->from && base->from->pos.line == line) {
			putf(p, "<a id=\"L%zu\" href=\"#from-base\" class=\"first\">", line);
			putf(p,
			     "<span class=\"ln\">%zu</span><span class=\"to layer\">&rarr; base, "
			     "%zu "
			     "layer%s</span>",
			     line, base->nlayers, base->nlayers == 1 ? "" : "s");
			esc(p, buf + off, end - off);
			put(p, "</a>");
			continue;
		}
		if (s >= 0)
			putf(p, "<a id=\"L%zu\" href=\"#step-%ld\"%s>", line, s,
			     plan->steps[s].pos.line == line ? " class=\"first\"" : "");
		else
			putf(p, "<span class=\"l%s\" id=\"L%zu\">", *t == '#' ? " c" : "", line);
		putf(p, "<span class=\"ln\">%zu</span>", line);
		if (s >= 0 && plan->steps[s].pos.line == line) {
			const char *field = sb_explain_field_of(plan->steps[s].text);

			if (plan->steps[s].layer >= 0)
				putf(p, "<span class=\"to layer\">&rarr; layer %ld</span>",
				     plan->steps[s].layer);
			else if (field)
				putf(p, "<span class=\"to\">&rarr; %s</span>", field);
		}
		esc(p, buf + off, end - off);
		put(p, s >= 0 ? "</a>" : "</span>");
	}
	put(p, "</pre>\n");
out:
	free(starts);
	free(map);
}

/* The page's head and its title line: the Dockerfile, where the image went,
 * and the counts. Ends inside <main>. */
static void put_header(struct page *p, const char *name, const struct ev_plan *plan,
		       const struct img_result *res, const char *output)
{
	const struct image *img = &plan->img;

	put(p, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	       "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
	       "<title>scratchbuild --explain: ");
	escs(p, name);
	putf(p, "</title>\n<style>%s</style>\n</head><body>\n<header><h1>", page_css);
	escs(p, name);
	put(p, " &rarr; ");
	if (output)
		escs(p, output);
	else
		put(p, "(dry run: nothing written)");
	putf(p,
	     "</h1><p>%zu instruction%s, %zu layer%s, image <code>%s</code>. Click a line of the "
	     "Dockerfile to see what it made.</p></header>\n<main>\n",
	     plan->nsteps, plan->nsteps == 1 ? "" : "s", img->nlayers, img->nlayers == 1 ? "" : "s",
	     res->image_id);
}

/* The card of step i: its instruction, then its layer, the config field it
 * sets (its value taken from the pretty config), or why it made neither. */
static int put_step(struct page *p, const struct ev_plan *plan, size_t i,
		    const struct img_result *res, const char *config, struct sb_error *err)
{
	const struct image *img = &plan->img;
	const struct ev_step *s = &plan->steps[i];
	const char *field = sb_explain_field_of(s->text);
	const char *badge = s->layer >= 0 ? "<span class=\"badge b-layer\">layer</span>"
			    : field	  ? "<span class=\"badge b-config\">config</span>"
					  : "<span class=\"badge b-none\">history</span>";

	putf(p,
	     "<section class=\"card step\" id=\"step-%zu\"><div class=\"where\">%s"
	     "<a href=\"#L%u\">line %u</a><span>step %zu of %zu</span></div>\n"
	     "<pre class=\"instr\">",
	     i, badge, s->pos.line, s->pos.line, i + 1, plan->nsteps);
	escs(p, s->text);
	put(p, "</pre>\n");
	if (s->layer >= 0 && (size_t)s->layer < img->nlayers &&
	    put_layer(p, img, res, (size_t)s->layer, NULL, err) < 0)
		return -1;
	if (field) {
		putf(p, "<div>sets <a class=\"ref\" href=\"#cfg-%s\">%s%s</a></div>", field,
		     strcmp(field, "author") ? "config." : "", field);
		put_field_value(p, config, field);
	} else if (s->layer < 0) {
		put(p, "<p class=\"note\">");
		put(p, !strncmp(s->text, "ARG", 3)
			   ? "a build argument: history only, not in the config"
			   : "no layer and no config field: a history entry only");
		put(p, "</p>");
	}
	put(p, "</section>\n");
	return 0;
}

static void put_base_field(void *ud, const char *field, const char *json)
{
	struct page *p = ud;

	putf(p,
	     "<div>brings <a class=\"ref\" href=\"#cfg-%s\">%s%s</a></div><pre class=\"cfgval\">",
	     field, strcmp(field, "author") ? "config." : "", field);
	escs(p, json);
	put(p, "</pre>");
}

/* The card of the FROM of a base image: the base, the config it brings, its
 * layers (folded) and its history entries. */
static int put_from_base(struct page *p, const struct ev_plan *plan, const struct img_result *res,
			 const struct sb_explain_base *base, struct sb_error *err)
{
	put(p, "<section class=\"card step\" id=\"from-base\"><div class=\"where\">"
	       "<span class=\"badge b-layer\">base</span>");
	if (base->from)
		putf(p, "<a href=\"#L%u\">line %u</a>", base->from->pos.line, base->from->pos.line);
	put(p, "<span>where the image starts</span></div>\n<pre class=\"instr\">");
	escs(p, base->from_text ? base->from_text : "FROM");
	put(p, "</pre>\n<p class=\"note\">starts from base <code>");
	escs(p, base->name);
	putf(p, "</code>: its %zu layer%s, copied byte for byte, and its config and history.</p>\n",
	     base->nlayers, base->nlayers == 1 ? "" : "s");
	if (sb_explain_base_config(base, put_base_field, p) < 0)
		return -1;
	for (size_t l = 0; l < base->nlayers; l++)
		if (put_layer(p, &plan->img, res, l, base, err) < 0)
			return -1;
	if (base->nhistory == 1)
		put(p, "<p class=\"note\">history[0] is the base's, kept as it wrote it.</p>");
	else if (base->nhistory)
		putf(p,
		     "<p class=\"note\">history[0]..history[%zu] are the base's, kept as it wrote "
		     "them.</p>",
		     base->nhistory - 1);
	put(p, "</section>\n");
	return 0;
}

/* Layers no step of this stage made: those of a base stage (those of a base
 * image are in the FROM's card). */
static int put_base_layers(struct page *p, const struct ev_plan *plan, const struct img_result *res,
			   const struct sb_explain_base *base, struct sb_error *err)
{
	const struct image *img = &plan->img;

	for (size_t l = base->nlayers; l < img->nlayers; l++) {
		size_t i = 0;

		while (i < plan->nsteps && plan->steps[i].layer != (long)l)
			i++;
		if (i < plan->nsteps)
			continue;
		put(p, "<section class=\"card step\"><div class=\"where\">"
		       "<span class=\"badge b-layer\">layer</span>"
		       "<span>from the base stage</span></div>\n");
		if (put_layer(p, img, res, l, NULL, err) < 0)
			return -1;
		put(p, "</section>\n");
	}
	return 0;
}

/* The manifest and the config, pretty-printed, the config's fields anchored. */
static void put_documents(struct page *p, const struct img_result *res, const char *manifest,
			  const char *config)
{
	put(p, "<section class=\"card\" id=\"manifest\"><h2>manifest.json</h2>"
	       "<pre class=\"json\">");
	escs(p, manifest);
	put(p, "</pre></section>\n<section class=\"card\" id=\"config\"><h2>config.json</h2>"
	       "<p class=\"note\">Its SHA-256 is the image ID, <code>");
	escs(p, res->image_id);
	put(p, "</code>.</p>\n");
	put_config(p, config, res->diff_ids);
	put(p, "</section>\n");
}

/* What was written as `output` in format fmt (NULL output: a dry run, shown
 * as the default format would write it), then the end of the page. */
static void put_output(struct page *p, const struct image *img, const struct img_result *res,
		       const char *output, enum img_format fmt)
{
	put(p, "<section class=\"card\" id=\"output\"><h2>The output</h2>");
	if (!output) {
		put(p, "<p class=\"note\">A dry run: nothing was written. The default format "
		       "would write:</p>");
		fmt = IMG_FORMAT_MANUAL;
	}
	if (fmt == IMG_FORMAT_MANUAL) {
		put(p, "<pre class=\"json\">");
		escs(p, output ? output : "image.tar");
		put(p, "\n");
		for (size_t i = 0; i < img->nlayers; i++)
			putf(p,
			     "├── <a class=\"ref\" href=\"#layer-%zu\">layer_%zu.tar</a>   %llu "
			     "bytes\n",
			     i, i, (unsigned long long)res->layer_sizes[i]);
		put(p, "├── <a class=\"ref\" href=\"#config\">config.json</a>\n"
		       "└── <a class=\"ref\" href=\"#manifest\">manifest.json</a></pre>");
	} else {
		put(p, "<pre class=\"json\">");
		escs(p, output);
		putf(p, "</pre><p class=\"note\">(the %s layout; see the README's Formats)</p>",
		     fmt == IMG_FORMAT_DOCKER ? "docker save" : "OCI");
	}
	put(p, "</section>\n</div>\n</main>\n</body></html>\n");
}

int sb_explain_html(FILE *out, const struct df_file *df, const struct ev_plan *plan,
		    const struct img_result *res, const char *output, enum img_format fmt)
{
	const char *name = df->src.name ? df->src.name : "Dockerfile";
	struct sb_explain_base base;
	struct sb_error err = {0};
	struct page p = {0};
	char *config = NULL, *manifest = NULL;
	int rc = -1;

	if (sb_explain_base_find(plan, df, &base) < 0 ||
	    img_json_pretty(res->config, &config, &err) < 0 ||
	    img_json_pretty(res->manifest, &manifest, &err) < 0)
		goto out;
	put_header(&p, name, plan, res, output);
	put(&p, "<nav class=\"card df\"><h2>");
	escs(&p, name);
	put(&p, "</h2>\n");
	put_source(&p, df, plan, &base);
	put(&p, "</nav>\n<div class=\"made\">\n<h2>What each instruction made</h2>\n");
	if (base.name && put_from_base(&p, plan, res, &base, &err) < 0)
		goto out;
	for (size_t i = 0; i < plan->nsteps; i++)
		if (put_step(&p, plan, i, res, config, &err) < 0)
			goto out;
	if (put_base_layers(&p, plan, res, &base, &err) < 0)
		goto out;
	put_documents(&p, res, manifest, config);
	put_output(&p, &plan->img, res, output, fmt);
	if (p.failed)
		goto out;
	if (fwrite(p.b.buf, 1, p.b.len, out) != p.b.len)
		goto out;
	rc = 0;
out:
	free(config);
	free(manifest);
	sb_explain_base_release(&base);
	sb_buf_release(&p.b);
	sb_error_release(&err);
	return rc;
}

int sb_explain_html_file(const char *path, const struct df_file *df, const struct ev_plan *plan,
			 const struct img_result *res, const char *output, enum img_format fmt,
			 struct sb_error *err)
{
	char *tmp = NULL;
	FILE *f = NULL;
	int fd, rc = -1;

	errno = 0;
	if (!strcmp(path, "-")) {
		if (sb_explain_html(stdout, df, plan, res, output, fmt) < 0 || fflush(stdout))
			return sb_errorf(err, "cannot write the page to standard output: %s",
					 errno ? strerror(errno) : "out of memory");
		return 0;
	}
	if (sb_tmp_beside(path, &tmp, &fd, err) < 0)
		return -1;
	errno = 0;
	if (!(f = fdopen(fd, "w"))) {
		sb_error_file(err, path, "cannot write: %s", strerror(errno));
		close(fd);
		goto out;
	}
	if (sb_explain_html(f, df, plan, res, output, fmt) < 0) {
		sb_error_file(err, path, "cannot write: %s",
			      errno ? strerror(errno) : "out of memory");
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		sb_error_file(err, path, "cannot write: %s", strerror(errno));
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) < 0) {
		sb_error_file(err, path, "cannot rename %s into place: %s", tmp, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (f)
		fclose(f);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}
