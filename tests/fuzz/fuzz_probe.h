/*
 * Shared body of the media probe fuzz targets (fuzz_probe_*.c): each forces
 * one container family on arbitrary bytes (so that the family sees every
 * mutation, not only those that keep its magic intact), then runs the
 * magic-byte dispatcher too.  Never a crash, a leak or undefined
 * behaviour; and the probe's promises hold: a result has a container of
 * the forced family, a rotation of 0/90/180/270, a printable codec name
 * and the buffer's size; a refusal is classified and says why, naming the
 * file.
 */
#ifndef TIKTOKFS_FUZZ_PROBE_H
#define TIKTOKFS_FUZZ_PROBE_H

#include "meta/media/probe.h"
#include "meta/media/probe_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(int r, const struct media_info *mi, const struct tt_error *err, size_t size)
{
	if (r) {
		if (r != tt_error_errno(err->cls) || strncmp(err->what, "fuzz.mp4: ", 10) ||
		    !err->what[10])
			abort();
		if (err->cls != ERR_PERMANENT && err->cls != ERR_INCOMPLETE)
			abort();
		return;
	}
	if (mi->size != size || mi->container == CONTAINER_UNKNOWN)
		abort();
	if (mi->rotation != 0 && mi->rotation != 90 && mi->rotation != 180 && mi->rotation != 270)
		abort();
	if (!memchr(mi->codec, '\0', sizeof(mi->codec)))
		abort();
	for (const char *c = mi->codec; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			abort();
	if (mi->duration != mi->duration || mi->fps != mi->fps || mi->fps < 0)
		abort(); /* NaN */
}

static int fuzz_family(enum container family, const uint8_t *data, size_t size)
{
	struct media_info mi;
	struct tt_error err;
	int r;

	r = probe_buffer_as(family, data, size, "fuzz.mp4", &mi, &err);
	fuzz_check(r, &mi, &err, size);
	if (!r) {
		bool same = mi.container == family ||
			    (family == CONTAINER_MP4 &&
			     (mi.container == CONTAINER_MOV || mi.container == CONTAINER_3GP)) ||
			    (family == CONTAINER_MKV && mi.container == CONTAINER_WEBM);

		if (!same)
			abort();
	}
	r = probe_buffer(data, size, "fuzz.mp4", &mi, &err);
	fuzz_check(r, &mi, &err, size);
	return 0;
}

#endif
