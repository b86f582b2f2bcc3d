/*
 * The commands of tiktokfs (spec: "Commands").  Each returns the process exit
 * status.  argv[0] is the command name ("login", "check", ...); cmd_main
 * dispatches.
 */
#ifndef TIKTOKFS_CMD_H
#define TIKTOKFS_CMD_H

int cmd_main(int argc, char **argv);
/* The command @arg was probably meant as ("stauts" -> "status"): one within
 * edit distance 2 (a swap of two neighbours counts 1), or one it is a prefix
 * of (at least 2 letters).  NULL when none is close or @arg looks like a
 * path (has a '/').  A static string. */
const char *cmd_suggest(const char *arg);
int cmd_mount(int argc, char **argv);
int cmd_login(int argc, char **argv);
int cmd_logout(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_watch(int argc, char **argv);

#endif
