/*
 * The commands of tiktokfs (spec: "Commands").  Each returns the process exit
 * status.  argv[0] is the command name ("login", "check", ...); cmd_main
 * dispatches.
 */
#ifndef TIKTOKFS_CMD_H
#define TIKTOKFS_CMD_H

int cmd_main(int argc, char **argv);
int cmd_mount(int argc, char **argv);
int cmd_login(int argc, char **argv);
int cmd_logout(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_watch(int argc, char **argv);

#endif
