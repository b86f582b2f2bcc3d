/*
 * `tiktokfs check [-c CONFIG] [--account NAME] VIDEO [CAPTION]`: the
 * validation the daemon runs before an upload, offline, with everything it
 * found printed (spec: "Commands", "Validation before upload").  With
 * --account (or when the video is in accounts/NAME/outbox/, scheduled/ or
 * queue/ and NAME is an account of the config), the item is checked as
 * that account posts it: its settings,
 * its platform's rules, and for a YouTube account the caption as YouTube
 * will get it and whether the video will be a Short (cmd/check_yt.c).
 *
 * Exit status: 0 when the item would be accepted (warnings allowed), 1 when
 * it would be refused or is not ready (truncated copy, no caption), 2 for
 * usage errors: a bad option, no VIDEO, a file that cannot be opened, a
 * config that does not load.
 *
 * Unlike rules_validate(), which stops at the first reason, check reports
 * the media's and the caption's problems both, so that one run tells the
 * user everything to fix.  The caption is settled as the daemon settles
 * it (meta/caption/defaults.h): merged with the .defaults of the folders
 * above the video, found from the nearest "outbox" or "scheduled" folder
 * on its real path, and the output says where each key came from.  The
 * account's limits come from the cached creator_info.json in state_dir;
 * check never talks to the network and never prints a secret (it prints
 * nothing of the config but the bounds and the file's path).  Every
 * name and reason is printed through util/escape.h, so a file name with a
 * newline or a terminal escape shows as \n or \x1b, on its own line.
 */
#include "cmd/cmd.h"
#include "cmd/check_yt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meta/account.h"
#include "meta/config.h"
#include "meta/creator.h"
#include "meta/media/probe.h"
#include "meta/rules.h"
#include "meta/targets.h"
#include "meta/tiktok.h"
#include "meta/caption/defaults.h"
#include "meta/caption/sidecar.h"
#include "meta/job/drop.h"
#include "meta/caption/utf8.h"
#include "meta/caption/when.h"
#include "util/escape.h"
#include "util/safepath.h"
#include "util/strbuf.h"
#include "util/path.h"

static const char check_usage[] =
    "usage: tiktokfs check [-c CONFIG] [--account NAME] VIDEO [CAPTION]\n";

struct check_args {
	const char *config;
	const char *account; /* NULL: the default account */
	const char *video;
	const char *caption;
};

/* 0, or 2 after printing the reason. */
static int parse_args(int argc, char **argv, struct check_args *a)
{
	bool opts_done = false;
	int npos = 0;

	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!opts_done && !strcmp(s, "--")) {
			opts_done = true;
		} else if (!opts_done && (!strcmp(s, "-h") || !strcmp(s, "--help"))) {
			fputs(check_usage, stdout);
			return -1;
		} else if (!opts_done && !strcmp(s, "-c")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "tiktokfs check: -c needs a config file\n%s",
					check_usage);
				return 2;
			}
			a->config = argv[++i];
		} else if (!opts_done && !strncmp(s, "-c", 2)) {
			a->config = s + 2;
		} else if (!opts_done && !strcmp(s, "--account")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "tiktokfs check: --account needs a name\n%s",
					check_usage);
				return 2;
			}
			a->account = argv[++i];
		} else if (!opts_done && !strncmp(s, "--account=", 10)) {
			a->account = s + 10;
		} else if (!opts_done && s[0] == '-' && s[1]) {
			fprintf(stderr, "tiktokfs check: unknown option %s\n%s", s, check_usage);
			return 2;
		} else if (npos == 0) {
			a->video = s, npos++;
		} else if (npos == 1) {
			a->caption = s, npos++;
		} else {
			fprintf(stderr, "tiktokfs check: too many arguments (%s)\n%s", s,
				check_usage);
			return 2;
		}
	}
	if (!a->video) {
		fprintf(stderr, "tiktokfs check: no VIDEO given\n%s", check_usage);
		return 2;
	}
	return 0;
}

