/*
 * sf_emu.h - the emulated SES enclosure: a device model that answers CDBs
 * with the bytes a real SPC-4 / SES-3 enclosure would send.
 *
 * It is a test device, not the product.  It exists so that the real code
 * paths (SG_IO through the preload library, or the in-process transport)
 * can be exercised, and so that unmodified sg3_utils tools can talk to it.
 * Everything it returns is built with the protocol codecs in src/proto.
 *
 * State (revisions, download progress, pending UNIT ATTENTION, generation
 * code) lives in a file shared by every process that opens the same
 * config, mapped MAP_SHARED and serialised with flock(), so a device seen
 * by sg_ses in one process and safeflash in another is the same device.
 */
#ifndef SF_EMU_H
#define SF_EMU_H

#include <stddef.h>
#include <stdint.h>

#include "emu/sf_emu_conf.h"
#include "safeflash/sf_err.h"
#include "transport/sf_transport.h"

struct sf_emu;

/* Vendor-specific diagnostic page of the emulated dual-module shelf:
 * partner firmware sync control (byte 4 bit 0). */
#define SF_EMU_PAGE_PARTNER_SYNC 0x80

/* Load the config and map (creating or re-initialising) its state file. */
int sf_emu_open(const char *conf_path, struct sf_emu **out, struct sf_errctx *ec);
void sf_emu_close(struct sf_emu *e);

const struct sf_emu_conf *sf_emu_conf(const struct sf_emu *e);

/* Device index for a declared path, or -1. */
int sf_emu_find(const struct sf_emu *e, const char *path);

/* One command as the device sees it. */
struct sf_emu_io {
    const uint8_t *cdb;
    size_t cdb_len;
    enum sf_dir dir;
    uint8_t *data;
    uint32_t data_len;        /* dxfer length the initiator offered */
    /* out */
    uint8_t status;
    uint8_t sense[32];
    uint8_t sense_len;
    uint32_t resid;
    uint16_t host_status;     /* nonzero: the command died in transit
                                 (08h DID_RESET); no SCSI status */
};

/* Execute one command on device dev.  Returns 0 when a SCSI status was
 * produced (in io->status), or a negative error when the device is not
 * reachable (SF_ENODEV). */
int sf_emu_execute(struct sf_emu *e, int dev, struct sf_emu_io *io);

enum sf_emu_reset_kind {
    SF_EMU_RESET_HARD = 0,     /* target/LU reset: UA 29h/00h */
    SF_EMU_RESET_POWER = 1,    /* power cycle: UA 29h/01h */
};

/* Reset a device as if the bus, the LU or its power was reset. */
int sf_emu_reset(struct sf_emu *e, int dev, enum sf_emu_reset_kind kind);

/* What a subenclosure's model holds, for tests and the sfemu tool. */
struct sf_emu_sub_report {
    uint8_t id;
    char revision[5];
    char deferred[5];          /* "" when none */
    char pending[5];           /* stored, waiting for reset/power */
    uint8_t dl_status;
    uint32_t expected_offset;
    uint32_t activations;
    uint32_t downloads;
    int valid;                 /* runs an image that passed its check */
};
int sf_emu_report(struct sf_emu *e, int dev, struct sf_emu_sub_report *out, size_t max,
                  size_t *n, uint32_t *gen);

/* One-shot faults, for tests of recovery: the k-th command from now.
 * This is the fault injector of the test harness: it sits where commands
 * enter the device model, so it applies to the in-process transport and,
 * through the preload library, to any program (sg3_utils included). */
enum sf_emu_fault {
    SF_EMU_FAULT_EIO = 1,       /* not executed; transport error (DID_ERROR) */
    SF_EMU_FAULT_LOST = 2,      /* executed, but the response is lost (DID_ERROR) */
    SF_EMU_FAULT_RESET = 3,     /* the device resets first (downloads lost) */
    SF_EMU_FAULT_BUSY = 4,      /* answered BUSY, not executed */
    SF_EMU_FAULT_CHECK = 5,     /* CHECK CONDITION with given sense, not executed */
    SF_EMU_FAULT_BUSRESET = 6,  /* SCSI bus reset: like reset, UA 29h/02h */
    SF_EMU_FAULT_PATHDROP = 7,  /* the device is gone for `duration` commands */
    SF_EMU_FAULT_POWER = 8,     /* power lost now: power cycle, gone a while */
    SF_EMU_FAULT_POWERNV = 9,   /* power lost; hits any non-volatile update */
    SF_EMU_FAULT_LIE = 10,      /* next completion status is reported, not done */
    SF_EMU_FAULT_TIMEOUT = 11,  /* executed, then the host times out */
    SF_EMU_FAULT_FOREIGN = 12,  /* another initiator (a second host on a shared JBOD)
                                   starts a download on subenclosure `key` first; the
                                   command itself runs normally */
};

struct sf_emu_fault_spec {
    enum sf_emu_fault kind;
    uint8_t key, asc, ascq;     /* CHECK: default ABORTED COMMAND 47h/00h */
    uint16_t duration;          /* PATHDROP/POWER: default 2 */
    /* FOREIGN: key is the subenclosure id when asc is 1, else the
     * device's first subenclosure */
};

/* Parse "eio", "check=5/24/00", "pathdrop=3", ...; 0 or SF_EINVAL. */
int sf_emu_fault_parse(const char *text, struct sf_emu_fault_spec *out);
const char *sf_emu_fault_name(enum sf_emu_fault k);
int sf_emu_add_fault(struct sf_emu *e, int dev, uint64_t in_cmds,
                     const struct sf_emu_fault_spec *f);

/* Current (running) revision of a subenclosure, for tests and sfemu. */
int sf_emu_revision(struct sf_emu *e, int dev, uint8_t sub_id, char out[5]);

/* Commands the device has executed since its state was created. */
uint64_t sf_emu_command_count(struct sf_emu *e, int dev);

#endif
