/*
 * sf_emu_conf.h - the emulated devices' declaration, read from the config
 * file named by SAFEFLASH_EMU.
 *
 * The file is JSON (json-c accepts C and C++ style comments in it).  See
 * docs/emulator.md for every key; examples/emu/jbod.conf is a complete one.
 * Parsing is pure apart from reading the file: sf_emu_conf_parse() takes the
 * text, so it has a fuzz target.
 */
#ifndef SF_EMU_CONF_H
#define SF_EMU_CONF_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "safeflash/sf_err.h"

#define SF_EMU_MAX_DEV 64
#define SF_EMU_MAX_SUB 16
#define SF_EMU_MAX_TYPES 16
#define SF_EMU_MAX_IMAGE (64u * 1024u * 1024u)

struct sf_emu_type_conf {
    uint8_t elem_type;
    uint8_t count;
    char text[64];
};

/* Behaviour switches that model what real enclosures do (ses-reference.md,
 * "Observed behaviour").  Download-related ones are used from issue 3 on. */
struct sf_emu_quirks {
    int reject_deferred;        /* 0Eh rejected: 1 = CHECK CONDITION, 2 = status 80h */
    uint32_t max_chunk;         /* larger pages get ILLEGAL REQUEST; 0 = none */
    int reset_on_status_read;   /* status read mid-download resets the engine */
    int abort_status_after_last;/* status read right after the last chunk aborted */
    int needs_power_cycle;      /* completion is 12h */
    unsigned nv_update_polls;   /* status reads that show 02h/03h before done */
    unsigned latency_us;        /* per command */
    unsigned bandwidth_kib_s;   /* data-out bandwidth; 0 = unlimited */
    int power_loss_nv;          /* a processor losing power mid non-volatile
                                   update: 0 keeps the old image (00h),
                                   1 reports 83h, 2 reports 84h, 3 boots a
                                   recovery image (recovery_revision, 83h) */
    char recovery_revision[5];
    int corrupt_page;           /* diag page sent with a page length 40
                                   bytes longer than its body; -1 = none */
};

struct sf_emu_sub_conf {
    uint8_t id;
    char vendor[9];
    char product[17];
    char revision[5];
    uint64_t logical_id;
    uint32_t max_image;         /* maximum image size the processor accepts */
    char image_magic[9];        /* what a valid image starts with */
    char image_product[17];     /* images must name this product ("" = any);
                                   default: the subenclosure's product */
    size_t ntypes;
    struct sf_emu_type_conf types[SF_EMU_MAX_TYPES];
};

/* A drive's microcode machinery (a device with a "drive" object): what
 * its WRITE BUFFER / READ BUFFER accept.  The running image is modelled as
 * subenclosure slot 0 of the state (revision, staging buffer), which is
 * never shown as an SES subenclosure (ses stays 0). */
struct sf_emu_drive_conf {
    int enabled;
    uint32_t buffer_capacity;   /* READ BUFFER descriptor; 0: no READ BUFFER */
    uint8_t offset_boundary;    /* exponent; FFh: offset 0 only */
    uint32_t modes;             /* bit n: WRITE BUFFER mode n accepted */
    unsigned activate_not_ready;/* commands NOT READY after an activation */
};

struct sf_emu_dev_conf {
    char path[256];
    uint8_t pdt;                /* 0Dh for an enclosure */
    int ses;                    /* answers SES diagnostic pages */
    int multip;
    uint8_t esp_id;             /* relative ES process id of this device (1..7) */
    uint8_t esp_count;          /* ES processes of the enclosure (1..7) */
    char vendor[9];
    char product[17];
    char revision[5];
    char serial[64];
    uint64_t wwn;               /* NAA designator of the logical unit */
    uint64_t port_wwn;          /* NAA designator of the target port */
    size_t nsub;
    struct sf_emu_sub_conf sub[SF_EMU_MAX_SUB];
    struct sf_emu_quirks quirks;
    struct sf_emu_drive_conf drive;
    char trace_path[PATH_MAX];  /* control pages received are logged here */
    char partner_path[256];     /* the other module of a dual-module shelf */
    int partner;                /* its device index, -1 = none */
    int partner_sync;           /* modules push newer firmware to each other */
    int partner_loop;           /* fault: 0 none, 1 push fails and retries
                                   forever, 2 partner flips back after taking it */
    unsigned partner_push_cmds; /* how long a push takes, in commands */
};

struct sf_emu_conf {
    char state_path[PATH_MAX];  /* absolute, or relative to the cwd */
    uint64_t hash;              /* of the config text: a changed file is a new device */
    size_t ndev;
    struct sf_emu_dev_conf dev[SF_EMU_MAX_DEV];
};

/*
 * Parse config text.  base_dir resolves a relative "state" path (NULL: the
 * cwd).  Errors: SF_ECONFIG with ec->msg naming the key at fault.
 */
int sf_emu_conf_parse(const char *text, size_t len, const char *base_dir,
                      struct sf_emu_conf *out, struct sf_errctx *ec);

/* Read and parse a file; SAFEFLASH_EMU_STATE, when set, overrides "state". */
int sf_emu_conf_load(const char *path, struct sf_emu_conf *out, struct sf_errctx *ec);

/* Index of the device declared at path, or -1. */
int sf_emu_conf_find(const struct sf_emu_conf *c, const char *path);

#endif
