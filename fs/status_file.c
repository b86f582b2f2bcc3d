/*
 * STATUS.txt: the text is rendered from the job store (meta/job/status.c) each
 * time the file is opened or stat'ed, so it is always current and never
 * stored on disk: the renderer's text view without the command's extra
 * sections.  status_render() redacts secrets and escapes names itself.
 * The root's lists every account's items; accounts/NAME/STATUS.txt only
 * NAME's, with NAME's login.
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

int fs_status_render(const char *path, char **out, size_t *len)
{
	struct tiktokfs *fs = fs_ctx();
	const struct config *cfg = fs->cfg;
	struct status_view v = {
	    .format = STATUS_TEXT, .state_dir = cfg ? cfg->state_dir : NULL, .cfg = cfg};
	char name[ACCOUNT_NAME_MAX + 1];
	char *dir = NULL;

	/* accounts/NAME/STATUS.txt: NAME's items and login only; the root's
	 * summarises every account */
	if (cfg && drop_account_of(path ? fs_rel(path) : "", name, sizeof(name)) == 0 &&
	    strcmp(name, DROP_DEFAULT_ACCOUNT)) {
		dir = account_state_dir(cfg->state_dir, name);
		v.account = name;
		v.state_dir = dir;
		v.cfg = NULL;
	}
	if (!fs->store)
		*out = xstrdup("tiktokfs is starting\n");
	else
		status_render(fs->store, &v, out); /* an unread store is said in the text */
	*len = strlen(*out);
	free(dir);
	return 0;
}
