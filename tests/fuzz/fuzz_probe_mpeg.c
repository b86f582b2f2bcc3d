/*
 * libFuzzer target for the MPEG transport and program stream probes
 * (probe_mpeg.c): arbitrary bytes give a result or a classified error,
 * never a crash (see fuzz_probe.h).
 */
#include "fuzz_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_family(CONTAINER_MPEG_TS, data, size);
	fuzz_family(CONTAINER_MPEG_PS, data, size);
	return 0;
}
