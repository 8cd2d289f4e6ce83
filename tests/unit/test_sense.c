/* test_sense.c - sense data codec and words. */
#include "proto/sf_sense.h"
#include "safeflash/sf_err.h"
#include "sf_test.h"

SF_TEST(sense_fixed_decode)
{
    /* ILLEGAL REQUEST, INVALID FIELD IN CDB, field pointer to CDB byte 2. */
    const uint8_t s[18] = { 0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0,
                            0x24, 0x00, 0, 0xc0, 0x00, 0x02 };
    struct sf_sense d;
    CHECK_EQ(sf_sense_decode(s, sizeof(s), &d), 0);
    CHECK_EQ(d.descriptor, 0);
    CHECK_EQ(d.key, SF_SK_ILLEGAL_REQUEST);
    CHECK_EQ(d.asc, 0x24);
    CHECK_EQ(d.ascq, 0x00);
    CHECK_EQ(d.sksv, 1);
    CHECK_EQ(d.sks[0], 0x40);
    CHECK_EQ(d.sks[2], 2);
    char w[256];
    sf_sense_describe(&d, w, sizeof(w));
    CHECK(strstr(w, "Illegal Request") != NULL);
    CHECK(strstr(w, "Invalid field in cdb") != NULL);
}

SF_TEST(sense_descriptor_decode)
{
    /* UNIT ATTENTION 29h/00h with an information descriptor and a
     * progress indication descriptor. */
    const uint8_t s[] = { 0x72, 0x06, 0x29, 0x00, 0, 0, 0, 20,
                          0x00, 0x0a, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34,
                          0x0a, 0x06, 0x02, 0x04, 0x01, 0, 0x80, 0x00 };
    struct sf_sense d;
    CHECK_EQ(sf_sense_decode(s, sizeof(s), &d), 0);
    CHECK_EQ(d.descriptor, 1);
    CHECK_EQ(d.key, SF_SK_UNIT_ATTENTION);
    CHECK_EQ(d.asc, 0x29);
    CHECK_EQ(d.info_valid, 1);
    CHECK_EQ(d.information, 0x1234);
    CHECK_EQ(d.progress_valid, 1);
    CHECK_EQ(d.progress, 0x8000);
}

SF_TEST(sense_rejects_malformed)
{
    struct sf_sense d;
    const uint8_t bad_rc[8] = { 0x60, 0, 5, 0, 0, 0, 0, 0 };
    CHECK_EQ(sf_sense_decode(bad_rc, 8, &d), SF_EMALFORMED);
    const uint8_t shortf[5] = { 0x70, 0, 5, 0, 0 };
    CHECK_EQ(sf_sense_decode(shortf, 5, &d), SF_ETRUNC);
    CHECK_EQ(sf_sense_decode(shortf, 0, &d), SF_ETRUNC);
    /* A descriptor claiming 20 bytes inside an additional length of 4. */
    const uint8_t over[12] = { 0x72, 5, 0x24, 0, 0, 0, 0, 4, 0x02, 20, 0, 0 };
    CHECK_EQ(sf_sense_decode(over, sizeof(over), &d), SF_EMALFORMED);
}

SF_TEST(sense_truncated_by_transport_is_tolerated)
{
    /* Fixed sense cut after 10 bytes: key is there, ASC is not. */
    const uint8_t s[10] = { 0x70, 0, 0x02, 0, 0, 0, 0, 0x0a, 0, 0 };
    struct sf_sense d;
    CHECK_EQ(sf_sense_decode(s, sizeof(s), &d), 0);
    CHECK_EQ(d.key, SF_SK_NOT_READY);
    CHECK_EQ(d.asc, 0);
}

SF_TEST(sense_encode_round_trip)
{
    for (int desc = 0; desc <= 1; desc++) {
        struct sf_sense in = { .key = SF_SK_NOT_READY, .asc = 0x04, .ascq = 0x01,
                               .sksv = 1, .sks = { 0, 0x40, 0x00 } };
        uint8_t buf[32];
        int n = sf_sense_encode(&in, desc, buf, sizeof(buf));
        CHECK(n > 0);
        struct sf_sense out;
        CHECK_EQ(sf_sense_decode(buf, (size_t)n, &out), 0);
        CHECK_EQ(out.descriptor, desc);
        CHECK_EQ(out.key, in.key);
        CHECK_EQ(out.asc, in.asc);
        CHECK_EQ(out.ascq, in.ascq);
        CHECK_EQ(out.progress_valid, 1);
        CHECK_EQ(out.progress, 0x4000);
    }
    struct sf_sense in = { .key = 5 };
    uint8_t small[10];
    CHECK_EQ(sf_sense_encode(&in, 0, small, sizeof(small)), SF_ERANGE);
}

SF_TEST(scsi_status_words)
{
    CHECK_STR(sf_scsi_status_str(0x02), "CHECK CONDITION");
    CHECK_STR(sf_scsi_status_str(0x08), "BUSY");
    CHECK_STR(sf_scsi_status_str(0x7e), "reserved status");
}
