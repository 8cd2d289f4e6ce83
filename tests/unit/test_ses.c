/* test_ses.c - SES page codecs. */
#include <stdlib.h>

#include "proto/sf_ses.h"
#include "safeflash/sf_err.h"
#include "sf_test.h"

/* A configuration page laid out as a Dell MD1420 reports it (public
 * sg_ses output): one subenclosure, generation code 0, 64 bytes of
 * vendor-specific data, several type descriptor headers with texts. */
static size_t md1420_like(uint8_t *b)
{
    memset(b, 0, 400);
    b[0] = 0x01;
    b[1] = 0;            /* no secondary subenclosures */
    size_t off = 8;
    b[off] = 0x11;       /* rel ES process id 1, 1 process */
    b[off + 1] = 0;
    b[off + 2] = 3;      /* three type descriptor headers */
    b[off + 3] = 100;    /* 36 + 64 vendor-specific */
    const uint8_t lid[8] = { 0x52, 0x04, 0x74, 0x72, 0x9a, 0x99, 0x3c, 0x00 };
    memcpy(b + off + 4, lid, 8);
    memcpy(b + off + 12, "DELL    ", 8);
    memcpy(b + off + 20, "MD1420          ", 16);
    memcpy(b + off + 36, "1.07", 4);
    b[off + 40] = 0xab;  /* some vendor bytes */
    off += 104;
    const uint8_t hdr[3][4] = { { 0x17, 24, 0, 20 }, { 0x02, 2, 0, 0 }, { 0x0e, 1, 0, 5 } };
    memcpy(b + off, hdr, sizeof(hdr));
    off += sizeof(hdr);
    memcpy(b + off, "Enclosure Drive Bays", 20);
    off += 20;
    memcpy(b + off, "Encl1", 5);
    off += 5;
    b[2] = (uint8_t)((off - 4) >> 8);
    b[3] = (uint8_t)(off - 4);
    return off;
}

SF_TEST(ses_config_decode_foreign_layout)
{
    uint8_t b[400];
    size_t n = md1420_like(b);
    struct sf_ses_config *c = NULL;
    CHECK_EQ(sf_ses_config_decode(b, n, &c), 0);
    if (!c)
        return;
    CHECK_EQ(c->gen, 0);
    CHECK_EQ(c->nsub, 1);
    CHECK_EQ(c->sub[0].num_esp, 1);
    CHECK_EQ(c->sub[0].rel_esp_id, 1);
    CHECK(c->sub[0].logical_id == 0x520474729a993c00ULL);
    CHECK_STR(c->sub[0].revision, "1.07");
    CHECK_EQ(c->sub[0].vs_len, 64);
    CHECK_EQ(c->sub[0].vs[0], 0xab);
    CHECK_EQ(c->ntypes, 3);
    CHECK_STR(c->types[0].text, "Enclosure Drive Bays");
    CHECK_EQ(c->types[1].text_len, 0);
    CHECK_STR(c->types[2].text, "Encl1");

    /* Re-encoding gives the same bytes. */
    uint8_t again[400];
    int m = sf_ses_config_encode(c, again, sizeof(again));
    CHECK_EQ(m, (int)n);
    CHECK(!memcmp(again, b, n));
    sf_ses_config_free(c);
}

SF_TEST(ses_config_rejects_inconsistent)
{
    uint8_t b[400];
    size_t n = md1420_like(b);
    struct sf_ses_config *c = NULL;
    CHECK_EQ(sf_ses_config_decode(b, n - 1, &c), SF_ETRUNC);
    CHECK(c == NULL);
    uint8_t t[400];
    memcpy(t, b, n);
    t[8 + 3] = 30; /* descriptor shorter than the 40 bytes SES requires */
    CHECK_EQ(sf_ses_config_decode(t, n, &c), SF_EMALFORMED);
    memcpy(t, b, n);
    t[1] = 3;      /* claims three secondaries that are not there */
    CHECK_EQ(sf_ses_config_decode(t, n, &c), SF_EMALFORMED);
    memcpy(t, b, n);
    t[8 + 104 + 3] = 200; /* type text running past the page */
    CHECK_EQ(sf_ses_config_decode(t, n, &c), SF_EMALFORMED);
    memcpy(t, b, n);
    t[0] = 0x02;
    CHECK_EQ(sf_ses_config_decode(t, n, &c), SF_EMALFORMED);
    CHECK_EQ(sf_ses_config_decode(t, 3, &c), SF_ETRUNC);
}

SF_TEST(ses_config_rejects_duplicate_ids)
{
    struct sf_ses_subenc subs[2] = { { .id = 0, .num_esp = 1 }, { .id = 0, .num_esp = 1 } };
    struct sf_ses_config c = { .nsub = 2, .sub = subs };
    uint8_t b[200];
    int n = sf_ses_config_encode(&c, b, sizeof(b));
    CHECK(n > 0);
    struct sf_ses_config *o = NULL;
    CHECK_EQ(sf_ses_config_decode(b, (size_t)n, &o), SF_EMALFORMED);
}

SF_TEST(ses_supported_pages)
{
    const uint8_t b[] = { 0x00, 0x00, 0x00, 0x05, 0x00, 0x01, 0x02, 0x07, 0x0e };
    struct sf_ses_supported s;
    CHECK_EQ(sf_ses_supported_decode(b, sizeof(b), &s), 0);
    CHECK_EQ(s.n, 5);
    CHECK(sf_ses_supported_has(&s, 0x0e));
    CHECK(!sf_ses_supported_has(&s, 0x0a));
    CHECK_EQ(sf_ses_supported_decode(b, sizeof(b) - 1, &s), SF_ETRUNC);
}

