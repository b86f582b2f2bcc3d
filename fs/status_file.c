/*
 * STATUS.txt: the text is rendered from the job store (meta/job/status.c) each
 * time the file is opened or stat'ed, so it is always current and never
 * stored on disk: the renderer's text view without the command's extra
 * sections.  status_render() redacts secrets and escapes names itself.
 */
#include "fs/fs_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "meta/config.h"
#include "meta/job/status.h"
#include "util/strbuf.h"

int fs_status_render(char **out, size_t *len)
{
	struct tiktokfs *fs = fs_ctx();
	struct status_view v = {.format = STATUS_TEXT,
				.state_dir = fs->cfg ? fs->cfg->state_dir : NULL,
				.cfg = fs->cfg};

	if (!fs->store)
		*out = xstrdup("tiktokfs is starting\n");
	else
		status_render(fs->store, &v, out); /* an unread store is said in the text */
	*len = strlen(*out);
	return 0;
}
