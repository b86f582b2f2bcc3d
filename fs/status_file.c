/*
 * STATUS.txt: the text is rendered from the job store (meta/job/status.c) each
 * time the file is opened or stat'ed, so it is always current and never
 * stored on disk.  status_render() redacts secrets and escapes names itself.
 */
#include "fs/fs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "meta/config.h"
#include "meta/job/status.h"
#include "util/strbuf.h"

int fs_status_render(char **out, size_t *len)
{
	struct tiktokfs *fs = fs_ctx();
	struct status_extra x = {.state_dir = fs->cfg ? fs->cfg->state_dir : NULL};

	if (!fs->store) {
		*out = xstrdup("tiktokfs is starting\n");
	} else {
		*out = status_render(fs->store, &x);
	}
	*len = strlen(*out);
	return 0;
}
