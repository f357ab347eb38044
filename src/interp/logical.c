/* Logical lines (see logical.h): physical lines joined, each piece mapped
 * back to the source. */
#include "interp/logical.h"

#include <stdlib.h>
#include <string.h>

int logical_add(struct logical *l, const char *buf, const struct lx_line *ln, size_t from,
		size_t to)
{
	struct logical_seg *s;

	if (sb_grow(&l->segs, &l->cap, l->nsegs + 1, sizeof(*l->segs)) < 0)
		return -1;
	s = &l->segs[l->nsegs++];
	s->log = l->text.len;
	s->src = from;
	s->line = ln->lineno;
	s->col = (unsigned)(from - ln->bol + 1);
	return sb_buf_add(&l->text, buf + from, to - from);
}

struct sb_pos logical_pos(const struct logical *l, size_t i)
{
	size_t lo = 0, hi = l->nsegs, k;
	struct sb_pos pos;

	/* The last piece that starts at or before i (the first when none). */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->segs[mid].log <= i)
			lo = mid;
		else
			hi = mid;
	}
	k = lo;
	pos.line = l->segs[k].line;
	pos.col = l->segs[k].col + (unsigned)(i - l->segs[k].log);
	pos.off = l->segs[k].src + (i - l->segs[k].log);
	return pos;
}

void logical_reset(struct logical *l)
{
	l->text.len = 0;
	if (l->text.buf)
		l->text.buf[0] = '\0';
	l->nsegs = 0;
}

void logical_release(struct logical *l)
{
	sb_buf_release(&l->text);
	free(l->segs);
	memset(l, 0, sizeof(*l));
}
