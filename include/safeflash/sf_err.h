/*
 * sf_err.h - the one error enum of safeflash, and the per-call error context.
 *
 * Every fallible function returns 0 on success or a negative enum sf_err.
 * Detail that a caller may want to show (a message, the sense data, the SCSI
 * status) goes into a struct sf_errctx owned by the caller, never into a
 * global.  Only the CLI turns errors into exit codes and text.
 */
#ifndef SAFEFLASH_SF_ERR_H
#define SAFEFLASH_SF_ERR_H

#include <stddef.h>
#include <stdint.h>

enum sf_err {
    SF_OK = 0,
    SF_EINVAL = -1,      /* caller passed an invalid argument */
    SF_ENOMEM = -2,      /* allocation failed */
    SF_ETRUNC = -3,      /* input shorter than its own headers say */
    SF_EMALFORMED = -4,  /* input is self-inconsistent (bad page code, length) */
    SF_ENODEV = -5,      /* no such device */
    SF_EACCES = -6,      /* permission denied opening the device */
    SF_ENOTENCL = -7,    /* device is not an enclosure (PDT != 0Dh) */
    SF_EIO = -8,         /* transport / OS level failure */
    SF_ETIMEDOUT = -9,   /* command timed out */
    SF_ECHECK = -10,     /* CHECK CONDITION that was not retried away */
    SF_EBUSY = -11,      /* BUSY / not ready that outlived the retry budget */
    SF_ESTATUS = -12,    /* other unexpected SCSI status */
    SF_ENOTSUP = -13,    /* device does not support what was asked */
    SF_ECONFIG = -14,    /* configuration file (emulator) is invalid */
    SF_ESTATE = -15,     /* persistent state file unusable */
    SF_ERANGE = -16,     /* value out of range for the field */
    SF_ESIG = -17,       /* package signature missing, bad or untrusted */
    SF_EINTEGRITY = -18, /* package contents do not match their hashes */
    SF_EMISMATCH = -19,  /* package is not for this device */
    SF_EVERSION = -20,   /* version ordering forbids the update */
    SF_ELOCKED = -21,    /* another safeflash is working on the device */
    SF_EJOURNAL = -22,   /* the journal (state directory) cannot record what is about
                            to happen: full, read-only or damaged; nothing more is written */
    SF_EUNFINISHED = -23,/* an unfinished attempt of another image holds the device */
    SF_ECHANGED = -24,   /* the device or its journal changed between plan and run */
    SF_EFILE = -25,      /* a file the caller named (image, package, layout, key, output) is
                            missing, unreadable, not a regular file, not the kind of file
                            asked for (a key), or cannot be written */
};

/* Words for an error code; never NULL. */
const char *sf_err_str(int err);

/*
 * Per-call error context.  A function that fails may fill msg with one line
 * (no trailing newline) and, where a device was involved, the SCSI details.
 */
struct sf_errctx {
    char msg[256];
    int have_scsi;        /* 1 when the fields below are valid */
    uint8_t scsi_status;
    uint8_t sense_key;
    uint8_t asc;
    uint8_t ascq;
    uint8_t sense[64];
    size_t sense_len;
};

/* Clear an error context. */
void sf_errctx_clear(struct sf_errctx *ec);

/*
 * Record a message in ec (NULL ec allowed: then it is a no-op) and return err
 * so callers can write `return sf_err_set(ec, SF_ETRUNC, "...", ...)`.
 */
int sf_err_set(struct sf_errctx *ec, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
