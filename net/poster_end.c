/*
 * How a turn of the posting worker ends, in one place (net/poster_int.h).
 * A step never ends a turn itself: it returns a struct step whose `how`
 * says fail, defer, changed, restart, wait for a login, refused, stop or
 * done, with the error that says why, and end_turn() carries that out
 * against the store and the drop folder.  So every end commits the same
 * way whichever step asked for it, and no code runs after an end.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/config.h"
#include "meta/job/drop.h"
#include "meta/job/outcome.h"
#include "meta/job/store.h"
#include "meta/job/verdict.h"
#include "net/poster_int.h"
#include "util/array.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/timefmt.h"

struct step step_end(enum turn_end how, const struct tt_error *err)
{
	struct step s = {.next = STEP_END, .how = how};

	if (err)
		s.err = *err;
	else
		tt_error_clear(&s.err);
	return s;
}

struct step step_retry(enum step_id next, const struct tt_error *err)
{
	struct step s = step_end(TURN_RETRY, err);

	s.next = next;
	return s;
}

struct step step_defer(const struct tt_error *err, int64_t retry_at)
{
	struct step s = step_end(TURN_DEFER, err);

	s.retry_at = retry_at;
	return s;
}

static void fail(struct poster *p, int64_t id, const struct tt_error *err)
{
	int rc;

	log_warn("job %" PRId64 ": failed (%s): %s", id, err_class_name(err->cls), err->what);
	rc = outcome_failed(p->st, p->cfg, p->root, p->on_final, id, err);
	if (rc) {
		log_err("job %" PRId64 ": cannot move to failed/: %s", id, strerror(-rc));
		pw_nap(p, STORE_PAUSE_SEC);
	}
}

static void defer(struct poster *p, int64_t id, const struct tt_error *err, int64_t retry_at)
{
	char note[640];
	char when[ISO_UTC_SIZE];

	if (retry_at <= pw_now())
		retry_at = err->retry_at > pw_now() ? err->retry_at : pw_now() + RETRY_DEFER_SEC;
	iso_utc(retry_at, when, sizeof(when));
	snprintf(note, sizeof(note), "deferred until %s: %s", when, err->what);
	log_info("job %" PRId64 ": %s", id, note);
	store_set_error(p->st, id, err->what);
	store_set_retry(p->st, id, retry_at);
	if (store_transition(p->st, id, JOB_DEFERRED, note))
		pw_nap(p, STORE_PAUSE_SEC);
}

/* The file changed after it was complete: give it back to the tracker.  A
 * started publish is abandoned (never sent its last bytes, it cannot post). */
static void changed(struct poster *p, int64_t id, const struct tt_error *err)
{
	log_info("job %" PRId64 ": %s; waiting for the file to settle again", id, err->what);
	store_clear_publish(p->st, id);
	store_transition(p->st, id, JOB_WAITING, err->what);
}

/*
 * The current publish can never complete (URL expired before the last
 * chunk, task unknown, FAILED with a retryable reason): forget it and start
 * again, unless the item used up its inits.
 */
static void restart(struct poster *p, const struct job *j, struct tt_error *err, bool later)
{
	if (j->attempts >= MAX_INITS) {
		char what[sizeof(err->what)];

		memcpy(what, err->what, sizeof(what));
		snprintf(err->what, sizeof(err->what), "%.460s (gave up after %d uploads)", what,
			 j->attempts);
		fail(p, j->id, err);
		return;
	}
	log_info("job %" PRId64 ": %s; publish %s abandoned, starting a new upload", j->id,
		 err->what, j->publish_id ? j->publish_id : "-");
	store_clear_publish(p->st, j->id);
	if (later) {
		defer(p, j->id, err, 0);
		return;
	}
	store_set_error(p->st, j->id, err->what);
	store_transition(p->st, j->id, JOB_READY, err->what);
}

/* The lost-answer rule (net/poster.c, opening comment). */
static void lost_init(struct poster *p, int64_t id, const struct tt_error *err)
{
	if (pw_lost_inits(p, id, true) >= MAX_LOST_INITS) {
		fail(p, id, err);
		return;
	}
	log_warn("job %" PRId64 ": the answer to the upload start was lost (%s); an unanswered "
		 "upload can never be published, so it starts again in %d s",
		 id, err->what, LOST_INIT_DEFER_SEC);
	defer(p, id, err, pw_now() + LOST_INIT_DEFER_SEC);
}

