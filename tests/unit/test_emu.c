/* test_emu.c - the emulated enclosure: config parsing, SPC behaviour,
 * shared state. */
#include <stdlib.h>

#include "emu/sf_emu.h"
#include "proto/sf_cdb.h"
#include "proto/sf_inquiry.h"
#include "proto/sf_sense.h"
#include "proto/sf_ses.h"
#include "sf_test.h"
#include "test_util.h"

static int conf_err(const char *text, char *msg, size_t cap)
{
    struct sf_emu_conf *c = malloc(sizeof(*c));
    struct sf_errctx ec = { 0 };
    int rc = sf_emu_conf_parse(text, strlen(text), "/tmp", c, &ec);
    snprintf(msg, cap, "%s", ec.msg);
    free(c);
    return rc;
}

SF_TEST(emu_conf_errors_name_the_key)
{
    char msg[256];
    CHECK_EQ(conf_err("{ \"state\": \"x\", \"devices\": [ ", msg, sizeof(msg)), SF_ECONFIG);
    CHECK(strstr(msg, "not valid JSON") != NULL);
    CHECK_EQ(conf_err("{ \"devices\": [] }", msg, sizeof(msg)), SF_ECONFIG);
    CHECK(strstr(msg, "\"state\"") != NULL);
    CHECK_EQ(conf_err("{ \"state\": \"s\", \"devices\": [ { \"path\": \"rel\" } ] }", msg,
                      sizeof(msg)), SF_ECONFIG);
    CHECK(strstr(msg, "absolute") != NULL);
    CHECK_EQ(conf_err("{ \"state\": \"s\", \"devices\": [ { \"path\": \"/d\", \"vendor\": \"V\","
                      " \"product\": \"P\", \"revision\": \"1\", \"wwn\": \"zz\","
                      " \"subenclosures\": [] } ] }", msg, sizeof(msg)), SF_ECONFIG);
    CHECK(strstr(msg, "\"wwn\" is not a number") != NULL);
    CHECK_EQ(conf_err("{ \"state\": \"s\", \"devices\": [ { \"path\": \"/d\", \"vendor\": \"V\","
                      " \"product\": \"P\", \"revision\": \"1\", \"wwn\": 1,"
                      " \"subenclosures\": [ {\"id\": 1, \"product\": \"p\", \"revision\": \"1\","
                      " \"logical_id\": 5} ] } ] }", msg, sizeof(msg)), SF_ECONFIG);
    CHECK(strstr(msg, "primary") != NULL);
    CHECK_EQ(conf_err("{ \"state\": \"s\", \"devices\": [ { \"path\": \"/d\", \"vendor\": \"VENDORTOOLONG\","
                      " \"product\": \"P\", \"revision\": \"1\", \"wwn\": 1 } ] }", msg, sizeof(msg)),
             SF_ECONFIG);
    CHECK(strstr(msg, "longer than 8") != NULL);
}

/* Run one CDB against device 0. */
static struct sf_emu_io run(struct sf_emu *e, const struct sf_cdb *c, uint8_t *buf, uint32_t len,
                            enum sf_dir dir)
{
    struct sf_emu_io io = { .cdb = c->b, .cdb_len = c->len, .dir = dir, .data = buf,
                            .data_len = len };
    CHECK_EQ(sf_emu_execute(e, 0, &io), 0);
    return io;
}

static struct sf_emu *open_emu(const char *extra, char *conf, size_t cap)
{
    CHECK_EQ(tu_emu_conf(extra, conf, cap), 0);
    struct sf_emu *e = NULL;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_emu_open(conf, &e, &ec), 0);
    return e;
}

SF_TEST(emu_inquiry_truncates_to_allocation_length)
{
    char conf[512];
    struct sf_emu *e = open_emu(NULL, conf, sizeof(conf));
    if (!e)
        return;
    struct sf_cdb c;
    uint8_t buf[96];
    sf_cdb_inquiry(&c, 0, 0, 5);
    struct sf_emu_io io = run(e, &c, buf, sizeof(buf), SF_DIR_IN);
    CHECK_EQ(io.status, 0);
    CHECK_EQ(io.resid, sizeof(buf) - 5);
    sf_cdb_inquiry(&c, 0, 0, 96);
    io = run(e, &c, buf, sizeof(buf), SF_DIR_IN);
    struct sf_inquiry q;
    CHECK_EQ(sf_inquiry_decode(buf, sizeof(buf) - io.resid, &q), 0);
    CHECK_EQ(q.pdt, 0x0d);
    CHECK_EQ(q.encserv, 1);
    CHECK_STR(sf_rtrim(q.product), "TESTENCL");
    sf_emu_close(e);
}

static struct sf_sense sense_of(const struct sf_emu_io *io)
{
    struct sf_sense s = { 0 };
    CHECK_EQ(io->status, SF_STATUS_CHECK_CONDITION);
    CHECK_EQ(sf_sense_decode(io->sense, io->sense_len, &s), 0);
    return s;
}

