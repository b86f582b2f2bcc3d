/*
 * STATUS.txt: the text is rendered from the job store (meta/job/status.c) each
 * time the file is opened or stat'ed, so it is always current and never
 * stored on disk: the renderer's text view without the command's extra
 * sections.  status_render() redacts secrets and escapes names itself.
 * The root's lists every account's items; accounts/NAME/STATUS.txt lists
 * NAME's alone, by their paths in NAME's folder, so that a team whose
 * share is that folder sees its own queue and results.
 */
#include "fs/fs_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "meta/account.h"
#include "meta/config.h"
#include "meta/job/drop.h"
#include "meta/job/status.h"
#include "util/strbuf.h"

/*
 * Which account's view @path is: NULL for the root's STATUS.txt (every
 * account), NAME for accounts/NAME/STATUS.txt (fs_place() let only a
 * configured NAME through) into @buf.
 */
static const char *status_account(const char *path, char *buf, size_t size)
{
	const char *rel = fs_rel(path);

	if (!strchr(rel, '/') || drop_account_of(rel, buf, size) < 0)
		return NULL;
	return buf;
}

int fs_status_render(const char *path, char **out, size_t *len)
{
	struct tiktokfs *fs = fs_ctx();
	char name[ACCOUNT_NAME_MAX + 1];
	const char *account = status_account(path, name, sizeof(name));
	char *dir = NULL;
	struct status_view v = {.format = STATUS_TEXT, .account = account, .cfg = fs->cfg};

	if (fs->cfg)
		v.state_dir = dir = account ? account_state_dir(fs->cfg->state_dir, account)
					    : xstrdup(fs->cfg->state_dir);
	if (!fs->store)
		*out = xstrdup("tiktokfs is starting\n");
	else
		status_render(fs->store, &v, out); /* an unread store is said in the text */
	free(dir);
	*len = strlen(*out);
	return 0;
}
