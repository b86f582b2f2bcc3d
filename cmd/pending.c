/*
 * TEMPORARY during development: weak definitions of commands not yet
 * written, so the tree links while helpers work in parallel.  Each is
 * overridden by the real command's file.  This file must be gone before the
 * issue that owns the command is closed.
 */
#include "cmd/cmd.h"

#include <stdio.h>

static int pending(const char *name)
{
	fprintf(stderr, "tiktokfs: '%s' is not available in this build\n", name);
	return 1;
}

__attribute__((weak)) int cmd_mount(int argc, char **argv)
{
	(void)argc, (void)argv;
	return pending("mount");
}
__attribute__((weak)) int cmd_login(int argc, char **argv)
{
	(void)argc, (void)argv;
	return pending("login");
}
__attribute__((weak)) int cmd_logout(int argc, char **argv)
{
	(void)argc, (void)argv;
	return pending("logout");
}
__attribute__((weak)) int cmd_status(int argc, char **argv)
{
	(void)argc, (void)argv;
	return pending("status");
}
__attribute__((weak)) int cmd_check(int argc, char **argv)
{
	(void)argc, (void)argv;
	return pending("check");
}
__attribute__((weak)) int cmd_watch(int argc, char **argv)
{
	(void)argc, (void)argv;
	return pending("watch");
}

/* The posting worker arrives with net/poster.c. */
#include "net/poster.h"
#include <stddef.h>
__attribute__((weak)) struct poster *poster_start(struct store *st, const struct config *cfg,
						   const char *root)
{
	(void)st, (void)cfg, (void)root;
	return NULL;
}
__attribute__((weak)) void poster_stop(struct poster *p)
{
	(void)p;
}