/* fputs(@s) to @f, escaped (util/escape.h). */
static void put_esc(FILE *f, const char *s)
{
	char *e = esc_text_dup(s);

	fputs(e, f);
	free(e);
}

/* A regular file we can read, or 2 after one line saying why not. */
static int usable_file(const char *path)
{
	struct stat st;
	const char *why = NULL;

	if (access(path, R_OK) || stat(path, &st))
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	if (!why)
		return 0;
	fputs("tiktokfs: cannot open ", stderr);
	put_esc(stderr, path);
	fprintf(stderr, ": %s\n", why);
	return 2;
}

/* The sidecar beside @video: clip.mp4.caption (the more specific name),
 * else clip.caption.  Owned by the caller; NULL when there is none. */
static char *find_caption(const char *video)
{
	const char *name = path_base(video), *dot = strrchr(name, '.');
	char *full = xasprintf("%s.caption", video), *stem = NULL;

	if (dot && dot != name) {
		stem = xasprintf("%.*s.caption", (int)(dot - video), video);
		if (access(stem, F_OK)) {
			free(stem);
			stem = NULL;
		}
	}
	if (access(full, F_OK) == 0) {
		if (stem) {
			fputs("warning: both ", stdout);
			put_esc(stdout, path_base(full));
			fputs(" and ", stdout);
			put_esc(stdout, path_base(stem));
			fputs(" exist; using ", stdout);
			put_esc(stdout, path_base(full));
			putchar('\n');
		}
		free(stem);
		return full;
	}
	free(full);
	return stem;
}

/*
 * Is the video in scheduled/ of a staging tree or mount (a "scheduled"
 * folder with an "outbox" beside it)?  Then a schedule time is required,
 * as the daemon would require it.  Not drop_in_scheduled(): `check` takes
 * any path, absolute or relative to wherever it runs, so the real path is
 * walked up to find a drop folder's layout.
 */
static bool in_scheduled_folder(const char *video)
{
	char *real = realpath(video, NULL), *s;
	bool found = false;

	if (!real)
		return false;
	while (!found && (s = strrchr(real, '/')) != NULL) {
		*s = '\0';
		if (!strcmp(path_base(real), drop_folder_name(DROP_SCHEDULED))) {
			char *outbox = xasprintf("%.*s/%s", (int)(path_base(real) - real) - 1, real,
						 drop_folder_name(DROP_OUTBOX));
			struct stat st;
			found = stat(outbox, &st) == 0 && S_ISDIR(st.st_mode);
			free(outbox);
		}
	}
	free(real);
	return found;
}

/*
 * The account whose folder @video is in, for a check without --account:
 * the last ".../accounts/NAME/outbox|scheduled|queue/..." on its real path
 * whose NAME @cfg has, into @buf.  false for any other place (the default
 * account's folders, or a video outside any drop folder): as before.
 */
static bool folder_account(const struct config *cfg, const char *video, char *buf, size_t size)
{
	char *real = realpath(video, NULL), name[ACCOUNT_NAME_MAX + 1];
	bool found = false;

	for (const char *p = real; p && (p = strstr(p, "/" DROP_ACCOUNTS "/")); p++)
		if (drop_account_of(p + 1, name, sizeof(name)) == 0 && drop_in_staging(p + 1) &&
		    config_account(cfg, name) && strlen(name) < size) {
			memcpy(buf, name, strlen(name) + 1);
			found = true;
		}
	free(real);
	return found;
}

/* Whether the component of @path that starts at @p is @name. */
static bool component_is(const char *p, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(p, name, n) && (p[n] == '/' || p[n] == '\0');
}

/*
 * The folder the daemon would read .defaults from for @video: below the
 * nearest "outbox" or "scheduled" folder above it, each folder from that
 * one down (*@root its parent, *@dir "outbox/brand"); for a video in no
 * drop folder, its own folder's .defaults alone (*@dir "").  Both owned;
 * false when the video's real path cannot be found.
 */
