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

#endif
