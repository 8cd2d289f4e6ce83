/* test_inquiry.c - standard INQUIRY and VPD codecs. */
#include "proto/sf_inquiry.h"
#include "safeflash/sf_err.h"
#include "sf_test.h"

SF_TEST(inquiry_round_trip)
{
    struct sf_inquiry in = { .pdt = 0x0d, .version = 6, .rdf = 2, .encserv = 1, .multip = 1 };
    snprintf(in.vendor, sizeof(in.vendor), "ACME");
    snprintf(in.product, sizeof(in.product), "Shelf 4U60");
    snprintf(in.revision, sizeof(in.revision), "A1");
    uint8_t buf[64];
    int n = sf_inquiry_encode(&in, buf, sizeof(buf));
    CHECK_EQ(n, 36);
    CHECK_EQ(buf[0], 0x0d);
    CHECK_EQ(buf[6] & 0x40, 0x40);
    struct sf_inquiry out;
    CHECK_EQ(sf_inquiry_decode(buf, (size_t)n, &out), 0);
    CHECK_EQ(out.pdt, 0x0d);
    CHECK_EQ(out.encserv, 1);
    CHECK_EQ(out.multip, 1);
    CHECK_STR(out.vendor, "ACME    ");
    CHECK_STR(sf_rtrim(out.product), "Shelf 4U60");
    CHECK_STR(out.revision, "A1  ");
}

SF_TEST(inquiry_rejects_bad)
{
    uint8_t buf[36] = { 0x0d, 0, 6, 2, 31 };
    struct sf_inquiry q;
    CHECK_EQ(sf_inquiry_decode(buf, 35, &q), SF_ETRUNC);
    buf[3] = 1; /* obsolete response data format */
    CHECK_EQ(sf_inquiry_decode(buf, 36, &q), SF_EMALFORMED);
    buf[3] = 2;
    buf[4] = 20; /* additional length too small for the mandatory fields */
    CHECK_EQ(sf_inquiry_decode(buf, 36, &q), SF_EMALFORMED);
    buf[4] = 31;
    buf[8] = 0x01; /* control character in vendor is shown, not trusted */
    CHECK_EQ(sf_inquiry_decode(buf, 36, &q), 0);
    CHECK_EQ(q.vendor[0], '?');
}

SF_TEST(vpd_supported_and_serial)
{
    struct sf_vpd_supported s = { .pdt = 0x0d, .n = 3, .pages = { 0, 0x80, 0x83 } };
    uint8_t buf[300];
    int n = sf_vpd_supported_encode(&s, buf, sizeof(buf));
    struct sf_vpd_supported o;
    CHECK_EQ(sf_vpd_supported_decode(buf, (size_t)n, &o), 0);
    CHECK_EQ(o.n, 3);
    CHECK_EQ(o.pages[2], 0x83);
    buf[1] = 0x80;
    CHECK_EQ(sf_vpd_supported_decode(buf, (size_t)n, &o), SF_EMALFORMED);
    buf[1] = 0;
    CHECK_EQ(sf_vpd_supported_decode(buf, (size_t)n - 1, &o), SF_ETRUNC);
    buf[5] = 0; /* not ascending */
    CHECK_EQ(sf_vpd_supported_decode(buf, (size_t)n, &o), SF_EMALFORMED);

    /* Serial padded with NULs, as some devices do. */
    const uint8_t sn[] = { 0x0d, 0x80, 0, 8, 'S', 'N', '1', '2', 0, 0, 0, 0 };
    struct sf_vpd_serial so;
    CHECK_EQ(sf_vpd_serial_decode(sn, sizeof(sn), &so), 0);
    CHECK_STR(so.serial, "SN12");
}

SF_TEST(vpd_devid_round_trip_and_overrun)
{
    struct sf_vpd_devid d = { .pdt = 0x0d, .n = 2 };
    d.d[0] = (struct sf_designator){ .code_set = 1, .type = SF_DESIG_NAA, .len = 8,
                                     .id = { 0x50, 1, 2, 3, 4, 5, 6, 7 } };
    d.d[1] = (struct sf_designator){ .proto_id = 6, .code_set = 1, .piv = 1,
                                     .assoc = SF_ASSOC_TPORT, .type = SF_DESIG_REL_TPORT,
                                     .len = 4, .id = { 0, 0, 0, 2 } };
    uint8_t buf[128];
    int n = sf_vpd_devid_encode(&d, buf, sizeof(buf));
    CHECK_EQ(n, 4 + 12 + 8);
    struct sf_vpd_devid o;
    CHECK_EQ(sf_vpd_devid_decode(buf, (size_t)n, &o), 0);
    CHECK_EQ(o.n, 2);
    CHECK_EQ(o.d[1].assoc, SF_ASSOC_TPORT);
    CHECK_EQ(o.d[1].piv, 1);
    uint64_t naa = 0;
    CHECK_EQ(sf_vpd_devid_naa(&o, SF_ASSOC_LU, &naa), 0);
    CHECK(naa == 0x5001020304050607ULL);
    CHECK_EQ(sf_vpd_devid_naa(&o, SF_ASSOC_TARGET, &naa), SF_ENOTSUP);
    buf[7] = 40; /* first designator now claims to run past the page */
    CHECK_EQ(sf_vpd_devid_decode(buf, (size_t)n, &o), SF_EMALFORMED);
}