static bool locate(const char *video, char **root, char **dir)
{
	char *real = realpath(video, NULL), *s;
	const char *top = NULL;

	if (!real || !(s = strrchr(real, '/'))) {
		free(real);
		return false;
	}
	*s = '\0'; /* the video's folder */
	for (const char *p = real; (p = strchr(p, '/')) != NULL; p++)
		if (component_is(p + 1, drop_folder_name(DROP_OUTBOX)) ||
		    component_is(p + 1, drop_folder_name(DROP_SCHEDULED)))
			top = p;
	if (top) {
		*root = top == real ? xstrdup("/") : xstrndup(real, (size_t)(top - real));
		*dir = xstrdup(top + 1);
	} else {
		*root = xstrdup(*real ? real : "/");
		*dir = xstrdup("");
	}
	free(real);
	return true;
}

static void print_account(const struct config *cfg, const struct creator_info *ci, bool have_ci)
{
	char opts[160] = "";
	size_t len = 0;

	if (config_is_youtube(cfg)) {
		printf("Platform: YouTube; checked by YouTube's rules (TikTok's bounds do not "
		       "apply).\n");
		return;
	}
	if (!have_ci) {
		printf("Not logged in: checked against the config's bounds only.\n");
		return;
	}
	for (int i = 0; i < ci->n_privacy && i < CREATOR_MAX_PRIVACY; i++) {
		int k = snprintf(opts + len, sizeof(opts) - len, "%s%s", i ? ", " : "",
				 tiktok_privacy_word(ci->privacy_options[i]));
		if (k < 0 || (size_t)k >= sizeof(opts) - len)
			break;
		len += (size_t)k;
	}
	printf("Account: @%s (%s); privacy %s", ci->username, ci->nickname,
	       opts[0] ? opts : "not stated");
	if (ci->max_duration_sec > 0)
		printf("; longest post %d s", ci->max_duration_sec);
	printf("\n");
}

static void print_media(const char *name, const struct media_info *mi)
{
	const char *mime = media_container_mime(mi->container);

	put_esc(stdout, name);
	putchar('\n');
	printf("  container     %s%s%s%s\n", media_container_name(mi->container), mime ? " (" : "",
	       mime ? mime : "", mime ? ")" : " (not taken by TikTok)");
	if (mi->fragmented || mi->moov_at_end)
		printf("  layout        %s%s\n", mi->fragmented ? "fragmented" : "",
		       mi->moov_at_end ? (mi->fragmented ? ", index at end" : "index at end") : "");
	printf("  size          %llu bytes\n", (unsigned long long)mi->size);
	if (mi->duration >= 0)
		printf("  duration      %.3f s\n", mi->duration);
	else
		printf("  duration      unknown\n");
	if (mi->width && mi->height)
		printf("  resolution    %ux%u (rotation %d)\n", mi->width, mi->height,
		       mi->rotation);
	else
		printf("  resolution    unknown\n");
	printf("  codec         %s\n", mi->codec[0] ? mi->codec : "unknown");
	if (mi->fps > 0)
		printf("  frame rate    %.3f fps\n", mi->fps);
	else
		printf("  frame rate    not stated\n");
}

static const char *tri_word(enum tristate t)
{
	return t == TRI_ON ? "on" : "off";
}

/* The caption's first line, cut short and without control bytes. */
static void print_preview(const char *caption)
{
	size_t len = strcspn(caption, "\r\n"), cut = utf8_cut(caption, len, 60);

	printf("  text          \"");
	for (size_t i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)caption[i];
		putchar(c < 0x20 || c == 0x7f ? '?' : c);
	}
	printf("%s\"\n", cut < strlen(caption) ? "..." : "");
}

