/* test_wbuf.c - the READ BUFFER descriptor codec and the chunk rules. */
#include "proto/sf_wbuf.h"
#include "safeflash/sf_err.h"
#include "sf_test.h"

SF_TEST(wbuf_descriptor_roundtrip_and_truncation)
{
    uint8_t b[4];
    struct sf_rbuf_desc d = { .offset_boundary = 9, .capacity = 0x123456 }, o;
    CHECK_EQ(sf_rbuf_desc_encode(&d, b, sizeof(b)), 4);
    CHECK_EQ(b[0], 9);
    CHECK_EQ(b[1], 0x12);
    CHECK_EQ(b[3], 0x56);
    CHECK_EQ(sf_rbuf_desc_decode(b, 4, &o), 0);
    CHECK_EQ(o.offset_boundary, 9);
    CHECK_EQ(o.capacity, 0x123456);
    CHECK_EQ(sf_rbuf_desc_decode(b, 3, &o), SF_ETRUNC);
    CHECK_EQ(sf_rbuf_desc_encode(&d, b, 3), SF_ETRUNC);
    CHECK_EQ(sf_rbuf_desc_decode(NULL, 4, &o), SF_EINVAL);
}

SF_TEST(wbuf_modes)
{
    CHECK(sf_wb_mode_defers(0x0e) && sf_wb_mode_defers(0x0d));
    CHECK(!sf_wb_mode_defers(0x07) && !sf_wb_mode_defers(0x05));
    CHECK(sf_wb_mode_offsets(0x07) && !sf_wb_mode_offsets(0x05));
    CHECK(strstr(sf_wb_mode_str(0x0f), "activate") != NULL);
    CHECK(strstr(sf_wb_mode_str(0x42), "unknown") != NULL);
}

SF_TEST(wbuf_chunk_rules)
{
    char why[200];
    struct sf_rbuf_desc d = { .offset_boundary = 9, .capacity = 65536 };
    /* 05h: one command, bounded by the buffer. */
    CHECK_EQ(sf_wb_chunk(0x05, 40000, 4096, &d, 0, why, sizeof(why)), 40000);
    CHECK_EQ(sf_wb_chunk(0x05, 70000, 0, &d, 0, why, sizeof(why)), 0);
    CHECK(strstr(why, "holds 65536") != NULL);
    /* 07h: the caller's cap, rounded down to 2^9. */
    CHECK_EQ(sf_wb_chunk(0x07, 300000, 5000, &d, 0, NULL, 0), 4608);
    /* The buffer caps the default. */
    CHECK_EQ(sf_wb_chunk(0x0e, 300000, 0, &d, 1u << 20, NULL, 0), 65536);
    /* A chunk that covers the image needs no rounding. */
    CHECK_EQ(sf_wb_chunk(0x07, 1000, 5000, &d, 0, NULL, 0), 1000);
    /* Below the boundary: impossible. */
    CHECK_EQ(sf_wb_chunk(0x07, 300000, 100, &d, 0, why, sizeof(why)), 0);
    CHECK(strstr(why, "multiples of 512") != NULL);
    /* FFh: offset 0 only, so one command. */
    struct sf_rbuf_desc ff = { .offset_boundary = 0xff, .capacity = 0 };
    CHECK_EQ(sf_wb_chunk(0x0e, 300000, 4096, &ff, 0, NULL, 0), 300000);
    /* No descriptor: the default. */
    CHECK_EQ(sf_wb_chunk(0x07, 300000, 0, NULL, 65536, NULL, 0), 65536);
    /* 24-bit fields. */
    CHECK_EQ(sf_wb_chunk(0x07, 0x1000000, 0, NULL, 65536, why, sizeof(why)), 0);
    CHECK_EQ(sf_wb_chunk(0x07, 0, 0, NULL, 65536, why, sizeof(why)), 0);
}
