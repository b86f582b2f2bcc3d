/*
 * Unit tests for accounts: the [account NAME] sections of the config
 * (meta/config.c), the name rule, the account directories and the binding
 * file (meta/account.c).  Every refusal is checked in the words the user
 * reads, with the config's line.
 */
#include "meta/account.h"
#include "meta/config.h"
#include "util/strbuf.h"
#include "unit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Load @text as a config file (0600).  The load's result; @e filled. */
static int load_text(struct config *c, const char *text, struct tt_error *e)
{
	char tmpl[] = "/tmp/ttfs-acct-XXXXXX";
	int fd = mkstemp(tmpl), rc;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -EIO;
	fchmod(fd, 0600);
	close(fd);
	tt_error_clear(e);
	rc = config_load(c, tmpl, e);
	unlink(tmpl);
	return rc;
}

/* The refusal of @text: checks that the load fails and that its message
 * holds @want. */
static void check_refused(const char *text, const char *want)
{
	struct config c;
	struct tt_error e;

	CHECK_INT(load_text(&c, text, &e), -EINVAL);
	CHECK_CONTAINS(e.what, want);
}

TEST(test_a_config_without_sections_is_the_default_account)
{
	struct config c;
	struct tt_error e;

	CHECK_INT(load_text(&c, "privacy = private\nmode = draft\non_posted = /bin/true\n", &e), 0);
	CHECK_INT(c.n_accounts, 1);
	CHECK_STR(c.accounts[0].name, "default");
	CHECK_STR(c.accounts[0].platform, "tiktok");
	CHECK_STR(c.accounts[0].privacy, "SELF_ONLY");
	CHECK_INT(c.accounts[0].mode, POST_DRAFT);
	CHECK_STR(c.accounts[0].on_posted, "/bin/true");
	CHECK_INT(c.accounts[0].bandwidth_share, 1);
	CHECK(config_account(&c, "default") == &c.accounts[0]);
	CHECK(config_account(&c, "brand-a") == NULL);
	config_free(&c);
}

TEST(test_account_sections_take_their_keys_and_inherit_the_rest)
{
	struct config c;
	struct tt_error e;
	const struct account *a, *b;

	CHECK_INT(load_text(&c,
			    "privacy = followers\non_failed = /bin/false\n"
			    "[account brand-a]  # the shop\n"
			    "platform = tiktok\nprivacy = private\nmode = draft\n"
			    "bandwidth_share = 3\non_posted = notify a\n"
			    "[ account  b.2_x ]\n",
			    &e),
		  0);
	CHECK_INT(c.n_accounts, 3);
	CHECK_STR(c.accounts[0].name, "default");
	CHECK_STR(c.accounts[0].privacy, "FOLLOWER_OF_CREATOR");
	CHECK(c.accounts[0].on_posted == NULL);
	a = config_account(&c, "brand-a");
	b = config_account(&c, "b.2_x");
	CHECK(a && b);
	if (!a || !b)
		goto out;
	CHECK_STR(a->privacy, "SELF_ONLY");
	CHECK_INT(a->mode, POST_DRAFT);
	CHECK_INT(a->bandwidth_share, 3);
	CHECK_STR(a->on_posted, "notify a");
	CHECK_STR(a->on_failed, "/bin/false"); /* inherited */
	CHECK_INT(a->line, 3);
	CHECK_STR(b->privacy, "FOLLOWER_OF_CREATOR");
	CHECK_INT(b->mode, POST_DIRECT);
	CHECK_INT(b->bandwidth_share, 1);
	/* the keys of the app stay the file's */
	CHECK_STR(c.privacy, "FOLLOWER_OF_CREATOR");
	CHECK_INT(c.mode, POST_DIRECT);
out:
	config_free(&c);
}

TEST(test_an_account_view_is_the_config_as_that_account_sees_it)
{
	struct config c, v;
	struct tt_error e;
	const struct account *a;

	CHECK_INT(load_text(&c,
			    "state_dir = /var/lib/t\n[account brand-a]\nmode = draft\n"
			    "privacy = public\n",
			    &e),
		  0);
	a = config_account(&c, "brand-a");
	CHECK(a != NULL);
	if (!a)
		goto out;
	config_account_view(&c, a, "/var/lib/t/accounts/brand-a", &v);
	CHECK_INT(v.mode, POST_DRAFT);
	CHECK_STR(v.privacy, "PUBLIC_TO_EVERYONE");
	CHECK_STR(v.state_dir, "/var/lib/t/accounts/brand-a");
	CHECK_STR(v.api_base, c.api_base);
	CHECK_INT(c.mode, POST_DIRECT); /* the config itself is untouched */
out:
	config_free(&c);
}

