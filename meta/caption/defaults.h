/*
 * Folder defaults (docs/contract.md, "Folder defaults"): a file called
 * .defaults in outbox/, scheduled/ or any folder below them gives every
 * item below it the front matter keys it sets, and an item's caption is
 * settled from three layers, key by key:
 *
 *   the item's caption file  >  the nearest .defaults  >  ... its parents'
 *   >  the config (privacy, mode, caption_from)  >  the built-in default.
 *
 * The config and built-in layers are applied where they always were
 * (meta/rules.c); this module merges the files.  Two keys exist only in a
 * .defaults: `hashtags` (appended to every caption below it) and
 * `caption_from` (with `filename`, a video without a caption file is
 * taken with a caption made of its name, see dflt_caption_from_name()).
 *
 * A .defaults is untrusted (anyone who can write into the drop folder can
 * plant one): it is read from the root descriptor through
 * util/safepath.h, never through a link, only as a regular file with one
 * name, at most SIDECAR_MAX_BYTES.  A .defaults that cannot be read or
 * parsed is an error of every item below it (nothing is posted with
 * half-read defaults), and the message names the file and the line.
 */
#ifndef TIKTOKFS_DEFAULTS_H
#define TIKTOKFS_DEFAULTS_H

#include <stdbool.h>

#include "meta/caption/sidecar.h"
#include "util/error.h"

struct config;

#define DEFAULTS_NAME ".defaults"

/* The .defaults files above one item, merged. */
struct dflt_chain {
	struct sidecar keys;  /* every key they set, the nearest file winning */
	char *from[SK_COUNT]; /* the .defaults (path below the root) that set each key; owned */
	int nfiles;	      /* how many were found */
};

/* Where each key of a settled caption came from: the caption file's name
 * or a .defaults path (borrowed from the caller and the chain), or NULL:
 * the config or the built-in default. */
struct dflt_sources {
	const char *from[SK_COUNT];
	bool caption_from_name; /* the caption text is the video's cleaned name */
};

void dflt_chain_init(struct dflt_chain *c);
void dflt_chain_free(struct dflt_chain *c);

/*
 * Merge the parsed .defaults @file, called @name, into @c as the nearest
 * so far: each key it sets replaces the one a parent set.
 */
void dflt_chain_add(struct dflt_chain *c, const char *name, const struct sidecar *file);

/*
 * Read and merge the .defaults of every folder from the top of @dir down
 * to @dir itself, below the drop folder's root descriptor @root_fd: for
 * "outbox/brand", outbox/.defaults then outbox/brand/.defaults.  @dir ""
 * reads the root's own .defaults only (`tiktokfs check` on a folder that
 * is no drop folder).  A missing file is no error.  0, or -EINVAL with
 * @err (class ERR_USER) naming the file: refused (a link, a FIFO, a
 * folder, a hard link), unreadable, or a line that does not parse.
 * @c is dflt_chain_init'ed here; the caller frees it in every case.
 */
int dflt_chain_load(int root_fd, const char *dir, struct dflt_chain *c, struct tt_error *err);

/*
 * The caption made of the video file name @video_name (a base name): the
 * extension dropped, '_' and '-' (and control characters) made spaces,
 * runs of spaces made one, trimmed ("Sunset_over-the harbour.mp4" ->
 * "Sunset over the harbour").  Sets sc->caption (owned; freed first) and
 * sc->caption_utf16.  0, or -EINVAL with @err: the name is not UTF-8,
 * leaves nothing, or is longer than TikTok's caption limit.
 */
int dflt_caption_from_name(const char *video_name, struct sidecar *sc, struct tt_error *err);

/*
 * Settle the caption of the video @video_name.  With @have_sidecar, @sc
 * is its parsed caption file @sc_name; each key it leaves unset is taken
 * from @c.  Without, @sc is filled from @c alone and its text is made of
 * the video's name when caption_from (the chain's, else the config's) is
 * filename.  The chain's hashtags are then appended (after one space).
 * @src, when not NULL, says where each key came from.  0; -ENOENT when
 * there is no caption file and the caption comes from one (the item
 * waits); -EINVAL with @err when the result breaks a caption rule.  @sc
 * is the caller's to sidecar_free() in every case.
 */
int dflt_settle(const struct config *cfg, const struct dflt_chain *c, struct sidecar *sc,
		bool have_sidecar, const char *sc_name, const char *video_name,
		struct dflt_sources *src, struct tt_error *err);

/*
 * The whole of it for an item of the drop folder: the .defaults above
 * @video_rel, its caption file @caption_rel (NULL: none) read through
 * meta/job/itemfile.h, settled into @sc.  Returns dflt_settle()'s codes,
 * and those of dflt_chain_load() and sidecar_load_at() (errors class
 * ERR_USER).  A bad .defaults is reported before the caption file.
 */
int dflt_item_caption_at(const struct config *cfg, int root_fd, const char *video_rel,
			 const char *caption_rel, struct sidecar *sc, struct tt_error *err);

/* Whether @path names a .defaults (its last component is DEFAULTS_NAME). */
bool dflt_is_defaults_path(const char *path);

#endif
