/*
 * The drop folder, known in one place: its five folders and their names,
 * which folder a path is in, what a file name means to it (a copy tool's
 * temporary, a video, a caption), which directories can hold items, and
 * how the folders are created.  The tracker, the filesystem, watch mode,
 * the daemon and the poster ask here instead of spelling "outbox" or
 * "scheduled/" themselves (docs/contract.md, "The folders").
 *
 * Paths are relative to the drop folder's root ("outbox/sub/clip.mp4"); a
 * leading '/' (the mount's form) is skipped.
 *
 * Accounts (docs/contract.md, "### Accounts"): the five folders at the root
 * are the default account's; accounts/NAME/ holds the same five for account
 * NAME.  A path's account is the folder it is in, and every function below
 * that asks which folder a path is in looks past "accounts/NAME/" first, so
 * "accounts/b/outbox/x.mp4" is an item of outbox/ like "outbox/x.mp4".
 * Whether NAME is configured is the caller's question (meta/config.h): an
 * item of an unknown account is still an item, refused with NAME.error.  A
 * NAME that is no valid account name (meta/account.h: ".recycle", "")
 * makes no account folder, and nothing below it is an item.  Everything here is a pure
 * function of strings except drop_create(), which makes the folders.
 *
 * The mode rule, stated once (drop_create):
 *  - the root, when missing, is made 0755: in watch mode it is the folder
 *    users reach (over Samba too), so it must let them in; in a mount it is
 *    state_dir/staging, below state_dir's 0700, so 0755 opens nothing;
 *  - each folder, when missing, is made 01777 when the daemon runs as root
 *    and 0755 otherwise.  As root the daemon serves other users: in a mount
 *    (allow_other) and in a shared watch folder they must all be able to
 *    drop files, and the sticky bit, as on /tmp, keeps them from deleting
 *    or renaming each other's.  A daemon of one user serves that user only.
 *  - accounts/ and accounts/NAME/ are roots of a kind (they hold folders,
 *    not items) and are made like the root, 0755: a user cannot make an
 *    account appear, only the configuration does (a user may still make
 *    accounts/X/ where the folder's mode lets them: its items are refused);
 *  - what exists is left as it is: an administrator's own modes win.
 * The mode is set with fchmod after the mkdir, so the umask does not
 * narrow it.  A folder that goes missing while the daemon runs is made
 * again by the same rule when an item moves into it (meta/job/outcome_dir.c).
 * A subfolder that a move makes below posted/ or failed/ (the item's own
 * subfolder, kept) is DROP_SUBFOLDER_MODE less the umask and belongs to
 * the item's owner: only that owner writes there.
 */
#ifndef TIKTOKFS_DROP_H
#define TIKTOKFS_DROP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

enum drop_folder {
	DROP_NONE = -1,
	DROP_OUTBOX = 0, /* items to post now */
	DROP_SCHEDULED,	 /* items to post at their caption's schedule: time */
	DROP_POSTED,	 /* results */
	DROP_FAILED,	 /* what could not be posted, with NAME.error */
	DROP_QUEUE,	 /* items to post at the next free slot (meta/job/queue.h) */
	DROP_NFOLDERS
};

#define DROP_ROOT_MODE 0755
#define DROP_FOLDER_MODE_SHARED 01777 /* the daemon runs as root */
#define DROP_FOLDER_MODE_OWN 0755     /* the daemon runs as its user */
#define DROP_SUBFOLDER_MODE 0755

/* The mode a missing folder of the four is made with, by the rule above. */
mode_t drop_folder_mode(void);

#define DROP_ACCOUNTS "accounts"       /* the folder of the other accounts */
#define DROP_DEFAULT_ACCOUNT "default" /* the account of the root's folders */

/* @path seen from its account's folder: "accounts/b/outbox/x" -> "outbox/x",
 * "outbox/x" -> itself (leading '/' skipped).  NULL for "accounts",
 * "accounts/NAME" and a NAME that is no valid account name.  Borrowed from
 * @path. */
