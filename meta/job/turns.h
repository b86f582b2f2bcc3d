/*
 * Turn-taking among accounts: which account's item the posting worker
 * takes next when several accounts have work due (docs/contract.md,
 * `bandwidth_share`).  The worker uploads one item at a time, so an
 * account's share of the link is its share of upload turns.
 *
 * Weighted round-robin by stride: each account has a pass, which a turn
 * moves on by its stride, TURNS_UNIT / share; the turn goes to the due
 * account whose next turn would end first (pass + stride).  Over any
 * stretch where two accounts both have work, an account of share 3 gets
 * three turns for each one of an account of share 1: a a a b a a a b.  An account that had nothing
 * due keeps no credit: when it comes back its pass is raised to the pass of the last turn given, so
 * it takes the next turn (or shares it) but cannot claim the turns it missed in a burst.  Ties go
 * to the account listed first (the caller lists them by their oldest due item, so one account alone
 * keeps its order).
 *
 * Pure and in memory: the counts start afresh with each store, which is
 * all fairness needs.  Not thread-safe: the store calls it under its lock.
 */
#ifndef TIKTOKFS_TURNS_H
#define TIKTOKFS_TURNS_H

#include <stddef.h>

#define TURNS_UNIT 720720ULL /* divisible by every share 1..16, close for the rest */
#define TURNS_SHARE_DEFAULT 1

struct turns;

/* An empty table: every account of share TURNS_SHARE_DEFAULT.  Freed by
 * turns_free (NULL is fine). */
struct turns *turns_new(void);
void turns_free(struct turns *t);

/* Account @name's share from now on (0 is taken as 1). */
void turns_set_share(struct turns *t, const char *name, unsigned share);
/* Forget every share set (a reload sets them again). */
void turns_clear_shares(struct turns *t);

/* Among the @n accounts @names (each once, the first the one whose item
 * waited longest), the index of the one whose turn it is; the turn is
 * counted.  @n > 0. */
size_t turns_pick(struct turns *t, const char *const *names, size_t n);

#endif
