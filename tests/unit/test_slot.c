/* test_slot.c - the slot header and layout file codecs. */
#include <stdint.h>
#include <string.h>

#include "proto/sf_slot.h"
#include "safeflash/sf_err.h"
#include "sf_test.h"

SF_TEST(slot_header_roundtrip_and_damage)
{
    struct sf_slot_hdr h = { .sequence = 7, .image_len = 1234 }, o;
    snprintf(h.version, sizeof(h.version), "BIOS-11.15");
    memset(h.sha256, 0xab, 32);
    uint8_t b[SF_SLOT_HDR_LEN];
    CHECK_EQ(sf_slot_hdr_encode(&h, b, sizeof(b)), SF_SLOT_HDR_LEN);
    CHECK_EQ(memcmp(b, "SFSLOT01", 8), 0);
    CHECK_EQ(sf_slot_hdr_decode(b, sizeof(b), &o), 0);
    CHECK_EQ(o.sequence, 7);
    CHECK_EQ(o.image_len, 1234);
    CHECK_STR(o.version, "BIOS-11.15");
    CHECK_EQ(o.sha256[31], 0xab);
    CHECK_EQ(sf_slot_hdr_decode(b, 127, &o), SF_ETRUNC);
    /* Every single-bit flip is caught: magic, fields, CRC. */
    int caught = 0;
    for (int i = 0; i < SF_SLOT_HDR_LEN * 8; i++) {
        b[i / 8] ^= (uint8_t)(1u << (i % 8));
        caught += sf_slot_hdr_decode(b, sizeof(b), &o) == SF_EMALFORMED;
        b[i / 8] ^= (uint8_t)(1u << (i % 8));
    }
    CHECK_EQ(caught, SF_SLOT_HDR_LEN * 8);
    /* Erased and half-programmed headers are not headers. */
    uint8_t e[SF_SLOT_HDR_LEN];
    memset(e, 0xff, sizeof(e));
    CHECK_EQ(sf_slot_hdr_decode(e, sizeof(e), &o), SF_EMALFORMED);
    memcpy(e, b, 64);
    CHECK_EQ(sf_slot_hdr_decode(e, sizeof(e), &o), SF_EMALFORMED);
    /* A version of 17 characters does not fit. */
    memset(h.version, 'x', 16);
    h.version[16] = '\0';
    CHECK_EQ(sf_slot_hdr_encode(&h, b, sizeof(b)), SF_SLOT_HDR_LEN);
    CHECK_EQ(sf_slot_hdr_encode(&h, b, 100), SF_ETRUNC);
}

static int parse(const char *t, struct sf_layout *l, char *why)
{
    return sf_layout_parse(t, strlen(t), l, why, 200);
}

SF_TEST(layout_files)
{
    struct sf_layout l;
    char why[200];
    CHECK_EQ(parse("# board\nlayout primary-backup\nflash-size 4M\n"
                   "region primary 0 2M\nregion backup 0x200000 2048K  # second half\n", &l, why),
             0);
    CHECK_EQ(l.kind, SF_LAYOUT_PRIMARY_BACKUP);
    CHECK_EQ(l.flash_size, 4u << 20);
    CHECK_STR(l.r[1].name, "backup");
    CHECK_EQ(l.r[1].offset, 0x200000);
    CHECK_EQ(l.r[1].size, 2u << 20);
    CHECK_EQ(parse("layout ab\nregion b 2M 2M\nregion a 0 2M\n", &l, why), 0);
    CHECK_STR(l.r[0].name, "a"); /* [0] is always a, whatever the file's order */
    CHECK_EQ(parse("layout ab\nregion a 0 2M\nregion b 0 2M flash=1\n", &l, why), 0);
    CHECK_EQ(l.r[1].flash, 1);
    CHECK_STR(l.board_vendor, "");
    CHECK_EQ(parse("layout ab\nboard Intel  S5520UR Server\tBoard\nregion a 0 2M\nregion b 2M 2M\n",
                   &l, why), 0);
    CHECK_STR(l.board_vendor, "Intel");
    CHECK_STR(l.board_product, "S5520UR Server Board"); /* the rest of the line, single-spaced */

    static const struct {
        const char *text, *why;
    } bad[] = {
        { "region a 0 1M\nregion b 1M 1M\n", "no 'layout' line" },
        { "layout dual\n", "unknown layout" },
        { "layout ab\nregion a 0 2M\nregion b 1M 2M\n", "overlaps region a" },
        { "layout ab\nregion a 0 2M\n", "needs regions a and b" },
        { "layout ab\nregion a 0 2M\nregion c 2M 2M\n", "not 'c'" },
        { "layout primary-backup\nregion primary 0 2M\nregion backup 2M 1M\n", "primary's size" },
        { "layout ab\nregion a 0 100\nregion b 1M 1M\n", "cannot hold a header" },
        { "layout ab\nregion a 0 -1\n", "bad offset or size" },
        { "layout ab\nregion a 0xffffffffffffffff 200\n", "overflows" },
        { "layout ab\nregion a 0 1M flash=9\n", "flash=N" },
        { "layout ab\nfrobnicate\n", "unknown keyword" },
        { "layout ab\nlayout ab\n", "given twice" },
        { "layout ab\nboard Intel\n", "'board VENDOR PRODUCT'" },
        { "layout ab\nboard a b\nboard a b\n", "'board' given twice" },
        { "layout ab\nboard 0123456789abcdef0123456789abcdef x\n", "vendor longer" },
        { "layout ab\nboard v 0123456789abcdef0123456789abcdef 0123456789abcdef0123456789abcdef\n",
          "product longer" },
        { "layout ab\nregion a 0 1M flash=1 1 2 3 4 5 6 7 8 9 10 11 12\n", "too many words" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        CHECK_EQ(parse(bad[i].text, &l, why), SF_EMALFORMED);
        if (!strstr(why, bad[i].why))
            sf_test_fail(__FILE__, __LINE__, "layout %zu: '%s' lacks '%s'", i, why, bad[i].why);
    }

    /* Against the flash: alignment, size and the number of flashes. */
    CHECK_EQ(parse("layout ab\nflash-size 4M\nregion a 0 2M\nregion b 2M 2M\n", &l, why), 0);
    uint64_t sz = 4u << 20;
    uint32_t eb = 65536;
    CHECK_EQ(sf_layout_check(&l, &sz, &eb, 1, why, sizeof(why)), 0);
    eb = 3u << 20;
    CHECK_EQ(sf_layout_check(&l, &sz, &eb, 1, why, sizeof(why)), SF_ERANGE);
    CHECK(strstr(why, "not aligned") != NULL);
    eb = 65536;
    sz = 8u << 20;
    CHECK_EQ(sf_layout_check(&l, &sz, &eb, 1, why, sizeof(why)), SF_ERANGE);
    CHECK(strstr(why, "4194304-byte flash") != NULL);
    l.flash_size = 0;
    sz = 3u << 20;
    CHECK_EQ(sf_layout_check(&l, &sz, &eb, 1, why, sizeof(why)), SF_ERANGE);
    CHECK(strstr(why, "ends beyond") != NULL);
    l.r[1].flash = 1;
    CHECK_EQ(sf_layout_check(&l, &sz, &eb, 1, why, sizeof(why)), SF_ERANGE);
    CHECK(strstr(why, "only 1 flash") != NULL);
}