SF_TEST(emu_rejects_what_a_device_rejects)
{
    char conf[512];
    struct sf_emu *e = open_emu(NULL, conf, sizeof(conf));
    if (!e)
        return;
    struct sf_cdb c = { .b = { 0x28 }, .len = 10 }; /* READ(10): not an enclosure command */
    uint8_t buf[64];
    struct sf_sense s = sense_of((struct sf_emu_io[]){ run(e, &c, buf, sizeof(buf), SF_DIR_IN) });
    CHECK_EQ(s.key, SF_SK_ILLEGAL_REQUEST);
    CHECK_EQ(s.asc, 0x20);
    sf_cdb_receive_diag(&c, 1, 0x07, 64); /* page not offered */
    s = sense_of((struct sf_emu_io[]){ run(e, &c, buf, sizeof(buf), SF_DIR_IN) });
    CHECK_EQ(s.asc, 0x24);
    sf_cdb_inquiry(&c, 1, 0xb0, 64); /* VPD page not offered */
    s = sense_of((struct sf_emu_io[]){ run(e, &c, buf, sizeof(buf), SF_DIR_IN) });
    CHECK_EQ(s.asc, 0x24);
    c.b[1] = 0; /* EVPD=0 with a page code */
    s = sense_of((struct sf_emu_io[]){ run(e, &c, buf, sizeof(buf), SF_DIR_IN) });
    CHECK_EQ(s.asc, 0x24);
    /* SEND DIAGNOSTIC whose page claims more than the parameter list. */
    uint8_t page[8] = { 0x02, 0, 0, 40 };
    sf_cdb_send_diag(&c, sizeof(page));
    s = sense_of((struct sf_emu_io[]){ run(e, &c, page, sizeof(page), SF_DIR_OUT) });
    CHECK_EQ(s.asc, 0x1a);
    sf_emu_close(e);
}

SF_TEST(emu_unit_attention_after_reset)
{
    char conf[512];
    struct sf_emu *e = open_emu(NULL, conf, sizeof(conf));
    if (!e)
        return;
    CHECK_EQ(sf_emu_reset(e, 0, SF_EMU_RESET_POWER), 0);
    struct sf_cdb c;
    uint8_t buf[96];
    /* INQUIRY is answered despite the pending UA ... */
    sf_cdb_inquiry(&c, 0, 0, 96);
    CHECK_EQ(run(e, &c, buf, sizeof(buf), SF_DIR_IN).status, 0);
    /* ... the next other command reports it once ... */
    sf_cdb_test_unit_ready(&c);
    struct sf_sense s = sense_of((struct sf_emu_io[]){ run(e, &c, NULL, 0, SF_DIR_NONE) });
    CHECK_EQ(s.key, SF_SK_UNIT_ATTENTION);
    CHECK_EQ(s.asc, 0x29);
    CHECK_EQ(s.ascq, 0x01);
    /* ... and then it is gone. */
    CHECK_EQ(run(e, &c, NULL, 0, SF_DIR_NONE).status, 0);

    /* REQUEST SENSE returns a pending UA and clears it (descriptor format). */
    CHECK_EQ(sf_emu_reset(e, 0, SF_EMU_RESET_HARD), 0);
    sf_cdb_request_sense(&c, 1, 32);
    struct sf_emu_io io = run(e, &c, buf, 32, SF_DIR_IN);
    CHECK_EQ(io.status, 0);
    struct sf_sense rs;
    CHECK_EQ(sf_sense_decode(buf, 32 - io.resid, &rs), 0);
    CHECK_EQ(rs.descriptor, 1);
    CHECK_EQ(rs.key, SF_SK_UNIT_ATTENTION);
    CHECK_EQ(rs.ascq, 0x00);
    sf_cdb_test_unit_ready(&c);
    CHECK_EQ(run(e, &c, NULL, 0, SF_DIR_NONE).status, 0);
    sf_emu_close(e);
}

SF_TEST(emu_state_is_shared_between_handles)
{
    char conf[512];
    struct sf_emu *a = open_emu(NULL, conf, sizeof(conf));
    struct sf_emu *b = NULL;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_emu_open(conf, &b, &ec), 0);
    if (!a || !b)
        return;
    /* A reset seen through one handle is pending in the other: two
     * processes, one device. */
    CHECK_EQ(sf_emu_reset(a, 0, SF_EMU_RESET_HARD), 0);
    struct sf_cdb c;
    sf_cdb_test_unit_ready(&c);
    struct sf_emu_io io = { .cdb = c.b, .cdb_len = c.len };
    CHECK_EQ(sf_emu_execute(b, 0, &io), 0);
    CHECK_EQ(io.status, SF_STATUS_CHECK_CONDITION);
    CHECK(sf_emu_command_count(a, 0) >= 1);
    CHECK_EQ(sf_emu_command_count(a, 0), sf_emu_command_count(b, 0));
    char rev[5];
    CHECK_EQ(sf_emu_revision(a, 0, 1, rev), 0);
    CHECK_STR(rev, "0200");
    CHECK_EQ(sf_emu_revision(a, 0, 9, rev), SF_EINVAL);
    sf_emu_close(a);
    sf_emu_close(b);
}