TEST(test_a_platform_other_than_tiktok_or_youtube_is_refused_with_its_line)
{
	check_refused("[account fb]\nplatform = facebook\n",
		      "line 2: [account fb]: platform = facebook: must be tiktok or youtube");
	check_refused("platform = facebook\n", "line 1: platform = facebook: must be tiktok");
}

TEST(test_a_youtube_account_takes_its_own_client)
{
	struct config c;
	struct tt_error e;
	const struct account *a;

	CHECK_INT(load_text(&c, "[account yt]\nplatform = youtube\nyoutube_client_id = id1\n"
				"youtube_client_secret = s1\n[account tt]\n",
			    &e),
		  0);
	a = config_account(&c, "yt");
	CHECK_STR(a->platform, "youtube");
	CHECK_STR(a->youtube_client_id, "id1");
	CHECK_STR(a->youtube_client_secret, "s1");
	CHECK_STR(config_account(&c, "tt")->platform, "tiktok");
	CHECK(config_account(&c, "tt")->youtube_client_id == NULL);
	config_free(&c);
}

TEST(test_bad_account_names_are_refused_with_the_rule)
{
	check_refused("[account a b]\n", "line 1: [account a b]: the account name has ' ' "
					 "(byte 2): an account name is a folder name: ASCII "
					 "letters, digits, '-', '_' and '.' (not first), 1 to 64 "
					 "bytes");
	check_refused("# x\n[account .hidden]\n",
		      "line 2: [account .hidden]: the account name starts with '.'");
	check_refused("[account ../etc]\n", "the account name starts with '.'");
	check_refused("[account a/b]\n", "the account name has '/' (byte 2)");
	check_refused("[account caf\xc3\xa9]\n", "the account name has byte 0xc3 (byte 4)");
	check_refused(
	    "[account aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n",
	    "the account name is 65 bytes, over the limit of 64");
	check_refused("[account ]\n", "line 1: [account ]: the account name is empty");
	check_refused("[accounts x]\n",
		      "line 1: unknown section [accounts x]: the only section is [account NAME]");
	check_refused("[account x\n", "line 1: a section header ends with ']'");
}

TEST(test_a_64_byte_name_is_accepted)
{
	struct config c;
	struct tt_error e;

	CHECK_INT(load_text(&c,
			    "[account "
			    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n",
			    &e),
		  0);
	CHECK_INT(c.n_accounts, 2);
	config_free(&c);
}

TEST(test_an_account_name_is_given_once)
{
	check_refused("[account default]\n", "line 1: [account default]: the account named "
					     "default is the keys above the first [account] "
					     "section");
	check_refused("[account DEFAULT]\n", "the account named default is the keys above");
	check_refused("[account a]\n\n[account a]\n",
		      "line 3: [account a] again: its section opened at line 1");
	check_refused("[account Brand]\n[account brand]\n",
		      "line 2: [account brand]: differs from account Brand (line 1) only in "
		      "case");
}

TEST(test_a_section_takes_only_the_per_account_keys)
{
	check_refused("[account a]\nclient_key = k\n",
		      "line 2: [account a]: client_key is the same for every account: set it "
		      "above the first [account] section (a section takes platform, "
		      "youtube_client_id, youtube_client_secret, youtube_daily_uploads, mode, "
		      "privacy, made_for_kids, category, bandwidth_share, on_posted, on_failed, also_post_to)");
	check_refused("[account a]\nstate_dir = /x\n", "state_dir is the same for every account");
	check_refused("[account a]\nnosuch = 1\n", "line 2: [account a]: unknown key 'nosuch'");
	check_refused("[account a]\nprivacy = secret\n",
		      "line 2: [account a]: privacy = secret: must be public, friends, "
		      "followers or private");
	check_refused("[account a]\nbandwidth_share = 0\n",
		      "bandwidth_share = 0: must be a whole number from 1 to 100");
	check_refused("[account a]\njunk\n", "line 2: expected 'key = value' or [account NAME]");
}

/* A TikTok default account, a YouTube channel yt, a second TikTok account
 * tt2 and a second channel yt2, with @extra at the top and @yt_extra in
 * yt's section. */
static char *two_platforms(const char *extra, const char *yt_extra)
{
	return xasprintf("%s\n[account yt]\nplatform = youtube\n%s\n[account tt2]\n"
			 "[account yt2]\nplatform = youtube\n",
			 extra, yt_extra);
}

static void check_also_refused(const char *top, const char *yt, const char *want)
{
	char *text = two_platforms(top, yt);

	check_refused(text, want);
	free(text);
}

