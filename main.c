/*
 * tiktokfs's main(), and nothing else: it exists so that libtiktokfs.a
 * (every other file, which the unit tests link) has no main().  cmd_main()
 * (cmd/main.c) picks the command.
 */
#include "cmd/cmd.h"

int main(int argc, char **argv)
{
	return cmd_main(argc, argv);
}
