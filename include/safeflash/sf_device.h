/*
 * sf_device.h - finding SCSI devices and identifying SES enclosures: what
 * `safeflash list`, `show DEVICE` and `partner-sync` render.
 *
 * Every device is identified through its own transport (INQUIRY and the
 * SES pages: 00h, 01h, 0Eh); discovery only enumerates candidates (SCSI
 * generic nodes, plus the devices an emulator config declares).  Nothing
 * here writes to a device except sf_enclosure_partner_sync() asked to set
 * the control.
 *
 * Conventions as in safeflash.h: 0 or a negative enum sf_err with one line
 * in the caller's struct sf_errctx; the caller owns what comes back through
 * **out and frees it with the matching _free (NULL is a no-op).  The
 * structs are plain data: strings are NUL terminated, with the trailing
 * spaces of the SCSI fields removed, and the library prints none of it.
 */
#ifndef SAFEFLASH_SF_DEVICE_H
#define SAFEFLASH_SF_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "safeflash/safeflash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- listing ---- */

/* sf_device_list flags */
#define SF_DEVICE_LIST_ALL 0x1u   /* every SCSI device, not only enclosures */

/* One device found.  Without SF_DEVICE_LIST_ALL an emulated device that is
 * not an enclosure is left out; a SCSI generic node sysfs calls an
 * enclosure whose INQUIRY disagrees is listed with that error. */
struct sf_device_entry {
    char path[256];
    char source[16];          /* where it was found: "sysfs" or "emulator" */
    int err;                  /* 0, or why it could not be identified (enum sf_err) */
    char error[256];          /* err in one line ("" when err is 0) */
    /* The rest only when err is 0: the standard INQUIRY data ... */
    int enclosure;            /* 1: an SES enclosure (its SES pages read) */
    unsigned pdt;             /* peripheral device type (0Dh: enclosure) */
    char vendor[9], product[17], revision[5];
    /* ... and for an enclosure, what this path reaches of it */
    uint64_t logical_id;      /* enclosure logical identifier (primary subenclosure) */
    size_t subenclosures;     /* SES processors it reports */
    unsigned es_process;      /* which ES process of the enclosure this path is ... */
    unsigned es_processes;    /* ... of how many */
    char module_revision[5];  /* what this module's own processor runs */
    unsigned paths;           /* entries of this list with the same logical id
                                 (this one included) */
};

struct sf_device_list {
    size_t count;
    struct sf_device_entry *devices;  /* sysfs ones first, in numeric order */
    /* Findings across devices, one line each (an enclosure whose modules
     * run different revisions); NULL-terminated, never NULL itself. */
    char **warnings;
};

/*
 * Find the SCSI devices (enclosures, or every one with
 * SF_DEVICE_LIST_ALL) and identify each.  A device that cannot be read is
 * an entry with its error, not a failure of the list.  *out is the
 * caller's (sf_device_list_free).  Errors: SF_ECONFIG (the emulator
 * config is set but unusable), SF_EINVAL (ctx or out NULL), SF_ENOMEM.
 */
int sf_device_list(sf_ctx *ctx, unsigned flags, struct sf_device_list **out,
                   struct sf_errctx *ec);
void sf_device_list_free(struct sf_device_list *l);

/* ---- one enclosure ---- */

/* One SES processor's Download Microcode Status descriptor (page 0Eh). */
struct sf_download_status {
    unsigned status;          /* 00h idle, 01h in progress, 10h-13h complete, 80h+ error */
    const char *status_text;  /* status in words (static, never NULL) */
    unsigned additional_status;
    uint32_t max_image_size;
    unsigned expected_buffer_id;
    uint32_t expected_offset; /* FFFFFFFFh: any offset */
};

/* A subenclosure (SES processor) as the Configuration page (01h) lists it. */
struct sf_subenclosure_info {
    unsigned id;
    char vendor[9], product[17], revision[5];
    uint64_t logical_id;
    unsigned es_processes;
    int have_download;        /* the enclosure reported download status for it */
    struct sf_download_status download;
};

/* Another path (module) to the same enclosure: one SES device, one ES
 * process. */
struct sf_enclosure_module {
    char path[256];
    unsigned es_process, es_processes;
    char revision[5];         /* what its own processor (primary subenclosure) runs */
};

#define SF_ENCLOSURE_MAX_WARN 8

struct sf_enclosure_info {
    char path[256];
    char transport[32];       /* how it was reached: "sgio", "emulator" */
    unsigned pdt;
    char vendor[9], product[17], revision[5];
    int have_serial;          /* VPD 80h */
    char serial[252];
    int have_device_id;       /* VPD 83h: the NAA of the SES logical unit itself */
    uint64_t device_id;
    int have_config;          /* the Configuration page (01h) was read */
    uint64_t logical_id;      /* enclosure logical identifier (primary subenclosure) */
    uint32_t generation;      /* the Configuration page's generation code */
    size_t ndiag_pages;       /* the diagnostic pages it offers (page 00h) */
    uint8_t diag_pages[256];
    int download_microcode;   /* it offers the Download Microcode pages (0Eh) */
    size_t nsubenclosures;    /* the primary first */
    struct sf_subenclosure_info *subenclosures;
    size_t nmodules;          /* every discoverable path to this enclosure */
    struct sf_enclosure_module *modules;
    /* Non-fatal findings, one line each: pages that could not be read, an
     * interrupted update the journal records, modules that disagree. */
    size_t nwarnings;
    char warnings[SF_ENCLOSURE_MAX_WARN][160];
};

/*
 * Identify the enclosure at path: INQUIRY, VPD, the SES pages, the
 * journal's unfinished attempts on it (read only when the state directory
 * already holds a history: nothing is created) and every discoverable path
 * to the same enclosure (each is opened and identified).  *out is the
 * caller's (sf_enclosure_info_free).  Errors: SF_ENODEV, SF_EACCES (the
 * path), SF_ENOTENCL (not an enclosure), SF_ENOTSUP (no usable SES pages),
 * SF_EMALFORMED / SF_ETRUNC (the device answered garbage), SF_ECONFIG
 * (emulator config), transport and SCSI errors (SF_EIO, SF_ETIMEDOUT,
 * SF_ECHECK ...), SF_EINVAL (ctx, path or out NULL), SF_ENOMEM.
 */
int sf_enclosure_describe(sf_ctx *ctx, const char *path, struct sf_enclosure_info **out,
                          struct sf_errctx *ec);
void sf_enclosure_info_free(struct sf_enclosure_info *e);

/*
 * The partner firmware sync control of a dual-module shelf (the modules
 * pushing their firmware to each other).  set: -1 only reads it, 0 turns
 * it off, 1 on; *on is what the device reports afterwards.  Only controls
 * safeflash knows are spoken (the SFEMU shelf's vendor page 80h).
 * Errors: as sf_enclosure_describe for opening the path; SF_ENOTSUP (no
 * control safeflash knows for this vendor); SF_EMALFORMED (the page read
 * back is not one); SCSI errors; SF_EINVAL (set out of range, ctx, path
 * or on NULL).
 */
int sf_enclosure_partner_sync(sf_ctx *ctx, const char *path, int set, int *on,
                              struct sf_errctx *ec);

#ifdef __cplusplus
}
#endif

#endif
