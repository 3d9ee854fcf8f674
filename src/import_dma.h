/* SPDX-License-Identifier: MIT */
/* import_dma.h: dma's dma.conf converted for sealpost --import (import.h),
 * writing through import_out.h. */
#ifndef SEALPOST_IMPORT_DMA_H
#define SEALPOST_IMPORT_DMA_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "import_out.h"

/* import_dma: parse text (len bytes) as a dma.conf and write one [account
 * default] (mode = mx without SMARTHOST) and the warnings through o; the
 * user comes from the AUTHPATH file, read through o. Errors, with
 * "FILE[:LINE]: what" in err: ERR_CONFIG (a line over IMPORT_LINE_MAX, a
 * NUL byte, a SMARTHOST that cannot be written). */
enum err import_dma(struct import_out *o, const char *text, size_t len,
    struct buf *err) WUR;

#endif
