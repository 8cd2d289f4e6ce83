/*
 * sf_emu_state.h - layout and life cycle of the emulator's state file.
 *
 * Invariants:
 *  1. The file starts with struct sf_emu_state; staging buffers for image
 *     downloads follow at the offsets recorded per subenclosure.
 *  2. A file whose magic, version, config hash or size does not match the
 *     config is re-initialised from the config (a changed config is a new
 *     device), under the same exclusive lock that guards every command.
 *  3. Every access to the mapping happens between sf_emu_state_lock() and
 *     sf_emu_state_unlock(); commands are atomic with respect to each other
 *     across processes, as on a real device that serialises its task set.
 */
#ifndef SF_EMU_STATE_H
#define SF_EMU_STATE_H

#include <stddef.h>
#include <pthread.h>
#include <stdint.h>

#include "emu/sf_emu_conf.h"
#include "safeflash/sf_err.h"

#define SF_EMU_STATE_MAGIC "SFEMUST7"
#define SF_EMU_STATE_VERSION 7u
#define SF_EMU_MAX_FAULTS 16

struct sf_emu_sub_state {
    char revision[5];          /* running firmware revision */
    char deferred_rev[5];      /* stored, awaiting activation (13h) */
    uint8_t has_deferred;
    uint8_t dl_status;         /* download microcode status (0Eh page) */
    uint8_t dl_addl;
    uint8_t dl_mode;           /* mode of the download in progress */
    uint8_t dl_buffer_id;
    uint8_t pad_;
    uint32_t expected_offset;
    uint32_t image_len;        /* of the download in progress */
    uint32_t received;         /* contiguous bytes received */
    uint32_t nv_polls_left;    /* status reads still showing 02h/03h */
    uint32_t chunks;           /* control pages accepted for this download */
    uint64_t buf_off;          /* staging buffer offset in the file */
    uint32_t buf_cap;          /* = max_image */
    uint32_t activations;      /* times new microcode started running */
    char committing_rev[5];    /* revision of the image being committed */
    uint8_t completion;        /* 10h-13h to report once NV update ends */
    char pending_rev[5];       /* stored, runs after reset (11h) / power (12h) */
    uint8_t pending_kind;      /* 0, 11h or 12h */
    uint32_t downloads;        /* images completely received */
    uint8_t lying;             /* this completion is a lie: nothing runs */
    uint8_t wb_events;         /* drive: events that start the deferred
                                  image (SF_WB_PO_ACT | SF_WB_HR_ACT) */
};

struct sf_emu_dev_state {
    uint32_t gen;              /* generation code */
    uint8_t ua_pending;
    uint8_t ua_asc;
    uint8_t ua_ascq;
    uint8_t not_ready_cmds;    /* commands answered NOT READY after a reset */
    uint8_t abort_next;        /* next command is aborted by a device reset */
    uint64_t cmd_count;
    uint32_t resets;
    uint32_t nfaults;
    struct {
        uint64_t at;           /* cmd_count value that triggers it */
        uint8_t kind;          /* enum sf_emu_fault */
        uint8_t key, asc, ascq;/* CHECK CONDITION sense */
        uint16_t duration;     /* commands a path drop / power loss lasts */
    } faults[SF_EMU_MAX_FAULTS];
    uint32_t drop_left;        /* commands still answered "no device" */
    uint8_t lie_next;          /* next completion is reported, not done */
    uint8_t sync_on;           /* partner firmware sync enabled */
    uint32_t push_left;        /* a push from the partner to this device:
                                  commands until it lands (0 = none) */
    char push_rev[5];
    uint32_t flip_left;        /* flipback fault: commands until it reverts */
    char flip_rev[5];
    uint32_t pushes;           /* pushes started towards this device */
    uint32_t nsub;
    struct sf_emu_sub_state sub[SF_EMU_MAX_SUB];
};

struct sf_emu_state {
    char magic[8];
    uint32_t version;
    uint32_t ndev;
    uint64_t conf_hash;
    uint64_t size;
    struct sf_emu_dev_state dev[SF_EMU_MAX_DEV];
};

struct sf_emu_state_map {
    /* flock() on fd excludes other processes; threads of one process share
     * the descriptor, so they also take this mutex (safeflash --jobs runs
     * one thread per enclosure). */
    pthread_mutex_t mu;
    int fd;
    struct sf_emu_state *st;
    uint8_t *base;
    size_t size;
};

/* Open/create and map the state file for conf; initialise it if needed. */
int sf_emu_state_open(const struct sf_emu_conf *conf, struct sf_emu_state_map *m,
                      struct sf_errctx *ec);
void sf_emu_state_close(struct sf_emu_state_map *m);

int sf_emu_state_lock(struct sf_emu_state_map *m);
void sf_emu_state_unlock(struct sf_emu_state_map *m);

/* The staging buffer of a subenclosure (index into conf->dev[d].sub[]). */
uint8_t *sf_emu_state_buf(struct sf_emu_state_map *m, int dev, int sub);

#endif
