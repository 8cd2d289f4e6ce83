/* test_sesdl.c - the SES download procedure against an enclosure model
 * that is not the project's emulator and follows other (legal) habits:
 *   - ILLEGAL REQUEST without sense-key specific data (no field pointer),
 *     so "mode refused" and "page too big" look the same;
 *   - refuses mode 0Eh; takes at most 8 KiB of data per page;
 *   - reports FFFFFFFFh ("any offset") as the expected offset;
 *   - subenclosure ids 0 and 3, generation code 0;
 *   - completion 11h for subenclosure 3 (runs after a hard reset). */
#include <stdlib.h>

#include "engine/sf_sesdl.h"
#include "proto/sf_cdb.h"
#include "proto/sf_sense.h"
#include "sf_test.h"

struct foreign {
    struct sf_transport base;
    uint8_t status[2];
    uint32_t got[2], len[2];
    unsigned fail_at;          /* command number that fails in transit */
    unsigned ncmd, rejected, sends;
    uint8_t mode_seen;
    int exact;                 /* report the expected offset, not FFFFFFFFh */
    uint32_t other_at, other_bytes; /* at that command, another initiator's
                                       pages land on subenclosure 0 first */
};

static int fidx(uint8_t id)
{
    return id == 0 ? 0 : id == 3 ? 1 : -1;
}

static void illegal(struct sf_cmd *c)
{
    struct sf_sense s = { .key = SF_SK_ILLEGAL_REQUEST, .asc = 0x26 };
    c->status = SF_STATUS_CHECK_CONDITION;
    c->sense_len = (uint8_t)sf_sense_encode(&s, 1, c->sense, sizeof(c->sense));
}

static int f_exec(struct sf_transport *t, struct sf_cmd *c)
{
    struct foreign *f = (struct foreign *)t;
    f->ncmd++;
    if (f->other_at && f->ncmd == f->other_at)
        f->got[0] += f->other_bytes;
    if (f->ncmd == f->fail_at)
        return SF_EIO;
    struct sf_cdb_info ci;
    sf_cdb_decode(c->cdb, c->cdb_len, &ci);
    if (ci.op == SF_OP_RECEIVE_DIAG && ci.page == 0x0e) {
        struct sf_ses_dl_status st = { .gen = 0, .n = 2 };
        for (int i = 0; i < 2; i++) {
            st.d[i].subenc_id = i ? 3 : 0;
            st.d[i].status = f->status[i];
            st.d[i].max_size = 1 << 20;
            st.d[i].expected_offset = f->status[i] != 1 ? 0 : f->exact ? f->got[i] : 0xffffffffu;
            if (sf_ses_dl_is_complete(f->status[i]))
                f->status[i] = 0; /* reported once */
        }
        uint8_t buf[64];
        int n = sf_ses_dl_status_encode(&st, buf, sizeof(buf));
        memcpy(c->data, buf, (size_t)n);
        c->resid = (int32_t)(c->data_len - (uint32_t)n);
        return 0;
    }
    if (ci.op == SF_OP_SEND_DIAG) {
        f->sends++;
        struct sf_ses_dl_ctrl p;
        if (sf_ses_dl_ctrl_decode(c->data, c->data_len, &p)) {
            illegal(c);
            return 0;
        }
        int i = fidx(p.subenc_id);
        if (i < 0 || p.mode == 0x0e || p.data_len > 8192) {
            f->rejected++;
            illegal(c);
            return 0;
        }
        f->mode_seen = p.mode;
        if (p.offset == 0) {
            f->got[i] = 0;
            f->len[i] = p.image_len;
        }
        if (p.offset != f->got[i]) {
            f->status[i] = 0x80;
            return 0;
        }
        f->got[i] += p.data_len;
        f->status[i] = f->got[i] == f->len[i] ? (i ? 0x11 : 0x10) : 1;
        return 0;
    }
    illegal(c);
    return 0;
}

static void f_close(struct sf_transport *t)
{
    (void)t;
}

