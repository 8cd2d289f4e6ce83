/*
 * sf_devopen.h - choose and open the transport for a device path.
 *
 * The product path is SG_IO.  The in-process emulator is used only for a
 * path the emulator config ($SAFEFLASH_EMU) declares, and only when the
 * preload library is not loaded (under the preload library, SG_IO already
 * reaches the emulator and is the code path worth testing).
 * $SAFEFLASH_TRANSPORT=sgio|emu forces one or the other.
 */
#ifndef SF_DEVOPEN_H
#define SF_DEVOPEN_H

#include <stddef.h>

#include "safeflash/sf_err.h"
#include "transport/sf_transport.h"

int sf_devopen(const char *path, struct sf_transport **out, struct sf_errctx *ec);

/* Device paths the emulator config declares (0 when unset); fills up to
 * max entries of paths[] and returns how many, or a negative error when the
 * config is set but unusable. */
int sf_devopen_emu_paths(char (*paths)[256], size_t max, struct sf_errctx *ec);

/* True when libsafeflash-emu.so is preloaded into this process. */
int sf_devopen_preloaded(void);

#endif
