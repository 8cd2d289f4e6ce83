/*
 * sf_sgio.h - the Linux SG_IO transport: /dev/sgN (sg v3 interface),
 * /dev/bsg/... (v4 interface), and block devices that accept SG_IO.
 * This is the path real hardware takes.
 */
#ifndef SF_SGIO_H
#define SF_SGIO_H

#include "safeflash/sf_err.h"
#include "sf_transport.h"

/*
 * Open path for SG_IO.  Errors: SF_ENODEV (no such file), SF_EACCES
 * (permission), SF_ENOTSUP (the node does not take SG_IO), SF_EIO.
 * On success *out is owned by the caller (sf_transport_close()).
 */
int sf_sgio_open(const char *path, struct sf_transport **out, struct sf_errctx *ec);

#endif
