/*
 * sf_ctx.h - what the engine reads from the library context
 * (include/safeflash/safeflash.h has the public half).
 */
#ifndef SF_CTX_H
#define SF_CTX_H

#include "safeflash/safeflash.h"

/* Open a flash target through the backend its prefix names ("file:" as
 * registered, "mtd:" built in).  Errors: SF_ENODEV (no backend), the
 * backend's. */
int sf_ctx_flash_open(sf_ctx *ctx, const char *target, struct sf_flash **out,
                      struct sf_errctx *ec);

/* Open a SCSI path: the registered backend's, else SG_IO.  Errors as
 * the transport's (SF_ENODEV, SF_EACCES ...). */
struct sf_transport;
int sf_ctx_scsi_open(sf_ctx *ctx, const char *path, struct sf_transport **out,
                     struct sf_errctx *ec);
/* The SCSI paths the registered backend adds to listings: how many were
 * written to list (max of them; 0 without a backend), or its error. */
int sf_ctx_scsi_paths(sf_ctx *ctx, char (*list)[256], size_t max, struct sf_errctx *ec);
/* The sysfs root ("/sys" by default). */
const char *sf_ctx_sysfs(const sf_ctx *ctx);

/* The password for user@host from the caller's callback: 0, or the
 * callback's error (SF_EACCES when none is set). */
int sf_ctx_password(sf_ctx *ctx, const char *user, const char *host, char *out, size_t cap);

#endif