TEST(test_also_post_to_names_accounts_of_other_platforms)
{
	struct config c;
	struct tt_error e;
	char *text = two_platforms("also_post_to = yt", "also_post_to =  default ");

	CHECK_INT(load_text(&c, text, &e), 0);
	CHECK_STR(c.accounts[0].also_post_to, "yt");
	CHECK_INT(c.accounts[0].also_post_to_line, 1);
	CHECK_STR(config_account(&c, "yt")->also_post_to, "default");
	CHECK_INT(config_account(&c, "yt")->also_post_to_line, 4);
	/* a section never takes the default account's list over */
	CHECK(config_account(&c, "tt2")->also_post_to == NULL);
	config_free(&c);
	free(text);
	text = two_platforms("also_post_to = none", "");
	CHECK_INT(load_text(&c, text, &e), 0);
	CHECK(c.accounts[0].also_post_to == NULL);
	config_free(&c);
	free(text);
}

TEST(test_also_post_to_refusals_name_line_key_and_account)
{
	check_also_refused("also_post_to = yt3", "",
			   "line 1: account default: also_post_to names 'yt3', "
			   "which is not an account in this file; accounts: default, yt, tt2, yt2");
	check_also_refused("", "also_post_to = yt",
			   "line 4: account yt: also_post_to names 'yt', the "
			   "folder's own account");
	check_also_refused("also_post_to = yt, yt", "", "line 1: also_post_to = yt, yt: names 'yt' "
							 "twice: name each account once");
	check_also_refused("also_post_to = yt, , tt2", "", "an empty name between commas");
	check_also_refused("also_post_to = b@d", "", "also_post_to = b@d: the account name has '@'");
	check_also_refused("also_post_to = tt2", "",
			   "line 1: account default: also_post_to names 'tt2', a "
			   "TikTok account like the folder's own account default: an item posts to "
			   "one account per platform, because both would write the same "
			   "user.tiktok.* attributes");
	check_also_refused("", "also_post_to = yt2",
			   "a YouTube account like the folder's own account yt");
	check_also_refused("[account tt3]\nalso_post_to = yt, yt2\n", "",
			   "line 2: account tt3: also_post_to names 'yt' and 'yt2', "
			   "both YouTube accounts: an item posts to one account per platform, "
			   "because both would write the same user.youtube.* attributes; keep one");
	check_refused("[account a]\n[account b]\n[account c]\n[account d]\n"
		      "[account e]\nalso_post_to = a, b, c, d\n",
		      "line 6: account e: also_post_to names 4 accounts; an item "
		      "posts to at most 4: its folder's account and 3 more");
}

TEST(test_per_account_keys_are_marked_in_the_table)
{
	const char *k;
	int n = 0;

	for (size_t i = 0; (k = config_key_name(i)); i++)
		if (config_key_per_account(i))
			n++;
	CHECK_INT(n, 12); /* youtube_daily_uploads, made_for_kids, category, also_post_to */
}

TEST(test_account_directories_keep_the_default_where_it_was)
{
	char *d = account_state_dir("/var/lib/t", "default");
	char *n = account_state_dir("/var/lib/t", "brand-a");

	CHECK_STR(d, "/var/lib/t");
	CHECK_STR(n, "/var/lib/t/accounts/brand-a");
	free(d);
	free(n);
}

TEST(test_account_directories_are_private)
{
	char tmpl[] = "/tmp/ttfs-acctdir-XXXXXX";
	char *root, *dir;
	struct stat st;

	CHECK(mkdtemp(tmpl) != NULL);
	root = xasprintf("%s/state", tmpl);
	CHECK_INT(account_dir_prepare(root, "brand-a"), 0);
	dir = account_state_dir(root, "brand-a");
	CHECK(stat(root, &st) == 0 && (st.st_mode & 0777) == 0700);
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	free(dir);
	dir = xasprintf("%s/accounts", root);
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	free(dir);
	dir = xasprintf("rm -rf %s", tmpl);
	CHECK(system(dir) == 0);
	free(dir);
	free(root);
}

TEST(test_a_binding_is_saved_privately_and_read_back)
{
	char tmpl[] = "/tmp/ttfs-bind-XXXXXX";
	struct account_binding b = {.open_id = "723f",
				    .display_name = "Sandbox Public",
				    .username = "sbpublic",
				    .bound_at = 1700000000};
	struct account_binding r;
	char *path;
	struct stat st;

	CHECK(mkdtemp(tmpl) != NULL);
	CHECK_INT(account_binding_load(tmpl, &r), -ENOENT);
	CHECK_INT(account_binding_save(tmpl, &b), 0);
	path = xasprintf("%s/binding.json", tmpl);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK_INT(account_binding_load(tmpl, &r), 0);
	CHECK_STR(r.open_id, "723f");
	CHECK_STR(r.display_name, "Sandbox Public");
	CHECK_STR(r.username, "sbpublic");
	CHECK(r.bound_at == 1700000000);
	CHECK_INT(account_binding_remove(tmpl), 0);
	CHECK_INT(account_binding_remove(tmpl), 0);
	CHECK_INT(account_binding_load(tmpl, &r), -ENOENT);
	rmdir(tmpl);
	free(path);
}

UNIT_MAIN()
