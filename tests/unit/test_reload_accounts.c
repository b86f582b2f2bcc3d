/*
 * Unit tests for cmd/reload_accounts.c: what a config reload checks about
 * accounts that go (nothing of theirs in flight) and does for accounts that
 * come (their folders), on a real store and drop folder.
 */
#include "cmd/reload_accounts.h"
#include "meta/job/store.h"
#include "util/strbuf.h"
#include "unit.h"
#include "fixture.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct fixture fx;

/* A config naming @n accounts (the first "default"), borrowing @names. */
static void accounts(struct config *c, const char *const *names, size_t n)
{
	memset(c, 0, sizeof(*c));
	c->path = "/etc/tiktokfs.conf";
	c->accounts = xcalloc(n, sizeof(*c->accounts));
	for (size_t i = 0; i < n; i++)
		c->accounts[i].name = (char *)names[i];
	c->n_accounts = n;
}

static int64_t job_in(const char *path, enum job_state s)
{
	int64_t id = store_ensure(fx.st, path);

	if (id <= 0 || store_transition(fx.st, id, s, "test"))
		abort();
	return id;
}

TEST(test_an_account_with_items_in_flight_cannot_go)
{
	static const char *const with_b[] = {"default", "b", "c"}, *const without[] = {"default"};
	struct config old, next;
	struct strbuf why = STRBUF_INIT;

	if (!FIXTURE_UP(&fx, "reload"))
		return;
	accounts(&old, with_b, 3);
	accounts(&next, without, 1);
	job_in("accounts/b/scheduled/later.mp4", JOB_SCHEDULED);
	job_in("accounts/b/outbox/waits.mp4", JOB_WAITING); /* not in flight */
	job_in("accounts/c/outbox/gone.mp4", JOB_CANCELLED);
	CHECK_INT(reload_removed_idle(fx.st, &old, &next, &why), -EBUSY);
	CHECK_CONTAINS(why.buf, "account b is no longer in /etc/tiktokfs.conf but has 1 item in "
				"flight: accounts/b/scheduled/later.mp4 (scheduled)");
	CHECK(!strstr(why.buf, "waits.mp4") && !strstr(why.buf, "account c"));
	CHECK_CONTAINS(why.buf, "then send SIGHUP again");
	strbuf_release(&why);
	/* once it is posted, b may go */
	store_transition(fx.st, store_ensure(fx.st, "accounts/b/scheduled/later.mp4"), JOB_POSTED,
			 "test");
	CHECK_INT(reload_removed_idle(fx.st, &old, &next, &why), 0);
	CHECK_STR(why.buf, "");
	strbuf_release(&why);
	free(old.accounts);
	free(next.accounts);
	fixture_down(&fx);
}

TEST(test_an_added_account_gets_its_folders_unless_something_is_in_the_way)
{
	static const char *const before[] = {"default"}, *const after[] = {"default", "b", "c"};
	struct config old, next;
	struct strbuf why = STRBUF_INIT;
	char *link;

	if (!FIXTURE_UP(&fx, "reload"))
		return;
	accounts(&old, before, 1);
	accounts(&next, after, 3);
	CHECK_INT(reload_added_folders(fx.root, &old, &next, &why), 0);
	CHECK(fixture_exists(&fx, "accounts/b/outbox") && fixture_exists(&fx, "accounts/c/queue"));
	link = fixture_path(&fx, "accounts/c");
	fixture_rm_tree(link);
	CHECK_INT(symlink("/tmp", link), 0);
	CHECK_INT(reload_added_folders(fx.root, &old, &next, &why), -ENOTDIR);
	CHECK_CONTAINS(why.buf, "accounts/c: it is a symbolic link, not a folder");
	strbuf_release(&why);
	free(link);
	free(old.accounts);
	free(next.accounts);
	fixture_down(&fx);
}

UNIT_MAIN()
