/*
 * sf_emu.h - the simulators that stand in for hardware, registered with a
 * library context (libsafeflash-emu: never part of the product library).
 * Tests, the demo and the CLI's file: targets use them; a program that
 * drives real hardware does not link them.
 */
#ifndef SAFEFLASH_SF_EMU_H
#define SAFEFLASH_SF_EMU_H

#include "safeflash/safeflash.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Register the file-backed NOR flash model as the context's "file:"
 * flash backend: a target file:PATH is a flash chip whose size is the
 * file's, with real NOR rules (erase to FFh, program clears bits, lock
 * bits) and the faults spec names - "erase=64K,write=1,overwrite=and,
 * locks=1,fault=program-torn@7" (any subset; NULL or "" for defaults;
 * the fault kinds are listed in docs/flash-layout.md).  Errors:
 * SF_ECONFIG (spec does not parse; ec says where), SF_ENOMEM.
 */
int sf_emu_nor_attach(sf_ctx *ctx, const char *spec, struct sf_errctx *ec);

/* How the enclosure and drive emulator serves a context's SCSI paths. */
enum sf_emu_scsi_mode {
    SF_EMU_SCSI_DECLARED = 0, /* the paths the config declares, in-process; others SG_IO */
    SF_EMU_SCSI_ALL,          /* every path (one the config does not declare: SF_ENODEV) */
    SF_EMU_SCSI_LIST_ONLY,    /* SG_IO opens every path (the preload library answers
                                 it); the declared paths are only listed */
};

/*
 * Register the enclosure and drive emulator (docs/emulator.md: the JSON
 * config at conf, its devices' state beside it) as the context's SCSI
 * backend: its declared paths are listed by sf_device_list and, as mode
 * says, opened in-process.  The config is read when a path is opened or
 * listed (a config that does not parse fails that with SF_ECONFIG).
 * Errors: SF_EINVAL (no conf), SF_ENOMEM.
 */
int sf_emu_scsi_attach(sf_ctx *ctx, const char *conf, enum sf_emu_scsi_mode mode,
                       struct sf_errctx *ec);

#ifdef __cplusplus
}
#endif

#endif