static const struct sf_transport_ops f_ops = { "foreign", f_exec, f_close };

static void no_sleep(unsigned ms)
{
    (void)ms;
}

static uint8_t *image(uint32_t n)
{
    uint8_t *p = malloc(n);
    for (uint32_t i = 0; p && i < n; i++)
        p[i] = (uint8_t)(i * 7);
    return p;
}

/* A fresh foreign enclosure, a command layer that never sleeps, default
 * download options. */
static void setup(struct foreign *f, struct sf_scsi *s, struct sf_sesdl_opts *o)
{
    memset(f, 0, sizeof(*f));
    f->base.ops = &f_ops;
    snprintf(f->base.path, sizeof(f->base.path), "/dev/sg-foreign");
    sf_scsi_init(s, &f->base);
    s->sleep_ms = no_sleep;
    sf_sesdl_opts_default(o);
}

SF_TEST(sesdl_foreign_auto_falls_back_and_finds_page_size_without_field_pointers)
{
    struct foreign f;
    struct sf_scsi s;
    struct sf_sesdl_opts o;
    setup(&f, &s, &o);
    o.poll_ms = 0;
    struct sf_sesdl_dev learned = { 0 };
    struct sf_sesdl_result r;
    struct sf_errctx ec = { 0 };
    uint32_t len = 40000;
    uint8_t *img = image(len);
    CHECK_EQ(sf_sesdl_download(&s, 0, img, len, &o, &learned, NULL, NULL, &r, &ec), 0);
    CHECK_EQ(r.final_status, 0x10);
    CHECK_EQ(r.mode_used, 0x07);
    CHECK_EQ(r.fell_back, 1);
    CHECK_EQ(r.chunk_used, 5000);
    CHECK_EQ(f.mode_seen, 0x07);
    /* The first page is the whole image: 0Eh/07h tried at 40000, 20000 and
     * 10000 bytes, then 0Eh at 5000: 7 refusals; 07h at 5000 is taken. */
    CHECK_EQ(f.rejected, 7);
    CHECK_EQ(learned.chunk, 5000);

    /* The second processor starts from what was learnt: no refusals except
     * the one 0Eh attempt auto makes (the field pointer never said "mode"). */
    unsigned before = f.rejected;
    CHECK_EQ(sf_sesdl_download(&s, 3, img, len, &o, &learned, NULL, NULL, &r, &ec), 0);
    CHECK_EQ(r.final_status, 0x11);
    CHECK(f.rejected - before <= 1);
    free(img);
}

SF_TEST(sesdl_foreign_any_offset_resume)
{
    struct foreign f;
    struct sf_scsi s;
    struct sf_sesdl_opts o;
    setup(&f, &s, &o);
    o.mode = SF_MODE_IMMEDIATE;
    o.chunk_max = 8192;
    o.poll_ms = 0;
    struct sf_sesdl_dev learned = { 0 };
    struct sf_sesdl_result r;
    struct sf_errctx ec = { 0 };
    uint32_t len = 30000;
    uint8_t *img = image(len);
    f.fail_at = 3; /* status read, page 1, then page 2 fails in transit */
    CHECK_EQ(sf_sesdl_download(&s, 0, img, len, &o, &learned, NULL, NULL, &r, &ec), 0);
    CHECK_EQ(r.final_status, 0x10);
    CHECK_EQ(r.resumes, 1);
    CHECK_EQ(r.restarts, 0);
    CHECK_EQ(f.got[0], len);
    free(img);
}