static void print_caption(const char *name, const struct verdict *v)
{
	const struct sidecar *sc = &v->sidecar;
	char local[80], utc[80];

	put_esc(stdout, name);
	putchar('\n');
	printf("  caption       %zu of %d UTF-16 units\n", sc->caption_utf16, TIKTOK_CAPTION_MAX_UTF16);
	print_preview(sc->caption);
	if (v->privacy[0])
		printf("  privacy       %s%s\n", tiktok_privacy_word(v->privacy),
		       sc->privacy[0] ? "" : " (from the config)");
	else
		printf("  privacy       none chosen\n");
	if (sc->has_schedule) {
		when_format_local(sc->schedule_at, local, sizeof(local));
		when_format_utc(sc->schedule_at, utc, sizeof(utc));
		printf("  schedule      %s (%s)\n", local, utc);
	} else {
		printf("  schedule      none: posted when ready\n");
	}
	printf("  interactions  comments %s, duet %s, stitch %s\n", tri_word(sc->comments),
	       tri_word(sc->duet), tri_word(sc->stitch));
	printf("  disclosure    branded %s, promotional %s, AI-generated %s\n",
	       tri_word(sc->branded), tri_word(sc->promotional), tri_word(sc->ai_generated));
	if (sc->has_cover)
		printf("  cover         %.3f s\n", (double)sc->cover_ms / 1000.0);
	printf("  mode          %s\n",
	       v->mode == POST_DRAFT ? "draft (to the TikTok inbox)" : "direct");
}

static void print_warnings(const char *w)
{
	if (!w[0])
		return;
	fputs("warning: ", stdout);
	put_esc(stdout, w);
	putchar('\n');
}

/* One line per reason: what failed, then what to do. */
static void print_reason(const char *label, const struct tt_error *e)
{
	fflush(stdout); /* after the media lines printed so far */
	tt_error_print(stderr, label, e, TT_ERR_TERM);
}

/* The .defaults that apply to @video, into @c (always initialised).
 * 0, or -1 after printing why they cannot be used. */
static int load_defaults(const char *video, struct dflt_chain *c)
{
	struct tt_error err;
	char *root = NULL, *dir = NULL;
	int fd, rc = 0;

	dflt_chain_init(c);
	if (!locate(video, &root, &dir))
		return 0;
	tt_error_clear(&err);
	fd = sp_open_root(root);
	if (fd >= 0) {
		dflt_chain_free(c);
		rc = dflt_chain_load(fd, dir, c, &err);
		close(fd);
	}
	if (rc < 0)
		print_reason("Refused", &err);
	free(root);
	free(dir);
	return rc < 0 ? -1 : 0;
}

static const char *reason_label(enum verdict_kind k)
{
	return k == VERDICT_INCOMPLETE ? "Not ready" : "Refused";
}

/* Probe the video once and print what it holds: 0, or -1 after printing
 * why it cannot be read (@vm's kind and error say it too). */
static int probe_video(const char *video, struct media_info *mi, struct verdict *vm)
{
	const char *name = path_base(video);

	memset(mi, 0, sizeof(*mi));
	if (probe_file(video, name, mi, &vm->error)) {
		vm->kind = vm->error.cls == ERR_INCOMPLETE ? VERDICT_INCOMPLETE : VERDICT_MEDIA;
		if (vm->kind == VERDICT_INCOMPLETE)
			print_reason("Unfinished copy", &vm->error);
		else
			print_reason("Refused", &vm->error);
		return -1;
	}
	print_media(name, mi);
	return 0;
}

/* Check the probed video @mi as @cfg's account; fills @vm.  Returns 0
 * when it would pass. */
static int check_media_as(const struct config *cfg, const struct creator_info *ci,
			  const char *video, const struct media_info *mi, struct verdict *vm)
{
	if (config_is_youtube(cfg))
		check_yt_print_short(mi);
	if (rules_check_media(cfg, ci, path_base(video), mi, vm)) {
		print_warnings(vm->warning);
		print_reason("Refused", &vm->error);
		return -1;
	}
	print_warnings(vm->warning);
	return 0;
}

