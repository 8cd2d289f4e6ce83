/*
 * sf_emutr.h - in-process transport to the emulated enclosure.  Commands
 * skip the kernel and the preload library and go straight to the device
 * model; everything above the transport is the same code as for SG_IO.
 */
#ifndef SF_EMUTR_H
#define SF_EMUTR_H

#include "safeflash/sf_err.h"
#include "transport/sf_transport.h"

/* Open device `path` declared in the emulator config `conf_path`.
 * SF_ENODEV if the config does not declare it. */
int sf_emutr_open(const char *conf_path, const char *path, struct sf_transport **out,
                  struct sf_errctx *ec);

#endif
