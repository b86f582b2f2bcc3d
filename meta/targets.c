/*
 * Which accounts an item posts to (see targets.h for the rules).  The list
 * itself is parsed by account_list_parse (meta/account.h), which refuses
 * bad and repeated names; this module checks the names against the config.
 */
#include "meta/targets.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "meta/caption/sidecar.h"
#include "meta/config.h"
#include "util/strbuf.h"

static const char *platform_word(bool youtube)
{
	return youtube ? "YouTube" : "TikTok";
}

const char *targets_platform_word(const struct verdict_target *t)
{
	return platform_word(t->youtube);
}

/* "default, yt": the accounts of @cfg, for a message. */
static void account_names(const struct config *cfg, struct strbuf *sb)
{
	for (size_t i = 0; i < cfg->n_accounts; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", cfg->accounts[i].name);
}

static int unknown_name(const struct config *cfg, const char *name, const char *where, char *why,
			size_t size)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_init(&sb);
	account_names(cfg, &sb);
	snprintf(why, size, "also_post_to names '%s', which is not an account in %s; accounts: %s",
		 name, where, sb.buf);
	strbuf_release(&sb);
	return -EINVAL;
}

/* Whether @a shares a platform with @own or a name before @i in @l: the
 * message in @why when it does. */
static int platform_taken(const struct config *cfg, const struct account *own,
			  const struct account_list *l, size_t i, char *why, size_t size)
{
	const struct account *a = config_account(cfg, l->names[i]);
	const char *word = platform_word(platform_is_youtube(a->platform));
	const char *attrs = platform_is_youtube(a->platform) ? "user.youtube.*" : "user.tiktok.*";

	if (platform_is_youtube(a->platform) == platform_is_youtube(own->platform)) {
		snprintf(why, size,
			 "also_post_to names '%s', a %s account like the folder's own account %s: "
			 "an item posts to one account per platform, because both would write the "
			 "same %s attributes; name accounts of other platforms only",
			 a->name, word, own->name, attrs);
		return -EINVAL;
	}
	for (size_t j = 0; j < i; j++) {
		const struct account *b = config_account(cfg, l->names[j]);

		if (platform_is_youtube(a->platform) != platform_is_youtube(b->platform))
			continue;
		snprintf(why, size,
			 "also_post_to names '%s' and '%s', both %s accounts: an item posts to one "
			 "account per platform, because both would write the same %s attributes; "
			 "keep one of them",
			 b->name, a->name, word, attrs);
		return -EINVAL;
	}
	return 0;
}

int targets_check_list(const struct config *cfg, const char *own, const struct account_list *l,
		       const char *where, char *why, size_t size)
{
	const struct account *oa = config_account(cfg, own);

	if (l->n > VERDICT_TARGETS_MAX - 1) {
		snprintf(why, size,
			 "also_post_to names %zu accounts; an item posts to at most %d: its "
			 "folder's account and %d more",
			 l->n, VERDICT_TARGETS_MAX, VERDICT_TARGETS_MAX - 1);
		return -EINVAL;
	}
	for (size_t i = 0; i < l->n; i++) {
		if (!config_account(cfg, l->names[i]))
			return unknown_name(cfg, l->names[i], where, why, size);
		if (!strcmp(l->names[i], own)) {
			snprintf(why, size,
				 "also_post_to names '%s', the folder's own account, which posts "
				 "every item of its folders already: name only other accounts",
				 own);
			return -EINVAL;
		}
		if (oa && platform_taken(cfg, oa, l, i, why, size))
			return -EINVAL;
	}
	return 0;
}

/* The list that applies, with where it was written: the caption's (or
 * its .defaults') when it sets one, else the folder's account's. */
static const char *list_source(const struct config *cfg, const struct account *oa,
			       const struct sidecar *sc, const char **file, int *line)
{
	if (sc && sc->also_post_to) {
		*file = sc->also_post_to_file ? sc->also_post_to_file : "the caption";
		*line = sc->also_post_to_line;
		return sc->also_post_to;
	}
	*file = cfg->path ? cfg->path : "the config";
	*line = (int)oa->also_post_to_line;
	return oa->also_post_to;
}

static int refuse(struct verdict *v, const char *file, int line, const char *why)
{
	v->n_targets = 0;
	v->kind = VERDICT_CAPTION;
	if (line > 0)
		tt_error_set(&v->error, ERR_USER, "%s: line %d: %s", file, line, why);
	else
		tt_error_set(&v->error, ERR_USER, "%s: %s", file, why);
	return -EINVAL;
}

static void target_set(struct verdict_target *t, const struct account *a)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->account, sizeof(t->account), "%s", a->name);
	t->youtube = platform_is_youtube(a->platform);
}

int targets_resolve(const struct config *cfg, const char *own, const struct sidecar *sc,
		    struct verdict *v)
{
	const struct account *oa = config_account(cfg, own);
	const char *file, *list;
	struct account_list l;
	char why[512];
	int line;

	v->n_targets = 0;
	if (!oa)
		return 0;
	list = list_source(cfg, oa, sc, &file, &line);
	if (!list)
		return 0;
	if (account_list_parse(list, &l, why, sizeof(why)) ||
	    targets_check_list(cfg, own, &l, cfg->path ? cfg->path : "the config", why,
			       sizeof(why)))
		return refuse(v, file, line, why);
	if (l.n == 0)
		return 0;
	target_set(&v->targets[0], oa);
	for (size_t i = 0; i < l.n; i++)
		target_set(&v->targets[i + 1], config_account(cfg, l.names[i]));
	v->n_targets = l.n + 1;
	return 0;
}
