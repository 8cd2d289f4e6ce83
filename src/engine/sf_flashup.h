/*
 * sf_flashup.h - updating firmware kept in NOR flash so that the last good
 * image is never lost (field report 000).  Two layouts (sf_slot.h):
 *
 *   primary-backup  1. if the primary is valid, copy it to the backup and
 *                      verify the copy by reading it back and hashing it;
 *                   2. program the primary;  3. verify it.
 *                   A backup that cannot be made or verified stops the
 *                   update before the primary is touched: DEGRADED.
 *   ab              write the slot that does not boot, verify it, and
 *                   program its header last; the slot that boots is never
 *                   touched.
 *
 * Invariants, for any interruption at any erase or program:
 *   I1. A region is changed only after its header block was erased, and its
 *       header is programmed only after every other byte of the region was
 *       written and read back: a region whose header checks out holds
 *       exactly the image the header describes.
 *   I2. The region that boots before the update is not written until the
 *       other region holds a verified copy (primary-backup) or at all (ab).
 *   Together: a valid image boots at every step, old or new.
 *
 * Delta writes: only erase blocks whose content differs are written, and a
 * block whose change only clears bits is programmed without an erase.
 */
#ifndef SF_FLASHUP_H
#define SF_FLASHUP_H

#include <stddef.h>
#include <stdint.h>

#include "proto/sf_slot.h"
#include "safeflash/sf_err.h"
#include "transport/sf_flash.h"

struct sf_slot_state {
    int valid;                /* header decodes and the image's SHA-256 matches */
    int erased;               /* the header bytes are all FFh */
    struct sf_slot_hdr h;     /* when the header decoded */
    char why[160];            /* when not valid */
};

struct sf_flash_view {
    struct sf_slot_state s[SF_LAYOUT_MAX_REGIONS];
    int boots;                /* region that boots by the layout's rule, -1: none */
    int backup_current;       /* primary-backup: the backup is byte-identical to the primary */
};

/* The boot rule, applied to two slots' states: primary-backup boots the
 * primary if valid, else the backup; ab the valid slot with the higher
 * sequence number (a on a tie).  Returns the region index or -1. */
int sf_flashup_boot_rule(enum sf_layout_kind k, const struct sf_slot_state s[2]);

/* Read both regions and apply the boot rule.  fl[i] is the layout's flash i. */
int sf_flashup_inspect(struct sf_flash *const *fl, size_t nfl, const struct sf_layout *l,
                       struct sf_flash_view *v, struct sf_errctx *ec);

/* Events.  A PHASE event comes before the phase's first write; a callback
 * that returns non-zero for it (the journal could not record the phase)
 * stops the update there, with that error and nothing of the phase
 * written.  The return value of other events is ignored. */
enum sf_fev_kind { SF_FEV_PHASE, SF_FEV_PROGRESS, SF_FEV_NOTICE };
typedef int (*sf_fev_cb)(enum sf_fev_kind k, const char *text, uint64_t done, uint64_t total,
                          void *arg);

struct sf_flashup_result {
    int degraded;             /* the backup could not be made; the primary is untouched */
    char step[64];            /* the step that failed, "" on success */
    int region;               /* region being written when it failed, -1 */
    uint64_t block;           /* flash offset of the erase block that failed */
    char msg[512];            /* the failure, one line */
    int nothing_to_do;        /* the image already boots */
    int boots_before, boots_after; /* region index, -1: none */
    char ver_before[17], ver_after[17]; /* version that boots, "" none */
    int locks_restored;       /* 1: every lock taken off was put back */
    uint64_t blocks_written, blocks_same;
};

struct sf_flashup_opts {
    int dry_run;              /* plan and report; write nothing */
    int backup_only;          /* repair: save the primary to the backup, no image */
};

/*
 * Install img (len bytes, version ver) by the layout's procedure.  Returns
 * 0 when the new image boots (or already did), or an error with res
 * saying which step, region and block failed, what boots now, and whether
 * the result is DEGRADED (res->degraded).  Locks taken off are put back on
 * every path.
 */
int sf_flashup_install(struct sf_flash *const *fl, size_t nfl, const struct sf_layout *l,
                       const uint8_t *img, uint32_t len, const char *ver,
                       const struct sf_flashup_opts *o, sf_fev_cb cb, void *arg,
                       struct sf_flashup_result *res);

/* primary-backup only: save the valid primary to the backup and verify it
 * (the step a DEGRADED install could not do).  Same result reporting. */
int sf_flashup_repair_backup(struct sf_flash *const *fl, size_t nfl, const struct sf_layout *l,
                             sf_fev_cb cb, void *arg, struct sf_flashup_result *res);

#endif
