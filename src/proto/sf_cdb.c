/*
 * sf_cdb.c - CDB builders and decoder.  See sf_cdb.h.
 */
#include "sf_cdb.h"

#include <string.h>

#include "safeflash/sf_err.h"
#include "util/sf_be.h"

static void cdb_init(struct sf_cdb *out, uint8_t op, uint8_t len)
{
    memset(out, 0, sizeof(*out));
    out->b[0] = op;
    out->len = len;
}

int sf_cdb_test_unit_ready(struct sf_cdb *out)
{
    if (!out)
        return SF_EINVAL;
    cdb_init(out, SF_OP_TEST_UNIT_READY, 6);
    return 0;
}

int sf_cdb_request_sense(struct sf_cdb *out, int desc, uint8_t alloc_len)
{
    if (!out)
        return SF_EINVAL;
    cdb_init(out, SF_OP_REQUEST_SENSE, 6);
    out->b[1] = desc ? 1 : 0;
    out->b[4] = alloc_len;
    return 0;
}

int sf_cdb_inquiry(struct sf_cdb *out, int evpd, uint8_t page, uint16_t alloc_len)
{
    if (!out)
        return SF_EINVAL;
    /* SPC: a non-zero page code with EVPD=0 is an invalid field. */
    if (!evpd && page)
        return SF_EINVAL;
    cdb_init(out, SF_OP_INQUIRY, 6);
    out->b[1] = evpd ? 1 : 0;
    out->b[2] = page;
    sf_put_be16(out->b + 3, alloc_len);
    return 0;
}

int sf_cdb_receive_diag(struct sf_cdb *out, int pcv, uint8_t page, uint16_t alloc_len)
{
    if (!out)
        return SF_EINVAL;
    cdb_init(out, SF_OP_RECEIVE_DIAG, 6);
    out->b[1] = pcv ? 1 : 0;
    out->b[2] = page;
    sf_put_be16(out->b + 3, alloc_len);
    return 0;
}

int sf_cdb_send_diag(struct sf_cdb *out, uint16_t param_len)
{
    if (!out)
        return SF_EINVAL;
    cdb_init(out, SF_OP_SEND_DIAG, 6);
    out->b[1] = 0x10; /* PF: the parameter list is a page */
    sf_put_be16(out->b + 3, param_len);
    return 0;
}

int sf_cdb_send_diag_selftest(struct sf_cdb *out, uint8_t code, int selftest)
{
    if (!out || code > 7)
        return SF_EINVAL;
    cdb_init(out, SF_OP_SEND_DIAG, 6);
    out->b[1] = (uint8_t)((code << 5) | (selftest ? 0x04 : 0));
    return 0;
}

int sf_cdb_write_buffer(struct sf_cdb *out, uint8_t mode, uint8_t mode_specific,
                        uint8_t buffer_id, uint32_t offset, uint32_t param_len)
{
    if (!out)
        return SF_EINVAL;
    if (mode > 0x1f || mode_specific > 7)
        return SF_EINVAL;
    if (offset > 0xffffff || param_len > 0xffffff)
        return SF_ERANGE;
    cdb_init(out, SF_OP_WRITE_BUFFER, 10);
    out->b[1] = (uint8_t)((mode_specific << 5) | mode);
    out->b[2] = buffer_id;
    sf_put_be24(out->b + 3, offset);
    sf_put_be24(out->b + 6, param_len);
    return 0;
}

int sf_cdb_read_buffer(struct sf_cdb *out, uint8_t mode, uint8_t buffer_id,
                       uint32_t offset, uint32_t alloc_len)
{
    if (!out)
        return SF_EINVAL;
    if (mode > 0x1f)
        return SF_EINVAL;
    if (offset > 0xffffff || alloc_len > 0xffffff)
        return SF_ERANGE;
    cdb_init(out, SF_OP_READ_BUFFER, 10);
    out->b[1] = mode;
    out->b[2] = buffer_id;
    sf_put_be24(out->b + 3, offset);
    sf_put_be24(out->b + 6, alloc_len);
    return 0;
}

size_t sf_cdb_group_len(uint8_t opcode)
{
    switch (opcode >> 5) {
    case 0: return 6;
    case 1: case 2: return 10;
    case 4: return 16;
    case 5: return 12;
    default: return 0; /* groups 3 (variable), 6, 7 (vendor) */
    }
}

int sf_cdb_decode(const uint8_t *cdb, size_t len, struct sf_cdb_info *out)
{
    if (!cdb || !out || len == 0)
        return SF_EINVAL;
    memset(out, 0, sizeof(*out));
    out->op = cdb[0];
    size_t need = sf_cdb_group_len(cdb[0]);
    if (need == 0)
        return SF_ENOTSUP;
    if (len < need)
        return SF_ETRUNC;
    out->control = cdb[need - 1];

    switch (cdb[0]) {
    case SF_OP_TEST_UNIT_READY:
        return 0;
    case SF_OP_REQUEST_SENSE:
        out->desc = cdb[1] & 1;
        out->alloc_len = cdb[4];
        return 0;
    case SF_OP_INQUIRY:
        out->evpd = cdb[1] & 1;
        out->page = cdb[2];
        out->alloc_len = sf_be16(cdb + 3);
        return 0;
    case SF_OP_RECEIVE_DIAG:
        out->pcv = cdb[1] & 1;
        out->page = cdb[2];
        out->alloc_len = sf_be16(cdb + 3);
        return 0;
    case SF_OP_SEND_DIAG:
        out->self_test_code = cdb[1] >> 5;
        out->pf = (cdb[1] >> 4) & 1;
        out->selftest = (cdb[1] >> 2) & 1;
        out->devoffl = (cdb[1] >> 1) & 1;
        out->unitoffl = cdb[1] & 1;
        out->param_len = sf_be16(cdb + 3);
        return 0;
    case SF_OP_WRITE_BUFFER:
        out->mode = cdb[1] & 0x1f;
        out->mode_specific = cdb[1] >> 5;
        out->buffer_id = cdb[2];
        out->buffer_offset = sf_be24(cdb + 3);
        out->param_len = sf_be24(cdb + 6);
        return 0;
    case SF_OP_READ_BUFFER:
        out->mode = cdb[1] & 0x1f;
        out->buffer_id = cdb[2];
        out->buffer_offset = sf_be24(cdb + 3);
        out->alloc_len = sf_be24(cdb + 6);
        return 0;
    default:
        return SF_ENOTSUP;
    }
}