SF_TEST(sesdl_refuses_oversize_and_in_progress_without_writing)
{
    struct foreign f;
    struct sf_scsi s;
    struct sf_sesdl_opts o;
    setup(&f, &s, &o);
    struct sf_sesdl_dev learned = { 0 };
    struct sf_sesdl_result r;
    struct sf_errctx ec = { 0 };
    uint8_t *img = image(16);
    CHECK_EQ(sf_sesdl_download(&s, 0, img, (1 << 20) + 4, &o, &learned, NULL, NULL, &r, &ec),
             SF_ERANGE);
    CHECK(strstr(ec.msg, "accepts images up to 1048576") != NULL);
    f.status[0] = 1;
    unsigned n = f.ncmd;
    /* Someone else's download (nothing says this run continues it): one
     * line that names the processor and what it shows, nothing sent. */
    o.encl_id = 0x5000ccab0400003eull;
    CHECK_EQ(sf_sesdl_download(&s, 0, img, 16, &o, &learned, NULL, NULL, &r, &ec), SF_ELOCKED);
    CHECK(strstr(ec.msg, "/dev/sg-foreign (enclosure 5000ccab0400003e) subenclosure 0: a "
                         "microcode download is already in progress (another host or tool?): "
                         "status 01h, any offset next; not touching it; --resume continues it, "
                         "--restart starts over") != NULL);
    CHECK_EQ(f.ncmd - n, 1); /* only the status read */
    CHECK_EQ(r.pages_sent, 0);
    /* The caller's words for what to do instead. */
    o.busy_hint = "wait";
    CHECK_EQ(sf_sesdl_download(&s, 0, img, 16, &o, &learned, NULL, NULL, &r, &ec), SF_ELOCKED);
    CHECK(strstr(ec.msg, "not touching it; wait") != NULL);
    o.busy_hint = NULL;
    /* A non-volatile update or any other interim status (vendor 70h-7Fh,
     * reserved 04h-0Fh) cannot be continued or discarded: refused even
     * with --resume or --restart. */
    static const uint8_t interim[] = { 0x02, 0x03, 0x04, 0x0f, 0x70, 0x7f };
    for (size_t k = 0; k < sizeof(interim); k++) {
        for (int choice = SF_INPROG_REFUSE; choice <= SF_INPROG_RESTART; choice++) {
            f.status[0] = interim[k];
            o.in_progress = (enum sf_in_progress)choice;
            unsigned sends = f.sends;
            CHECK_EQ(sf_sesdl_download(&s, 0, img, 16, &o, &learned, NULL, NULL, &r, &ec),
                     SF_ELOCKED);
            CHECK(strstr(ec.msg, "subenclosure 0: busy (status ") != NULL);
            CHECK(strstr(ec.msg, "another host or tool?): not touching it; wait for it to "
                                 "end") != NULL);
            CHECK_EQ(f.sends, sends);
        }
    }
    CHECK(sf_sesdl_busy(0x01) && sf_sesdl_busy(0x02) && sf_sesdl_busy(0x7f));
    CHECK(!sf_sesdl_busy(0x00) && !sf_sesdl_busy(0x10) && !sf_sesdl_busy(0x13) &&
          !sf_sesdl_busy(0x80));
    free(img);
}

/* Mid-download, the enclosure expects an offset beyond anything this run
 * sent: another initiator is writing to the processor too.  Stop; never
 * send a page that would mix the two images. */
SF_TEST(sesdl_stops_when_another_initiator_writes_mid_download)
{
    struct foreign f;
    struct sf_scsi s;
    struct sf_sesdl_opts o;
    setup(&f, &s, &o);
    o.mode = SF_MODE_IMMEDIATE;
    o.chunk_max = 8192;
    o.poll_ms = 0;
    f.exact = 1;
    /* status read, page 1 (0..8191), page 2 fails in transit while the
     * other initiator's 16 KiB land */
    f.fail_at = 3;
    f.other_at = 3;
    f.other_bytes = 16384;
    struct sf_sesdl_dev learned = { 0 };
    struct sf_sesdl_result r;
    struct sf_errctx ec = { 0 };
    uint32_t len = 40000;
    uint8_t *img = image(len);
    CHECK_EQ(sf_sesdl_download(&s, 0, img, len, &o, &learned, NULL, NULL, &r, &ec), SF_ELOCKED);
    CHECK(strstr(ec.msg, "another initiator is downloading to it too (another host or tool?): "
                         "it expects offset 24576, this run sent up to 16384") != NULL);
    CHECK_EQ(f.sends, 1); /* page 1; page 2 died in transit; nothing after */
    /* Without the other initiator the same failure is a plain resume. */
    setup(&f, &s, &o);
    o.mode = SF_MODE_IMMEDIATE;
    o.chunk_max = 8192;
    o.poll_ms = 0;
    f.exact = 1;
    f.fail_at = 3;
    CHECK_EQ(sf_sesdl_download(&s, 0, img, len, &o, &learned, NULL, NULL, &r, &ec), 0);
    CHECK_EQ(r.resumes, 1);
    free(img);
}

