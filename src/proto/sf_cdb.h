/*
 * sf_cdb.h - SCSI command descriptor blocks: builders for the initiator side
 * and one decoder for the target side (the emulator).
 *
 * Pure code: no I/O.  Field layouts follow SPC-4 / SPC-5; the decoder
 * checks that a CDB is at least as long as its opcode group demands and
 * reports the fields the emulator needs, but leaves policy (what to reject)
 * to its caller.
 */
#ifndef SF_CDB_H
#define SF_CDB_H

#include <stddef.h>
#include <stdint.h>

enum sf_scsi_op {
    SF_OP_TEST_UNIT_READY = 0x00,
    SF_OP_REQUEST_SENSE = 0x03,
    SF_OP_INQUIRY = 0x12,
    SF_OP_RECEIVE_DIAG = 0x1c,
    SF_OP_SEND_DIAG = 0x1d,
    SF_OP_WRITE_BUFFER = 0x3b,
    SF_OP_READ_BUFFER = 0x3c,
};

#define SF_CDB_MAX 16

struct sf_cdb {
    uint8_t b[SF_CDB_MAX];
    uint8_t len;
};

/* Builders.  Each fills *out completely and returns 0, or SF_EINVAL /
 * SF_ERANGE when an argument does not fit the field. */
int sf_cdb_test_unit_ready(struct sf_cdb *out);
int sf_cdb_request_sense(struct sf_cdb *out, int desc, uint8_t alloc_len);
int sf_cdb_inquiry(struct sf_cdb *out, int evpd, uint8_t page, uint16_t alloc_len);
int sf_cdb_receive_diag(struct sf_cdb *out, int pcv, uint8_t page, uint16_t alloc_len);
/* SEND DIAGNOSTIC carrying a page (PF=1, SelfTest=0, self-test code 0). */
int sf_cdb_send_diag(struct sf_cdb *out, uint16_t param_len);
/* SEND DIAGNOSTIC with a self-test: code 0-7 in bits 7-5, SelfTest bit. */
int sf_cdb_send_diag_selftest(struct sf_cdb *out, uint8_t code, int selftest);
int sf_cdb_write_buffer(struct sf_cdb *out, uint8_t mode, uint8_t mode_specific,
                        uint8_t buffer_id, uint32_t offset, uint32_t param_len);
int sf_cdb_read_buffer(struct sf_cdb *out, uint8_t mode, uint8_t buffer_id,
                       uint32_t offset, uint32_t alloc_len);

/* Length a CDB with this opcode must have (6/10/12/16), 0 if unknown group. */
size_t sf_cdb_group_len(uint8_t opcode);

/* Fields of a decoded CDB; which are meaningful depends on op. */
struct sf_cdb_info {
    uint8_t op;
    uint8_t evpd;          /* INQUIRY */
    uint8_t pcv;           /* RECEIVE DIAGNOSTIC RESULTS */
    uint8_t page;          /* INQUIRY / RECEIVE DIAGNOSTIC page code */
    uint32_t alloc_len;    /* data-in allocation length */
    uint8_t desc;          /* REQUEST SENSE DESC bit */
    uint8_t self_test_code;/* SEND DIAGNOSTIC bits 7-5 */
    uint8_t pf, selftest, devoffl, unitoffl; /* SEND DIAGNOSTIC */
    uint32_t param_len;    /* data-out parameter list length */
    uint8_t mode;          /* WRITE/READ BUFFER mode (bits 4-0) */
    uint8_t mode_specific; /* WRITE BUFFER bits 7-5 */
    uint8_t buffer_id;
    uint32_t buffer_offset;
    uint8_t control;
};

/*
 * Decode a CDB.  Returns 0, SF_ETRUNC if len is shorter than the opcode's
 * group requires, SF_ENOTSUP for an opcode this codec does not know (out->op
 * is still set so the caller can answer INVALID COMMAND OPERATION CODE).
 */
int sf_cdb_decode(const uint8_t *cdb, size_t len, struct sf_cdb_info *out);

#endif