const char *drop_account_rel(const char *path);
/* The account @path belongs to into @buf (@size bytes): "default" for the
 * root's folders, NAME below accounts/NAME/.  0, or -ENOENT when @path is
 * in no account's folder ("accounts" itself, an invalid NAME, STATUS.txt
 * stays "default": it is the root's). */
int drop_account_of(const char *path, char *buf, size_t size);
/* Folder @f of account @account into @buf: "posted" for "default" (or NULL),
 * "accounts/NAME/posted" otherwise.  0, or -ENAMETOOLONG. */
int drop_account_folder(const char *account, enum drop_folder f, char *buf, size_t size);

/* "outbox", "scheduled", "posted", "failed", "queue"; NULL for anything else.
 * Static strings. */
const char *drop_folder_name(enum drop_folder f);
/* The top folder of @path ("scheduled/a/b.mp4" -> DROP_SCHEDULED), or
 * DROP_NONE for the root, STATUS.txt or an unknown name. */
enum drop_folder drop_folder_of(const char *path);
/* In outbox/, scheduled/ or queue/: where items wait (the folder itself
 * too). */
bool drop_in_staging(const char *path);
/* In scheduled/, where a schedule time is required. */
bool drop_in_scheduled(const char *path);
/* In queue/, where an item gets the next free posting slot. */
bool drop_in_queue(const char *path);

/*
 * A directory (outbox/, scheduled/, queue/ or one below them) whose files can be
 * items: no component below the top folder starts with a dot or is empty.
 * A file under a dot-directory is no item: Samba's recycle bin (.recycle/),
 * macOS's .TemporaryItems/ and sync tools' version folders live there, and
 * moving a file into one is how those tools delete it.
 */
bool drop_dir_visible(const char *dir);

/* Copy tools' temporary names: dotfiles (rsync's .name.XXXXXX,
 * .goutputstream-*, ._*, .DS_Store), ~* (incl. Office/Samba ~$*), *.part,
 * *.partial, *.crdownload, *.tmp, *.filepart (WinSCP), *.download (Safari);
 * suffixes case-insensitive.  NULL or "" counts as temporary. */
bool drop_is_temp_name(const char *basename);
/* A real (not temporary) name with a video extension, case-insensitive:
 * mp4 mov m4v 3gp 3g2 webm mkv avi mpg mpeg ts m2ts mts wmv asf. */
bool drop_is_video_name(const char *basename);
/* A real name ending in ".caption" (case-insensitive) with a stem. */
bool drop_is_caption_name(const char *basename);

enum drop_kind { DROP_NOT_ITEM = 0, DROP_VIDEO, DROP_CAPTION };

/* What @path is: a video or a caption with a real name in a visible
 * directory of outbox/, scheduled/ or queue/, or no part of an item. */
enum drop_kind drop_classify(const char *path);

/*
 * Make @root (an absolute path the administrator configured, trusted as
 * it is; missing parents 0755) and its five folders by the mode rule
 * above.  The folders are made below the root's descriptor without
 * following links (util/safepath.h).  A name that exists is left alone,
 * whatever it is: the walks that use the folders refuse links and files
 * on their own, and say so.  0, or -errno with @err saying which path and
 * what to do.
 */
int drop_create(const char *root, struct tt_error *err);
/* The same for account @name: @root/accounts/@name (0755 by the rule) and
 * its five folders.  @root exists (drop_create first).  accounts/ or
 * accounts/@name that is there as anything but a folder (a symlink, a FIFO,
 * a file someone planted) is refused: -ENOTDIR, @err saying what it is.
 * 0 or -errno with @err. */
int drop_create_account(const char *root, const char *name, struct tt_error *err);
struct config;
/* drop_create_account() for every account of @cfg but the default one
 * (NULL @cfg: none).  0 or the first -errno with @err. */
int drop_create_accounts(const char *root, const struct config *cfg, struct tt_error *err);

#endif