/* Where a key that no file sets comes from. */
static const char *default_source(const struct config *cfg, enum sidecar_key k, char *buf,
				  size_t size)
{
	bool in_cfg = (k == SK_PRIVACY && cfg->privacy) ||
		      (k == SK_MODE && cfg->mode != POST_DIRECT) ||
		      (k == SK_CAPTION_FROM && cfg->caption_from != CAPTION_FROM_SIDECAR) ||
		      (k == SK_MADE_FOR_KIDS && cfg->made_for_kids) ||
		      (k == SK_CATEGORY && cfg->category) ||
		      (k == SK_ALSO_POST_TO && cfg->also_post_to);

	if (in_cfg) {
		snprintf(buf, size, "the config%s%s%s", cfg->path ? " (" : "",
			 cfg->path ? cfg->path : "", cfg->path ? ")" : "");
		return buf;
	}
	if (k == SK_PRIVACY || k == SK_MADE_FOR_KIDS)
		return "nowhere: none chosen";
	if (k == SK_HASHTAGS || k == SK_SCHEDULE || k == SK_COVER || k == SK_TITLE)
		return "nowhere: none";
	if (k == SK_CATEGORY)
		return "the built-in default (22 People & Blogs)";
	if (k == SK_ALSO_POST_TO)
		return "nowhere: none";
	return "the built-in default";
}

/* Where each key came from: the caption file, a .defaults, the config, the
 * built-in default (meta/caption/defaults.h).  The other platform's keys
 * only when set (check_print_ignored_keys then says they are ignored). */
static void print_sources(const struct config *cfg, const struct dflt_sources *src,
			  const char *caption_name)
{
	char buf[4200];

	printf("Where each setting came from:\n");
	printf("  %-13s ", "caption");
	if (src->caption_from_name)
		fputs("the video's file name (caption_from: filename)", stdout);
	else
		put_esc(stdout, caption_name);
	putchar('\n');
	for (int k = 0; k < SK_COUNT; k++) {
		const char *from = src->from[k];

		if (!from && !check_key_used(cfg, (enum sidecar_key)k))
			continue; /* the other platform's key, not set */
		printf("  %-13s ", sidecar_key_name((enum sidecar_key)k));
		put_esc(stdout,
			from ? from : default_source(cfg, (enum sidecar_key)k, buf, sizeof(buf)));
		putchar('\n');
	}
}

/* No caption file, and none is made of the name: it would wait. */
static int no_caption(const char *video, struct verdict *vc)
{
	const char *name = path_base(video), *dot = strrchr(name, '.');
	int stem = dot && dot != name ? (int)(dot - name) : (int)strlen(name);

	vc->kind = VERDICT_INCOMPLETE;
	tt_error_set(&vc->error, ERR_INCOMPLETE, "no caption: %s is waiting for %.*s.caption", name,
		     stem, name);
	tt_error_advise(&vc->error,
			"Put the caption beside the video as %.*s.caption or %s.caption, or name "
			"it as the second argument, or set `caption_from: filename` in a .defaults "
			"of its folder (or caption_from = filename in the config).",
			stem, name, name);
	print_reason("Not ready", &vc->error);
	return -1;
}

/*
 * Settle and check the caption as the daemon would: the caption file
 * @caption (NULL: none) merged with the chain @c, or made of the name.
 * @vc->media holds the video's findings.  0 when it would pass.
 */