/* "not logged in [to YouTube] as account NAME (why): run `tiktokfs login
 * --account NAME -c CONFIG` ...": the account, since several may be, and
 * the one command that helps, which the item's error must say (a share
 * user reads it).  Both platforms' steps give only the reason. */
static void login_error(struct poster *p, const struct tt_error *err, struct strbuf *sb)
{
	bool named = strcmp(p->account, DROP_DEFAULT_ACCOUNT) != 0;
	const char *conf = p->all->path ? p->all->path : "CONFIG";

	strbuf_addf(sb, "not logged in%s as account %s (", pw_youtube(p) ? " to YouTube" : "",
		    p->account);
	if (!strncmp(err->what, "not logged in", 13))
		strbuf_addstr(sb, "no login is saved for it");
	else
		strbuf_addstr(sb, err->what);
	strbuf_addf(sb,
		    "): run `tiktokfs login%s%s -c %s`; its items wait and then post by "
		    "themselves",
		    named ? " --account " : "", named ? p->account : "", conf);
}

struct account_jobs {
	const char *account;
	int64_t *ids;
	size_t n, alloc;
};

static int collect_ready(const struct job *j, void *arg)
{
	struct account_jobs *aj = arg;

	if (j->state == JOB_READY && !strcmp(j->account, aj->account)) {
		ALLOC_GROW(aj->ids, aj->n + 1, aj->alloc);
		aj->ids[aj->n++] = j->id;
	}
	return 0;
}

/* Every item of the account that waits for its turn says the same: the
 * worker passes over them all until the login is back, so each must tell
 * its user why, not only the one that met the refusal. */
static void login_error_all(struct poster *p, int64_t id, const char *text)
{
	struct account_jobs aj = {.account = p->account};

	store_set_error(p->st, id, text);
	if (store_each(p->st, 0, collect_ready, &aj) == 0)
		for (size_t i = 0; i < aj.n; i++)
			if (aj.ids[i] != id)
				store_set_error(p->st, aj.ids[i], text);
	free(aj.ids);
}

/* The item keeps its state; its error says what the user must do.  Only
 * this account waits: the others' items go on (poster.c, login_waiting). */
static void login_wait(struct poster *p, int64_t id, const struct tt_error *err)
{
	struct strbuf sb;

	strbuf_init(&sb);
	login_error(p, err, &sb);
	log_warn("job %" PRId64 ": %s", id, sb.buf);
	login_error_all(p, id, sb.buf);
	strbuf_release(&sb);
	pw_logout(p);
	p->login_retry_at = mono_now() + LOGIN_RETRY_SEC;
	pw_account_pace(p, p->account)->login_retry_at = p->login_retry_at;
}

/* The validation verdict says no: hand the item back where it belongs, the
 * way the tracker does (meta/job/verdict.h).  An incomplete file also drops
 * the publish, as any change does. */
static void refused(struct poster *p, const struct job *j, const struct verdict *v)
{
	if (v->kind == VERDICT_INCOMPLETE) {
		changed(p, j->id, &v->error);
		return;
	}
	if (verdict_apply(p->st, p->cfg, p->root, p->on_final, j, v, NULL) < 0)
		pw_nap(p, 5);
}

void end_turn(struct poster *p, struct turn *t, struct step *s)
{
	int64_t id = t->j.id;

	switch (s->how) {
	case TURN_GO:
	case TURN_RETRY: /* the dispatcher turns these into steps or ends */
	case TURN_DONE:
	case TURN_STOP:
		break;
	case TURN_PAUSE:
		pw_nap(p, STORE_PAUSE_SEC);
		break;
	case TURN_FAIL:
		fail(p, id, &s->err);
		break;
	case TURN_DEFER:
		defer(p, id, &s->err, s->retry_at);
		break;
	case TURN_CHANGED:
		changed(p, id, &s->err);
		break;
	case TURN_RESTART:
	case TURN_RESTART_LATER:
		restart(p, &t->j, &s->err, s->how == TURN_RESTART_LATER);
		break;
	case TURN_LOST_INIT:
		lost_init(p, id, &s->err);
		break;
	case TURN_LOGIN:
		login_wait(p, id, &s->err);
		break;
	case TURN_REFUSED:
		refused(p, &t->j, &t->v);
		break;
	}
}
