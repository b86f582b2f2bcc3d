/*
 * The inside of meta/job/outcome.c, shared by its three files and the unit
 * tests: outcome_names.c chooses destination names that fit the folder's
 * name limit, outcome_dir.c reaches and creates the destination folders
 * below the drop folder's root descriptor for the item's owner, and
 * outcome.c carries out the move.  Nothing here is for other modules.
 */
#ifndef TIKTOKFS_OUTCOME_INT_H
#define TIKTOKFS_OUTCOME_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Tries of " (2)", " (3)" ... for a file or a folder name. */
#define OC_MAX_SUFFIX 10000

/* ---- names (outcome_names.c) ---- */

enum oc_caption_style {
	OC_CAP_STEM,  /* clip.caption */
	OC_CAP_VIDEO, /* clip.mp4.caption */
	OC_CAP_OTHER  /* anything else: " (n)" before ".caption" */
};

/* How the destination names are made from the source names. */
struct oc_plan {
	char *dir;	  /* destination folder, relative: "posted/sub" */
	char *stem, *ext; /* video "clip" + ".mp4" */
	enum oc_caption_style style;
	char *cap_stem; /* OC_CAP_OTHER: caption name without ".caption" */
	bool has_caption;
	bool error_file; /* failed/: NAME.error must be free and fit too */
	size_t name_max; /* the destination's longest name in bytes */
};

/* Plan the names of @video (and @caption, may be NULL) moving to @folder
 * ("posted" or "failed"), keeping the subfolder.  oc_plan_free() frees. */
void oc_plan_names(struct oc_plan *p, const char *folder, const char *video, const char *caption,
		   bool error_file);
void oc_plan_free(struct oc_plan *p);

/*
 * Candidate @n (1 = the plain name) of the video and caption base names
 * (caller frees; *@caption NULL without a caption).  Names that would not
 * fit p->name_max, with " (n)", the extension and the longest companion
 * name (NAME.caption, NAME.error) added, have their stem shortened on a
 * UTF-8 character boundary.  -ENAMETOOLONG when even a one-byte stem does
 * not fit.
 */
int oc_candidate(const struct oc_plan *p, int n, char **video, char **caption);

/*
 * The number of bytes of @s (@len bytes long) to keep so that they plus
 * @extra bytes fit in @max, never cutting a UTF-8 sequence in two.  0
 * when not even one character fits.
 */
size_t oc_fit(const char *s, size_t len, size_t extra, size_t max);

/* @name with " (@n)" added before @ext_len bytes of extension, shortened
 * as oc_fit() says to fit @max (caller frees).  NULL when it cannot fit. */
char *oc_suffixed(const char *name, size_t ext_len, int n, size_t max);

/* ---- folders (outcome_dir.c) ---- */

/* Whom an item's result folders are made for: the owner of its video. */
struct oc_owner {
	uid_t uid;
	gid_t gid;
	bool known;
};

/*
 * Open the destination folder @rel ("posted/sub/deeper") below @root_fd,
 * one component at a time without following links.  The top folder
 * (posted, failed) is the daemon's; below it a missing folder is created
 * for @who (chown when the daemon is root), and an existing one owned by
 * neither @who nor the daemon's user, or a name that is not a folder, is
 * stepped aside: "sub (2)".  *@used gets the path used (caller frees),
 * *@note a sentence when a folder was stepped aside, else NULL (caller
 * frees).  A link on the way is refused (-ELOOP) and, like every other
 * failure, *@why says so in a sentence (caller frees).  fd or -errno.
 */
int oc_open_dest(int root_fd, const char *rel, const struct oc_owner *who, char **used, char **note,
		 char **why);

/* A sentence for the item about @path: a symbolic link (-ELOOP), not a
 * folder (-ENOTDIR, -EEXIST), or any other -errno (caller frees). */
char *oc_refusal(const char *path, int err);

/* The first component of @rel that is a symbolic link ("outbox/sub"), or
 * NULL when there is none (caller frees). */
char *oc_link_on_path(int root_fd, const char *rel);

/* Replace @name in folder @dfd with @text atomically (a dotted temporary,
 * fsync'ed, renamed over it), owned by @who when the daemon is root.
 * 0 or -errno. */
int oc_write_at(int dfd, const char *name, const char *text, const struct oc_owner *who);

/* ---- one drop, several platforms (outcome_targets.c) ---- */

struct config;
struct job;
struct store;
struct tt_error;
struct outcome_final;

/* How an item ends once no target is left: its final state, and for
 * failed/ the whole NAME.error text (owned; NULL: made from the reason). */
struct oc_final {
	int to; /* enum job_state */
	char *text;
};

/* "tiktok" or "youtube": the platform of @account in @cfg (may be NULL). */
const char *oc_platform_of(const struct config *cfg, const char *account);
/* "TikTok" or "YouTube" for a platform name. */
const char *oc_platform_label(const char *platform);
/*
 * Job @j's current target ends in @to (posted, published, failed with
 * @why).  For a job of one account, or one already final: 0 with @out
 * saying @to as given.  For a multi-target job: its row is recorded; 1
 * when the job moved on to its next target (nothing else to do); 0 with
 * @out the item's final state and text when no target is left.  -errno
 * when the store failed.  The caller frees out->text.
 */
int oc_targets_step(struct store *st, const struct config *cfg, const struct job *j, int to,
		    const struct tt_error *why, struct oc_final *out);
/* outcome.c's final move of job @id as @fin says. */
int oc_finish_final(struct store *st, const struct config *cfg, const char *root,
		    const struct outcome_final *on_final, int64_t id, const struct oc_final *fin);
/* Mask every copy of @secret in @s (outcome.c). */
void oc_mask_literal(char *s, const char *secret);

#endif