static int check_caption(const struct config *cfg, const struct creator_info *ci,
			 const struct dflt_chain *c, const char *caption, const char *video,
			 bool in_scheduled, struct verdict *vc)
{
	const char *name = path_base(caption ? caption : video);
	struct dflt_sources src;
	int rc;

	if (caption && sidecar_load(caption, name, &vc->sidecar, &vc->error)) {
		vc->kind = VERDICT_CAPTION;
		print_reason("Refused", &vc->error);
		return -1;
	}
	rc = dflt_settle(cfg, c, &vc->sidecar, caption != NULL, name, path_base(video), &src,
			 &vc->error);
	if (rc == -ENOENT)
		return no_caption(video, vc);
	if (rc) {
		vc->kind = VERDICT_CAPTION;
		print_reason("Refused", &vc->error);
		return -1;
	}
	vc->have_sidecar = true;
	rc = rules_check_caption(cfg, ci, name, in_scheduled, vc);
	if (config_is_youtube(cfg))
		check_yt_print_caption(cfg, name, vc, &src);
	else
		print_caption(name, vc);
	print_sources(cfg, &src, name);
	check_print_ignored_keys(cfg, &src);
	print_warnings(vc->warning);
	if (rc)
		print_reason(reason_label(vc->kind), &vc->error);
	return rc ? -1 : 0;
}

/*
 * @cfg as account @name sees it, into @view (borrowing @cfg and *@dir,
 * which the caller frees).  0, or 2 after saying the account is unknown.
 */
static int account_view(const struct config *cfg, const char *name, char **dir, struct config *view)
{
	const struct account *a = config_account(cfg, name ? name : CONFIG_DEFAULT_ACCOUNT);

	*dir = NULL;
	if (!a && name) {
		fputs("tiktokfs check: no account ", stderr);
		put_esc(stderr, name);
		fprintf(stderr, " in %s; the accounts are [account NAME] sections\n",
			cfg->path ? cfg->path : "the config");
		return 2;
	}
	if (!a || !name) {
		*view = *cfg;
		return 0;
	}
	*dir = account_state_dir(cfg->state_dir, a->name);
	config_account_view(cfg, a, *dir, view);
	return 0;
}

/* The item being checked, as every account checks it. */
struct check_item {
	const char *video;
	const char *caption; /* NULL: none */
	bool in_scheduled;
	const struct dflt_chain *chain; /* the .defaults above the video */
	struct media_info mi;		/* the probe's findings */
	bool probe_done;		/* probed (once, by the first account's check) */
	bool probed;			/* the probe found a video (else it said why) */
};

/* The item checked as @view's account: 0 when it would be accepted, else
 * 1 (after printing why).  The first account's check probes the video and
 * prints what it holds; the others use that probe. */
static int check_as(const struct config *view, struct check_item *it)
{
	struct creator_info ci;
	struct verdict vm, vc;
	bool have_ci = !config_is_youtube(view) && creator_load(view->state_dir, &ci) == 0;
	int bad;

	verdict_init(&vm);
	verdict_init(&vc);
	print_account(view, &ci, have_ci);
	if (!it->probe_done)
		it->probed = probe_video(it->video, &it->mi, &vm) == 0;
	it->probe_done = true;
	bad = !it->probed;
	if (it->probed && check_media_as(view, have_ci ? &ci : NULL, it->video, &it->mi, &vm))
		bad = 1;
	vc.media = vm.media;
	if (check_caption(view, have_ci ? &ci : NULL, it->chain, it->caption, it->video,
			  it->in_scheduled, &vc))
		bad = 1;
	if (!bad)
		printf("OK: would be accepted%s\n",
		       vm.warning[0] || vc.warning[0] ? " (with the warnings above)" : "");
	verdict_free(&vm);
	verdict_free(&vc);
	return bad;
}

/*
 * The accounts the item posts to (meta/targets.h), into @vt, from its
 * caption settled as account @own (seen as @view) sees it.  0, or -1
 * after printing why its list is refused.  A caption that cannot be read
 * or settled names no targets here: checking it says why.
 */
