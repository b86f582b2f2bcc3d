/*
 * Turn-taking among accounts by stride scheduling (see turns.h).  A small
 * array of accounts, searched by name: a mount has a handful.  Passes are
 * integers in TURNS_UNIT per turn of a share-1 account, so no rounding
 * drifts in floating point over a long run.
 */
#include "meta/job/turns.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "util/strbuf.h"

struct turn_acct {
	char *name;
	unsigned share;
	uint64_t pass;
	uint64_t seen; /* the number of the last pick it was offered at */
};

struct turns {
	struct turn_acct *a;
	size_t n, alloc;
	uint64_t last;	/* the pass of the last turn given */
	uint64_t picks; /* turns given */
};

struct turns *turns_new(void)
{
	return xcalloc(1, sizeof(struct turns));
}

void turns_free(struct turns *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->a[i].name);
	free(t->a);
	free(t);
}

/* Account @name's entry, made (share 1, pass of the last turn) when new. */
static struct turn_acct *find(struct turns *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->a[i].name, name))
			return &t->a[i];
	ALLOC_GROW(t->a, t->n + 1, t->alloc);
	t->a[t->n] = (struct turn_acct){xstrdup(name), TURNS_SHARE_DEFAULT, t->last, t->picks};
	return &t->a[t->n++];
}

void turns_set_share(struct turns *t, const char *name, unsigned share)
{
	find(t, name)->share = share ? share : 1;
}

void turns_clear_shares(struct turns *t)
{
	for (size_t i = 0; i < t->n; i++)
		t->a[i].share = TURNS_SHARE_DEFAULT;
}

/* When account @a's next turn would end: its pass plus one stride. */
static uint64_t finish(const struct turn_acct *a)
{
	return a->pass + TURNS_UNIT / a->share;
}

size_t turns_pick(struct turns *t, const char *const *names, size_t n)
{
	struct turn_acct *best = NULL, *a;
	size_t at = 0;

	for (size_t i = 0; i < n; i++)
		find(t, names[i]); /* every entry made first: no realloc below */
	for (size_t i = 0; i < n; i++) {
		a = find(t, names[i]);
		/* back after a pause (not offered at the last pick): no
		 * credit for the turns it missed */
		if (a->seen != t->picks && a->pass < t->last)
			a->pass = t->last;
		a->seen = t->picks + 1;
		/* the turn that ends first: share 3 takes turns 1/3, 2/3, 1 ... */
		if (!best || finish(a) < finish(best)) {
			best = a;
			at = i;
		}
	}
	t->last = best->pass;
	best->pass = finish(best);
	t->picks++;
	return at;
}
