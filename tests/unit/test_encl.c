/* test_encl.c - enclosure identification against devices that are not the
 * project's emulator: a scripted transport answering with bytes laid out
 * as other vendors' enclosures send them. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/sf_discover.h"
#include "safeflash/sf_emu.h"
#include "engine/sf_encl.h"
#include "mock_transport.h"
#include "sf_test.h"
#include "test_util.h"

/* Standard INQUIRY of an SPC-3 enclosure with EncServ=0, as a public
 * report shows a Dell MD1220 answering (PDT 0Dh is what counts). */
static const uint8_t INQ_MD[36] = {
    0x0d, 0x00, 0x05, 0x12, 31, 0, 0x00, 0x02,
    'D', 'E', 'L', 'L', ' ', ' ', ' ', ' ',
    'M', 'D', '1', '4', '2', '0', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ',
    '1', '.', '0', '7' };

/* Supported pages: more than we use, in the order the device lists them. */
static const uint8_t SUP[] = { 0x00, 0, 0, 8, 0x00, 0x01, 0x02, 0x03, 0x05, 0x07, 0x0a, 0x0e };

/* Three subenclosures with ids 0, 2 and 5 (ids need not be contiguous),
 * the secondaries with vendor-specific bytes, no type headers. */
static size_t config3(uint8_t *b)
{
    memset(b, 0, 512);
    b[0] = 0x01;
    b[1] = 2;
    b[4] = 0x80; /* generation code 0x80000001 */
    b[7] = 0x01;
    size_t off = 8;
    const uint8_t ids[3] = { 0, 2, 5 };
    const char *revs[3] = { "1.07", "2.10", "0033" };
    for (int i = 0; i < 3; i++) {
        size_t vs = i ? 8 : 0;
        b[off] = 0x12;
        b[off + 1] = ids[i];
        b[off + 3] = (uint8_t)(36 + vs);
        b[off + 4] = 0x52;
        b[off + 11] = (uint8_t)(0x10 * (i + 1));
        memcpy(b + off + 12, "DELL    ", 8);
        memcpy(b + off + 20, "MD1420 EMM      ", 16);
        memcpy(b + off + 36, revs[i], 4);
        off += 40 + vs;
    }
    b[2] = (uint8_t)((off - 4) >> 8);
    b[3] = (uint8_t)(off - 4);
    return off;
}

/* Download status that lists only two of the three processors. */
static const uint8_t DL[] = {
    0x0e, 1, 0, 36, 0x80, 0, 0, 1,
    0, 0, 0x00, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 5, 0x01, 0, 0, 0x08, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };

static struct mock_transport *foreign(uint8_t *cfgbuf)
{
    struct mock_transport *m = mock_new("/dev/sg7");
    mock_set(m, 0x12, 0, 0, (struct mock_answer){ .data = INQ_MD, .len = sizeof(INQ_MD) });
    /* no VPD at all: the mock's default answer is ILLEGAL REQUEST */
    mock_set(m, 0x1c, 1, 0x00, (struct mock_answer){ .data = SUP, .len = sizeof(SUP) });
    size_t n = config3(cfgbuf);
    mock_set(m, 0x1c, 1, 0x01, (struct mock_answer){ .data = cfgbuf, .len = n });
    mock_set(m, 0x1c, 1, 0x0e, (struct mock_answer){ .data = DL, .len = sizeof(DL) });
    return m;
}

SF_TEST(encl_probe_foreign_enclosure)
{
    static uint8_t cfg[512];
    struct mock_transport *m = foreign(cfg);
    struct sf_scsi s;
    sf_scsi_init(&s, mock_base(m));
    struct sf_encl *e = NULL;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_encl_probe(&s, &e, &ec), 0);
    if (e) {
        CHECK_EQ(e->have_serial, 0);
        CHECK_EQ(e->have_lu_naa, 0);
        CHECK_EQ(e->cfg->nsub, 3);
        CHECK_EQ(e->cfg->gen, 0x80000001u);
        CHECK_EQ(e->cfg->sub[2].id, 5);
        CHECK_STR(e->cfg->sub[1].revision, "2.10");
        CHECK(sf_encl_logical_id(e) == 0x5200000000000010ULL);
        CHECK_EQ(e->have_dl, 1);
        CHECK_EQ(e->dl.n, 2);
        const struct sf_ses_dl_desc *d = sf_ses_dl_status_find(&e->dl, 5);
        CHECK(d && d->status == 0x01 && d->expected_offset == 0xffffffffu);
        /* Subenclosure 2 has no status descriptor: a warning, not a failure. */
        CHECK_EQ(e->nwarn, 1);
        CHECK(strstr(e->warn[0], "subenclosure 2") != NULL);
    }
    sf_encl_free(e);
    sf_transport_close(mock_base(m));
}

SF_TEST(encl_probe_not_an_enclosure)
{
    static uint8_t cfg[512];
    struct mock_transport *m = foreign(cfg);
    static uint8_t disk[36];
    memcpy(disk, INQ_MD, 36);
    disk[0] = 0x00;
    mock_set(m, 0x12, 0, 0, (struct mock_answer){ .data = disk, .len = 36 });
    struct sf_scsi s;
    sf_scsi_init(&s, mock_base(m));
    struct sf_encl *e = NULL;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_encl_probe(&s, &e, &ec), SF_ENOTENCL);
    CHECK(e == NULL);
    CHECK(strstr(ec.msg, "not an enclosure") != NULL);
    CHECK(strstr(ec.msg, "00h") != NULL);
    sf_transport_close(mock_base(m));
}

