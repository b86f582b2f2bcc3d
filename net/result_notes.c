/*
 * Notes on a finished publish: see result_notes.h.
 *
 * An unaudited app (docs/tiktok.md §7) may post only SELF_ONLY, and only to
 * private accounts.  TikTok either refuses anything else at init (403
 * unaudited_client_can_only_post_to_private_accounts; net/errors.c words
 * it and the item fails) or accepts it and keeps it private: "restricted to
 * private viewing mode".  In the second case status/fetch says nothing of
 * it: PUBLISH_COMPLETE as for any post, and never a post ID.  Only the
 * config can tell (audited = no), and with it the rule is exact: a direct
 * post of an unaudited app that asked for more than SELF_ONLY and was
 * published at all was made private, since the other reading refuses it.
 */
#include "net/result_notes.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/tiktok.h"
#include "meta/config.h"
#include "meta/rules.h"
#include "meta/job/store.h"
#include "util/log.h"
#include "util/strbuf.h"

char *result_notes_made_private(const struct config *cfg, const struct job *j, const char *status)
{
	if (cfg->audited || j->mode == POST_DRAFT || !status || strcmp(status, "PUBLISH_COMPLETE"))
		return NULL;
	if (!j->privacy || !*j->privacy || !strcmp(j->privacy, TIKTOK_PRIVACY_SELF_ONLY))
		return NULL;
	return xasprintf("posted private (" TIKTOK_PRIVACY_SELF_ONLY "), not %s: TikTok keeps "
			 "every post of an app that has not passed its audit private (audited = "
			 "no in the config); get the app audited to post for others, and change "
			 "who can see this video in the TikTok app",
			 tiktok_privacy_word(j->privacy));
}

/* @old with @note appended ("; "), or NULL when @old says it already. */
static char *append_note(const char *old, const char *note)
{
	if (old && strstr(old, note))
		return NULL;
	return old && *old ? xasprintf("%s; %s", old, note) : xstrdup(note);
}

bool result_notes_posted(struct store *st, const struct config *cfg, int64_t id, const char *status)
{
	struct job j;
	char *note = NULL, *warning = NULL;
	bool made_private = false;

	if (store_get(st, id, &j))
		return false;
	note = result_notes_made_private(cfg, &j, status);
	if (!note)
		goto out;
	made_private = true;
	log_info("job %" PRId64 ": %s", id, note);
	warning = append_note(j.warning, note);
	if (store_set_ready(st, id, j.size, j.schedule_at, TIKTOK_PRIVACY_SELF_ONLY,
			    warning ? warning : j.warning, j.mime) < 0)
		log_warn("job %" PRId64 ": cannot record that TikTok made the post private", id);
out:
	free(warning);
	free(note);
	job_free(&j);
	return made_private;
}
