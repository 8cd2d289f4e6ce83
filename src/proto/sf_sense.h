/*
 * sf_sense.h - SCSI sense data (SPC-4 clause 4.5): decode fixed and
 * descriptor formats, encode both (for the emulator), and put sense key and
 * additional sense code into words using libsgutils2's tables.
 *
 * Pure code: no I/O.
 */
#ifndef SF_SENSE_H
#define SF_SENSE_H

#include <stddef.h>
#include <stdint.h>

enum sf_sense_key {
    SF_SK_NO_SENSE = 0x0,
    SF_SK_RECOVERED_ERROR = 0x1,
    SF_SK_NOT_READY = 0x2,
    SF_SK_MEDIUM_ERROR = 0x3,
    SF_SK_HARDWARE_ERROR = 0x4,
    SF_SK_ILLEGAL_REQUEST = 0x5,
    SF_SK_UNIT_ATTENTION = 0x6,
    SF_SK_DATA_PROTECT = 0x7,
    SF_SK_ABORTED_COMMAND = 0xb,
};

/* SCSI status codes (SAM-5). */
enum sf_scsi_status {
    SF_STATUS_GOOD = 0x00,
    SF_STATUS_CHECK_CONDITION = 0x02,
    SF_STATUS_CONDITION_MET = 0x04,
    SF_STATUS_BUSY = 0x08,
    SF_STATUS_RESERVATION_CONFLICT = 0x18,
    SF_STATUS_TASK_SET_FULL = 0x28,
    SF_STATUS_ACA_ACTIVE = 0x30,
    SF_STATUS_TASK_ABORTED = 0x40,
};

struct sf_sense {
    uint8_t response_code;   /* 70h/71h fixed, 72h/73h descriptor */
    uint8_t descriptor;      /* 1 for descriptor format */
    uint8_t deferred;        /* 1 for 71h/73h */
    uint8_t key;
    uint8_t asc;
    uint8_t ascq;
    uint8_t info_valid;
    uint64_t information;
    uint8_t sksv;            /* sense-key specific bytes valid */
    uint8_t sks[3];
    uint8_t progress_valid;  /* NOT READY / NO SENSE progress indication */
    uint16_t progress;       /* 0..65535 of 65536 */
};

/*
 * Decode sense data.  Returns 0, SF_ETRUNC when buf is too short for the
 * format's fixed header (8 bytes), SF_EMALFORMED for an unknown response code
 * or a descriptor that runs past the additional sense length.  Sense that the
 * transport cut short after the header is decoded as far as it goes: a
 * field that is not present reads as 0.
 */
int sf_sense_decode(const uint8_t *buf, size_t len, struct sf_sense *out);

/*
 * Encode sense in fixed (18 bytes) or descriptor (8 bytes, plus a sense-key
 * specific descriptor when sksv) format.  Returns the length written, or a
 * negative sf_err if cap is too small.
 */
int sf_sense_encode(const struct sf_sense *s, int descriptor, uint8_t *buf, size_t cap);

/* "ILLEGAL REQUEST", "UNIT ATTENTION", ... (libsgutils2 table). */
const char *sf_sense_key_str(uint8_t key, char *buf, size_t len);

/* "Invalid field in cdb", ... (libsgutils2 table). */
const char *sf_sense_asc_str(uint8_t asc, uint8_t ascq, char *buf, size_t len);

/* One line: "ILLEGAL REQUEST: Invalid field in cdb (asc 24h ascq 00h)". */
const char *sf_sense_describe(const struct sf_sense *s, char *buf, size_t len);

/* Name of a SCSI status byte: "GOOD", "CHECK CONDITION", ... */
const char *sf_scsi_status_str(uint8_t status);

#endif