/* An activation would end someone else's download: refused, not sent. */
SF_TEST(sesdl_activate_refuses_while_a_download_is_in_progress)
{
    struct foreign f;
    struct sf_scsi s;
    struct sf_sesdl_opts o;
    setup(&f, &s, &o);
    o.poll_ms = 0;
    struct sf_errctx ec = { 0 };
    uint8_t st = 0xee;
    f.status[1] = 1;
    CHECK_EQ(sf_sesdl_activate(&s, 3, &o, NULL, NULL, &st, &ec), SF_ELOCKED);
    CHECK(strstr(ec.msg, "subenclosure 3: a microcode download is already in progress (another "
                         "host or tool?): status 01h, any offset next; not touching it; "
                         "activate once it has ended") != NULL);
    CHECK_EQ(f.sends, 0);
    f.status[1] = 0x02;
    CHECK_EQ(sf_sesdl_activate(&s, 3, &o, NULL, NULL, &st, &ec), SF_ELOCKED);
    CHECK(strstr(ec.msg, "subenclosure 3: busy (status 02h: download complete, updating "
                         "non-volatile storage; another host or tool?): not touching it; wait "
                         "for it to end") != NULL);
    CHECK_EQ(f.sends, 0);
}

/* Whether a completion was clean is what decides if a revision that did
 * not change may be put down to the image carrying the same one. */
SF_TEST(sesdl_reports_trouble_only_when_there_was_some)
{
    struct foreign f;
    struct sf_scsi s;
    struct sf_sesdl_opts o;
    setup(&f, &s, &o);
    o.mode = SF_MODE_IMMEDIATE;
    o.chunk_max = 8192;
    o.poll_ms = 0;
    struct sf_sesdl_dev learned = { 0 };
    struct sf_sesdl_result r;
    struct sf_errctx ec = { 0 };
    uint32_t len = 30000;
    uint8_t *img = image(len);
    CHECK_EQ(sf_sesdl_download(&s, 0, img, len, &o, &learned, NULL, NULL, &r, &ec), 0);
    CHECK_EQ(r.final_status, 0x10);
    CHECK_EQ(r.troubles, 0);
    CHECK_EQ(r.trouble[0], '\0');
    /* Page refusals while finding the page size are not trouble either. */
    setup(&f, &s, &o);
    o.poll_ms = 0;
    CHECK_EQ(sf_sesdl_download(&s, 0, img, len, &o, &learned, NULL, NULL, &r, &ec), 0);
    CHECK(f.rejected > 0);
    CHECK_EQ(r.troubles, 0);
    /* A page lost in transit is, even though the download recovers. */
    memset(&learned, 0, sizeof(learned));
    setup(&f, &s, &o);
    o.mode = SF_MODE_IMMEDIATE;
    o.chunk_max = 8192;
    o.poll_ms = 0;
    f.fail_at = 3;
    CHECK_EQ(sf_sesdl_download(&s, 0, img, len, &o, &learned, NULL, NULL, &r, &ec), 0);
    CHECK_EQ(r.final_status, 0x10);
    CHECK_EQ(r.troubles, 1);
    CHECK(strstr(r.trouble, "the page at offset 8192 failed") != NULL);
    free(img);
}
