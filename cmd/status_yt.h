/*
 * `tiktokfs status --account NAME` for a YouTube account (cmd/status_yt.c).
 */
#ifndef TIKTOKFS_STATUS_YT_H
#define TIKTOKFS_STATUS_YT_H

#include <stdbool.h>

#include "cmd/accounts.h"

/* Print the YouTube account of @ctx as text or JSON; the exit status. */
int status_yt_print(const struct account_ctx *ctx, bool json);

#endif