SF_TEST(encl_probe_claims_enclosure_without_pages)
{
    struct mock_transport *m = mock_new("/dev/sg3");
    mock_set(m, 0x12, 0, 0, (struct mock_answer){ .data = INQ_MD, .len = sizeof(INQ_MD) });
    struct sf_scsi s;
    sf_scsi_init(&s, mock_base(m));
    struct sf_encl *e = NULL;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_encl_probe(&s, &e, &ec), SF_ENOTSUP);
    CHECK(strstr(ec.msg, "answers no SES diagnostic pages") != NULL);
    sf_transport_close(mock_base(m));
}

SF_TEST(encl_probe_garbage_pages)
{
    static uint8_t cfg[512];
    struct mock_transport *m = foreign(cfg);
    struct sf_scsi s;
    sf_scsi_init(&s, mock_base(m));
    struct sf_encl *e = NULL;
    struct sf_errctx ec = { 0 };
    size_t n = config3(cfg);
    /* Device sends fewer bytes than its page length says. */
    mock_set(m, 0x1c, 1, 0x01, (struct mock_answer){ .data = cfg, .len = n - 10 });
    CHECK_EQ(sf_encl_probe(&s, &e, &ec), SF_ETRUNC);
    CHECK(strstr(ec.msg, "garbage") && strstr(ec.msg, "Configuration page (01h)"));
    /* Page code of another page. */
    cfg[0] = 0x02;
    mock_set(m, 0x1c, 1, 0x01, (struct mock_answer){ .data = cfg, .len = n });
    CHECK_EQ(sf_encl_probe(&s, &e, &ec), SF_EMALFORMED);
    /* A status page that is not a whole number of descriptors. */
    config3(cfg);
    static uint8_t dl[sizeof(DL)];
    memcpy(dl, DL, sizeof(DL));
    dl[3] = 30;
    mock_set(m, 0x1c, 1, 0x0e, (struct mock_answer){ .data = dl, .len = sizeof(dl) });
    CHECK_EQ(sf_encl_probe(&s, &e, &ec), SF_EMALFORMED);
    CHECK(strstr(ec.msg, "Download Microcode Status page") != NULL);
    /* Short INQUIRY. */
    mock_set(m, 0x12, 0, 0, (struct mock_answer){ .data = INQ_MD, .len = 20 });
    CHECK_EQ(sf_encl_probe(&s, &e, &ec), SF_ETRUNC);
    CHECK(strstr(ec.msg, "INQUIRY") != NULL);
    CHECK(e == NULL);
    sf_transport_close(mock_base(m));
}

static void mkfile(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

SF_TEST(discover_reads_sysfs_types_in_numeric_order)
{
    char root[] = "/tmp/sf-sysfs-XXXXXX";
    CHECK(mkdtemp(root) != NULL);
    const char *names[] = { "sg10", "sg2", "sg0", "sgx" };
    const char *types[] = { "13\n", "13\n", "0\n", "13\n" };
    char p[512];
    snprintf(p, sizeof(p), "%s/class", root);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/class/scsi_generic", root);
    mkdir(p, 0755);
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof(p), "%s/class/scsi_generic/%s", root, names[i]);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/class/scsi_generic/%s/device", root, names[i]);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/class/scsi_generic/%s/device/type", root, names[i]);
        mkfile(p, types[i]);
    }
    sf_ctx *ctx = NULL;
    CHECK_EQ(sf_ctx_new(&ctx), 0);
    CHECK_EQ(sf_ctx_set_sysfs_root(ctx, root), 0);
    struct sf_candidate *c = NULL;
    size_t n = 0;
    CHECK_EQ(sf_discover(ctx, 0, &c, &n, NULL), 0);
    CHECK_EQ(n, 2);
    if (n == 2) {
        CHECK_STR(c[0].path, "/dev/sg2");
        CHECK_STR(c[1].path, "/dev/sg10");
        CHECK_STR(c[0].source, "sysfs");
    }
    free(c);
    CHECK_EQ(sf_discover(ctx, 1, &c, &n, NULL), 0);
    CHECK_EQ(n, 3);
    if (n == 3)
        CHECK_STR(c[0].path, "/dev/sg0");
    free(c);

    /* Devices the context's SCSI backend (the emulator) adds follow the
     * sysfs ones. */
    char conf[512];
    CHECK_EQ(tu_emu_conf(NULL, conf, sizeof(conf)), 0);
    CHECK_EQ(sf_emu_scsi_attach(ctx, conf, SF_EMU_SCSI_DECLARED, NULL), 0);
    CHECK_EQ(sf_discover(ctx, 0, &c, &n, NULL), 0);
    CHECK_EQ(n, 3);
    if (n == 3) {
        CHECK_STR(c[2].path, "/dev/sg-unit0");
        CHECK_STR(c[2].source, "emulator");
    }
    free(c);
    sf_ctx_free(ctx);
}