SF_TEST(ses_dl_status_round_trip)
{
    struct sf_ses_dl_status st = { .gen = 7, .n = 2 };
    st.d[0] = (struct sf_ses_dl_desc){ .subenc_id = 0, .status = 0x01, .max_size = 0x100000,
                                       .expected_offset = 0x8000 };
    st.d[1] = (struct sf_ses_dl_desc){ .subenc_id = 3, .status = 0x13, .addl_status = 2,
                                       .max_size = 4096, .expected_buffer_id = 1,
                                       .expected_offset = 0xffffffffu };
    uint8_t b[64];
    int n = sf_ses_dl_status_encode(&st, b, sizeof(b));
    CHECK_EQ(n, 8 + 32);
    CHECK_EQ(b[1], 1);
    struct sf_ses_dl_status o;
    CHECK_EQ(sf_ses_dl_status_decode(b, (size_t)n, &o), 0);
    CHECK_EQ(o.n, 2);
    CHECK_EQ(o.gen, 7);
    const struct sf_ses_dl_desc *d = sf_ses_dl_status_find(&o, 3);
    CHECK(d != NULL);
    if (d) {
        CHECK_EQ(d->status, 0x13);
        CHECK_EQ(d->expected_buffer_id, 1);
        CHECK(d->expected_offset == 0xffffffffu);
    }
    CHECK(sf_ses_dl_status_find(&o, 1) == NULL);
    b[3] -= 4; /* page length not a whole number of descriptors */
    CHECK_EQ(sf_ses_dl_status_decode(b, (size_t)n, &o), SF_EMALFORMED);
}

SF_TEST(ses_dl_status_words_and_classes)
{
    CHECK(strstr(sf_ses_dl_status_str(0x81), "image") != NULL);
    CHECK(strstr(sf_ses_dl_status_str(0x13), "deferred") != NULL);
    CHECK_STR(sf_ses_dl_status_str(0x75), "vendor specific (interim)");
    CHECK_STR(sf_ses_dl_status_str(0xf3), "vendor specific error");
    CHECK(sf_ses_dl_is_interim(0x02));
    CHECK(sf_ses_dl_is_interim(0x71));
    CHECK(sf_ses_dl_is_complete(0x11));
    CHECK(!sf_ses_dl_is_complete(0x14));
    CHECK(sf_ses_dl_is_error(0x85));
    CHECK(sf_ses_dl_is_error(0xf0));
}

SF_TEST(ses_dl_ctrl_layout)
{
    const uint8_t data[5] = { 'A', 'B', 'C', 'D', 'E' };
    struct sf_ses_dl_ctrl c = { .subenc_id = 1, .gen = 0x11223344, .mode = 0x0e,
                                .offset = 8, .image_len = 13, .data_len = 5, .data = data };
    uint8_t b[64];
    int n = sf_ses_dl_ctrl_encode(&c, b, sizeof(b));
    const uint8_t want[32] = { 0x0e, 0x01, 0x00, 0x1c, 0x11, 0x22, 0x33, 0x44,
                               0x0e, 0, 0, 0x00, 0, 0, 0, 8,
                               0, 0, 0, 13, 0, 0, 0, 5,
                               'A', 'B', 'C', 'D', 'E', 0, 0, 0 };
    CHECK_EQ(n, 32);
    CHECK(!memcmp(b, want, 32));
    struct sf_ses_dl_ctrl o;
    CHECK_EQ(sf_ses_dl_ctrl_decode(b, (size_t)n, &o), 0);
    CHECK_EQ(o.subenc_id, 1);
    CHECK_EQ(o.mode, 0x0e);
    CHECK_EQ(o.offset, 8);
    CHECK_EQ(o.data_len, 5);
    CHECK(!memcmp(o.data, data, 5));

    c.offset = 6;
    CHECK_EQ(sf_ses_dl_ctrl_encode(&c, b, sizeof(b)), SF_EINVAL);
    c.offset = 0;
    c.data_len = SF_SES_DL_MAX_CHUNK + 4;
    uint8_t *big = calloc(1, 70000), *page = calloc(1, 70000);
    c.data = big;
    CHECK_EQ(sf_ses_dl_ctrl_encode(&c, page, 70000), SF_ERANGE);
    c.data_len = SF_SES_DL_MAX_CHUNK;
    CHECK_EQ(sf_ses_dl_ctrl_encode(&c, page, 70000), (int)(SF_SES_DL_MAX_CHUNK + 24));
    free(big);
    free(page);

    b[23] = 200; /* data length beyond the page */
    CHECK_EQ(sf_ses_dl_ctrl_decode(b, 32, &o), SF_EMALFORMED);
}

SF_TEST(ses_activate_page_is_header_only)
{
    struct sf_ses_dl_ctrl c = { .subenc_id = 0, .gen = 1, .mode = SF_DL_MODE_ACTIVATE_DEFERRED };
    uint8_t b[32];
    CHECK_EQ(sf_ses_dl_ctrl_encode(&c, b, sizeof(b)), 24);
    CHECK_EQ(b[3], 20);
}
