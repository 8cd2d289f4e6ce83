/*
 * sf_discover.h - find candidate devices: SCSI generic nodes whose
 * peripheral device type (from sysfs) is 0Dh, or every one with `all`,
 * plus the devices the context's SCSI backend (an emulator) adds.
 *
 * sysfs is only used to enumerate; identity always comes from the device
 * itself (INQUIRY), so a device behind a transport without sysfs entries
 * can still be named on the command line.
 */
#ifndef SF_DISCOVER_H
#define SF_DISCOVER_H

#include <stddef.h>

#include "safeflash/safeflash.h"

/* At most this many devices a context's SCSI backend adds are listed. */
#define SF_EMU_DECL_MAX 64

struct sf_candidate {
    char path[256];
    const char *source;   /* "sysfs" or "emulator" (static strings) */
    int pdt;              /* from sysfs, -1 if unknown */
};

/*
 * Fill *out (caller frees with free()) with candidates, sysfs ones first in
 * numeric order, then the paths the context's SCSI backend adds (source
 * "emulator").  The context says where sysfs is.  A missing
 * /sys/class/scsi_generic is not an error (no sg driver loaded).
 */
int sf_discover(sf_ctx *ctx, int all, struct sf_candidate **out, size_t *n,
                struct sf_errctx *ec);

/* A module (path) of an enclosure: one SES device, one ES process. */
struct sf_module {
    char path[256];
    uint8_t esp_id, esp_count;
    char revision[5];           /* its own processor's (primary subenclosure) */
};

/*
 * Every discoverable path whose enclosure logical identifier is logical_id
 * (identified by INQUIRY and the Configuration page), in discovery order.
 * Paths that cannot be read are skipped.  *out is the caller's (free()).
 */
int sf_discover_modules(sf_ctx *ctx, uint64_t logical_id, struct sf_module **out, size_t *n,
                        struct sf_errctx *ec);

#endif