SF_TEST(emu_pages_decode_with_the_codecs)
{
    char conf[512];
    struct sf_emu *e = open_emu(NULL, conf, sizeof(conf));
    if (!e)
        return;
    static uint8_t buf[SF_SES_MAX_PAGE];
    struct sf_cdb c;
    sf_cdb_receive_diag(&c, 1, 0x01, SF_SES_MAX_PAGE);
    struct sf_emu_io io = run(e, &c, buf, sizeof(buf), SF_DIR_IN);
    struct sf_ses_config *cfg = NULL;
    CHECK_EQ(sf_ses_config_decode(buf, sizeof(buf) - io.resid, &cfg), 0);
    if (cfg) {
        CHECK_EQ(cfg->nsub, 2);
        CHECK_EQ(cfg->sub[1].id, 1);
        CHECK_STR(cfg->sub[1].revision, "0200");
        CHECK_EQ(cfg->ntypes, 1);
        sf_ses_config_free(cfg);
    }
    sf_cdb_receive_diag(&c, 1, 0x0e, SF_SES_MAX_PAGE);
    io = run(e, &c, buf, sizeof(buf), SF_DIR_IN);
    struct sf_ses_dl_status st;
    CHECK_EQ(sf_ses_dl_status_decode(buf, sizeof(buf) - io.resid, &st), 0);
    CHECK_EQ(st.n, 2);
    CHECK_EQ(st.d[0].max_size, 65536);
    CHECK_EQ(st.d[1].max_size, 32768);
    sf_emu_close(e);
}

SF_TEST(emu_device_without_ses_pages)
{
    char conf[512];
    struct sf_emu *e = open_emu("\"ses\": false,", conf, sizeof(conf));
    if (!e)
        return;
    struct sf_cdb c;
    uint8_t buf[64];
    sf_cdb_receive_diag(&c, 1, 0, sizeof(buf));
    struct sf_sense s = sense_of((struct sf_emu_io[]){ run(e, &c, buf, sizeof(buf), SF_DIR_IN) });
    CHECK_EQ(s.key, SF_SK_ILLEGAL_REQUEST);
    sf_emu_close(e);
}

/* The fault that stands for a second host on a shared JBOD: another
 * initiator's download appears on a subenclosure, and the command that
 * triggered it runs as usual. */
SF_TEST(emu_foreign_download_fault)
{
    struct sf_emu_fault_spec f;
    CHECK_EQ(sf_emu_fault_parse("foreign", &f), 0);
    CHECK_EQ(f.kind, SF_EMU_FAULT_FOREIGN);
    CHECK_EQ(f.asc, 0);
    CHECK_EQ(sf_emu_fault_parse("foreign=1", &f), 0);
    CHECK_EQ(f.key, 1);
    CHECK_EQ(f.asc, 1);
    CHECK_EQ(sf_emu_fault_parse("foreign=", &f), SF_EINVAL);
    CHECK_EQ(sf_emu_fault_parse("foreign=x", &f), SF_EINVAL);
    CHECK_EQ(sf_emu_fault_parse("foreign=256", &f), SF_EINVAL);
    CHECK_STR(sf_emu_fault_name(SF_EMU_FAULT_FOREIGN), "foreign");

    char conf[512];
    struct sf_emu *e = open_emu(NULL, conf, sizeof(conf));
    if (!e)
        return;
    struct sf_cdb c;
    sf_cdb_test_unit_ready(&c);
    /* Default: the first subenclosure; a 64 KiB image, 4 KiB in. */
    CHECK_EQ(sf_emu_fault_parse("foreign", &f), 0);
    CHECK_EQ(sf_emu_add_fault(e, 0, 1, &f), 0);
    CHECK_EQ(run(e, &c, NULL, 0, SF_DIR_NONE).status, 0);
    struct sf_emu_sub_report rep[4];
    size_t n = 0;
    uint32_t gen = 0;
    CHECK_EQ(sf_emu_report(e, 0, rep, 4, &n, &gen), 0);
    CHECK_EQ(n, 2);
    CHECK_EQ(rep[0].dl_status, 0x01);
    CHECK_EQ(rep[0].expected_offset, 4096);
    CHECK_EQ(rep[1].dl_status, 0x00);
    /* Named: subenclosure 1 (max_image 32768: the image is that size). */
    CHECK_EQ(sf_emu_fault_parse("foreign=1", &f), 0);
    CHECK_EQ(sf_emu_add_fault(e, 0, 1, &f), 0);
    CHECK_EQ(run(e, &c, NULL, 0, SF_DIR_NONE).status, 0);
    CHECK_EQ(sf_emu_report(e, 0, rep, 4, &n, &gen), 0);
    CHECK_EQ(rep[1].dl_status, 0x01);
    CHECK_EQ(rep[1].expected_offset, 4096);
    /* An id the device does not have: nothing happens. */
    CHECK_EQ(sf_emu_fault_parse("foreign=7", &f), 0);
    CHECK_EQ(sf_emu_add_fault(e, 0, 1, &f), 0);
    CHECK_EQ(run(e, &c, NULL, 0, SF_DIR_NONE).status, 0);
    sf_emu_close(e);
}
