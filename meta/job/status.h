/*
 * The views of the job store that people and scripts read: STATUS.txt in
 * the mount, `tiktokfs status` and `tiktokfs status --json`.  One renderer
 * makes all three from one read of the store (status.c documents the
 * sections, the rate and ETA, and the JSON document; status_text.c and
 * status_json.c write the two formats); the front ends only choose the
 * format and print.  Deterministic for a given store and @now, and free of
 * secrets: upload URLs are never read, and every text passes log_redact().
 * Names are escaped (util/escape.h): whatever the file names, each item is
 * exactly its lines.
 */
#ifndef TIKTOKFS_STATUS_H
#define TIKTOKFS_STATUS_H

#include <stdint.h>

struct config;
struct store;
struct config;

#define STATUS_RECENT_DEFAULT 10

enum status_format {
	STATUS_TEXT = 0, /* STATUS.txt's text, with the sections asked for */
	STATUS_JSON	 /* `status --json`, version 1: everything, always */
};

/* Text sections beyond STATUS.txt's (JSON always has what they show). */
#define STATUS_UPLOADS 0x1 /* "Uploads": bar, bytes, percent, rate, ETA */
#define STATUS_NEXT 0x2	   /* "Next scheduled": the 10 soonest */
#define STATUS_COMMAND (STATUS_UPLOADS | STATUS_NEXT) /* `tiktokfs status` */

struct config;

struct status_view {
	enum status_format format;
	unsigned sections;     /* STATUS_UPLOADS | STATUS_NEXT; text only */
	const char *state_dir; /* where creator_info.json lives; NULL: "not logged in" */
	int64_t now;	       /* unix seconds for the generated-at line; 0: the clock */
	int recent;	       /* final results to list; 0: STATUS_RECENT_DEFAULT */
	/* NULL: every account's items, by their path under the mount (the
	 * root's STATUS.txt, `tiktokfs status`); NAME: only account NAME's,
	 * by their path in NAME's folder, as its team sees them (its own
	 * accounts/NAME/STATUS.txt).  @state_dir is then NAME's. */
	const char *account;
	/* Each item's platform comes from it (NULL: all TikTok), and in the
	 * whole mount's view (@account NULL) it lists the accounts with their
	 * platforms, the other TikTok accounts' login lines after the
	 * default's (their logins under @state_dir/accounts/).  NULL: the
	 * default's alone. */
	const struct config *cfg;
};

/*
 * Render the view @v (NULL: STATUS.txt's text) of @st into *@out, which is
 * always set and which the caller frees.  @st NULL means no store exists
 * yet: the text is "No items yet.", the JSON lists nothing.  Returns 0, or
 * -EIO when the store could not be read: the text then says so in its
 * queue, the JSON lists no items (`tiktokfs status --json` prints an error
 * instead of it).
 */
int status_render(struct store *st, const struct status_view *v, char **out);

/*
 * A config reload that was refused (cmd/daemon.c): @why, one line, is kept
 * in @state_dir/STATUS_RELOAD_NOTE, and the text views say "Config reload
 * refused: WHY" until a reload succeeds (@why NULL removes it) or the
 * daemon starts again.  0 or -errno.
 */
#define STATUS_RELOAD_NOTE "reload-refused.txt"
int status_note_reload(const char *state_dir, const char *why);

#endif
