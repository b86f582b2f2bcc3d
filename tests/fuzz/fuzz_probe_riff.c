/*
 * libFuzzer target for the riff probe (probe_riff.c): arbitrary bytes
 * give a result or a classified error, never a crash (see fuzz_probe.h).
 */
#include "fuzz_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_family(CONTAINER_AVI, data, size);
}
