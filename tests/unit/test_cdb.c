/* test_cdb.c - CDB builders and decoder. */
#include "proto/sf_cdb.h"
#include "safeflash/sf_err.h"
#include "sf_test.h"

SF_TEST(cdb_inquiry_vpd_bytes)
{
    struct sf_cdb c;
    CHECK_EQ(sf_cdb_inquiry(&c, 1, 0x83, 0x1234), 0);
    const uint8_t want[6] = { 0x12, 0x01, 0x83, 0x12, 0x34, 0x00 };
    CHECK_EQ(c.len, 6);
    CHECK(!memcmp(c.b, want, 6));
    /* EVPD=0 with a page code is an invalid field in SPC. */
    CHECK_EQ(sf_cdb_inquiry(&c, 0, 0x80, 36), SF_EINVAL);
}

SF_TEST(cdb_diag_bytes)
{
    struct sf_cdb c;
    CHECK_EQ(sf_cdb_receive_diag(&c, 1, 0x0e, 65532), 0);
    const uint8_t rd[6] = { 0x1c, 0x01, 0x0e, 0xff, 0xfc, 0x00 };
    CHECK(!memcmp(c.b, rd, 6));
    CHECK_EQ(sf_cdb_send_diag(&c, 0x1018), 0);
    const uint8_t sd[6] = { 0x1d, 0x10, 0x00, 0x10, 0x18, 0x00 };
    CHECK(!memcmp(c.b, sd, 6));
    CHECK_EQ(sf_cdb_send_diag_selftest(&c, 0, 1), 0);
    CHECK_EQ(c.b[1], 0x04);
    CHECK_EQ(sf_cdb_send_diag_selftest(&c, 8, 0), SF_EINVAL);
}

SF_TEST(cdb_write_buffer_fields)
{
    struct sf_cdb c;
    CHECK_EQ(sf_cdb_write_buffer(&c, 0x0e, 0, 0, 0x123456, 0x00fedc), 0);
    const uint8_t want[10] = { 0x3b, 0x0e, 0x00, 0x12, 0x34, 0x56, 0x00, 0xfe, 0xdc, 0x00 };
    CHECK_EQ(c.len, 10);
    CHECK(!memcmp(c.b, want, 10));
    CHECK_EQ(sf_cdb_write_buffer(&c, 0x07, 0, 0, 0x1000000, 4), SF_ERANGE);
    CHECK_EQ(sf_cdb_write_buffer(&c, 0x20, 0, 0, 0, 4), SF_EINVAL);
}

SF_TEST(cdb_decode_round_trip)
{
    struct sf_cdb c;
    struct sf_cdb_info i;
    sf_cdb_write_buffer(&c, 0x07, 2, 5, 0x10, 0x2000);
    CHECK_EQ(sf_cdb_decode(c.b, c.len, &i), 0);
    CHECK_EQ(i.op, 0x3b);
    CHECK_EQ(i.mode, 7);
    CHECK_EQ(i.mode_specific, 2);
    CHECK_EQ(i.buffer_id, 5);
    CHECK_EQ(i.buffer_offset, 0x10);
    CHECK_EQ(i.param_len, 0x2000);
    sf_cdb_receive_diag(&c, 1, 0x01, 100);
    CHECK_EQ(sf_cdb_decode(c.b, c.len, &i), 0);
    CHECK_EQ(i.pcv, 1);
    CHECK_EQ(i.page, 1);
    CHECK_EQ(i.alloc_len, 100);
    sf_cdb_send_diag(&c, 28);
    CHECK_EQ(sf_cdb_decode(c.b, c.len, &i), 0);
    CHECK_EQ(i.pf, 1);
    CHECK_EQ(i.param_len, 28);
}

SF_TEST(cdb_decode_rejects_short_and_unknown)
{
    const uint8_t wb[6] = { 0x3b, 0, 0, 0, 0, 0 }; /* group 1 needs 10 */
    struct sf_cdb_info i;
    CHECK_EQ(sf_cdb_decode(wb, sizeof(wb), &i), SF_ETRUNC);
    const uint8_t vend[6] = { 0xc0, 0, 0, 0, 0, 0 };
    CHECK_EQ(sf_cdb_decode(vend, sizeof(vend), &i), SF_ENOTSUP);
    CHECK_EQ(i.op, 0xc0);
    const uint8_t rd[6] = { 0x28, 0, 0, 0, 0, 0 }; /* READ(10) truncated */
    CHECK_EQ(sf_cdb_decode(rd, 6, &i), SF_ETRUNC);
    uint8_t r10[10] = { 0x28 };
    CHECK_EQ(sf_cdb_decode(r10, 10, &i), SF_ENOTSUP);
}