static int resolve_targets(const struct config *cfg, const char *own, const struct config *view,
			   const struct check_item *it, struct verdict *vt)
{
	const char *name = path_base(it->caption ? it->caption : it->video);
	struct sidecar sc;
	struct tt_error err;
	int rc;

	verdict_init(vt);
	tt_error_clear(&err);
	sidecar_init(&sc);
	if (it->caption && sidecar_load(it->caption, name, &sc, &err))
		return 0;
	rc = dflt_settle(view, it->chain, &sc, it->caption != NULL, name, path_base(it->video),
			 NULL, &err);
	if (rc == 0 && targets_resolve(cfg, own, &sc, vt) < 0) {
		print_reason("Refused", &vt->error);
		rc = -1;
	} else {
		rc = 0;
	}
	sidecar_free(&sc);
	return rc;
}

/* The item checked as each of @vt's targets, under a heading for each,
 * then one line per target: 0 when every one would accept it, else 1. */
static int check_targets(const struct config *cfg, struct check_item *it,
			 const struct verdict *vt)
{
	int bad[VERDICT_TARGETS_MAX] = {0}, any = 0;

	printf("Posts to %zu accounts, one after another:", vt->n_targets);
	for (size_t i = 0; i < vt->n_targets; i++)
		printf("%s %s (%s)", i ? "," : "", vt->targets[i].account,
		       targets_platform_word(&vt->targets[i]));
	printf("\n");
	for (size_t i = 0; i < vt->n_targets; i++) {
		const struct verdict_target *t = &vt->targets[i];
		char *dir = NULL;
		struct config view;

		printf("\nas %s (%s):\n", t->account, targets_platform_word(t));
		fflush(stdout);
		account_view(cfg, t->account, &dir, &view);
		any |= bad[i] = check_as(&view, it);
		free(dir);
	}
	printf("\n");
	for (size_t i = 0; i < vt->n_targets; i++)
		printf("as %s (%s): %s\n", vt->targets[i].account,
		       targets_platform_word(&vt->targets[i]),
		       bad[i] ? "refused or not ready (see above)" : "OK");
	return any;
}

/* Check @it as account @own (NULL: the default) and, when it names
 * others, as each of them.  0, 1 or 2 as cmd_check() returns. */
static int check_item_as(const struct config *cfg, const char *own, struct check_item *it,
			 bool defaults_ok)
{
	struct verdict vt;
	struct config view;
	char *dir = NULL;
	int rc;

	if ((rc = account_view(cfg, own, &dir, &view)))
		return rc;
	verdict_init(&vt);
	if (!defaults_ok || resolve_targets(cfg, own ? own : CONFIG_DEFAULT_ACCOUNT, &view, it, &vt))
		rc = 1;
	if (vt.n_targets >= 2)
		rc |= check_targets(cfg, it, &vt);
	else
		rc |= check_as(&view, it);
	free(dir);
	return rc;
}

int cmd_check(int argc, char **argv)
{
	struct check_args a;
	struct config cfg;
	struct tt_error err;
	struct dflt_chain chain;
	struct check_item it;
	char *caption, own[ACCOUNT_NAME_MAX + 1];
	bool defaults_ok;
	int rc;

	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((rc = usable_file(a.video)) || (a.caption && (rc = usable_file(a.caption))))
		return rc;
	tt_error_clear(&err);
	if (config_load(&cfg, a.config, &err)) {
		tt_error_print(stderr, "tiktokfs", &err, TT_ERR_TERM);
		return 2;
	}
	caption = a.caption ? xstrdup(a.caption) : find_caption(a.video);
	memset(&it, 0, sizeof(it));
	it.video = a.video;
	it.caption = caption;
	it.in_scheduled = in_scheduled_folder(a.video);
	it.chain = &chain;
	defaults_ok = load_defaults(a.video, &chain) == 0;
	if (!a.account && folder_account(&cfg, a.video, own, sizeof(own))) {
		printf("Account: %s (its folder is accounts/%s/; --account chooses another)\n", own,
		       own);
		a.account = own;
	}
	rc = check_item_as(&cfg, a.account, &it, defaults_ok);
	dflt_chain_free(&chain);
	free(caption);
	config_free(&cfg);
	return rc;
}
