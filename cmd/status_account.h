/*
 * `tiktokfs status --account NAME`, split from cmd/status.c so that the
 * queue view and the account view each stay one concern.
 */
#ifndef TIKTOKFS_STATUS_ACCOUNT_H
#define TIKTOKFS_STATUS_ACCOUNT_H

#include <stdbool.h>

struct config;

/* Print account @name of @cfg as text or JSON; the exit status. */
int status_account_print(const struct config *cfg, const char *name, bool json);

#endif
