/*
 * tiktokfs: command dispatch.  Each command lives in cmd/; main only picks
 * one.  Kept short on purpose.
 */
#include "cmd/cmd.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	return cmd_main(argc, argv);
}
