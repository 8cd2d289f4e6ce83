/*
 * sf_emu.c - the emulated enclosure's command handling.  See sf_emu.h.
 *
 * Command flow, as SPC-4 prescribes for a logical unit:
 *
 *   CDB --decode--> unknown opcode?  -> ILLEGAL REQUEST 20h/00h
 *                   UA pending?      -> UNIT ATTENTION (except INQUIRY,
 *                                       REQUEST SENSE, which report it)
 *                   NOT READY window -> NOT READY 04h/01h (after a reset)
 *                   dispatch by opcode
 *
 * Data-in is truncated to min(allocation length, buffer offered); the
 * residual is what was offered but not sent, as the sg driver reports it.
 */
#define _GNU_SOURCE
#include "sf_emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu/sf_emu_image.h"
#include "emu/sf_emu_state.h"
#include "proto/sf_cdb.h"
#include "proto/sf_inquiry.h"
#include "proto/sf_sense.h"
#include "proto/sf_ses.h"
#include "proto/sf_wbuf.h"
#include "util/sf_be.h"

struct sf_emu {
    struct sf_emu_conf conf;
    struct sf_emu_state_map map;
};

/* Per-command context passed to the handlers. */
struct ctx {
    struct sf_emu *e;
    const struct sf_emu_dev_conf *dc;
    struct sf_emu_dev_state *ds;
    int dev;
    struct sf_emu_io *io;
    struct sf_cdb_info ci;
};

int sf_emu_open(const char *conf_path, struct sf_emu **out, struct sf_errctx *ec)
{
    if (!conf_path || !out)
        return SF_EINVAL;
    *out = NULL;
    struct sf_emu *e = calloc(1, sizeof(*e));
    if (!e)
        return SF_ENOMEM;
    int rc = sf_emu_conf_load(conf_path, &e->conf, ec);
    if (!rc)
        rc = sf_emu_state_open(&e->conf, &e->map, ec);
    if (rc) {
        free(e);
        return rc;
    }
    *out = e;
    return 0;
}

void sf_emu_close(struct sf_emu *e)
{
    if (!e)
        return;
    sf_emu_state_close(&e->map);
    free(e);
}

const struct sf_emu_conf *sf_emu_conf(const struct sf_emu *e)
{
    return e ? &e->conf : NULL;
}

int sf_emu_find(const struct sf_emu *e, const char *path)
{
    return e ? sf_emu_conf_find(&e->conf, path) : -1;
}

/* ---- responses ---- */

static void check_condition(struct ctx *c, uint8_t key, uint8_t asc, uint8_t ascq)
{
    struct sf_sense s = { .key = key, .asc = asc, .ascq = ascq };
    int n = sf_sense_encode(&s, 0, c->io->sense, sizeof(c->io->sense));
    c->io->status = SF_STATUS_CHECK_CONDITION;
    c->io->sense_len = n > 0 ? (uint8_t)n : 0;
    c->io->resid = c->io->data_len;
}

/* ILLEGAL REQUEST with a sense-key specific field pointer (SPC-4 4.5.2.4.2):
 * cd = 1 for an error in the CDB, 0 for the parameter list. */
static void illegal(struct ctx *c, uint8_t asc, uint8_t ascq, int cd, uint16_t field)
{
    struct sf_sense s = { .key = SF_SK_ILLEGAL_REQUEST, .asc = asc, .ascq = ascq, .sksv = 1 };
    s.sks[0] = cd ? 0x40 : 0;
    s.sks[1] = (uint8_t)(field >> 8);
    s.sks[2] = (uint8_t)field;
    int n = sf_sense_encode(&s, 0, c->io->sense, sizeof(c->io->sense));
    c->io->status = SF_STATUS_CHECK_CONDITION;
    c->io->sense_len = n > 0 ? (uint8_t)n : 0;
    c->io->resid = c->io->data_len;
}

/* Send len bytes of data-in, truncated by allocation length and buffer. */
static void data_in(struct ctx *c, const uint8_t *buf, size_t len)
{
    size_t n = len;
    if (n > c->ci.alloc_len)
        n = c->ci.alloc_len;
    if (c->io->dir != SF_DIR_IN)
        n = 0;
    if (n > c->io->data_len)
        n = c->io->data_len;
    if (n)
        memcpy(c->io->data, buf, n);
    c->io->status = SF_STATUS_GOOD;
    c->io->resid = c->io->data_len - (uint32_t)n;
}

/* ---- INQUIRY ---- */

static void do_inquiry(struct ctx *c)
{
    uint8_t buf[512];
    int n;
    const struct sf_emu_dev_conf *dc = c->dc;
    if (!c->ci.evpd) {
        if (c->ci.page) {
            illegal(c, 0x24, 0x00, 1, 2);
            return;
        }
        struct sf_inquiry q = {
            .pdt = dc->pdt, .version = 6, .hisup = 1, .rdf = 2,
            .encserv = dc->pdt == SF_PDT_ENCLOSURE, .multip = (uint8_t)dc->multip,
            .cmdque = 1,
        };
        memcpy(q.vendor, dc->vendor, sizeof(q.vendor));
        memcpy(q.product, dc->product, sizeof(q.product));
        memcpy(q.revision, dc->revision, sizeof(q.revision));
        /* An enclosure's INQUIRY revision is the firmware its own SES
         * processor (the primary subenclosure) runs. */
        if (dc->nsub)
            memcpy(q.revision, c->ds->sub[0].revision, sizeof(q.revision));
        n = sf_inquiry_encode(&q, buf, sizeof(buf));
    } else if (c->ci.page == SF_VPD_SUPPORTED) {
        struct sf_vpd_supported v = { .pdt = dc->pdt, .n = 3,
                                      .pages = { 0x00, 0x80, 0x83 } };
        n = sf_vpd_supported_encode(&v, buf, sizeof(buf));
    } else if (c->ci.page == SF_VPD_SERIAL) {
        struct sf_vpd_serial v = { .pdt = dc->pdt };
        memcpy(v.serial, dc->serial, sizeof(dc->serial));
        n = sf_vpd_serial_encode(&v, buf, sizeof(buf));
    } else if (c->ci.page == SF_VPD_DEVID) {
        /* As SAS enclosures report themselves: the logical unit's NAA, then
         * the target port's NAA and relative port (SAS protocol id 6). */
        struct sf_vpd_devid v = { .pdt = dc->pdt, .n = 3 };
        v.d[0] = (struct sf_designator){ .code_set = 1, .assoc = SF_ASSOC_LU,
                                         .type = SF_DESIG_NAA, .len = 8 };
        for (int i = 0; i < 8; i++)
            v.d[0].id[i] = (uint8_t)(dc->wwn >> (56 - 8 * i));
        v.d[1] = (struct sf_designator){ .proto_id = 6, .code_set = 1, .piv = 1,
                                         .assoc = SF_ASSOC_TPORT, .type = SF_DESIG_NAA,
                                         .len = 8 };
        for (int i = 0; i < 8; i++)
            v.d[1].id[i] = (uint8_t)(dc->port_wwn >> (56 - 8 * i));
        v.d[2] = (struct sf_designator){ .proto_id = 6, .code_set = 1, .piv = 1,
                                         .assoc = SF_ASSOC_TPORT, .type = SF_DESIG_REL_TPORT,
                                         .len = 4, .id = { 0, 0, 0, 1 } };
        n = sf_vpd_devid_encode(&v, buf, sizeof(buf));
    } else {
        illegal(c, 0x24, 0x00, 1, 2);
        return;
    }
    if (n < 0) {
        check_condition(c, SF_SK_HARDWARE_ERROR, 0x44, 0x00);
        return;
    }
    data_in(c, buf, (size_t)n);
}

/* ---- SES pages ---- */

/* Build the configuration page struct from config + live revisions. */
static int build_config(struct ctx *c, struct sf_ses_config *cfg, struct sf_ses_subenc *subs,
                        struct sf_ses_type *types, size_t types_cap)
{
    const struct sf_emu_dev_conf *dc = c->dc;
    memset(cfg, 0, sizeof(*cfg));
    cfg->gen = c->ds->gen;
    cfg->nsub = dc->nsub;
    cfg->sub = subs;
    cfg->types = types;
    size_t nt = 0;
    for (size_t i = 0; i < dc->nsub; i++) {
        const struct sf_emu_sub_conf *sc = &dc->sub[i];
        struct sf_ses_subenc *s = &subs[i];
        memset(s, 0, sizeof(*s));
        /* The ES process this device is, of how many the enclosure has:
         * a dual-IOM shelf is two devices, ES process 1 and 2 of 2. */
        s->rel_esp_id = dc->esp_id;
        s->num_esp = dc->esp_count;
        s->id = sc->id;
        s->num_type_hdrs = (uint8_t)sc->ntypes;
        s->logical_id = sc->logical_id;
        memcpy(s->vendor, sc->vendor, sizeof(s->vendor));
        memcpy(s->product, sc->product, sizeof(s->product));
        memcpy(s->revision, c->ds->sub[i].revision, sizeof(s->revision));
        for (size_t t = 0; t < sc->ntypes; t++) {
            if (nt >= types_cap)
                return SF_ERANGE;
            struct sf_ses_type *ty = &types[nt++];
            memset(ty, 0, sizeof(*ty));
            ty->elem_type = sc->types[t].elem_type;
            ty->num_elements = sc->types[t].count;
            ty->subenc_id = sc->id;
            ty->text_len = (uint8_t)strlen(sc->types[t].text);
            memcpy(ty->text, sc->types[t].text, ty->text_len);
        }
    }
    cfg->ntypes = nt;
    return 0;
}


/* ---- download microcode (SES-3 6.1.16 / 6.1.17) ----
 *
 * Per subenclosure:
 *
 *   00h idle --offset 0--> 01h in progress --last chunk--> image check
 *     ^                        |  ^                          |      |
 *     |         bad field: 80h |  | next chunk at expected    |  bad: 81h
 *     |                        v  |  offset                  v
 *     +---- reported once ---- 10h..13h <-- NV update 02h/03h (quirk:
 *                                            nv_update_polls commands)
 *
 * 10h: the new image starts running when this status is reported (or at
 *      the next other command): revision changes, the device resets
 *      (UNIT ATTENTION 29h/00h), the generation code changes.
 * 11h/12h: stored, runs after hard reset / power on (sf_emu_reset).
 * 13h: stored as deferred; runs on activate (0Fh), hard reset or power on.
 */

static int sub_index(const struct sf_emu_dev_conf *dc, uint8_t id)
{
    for (size_t i = 0; i < dc->nsub; i++)
        if (dc->sub[i].id == id)
            return (int)i;
    return -1;
}

static void device_reset_ua(struct sf_emu_dev_state *ds, uint8_t ascq)
{
    ds->ua_pending = 1;
    ds->ua_asc = 0x29;
    ds->ua_ascq = ascq;
    ds->resets++;
}

/* New microcode starts running on subenclosure i. */
static void run_image(struct sf_emu_dev_state *ds, int i, const char *rev)
{
    struct sf_emu_sub_state *ss = &ds->sub[i];
    memcpy(ss->revision, rev, sizeof(ss->revision));
    ss->revision[4] = '\0';
    ss->activations++;
    /* The configuration page now reads differently. */
    ds->gen++;
}

static void abort_download(struct sf_emu_sub_state *ss, uint8_t status, uint8_t addl)
{
    ss->dl_status = status;
    ss->dl_addl = addl;
    ss->received = 0;
    ss->expected_offset = 0;
    ss->image_len = 0;
    ss->chunks = 0;
}

/* The non-volatile update of subenclosure i has finished. */
static void nv_done(struct ctx *c, int i)
{
    struct sf_emu_sub_state *ss = &c->ds->sub[i];
    ss->dl_status = ss->completion;
    ss->dl_addl = 0;
    ss->expected_offset = 0;
    if (c->ds->lie_next) {
        /* The fault: report the completion status, keep nothing.  A 10h
         * restarts on the old image; 11h-13h store nothing. */
        c->ds->lie_next = 0;
        ss->lying = ss->completion == SF_DL_COMPLETE_ACTIVE;
        return;
    }
    switch (ss->completion) {
    case SF_DL_COMPLETE_DEFERRED:
        memcpy(ss->deferred_rev, ss->committing_rev, sizeof(ss->deferred_rev));
        ss->has_deferred = 1;
        break;
    case SF_DL_COMPLETE_RESET:
    case SF_DL_COMPLETE_POWER_ON:
        memcpy(ss->pending_rev, ss->committing_rev, sizeof(ss->pending_rev));
        ss->pending_kind = ss->completion;
        break;
    default:
        break;
    }
}

/* 10h reported (or overtaken by another command): start the new image. */
static void activate_now(struct ctx *c, int i)
{
    struct sf_emu_sub_state *ss = &c->ds->sub[i];
    if (ss->lying) {
        /* It said 10h; it restarts on the old image. */
        ss->lying = 0;
        ss->dl_status = SF_DL_IDLE;
        device_reset_ua(c->ds, 0x00);
        return;
    }
    run_image(c->ds, i, ss->committing_rev);
    ss->dl_status = SF_DL_IDLE;
    device_reset_ua(c->ds, 0x00);
}

/* Advance NV updates; called before every command. */
static void tick(struct ctx *c, int is_status_read)
{
    for (size_t i = 0; i < c->dc->nsub; i++) {
        struct sf_emu_sub_state *ss = &c->ds->sub[i];
        if (ss->dl_status == SF_DL_UPDATING_NV || ss->dl_status == SF_DL_UPDATING_NV_DEFERRED) {
            if (ss->nv_polls_left)
                ss->nv_polls_left--;
            if (!ss->nv_polls_left)
                nv_done(c, (int)i);
        } else if (ss->dl_status == SF_DL_COMPLETE_ACTIVE && !is_status_read) {
            /* Nobody asked: the device restarts on its own schedule. */
            activate_now(c, (int)i);
        }
    }
}

static void trace_page(const struct sf_emu_dev_conf *dc, const uint8_t *p, size_t len)
{
    if (!dc->trace_path[0])
        return;
    FILE *f = fopen(dc->trace_path, "a");
    if (!f)
        return;
    for (size_t i = 0; i < len; i++)
        fprintf(f, "%02x", p[i]);
    fputc('\n', f);
    fclose(f);
}

static void last_chunk(struct ctx *c, int i)
{
    struct sf_emu_sub_state *ss = &c->ds->sub[i];
    const struct sf_emu_sub_conf *sc = &c->dc->sub[i];
    const struct sf_emu_quirks *q = &c->dc->quirks;
    uint8_t *buf = sf_emu_state_buf(&c->e->map, c->dev, i);
    struct sf_emu_image_info info;
    int v = buf ? sf_emu_image_check(buf, ss->image_len, sc->image_magic,
                                     sc->image_product[0] ? sc->image_product : NULL, &info)
                : SF_EMU_IMAGE_BAD_LENGTH;
    if (v != SF_EMU_IMAGE_OK) {
        /* Additional status carries why, as vendors do in that byte. */
        abort_download(ss, SF_DL_ERR_IMAGE, (uint8_t)v);
        return;
    }
    ss->downloads++;
    memcpy(ss->committing_rev, info.revision, sizeof(ss->committing_rev));
    if (ss->dl_mode == SF_DL_MODE_OFFSETS_SAVE_DEFER) {
        ss->completion = SF_DL_COMPLETE_DEFERRED;
        ss->dl_status = SF_DL_UPDATING_NV_DEFERRED;
    } else {
        ss->completion = q->needs_power_cycle ? SF_DL_COMPLETE_POWER_ON : SF_DL_COMPLETE_ACTIVE;
        ss->dl_status = SF_DL_UPDATING_NV;
    }
    ss->received = 0;
    ss->nv_polls_left = q->nv_update_polls;
    if (!ss->nv_polls_left)
        nv_done(c, i);
    if (q->abort_status_after_last && ss->dl_status == SF_DL_COMPLETE_ACTIVE) {
        /* This enclosure restarts as soon as it has the image: whatever
         * the host sends next dies in the reset, and the completion
         * status is gone with it. */
        activate_now(c, i);
        c->ds->abort_next = 1;
    }
}

static void do_dl_control(struct ctx *c, const uint8_t *p, size_t len)
{
    struct sf_ses_dl_ctrl dc;
    const struct sf_emu_quirks *q = &c->dc->quirks;
    trace_page(c->dc, p, len);
    if (sf_ses_dl_ctrl_decode(p, len, &dc) != 0) {
        illegal(c, 0x26, 0x00, 0, 2);
        return;
    }
    int i = sub_index(c->dc, dc.subenc_id);
    if (i < 0) {
        illegal(c, 0x26, 0x00, 0, 1);
        return;
    }
    struct sf_emu_sub_state *ss = &c->ds->sub[i];
    uint32_t max = c->dc->sub[i].max_image;
    c->io->status = SF_STATUS_GOOD;

    if (dc.mode == SF_DL_MODE_OFFSETS_SAVE_DEFER && q->reject_deferred == 1) {
        illegal(c, 0x26, 0x00, 0, 8); /* field pointer: the mode byte */
        return;
    }
    if (q->max_chunk && dc.data_len > q->max_chunk) {
        illegal(c, 0x26, 0x00, 0, 20); /* field pointer: data length */
        return;
    }
    if (dc.gen != c->ds->gen || dc.buffer_id != 0) {
        abort_download(ss, SF_DL_ERR_FIELDS, 0);
        return;
    }
    if (dc.mode == 0xff) { /* sg_ses_microcode's abort_mc */
        abort_download(ss, SF_DL_IDLE, 0);
        return;
    }
    if (dc.mode == SF_DL_MODE_ACTIVATE_DEFERRED) {
        if (!ss->has_deferred) {
            ss->dl_status = SF_DL_ERR_NO_DEFERRED;
            ss->dl_addl = 0;
            return;
        }
        /* Like mode 07h: 10h is reported, then the image starts running
         * (on the status read, or at once on the next other command). */
        ss->has_deferred = 0;
        memcpy(ss->committing_rev, ss->deferred_rev, sizeof(ss->committing_rev));
        ss->dl_status = SF_DL_COMPLETE_ACTIVE;
        ss->dl_addl = 0;
        if (q->abort_status_after_last) {
            activate_now(c, i);
            c->ds->abort_next = 1;
        }
        return;
    }
    if (dc.mode != SF_DL_MODE_OFFSETS_SAVE_ACTIVATE && dc.mode != SF_DL_MODE_OFFSETS_ACTIVATE &&
        dc.mode != SF_DL_MODE_OFFSETS_SAVE_DEFER) {
        abort_download(ss, SF_DL_ERR_FIELDS, 0);
        return;
    }
    if (dc.mode == SF_DL_MODE_OFFSETS_SAVE_DEFER && q->reject_deferred == 2) {
        abort_download(ss, SF_DL_ERR_FIELDS, 0);
        return;
    }
    if ((dc.offset & 3) || dc.image_len == 0 || dc.image_len > max ||
        (uint64_t)dc.offset + dc.data_len > dc.image_len) {
        abort_download(ss, SF_DL_ERR_FIELDS, 0);
        return;
    }
    if (dc.offset == 0) {
        /* A page at offset 0 starts a new download, discarding any other. */
        abort_download(ss, SF_DL_IN_PROGRESS, 0);
        ss->image_len = dc.image_len;
        ss->dl_mode = dc.mode;
    } else if (ss->dl_status != SF_DL_IN_PROGRESS) {
        /* Continuation of a download this engine no longer has. */
        illegal(c, 0x26, 0x00, 0, 12);
        return;
    } else if (dc.offset != ss->expected_offset || dc.image_len != ss->image_len ||
               dc.mode != ss->dl_mode) {
        abort_download(ss, SF_DL_ERR_FIELDS, 0);
        return;
    }
    uint8_t *buf = sf_emu_state_buf(&c->e->map, c->dev, i);
    if (!buf) {
        check_condition(c, SF_SK_HARDWARE_ERROR, 0x44, 0x00);
        return;
    }
    memcpy(buf + dc.offset, dc.data, dc.data_len);
    ss->received = dc.offset + dc.data_len;
    ss->expected_offset = ss->received;
    ss->chunks++;
    if (ss->received == ss->image_len)
        last_chunk(c, i);
}

/* After the status page went out: completion statuses are reported once;
 * some enclosures reset their download engine when polled mid-download. */
static void after_status_read(struct ctx *c)
{
    for (size_t i = 0; i < c->dc->nsub; i++) {
        struct sf_emu_sub_state *ss = &c->ds->sub[i];
        if (ss->dl_status == SF_DL_COMPLETE_ACTIVE)
            activate_now(c, (int)i);
        else if (sf_ses_dl_is_complete(ss->dl_status))
            ss->dl_status = SF_DL_IDLE;
        else if (ss->dl_status == SF_DL_IN_PROGRESS && c->dc->quirks.reset_on_status_read)
            abort_download(ss, SF_DL_IDLE, 0);
    }
}

static void do_receive_diag(struct ctx *c)
{
    /* one per thread: devices emulated in-process may be driven by several
     * threads at once (update --jobs) */
    static _Thread_local uint8_t buf[SF_SES_MAX_PAGE];
    int n;
    if (!c->dc->ses) {
        /* A device that claims nothing, or claims to be an enclosure but
         * serves no pages: it refuses the page code. */
        illegal(c, 0x24, 0x00, 1, 2);
        return;
    }
    /* PCV=0 asks for the page of the last SEND DIAGNOSTIC; like many
     * enclosures we answer page 00h for that, and reject other codes. */
    uint8_t page = c->ci.pcv ? c->ci.page : 0;
    if (!c->ci.pcv && c->ci.page) {
        illegal(c, 0x24, 0x00, 1, 2);
        return;
    }
    switch (page) {
    case SF_SES_PAGE_SUPPORTED: {
        struct sf_ses_supported s = { .n = 4, .pages = { 0x00, 0x01, 0x02, 0x0e } };
        if (c->dc->partner >= 0)
            s.pages[s.n++] = SF_EMU_PAGE_PARTNER_SYNC;
        n = sf_ses_supported_encode(&s, buf, sizeof(buf));
        break;
    }
    case SF_EMU_PAGE_PARTNER_SYNC:
        if (c->dc->partner < 0) {
            illegal(c, 0x24, 0x00, 1, 2);
            return;
        }
        /* Vendor specific (SFEMU): byte 4 bit 0 = partner firmware sync on. */
        memset(buf, 0, 8);
        buf[0] = SF_EMU_PAGE_PARTNER_SYNC;
        buf[3] = 4;
        buf[4] = c->ds->sync_on ? 1 : 0;
        n = 8;
        break;
    case SF_SES_PAGE_CONFIG:
    case SF_SES_PAGE_ENCL_STATUS: {
        struct sf_ses_config cfg;
        struct sf_ses_subenc subs[SF_EMU_MAX_SUB];
        struct sf_ses_type types[SF_EMU_MAX_SUB * SF_EMU_MAX_TYPES];
        if (build_config(c, &cfg, subs, types, sizeof(types) / sizeof(types[0]))) {
            check_condition(c, SF_SK_HARDWARE_ERROR, 0x44, 0x00);
            return;
        }
        n = page == SF_SES_PAGE_CONFIG ? sf_ses_config_encode(&cfg, buf, sizeof(buf))
                                       : sf_ses_encl_status_encode(&cfg, 0, buf, sizeof(buf));
        break;
    }
    case SF_SES_PAGE_DL_MICROCODE: {
        struct sf_ses_dl_status st = { .gen = c->ds->gen, .n = c->dc->nsub };
        for (size_t i = 0; i < c->dc->nsub; i++) {
            const struct sf_emu_sub_state *ss = &c->ds->sub[i];
            st.d[i].subenc_id = c->dc->sub[i].id;
            st.d[i].status = ss->dl_status;
            st.d[i].addl_status = ss->dl_addl;
            st.d[i].max_size = c->dc->sub[i].max_image;
            st.d[i].expected_buffer_id = ss->dl_buffer_id;
            st.d[i].expected_offset = ss->expected_offset;
        }
        n = sf_ses_dl_status_encode(&st, buf, sizeof(buf));
        if (n > 0)
            after_status_read(c);
        break;
    }
    default:
        illegal(c, 0x24, 0x00, 1, 2);
        return;
    }
    if (n < 0) {
        check_condition(c, SF_SK_HARDWARE_ERROR, 0x44, 0x00);
        return;
    }
    if (c->dc->quirks.corrupt_page == page && n >= 4) {
        /* Model a broken firmware: the page length overstates the body. */
        unsigned pl = ((unsigned)buf[2] << 8 | buf[3]) + 40;
        buf[2] = (uint8_t)(pl >> 8);
        buf[3] = (uint8_t)pl;
    }
    data_in(c, buf, (size_t)n);
}

static void do_send_diag(struct ctx *c)
{
    const struct sf_cdb_info *ci = &c->ci;
    if (ci->selftest) {
        /* Default self-test: nothing to test in a model; it passes. */
        if (ci->self_test_code || ci->param_len) {
            illegal(c, 0x24, 0x00, 1, 1);
            return;
        }
        c->io->status = SF_STATUS_GOOD;
        return;
    }
    if (ci->param_len == 0) {
        c->io->status = SF_STATUS_GOOD; /* no page: nothing to do */
        return;
    }
    if (!c->dc->ses || !ci->pf) {
        illegal(c, 0x24, 0x00, 1, 1);
        return;
    }
    if (c->io->dir != SF_DIR_OUT || c->io->data_len < ci->param_len || ci->param_len < 4) {
        /* What the initiator sent does not match the CDB's length. */
        illegal(c, 0x1a, 0x00, 1, 3);
        return;
    }
    const uint8_t *p = c->io->data;
    size_t plen = 4 + (size_t)((p[2] << 8) | p[3]);
    if (plen > ci->param_len) {
        illegal(c, 0x1a, 0x00, 0, 2);
        return;
    }
    switch (p[0]) {
    case SF_SES_PAGE_ENCL_STATUS:
        /* Enclosure control: accepted; the model has no indicators to set. */
        c->io->status = SF_STATUS_GOOD;
        return;
    case SF_SES_PAGE_DL_MICROCODE:
        do_dl_control(c, p, plen);
        return;
    case SF_EMU_PAGE_PARTNER_SYNC:
        if (c->dc->partner < 0 || plen < 8) {
            illegal(c, 0x26, 0x00, 0, 0);
            return;
        }
        {
            /* One setting for the pair, as the shelf's firmware keeps it;
             * turning it off also stops a push in flight. */
            uint8_t on = p[4] & 1;
            struct sf_emu_dev_state *ps = &c->e->map.st->dev[c->dc->partner];
            c->ds->sync_on = ps->sync_on = on;
            if (!on) {
                struct sf_emu_dev_state *both[2] = { c->ds, ps };
                for (int k = 0; k < 2; k++)
                    if (both[k]->push_left || both[k]->flip_left) {
                        both[k]->push_left = both[k]->flip_left = 0;
                        both[k]->sub[0].dl_status = SF_DL_IDLE;
                    }
            }
        }
        c->io->status = SF_STATUS_GOOD;
        return;
    default:
        illegal(c, 0x26, 0x00, 0, 0);
        return;
    }
}

static void do_request_sense(struct ctx *c)
{
    struct sf_sense s = { .key = SF_SK_NO_SENSE };
    if (c->ds->ua_pending) {
        s.key = SF_SK_UNIT_ATTENTION;
        s.asc = c->ds->ua_asc;
        s.ascq = c->ds->ua_ascq;
        c->ds->ua_pending = 0;
    } else if (c->ds->not_ready_cmds) {
        s.key = SF_SK_NOT_READY;
        s.asc = 0x04;
        s.ascq = 0x01;
    }
    uint8_t buf[32];
    int n = sf_sense_encode(&s, c->ci.desc, buf, sizeof(buf));
    data_in(c, buf, n > 0 ? (size_t)n : 0);
}

/* ---- partner firmware sync (dual-module shelves) ----
 * A module whose primary processor runs newer firmware than its partner's
 * pushes it across: the partner shows a download in progress (01h) for
 * partner_push_cmds commands, then runs the pushed revision and restarts.
 * Faults (field report 001): "fail" - the push never lands (84h) and is
 * retried forever; "flipback" - the partner takes it, then reverts to its
 * old revision, and the push starts again. */
/* ---- drive microcode: WRITE BUFFER / READ BUFFER (SPC-4 6.49, 6.17) ----
 *
 * The drive keeps one download in state slot 0: the mode it started in,
 * the bytes received so far (contiguous from offset 0) and, once the
 * image header arrived, the total it announces.  A complete image is
 * checked like a processor's (magic, length, CRC, product); a bad one is
 * refused on the command that completed it, and nothing changes.
 *   05h        the whole image in one command; runs at once
 *   07h        chunks; runs when the last byte arrives
 *   0Eh / 0Dh  chunks; stored, runs on 0Fh (or on the events chosen)
 *   0Fh        runs the stored image; none stored: command sequence error
 * Running a new image raises UNIT ATTENTION 3Fh/01h (microcode has been
 * changed) and the drive is NOT READY for a few commands while it restarts.
 */

static void drive_activate(struct ctx *c, const char *rev)
{
    run_image(c->ds, 0, rev);
    c->ds->ua_pending = 1;
    c->ds->ua_asc = 0x3f;
    c->ds->ua_ascq = 0x01;
    c->ds->not_ready_cmds = (uint8_t)c->dc->drive.activate_not_ready;
}

static void do_read_buffer(struct ctx *c)
{
    if (c->ci.mode != SF_WB_DESCRIPTOR || c->ci.buffer_id != 0) {
        illegal(c, 0x24, 0x00, 1, c->ci.mode != SF_WB_DESCRIPTOR ? 1 : 2);
        return;
    }
    uint8_t b[SF_RBUF_DESC_LEN];
    struct sf_rbuf_desc d = { .offset_boundary = c->dc->drive.offset_boundary,
                              .capacity = c->dc->drive.buffer_capacity };
    sf_rbuf_desc_encode(&d, b, sizeof(b));
    data_in(c, b, sizeof(b));
}

static void do_write_buffer(struct ctx *c)
{
    const struct sf_emu_drive_conf *dc = &c->dc->drive;
    const struct sf_emu_sub_conf *sc = &c->dc->sub[0];
    struct sf_emu_sub_state *ss = &c->ds->sub[0];
    uint8_t mode = c->ci.mode;
    uint32_t off = c->ci.buffer_offset, n = c->ci.param_len;
    if (!(dc->modes & (1u << mode)) || c->ci.buffer_id != 0) {
        illegal(c, 0x24, 0x00, 1, c->ci.buffer_id != 0 ? 2 : 1);
        return;
    }
    if (mode == SF_WB_ACTIVATE) {
        if (!ss->has_deferred) {
            illegal(c, 0x2c, 0x00, 0, 0); /* command sequence error */
            return;
        }
        ss->has_deferred = 0;
        drive_activate(c, ss->deferred_rev);
        return;
    }
    if (n > c->io->data_len || c->io->dir != SF_DIR_OUT) {
        illegal(c, 0x24, 0x00, 1, 6);
        return;
    }
    if (dc->buffer_capacity && n > dc->buffer_capacity) {
        illegal(c, 0x24, 0x00, 1, 6); /* parameter list length */
        return;
    }
    uint32_t align = dc->offset_boundary == 0xff ? 0
                     : dc->offset_boundary >= 24 ? 0x1000000u : 1u << dc->offset_boundary;
    if (off && (mode == SF_WB_DMC_SAVE || align == 0 || off % align)) {
        illegal(c, 0x24, 0x00, 1, 3); /* buffer offset */
        return;
    }
    uint8_t *buf = sf_emu_state_buf(&c->e->map, c->dev, 0);
    if (off == 0) {
        abort_download(ss, SF_DL_IN_PROGRESS, 0); /* a new download */
        ss->dl_mode = mode;
    } else if (ss->dl_status != SF_DL_IN_PROGRESS || ss->dl_mode != mode || off != ss->received) {
        /* Not the continuation of the download in progress. */
        abort_download(ss, SF_DL_IDLE, 0);
        illegal(c, 0x2c, 0x00, 0, 0);
        return;
    }
    if (!buf || (uint64_t)off + n > ss->buf_cap) {
        abort_download(ss, SF_DL_IDLE, 0);
        illegal(c, 0x26, 0x00, 0, 0); /* larger than any image it takes */
        return;
    }
    memcpy(buf + off, c->io->data, n);
    ss->received = off + n;
    ss->chunks++;
    if (ss->received >= SF_EMU_IMAGE_HDR && !ss->image_len) {
        uint32_t total = SF_EMU_IMAGE_HDR + sf_be32(buf + 28) + 4u;
        if (memcmp(buf, sc->image_magic, strlen(sc->image_magic)) || total > ss->buf_cap ||
            total < SF_EMU_IMAGE_HDR + 4u) {
            abort_download(ss, SF_DL_IDLE, 0);
            illegal(c, 0x26, 0x00, 0, 0); /* not an image for this drive */
            return;
        }
        ss->image_len = total;
    }
    if (mode != SF_WB_DMC_SAVE && (!ss->image_len || ss->received < ss->image_len))
        return; /* more to come */
    struct sf_emu_image_info info;
    int verdict = sf_emu_image_check(buf, ss->received, sc->image_magic,
                                     sc->image_product[0] ? sc->image_product : NULL, &info);
    abort_download(ss, SF_DL_IDLE, 0);
    if (verdict != SF_EMU_IMAGE_OK) {
        illegal(c, 0x26, 0x00, 0, 0);
        return;
    }
    ss->downloads++;
    if (sf_wb_mode_defers(mode)) {
        memcpy(ss->deferred_rev, info.revision, sizeof(ss->deferred_rev));
        ss->has_deferred = 1;
        ss->wb_events = mode == SF_WB_DMC_OFFS_DEFER
                            ? (SF_WB_PO_ACT | SF_WB_HR_ACT)
                            : (uint8_t)(c->ci.mode_specific & (SF_WB_PO_ACT | SF_WB_HR_ACT));
        return;
    }
    drive_activate(c, info.revision);
}

static void partner_tick(struct sf_emu *e)
{
    struct sf_emu_state *st = e->map.st;
    for (size_t d = 0; d < e->conf.ndev; d++) {
        const struct sf_emu_dev_conf *dc = &e->conf.dev[d];
        struct sf_emu_dev_state *ds = &st->dev[d];
        if (dc->partner < 0)
            continue;
        const struct sf_emu_dev_conf *pc = &e->conf.dev[dc->partner];
        struct sf_emu_dev_state *ps = &st->dev[dc->partner];
        /* a push landing on this device */
        if (ds->push_left && --ds->push_left == 0) {
            if (pc->partner_loop == 1) {
                ds->sub[0].dl_status = SF_DL_ERR_INTERNAL_SAFE; /* failed; retried below */
            } else {
                memcpy(ds->flip_rev, ds->sub[0].revision, 5);
                run_image(ds, 0, ds->push_rev);
                ds->sub[0].dl_status = SF_DL_IDLE;
                device_reset_ua(ds, 0x00);
                if (pc->partner_loop == 2)
                    ds->flip_left = pc->partner_push_cmds;
            }
        }
        if (ds->flip_left && --ds->flip_left == 0) {
            memcpy(ds->sub[0].revision, ds->flip_rev, 5);
            ds->gen++;
        }
        /* this device pushing to its partner: only newer firmware, only
         * when sync is on and nothing is in flight on the partner */
        if (!ds->sync_on || !ps->sync_on || ps->push_left || ps->flip_left || !pc->nsub)
            continue;
        if (strverscmp(ds->sub[0].revision, ps->sub[0].revision) <= 0)
            continue;
        if (ps->sub[0].dl_status != SF_DL_IDLE && ps->sub[0].dl_status != SF_DL_ERR_INTERNAL_SAFE)
            continue;
        ps->push_left = dc->partner_push_cmds ? dc->partner_push_cmds : 1;
        memcpy(ps->push_rev, ds->sub[0].revision, 5);
        ps->sub[0].dl_status = SF_DL_IN_PROGRESS;
        ps->sub[0].expected_offset = 0xffffffffu;
        ps->pushes++;
    }
}

static void reset_locked(struct sf_emu *e, int dev, enum sf_emu_reset_kind kind);

static void power_loss_locked(struct sf_emu *e, int dev);

/* Another initiator's download arrives on subenclosure index i (a second
 * host sharing the JBOD, or another tool): the first page of a 07h
 * download of a 64 KiB image (at most the processor's maximum), so the
 * status page shows 01h awaiting offset 4096 - until that initiator sends
 * more, which in this model it never does. */
static void foreign_download(struct ctx *c, int i)
{
    if (i < 0 || (size_t)i >= c->dc->nsub)
        return;
    struct sf_emu_sub_state *ss = &c->ds->sub[i];
    uint32_t len = c->dc->sub[i].max_image < 65536 ? c->dc->sub[i].max_image & ~3u : 65536;
    uint32_t first = len < 8192 ? (len / 2) & ~3u : 4096;
    if (first == 0)
        return;
    abort_download(ss, SF_DL_IN_PROGRESS, 0);
    ss->image_len = len;
    ss->dl_mode = SF_DL_MODE_OFFSETS_SAVE_ACTIVATE;
    uint8_t *buf = sf_emu_state_buf(&c->e->map, c->dev, i);
    if (buf)
        memset(buf, 0, first);
    ss->received = ss->expected_offset = first;
    ss->chunks = 1;
}

/* A scheduled fault due at this command, removed once taken; kind 0 if none. */
static struct sf_emu_fault_spec take_fault(struct sf_emu_dev_state *ds)
{
    struct sf_emu_fault_spec f = { 0 };
    for (uint32_t i = 0; i < ds->nfaults && i < SF_EMU_MAX_FAULTS; i++) {
        if (ds->faults[i].at == ds->cmd_count) {
            f.kind = (enum sf_emu_fault)ds->faults[i].kind;
            f.key = ds->faults[i].key;
            f.asc = ds->faults[i].asc;
            f.ascq = ds->faults[i].ascq;
            f.duration = ds->faults[i].duration;
            ds->faults[i] = ds->faults[--ds->nfaults];
            break;
        }
    }
    return f;
}

int sf_emu_execute(struct sf_emu *e, int dev, struct sf_emu_io *io)
{
    if (!e || !io || !io->cdb || dev < 0 || (size_t)dev >= e->conf.ndev)
        return SF_EINVAL;
    io->status = SF_STATUS_GOOD;
    io->sense_len = 0;
    io->host_status = 0;
    io->resid = io->dir == SF_DIR_IN ? io->data_len : 0;
    if (sf_emu_state_lock(&e->map))
        return SF_EIO;
    struct ctx c = { .e = e, .dc = &e->conf.dev[dev], .ds = &e->map.st->dev[dev],
                     .dev = dev, .io = io };
    c.ds->cmd_count++;

    partner_tick(e);
    struct sf_emu_fault_spec f = take_fault(c.ds);
    int fault = f.kind;
    if (c.ds->drop_left) {
        /* The device is not there: nothing reaches it. */
        c.ds->drop_left--;
        sf_emu_state_unlock(&e->map);
        return SF_ENODEV;
    }
    switch (fault) {
    case SF_EMU_FAULT_EIO:
        io->host_status = 0x07; /* DID_ERROR */
        io->resid = io->data_len;
        goto out;
    case SF_EMU_FAULT_BUSY:
        io->status = SF_STATUS_BUSY;
        io->resid = io->data_len;
        goto out;
    case SF_EMU_FAULT_CHECK:
        check_condition(&c, f.key ? f.key : SF_SK_ABORTED_COMMAND, f.key ? f.asc : 0x47,
                        f.key ? f.ascq : 0x00);
        goto out;
    case SF_EMU_FAULT_RESET:
        reset_locked(e, dev, SF_EMU_RESET_HARD);
        break;
    case SF_EMU_FAULT_BUSRESET:
        reset_locked(e, dev, SF_EMU_RESET_HARD);
        c.ds->ua_ascq = 0x02; /* SCSI bus reset occurred */
        break;
    case SF_EMU_FAULT_PATHDROP:
        c.ds->drop_left = f.duration ? f.duration - 1u : 1u;
        sf_emu_state_unlock(&e->map);
        return SF_ENODEV;
    case SF_EMU_FAULT_POWER:
    case SF_EMU_FAULT_POWERNV:
        /* The command dies with the power; the device is gone while it
         * boots, then answers with POWER ON OCCURRED. */
        power_loss_locked(e, dev);
        c.ds->drop_left = f.duration ? f.duration - 1u : 1u;
        sf_emu_state_unlock(&e->map);
        return SF_ENODEV;
    case SF_EMU_FAULT_LIE:
        c.ds->lie_next = 1;
        break;
    case SF_EMU_FAULT_FOREIGN:
        foreign_download(&c, f.asc ? sub_index(c.dc, f.key) : 0);
        break;
    default:
        break;
    }
    if (c.ds->abort_next) {
        /* The command meets a device in the middle of resetting. */
        c.ds->abort_next = 0;
        io->host_status = 0x08; /* DID_RESET */
        io->resid = io->data_len;
        goto out;
    }
    int drc = sf_cdb_decode(io->cdb, io->cdb_len, &c.ci);
    tick(&c, drc == 0 && c.ci.op == SF_OP_RECEIVE_DIAG && c.ci.page == SF_SES_PAGE_DL_MICROCODE);
    if (drc == SF_ENOTSUP) {
        illegal(&c, 0x20, 0x00, 1, 0);
        goto out;
    }
    if (drc) {
        illegal(&c, 0x24, 0x00, 1, 0);
        goto out;
    }
    /* SPC-4 5.14: INQUIRY and REQUEST SENSE are not blocked by a pending
     * UNIT ATTENTION; everything else reports it once and is not run. */
    if (c.ds->ua_pending && c.ci.op != SF_OP_INQUIRY && c.ci.op != SF_OP_REQUEST_SENSE) {
        check_condition(&c, SF_SK_UNIT_ATTENTION, c.ds->ua_asc, c.ds->ua_ascq);
        c.ds->ua_pending = 0;
        goto out;
    }
    if (c.ds->not_ready_cmds && c.ci.op != SF_OP_INQUIRY && c.ci.op != SF_OP_REQUEST_SENSE) {
        c.ds->not_ready_cmds--;
        check_condition(&c, SF_SK_NOT_READY, 0x04, 0x01);
        goto out;
    }
    switch (c.ci.op) {
    case SF_OP_TEST_UNIT_READY:
        io->status = SF_STATUS_GOOD;
        break;
    case SF_OP_REQUEST_SENSE:
        do_request_sense(&c);
        break;
    case SF_OP_INQUIRY:
        do_inquiry(&c);
        break;
    case SF_OP_RECEIVE_DIAG:
        do_receive_diag(&c);
        break;
    case SF_OP_SEND_DIAG:
        do_send_diag(&c);
        break;
    case SF_OP_WRITE_BUFFER:
        if (c.dc->drive.enabled)
            do_write_buffer(&c);
        else
            illegal(&c, 0x20, 0x00, 1, 0);
        break;
    case SF_OP_READ_BUFFER:
        if (c.dc->drive.enabled && c.dc->drive.buffer_capacity)
            do_read_buffer(&c);
        else
            illegal(&c, 0x20, 0x00, 1, 0);
        break;
    default:
        illegal(&c, 0x20, 0x00, 1, 0);
        break;
    }
out:
    if (fault == SF_EMU_FAULT_LOST || fault == SF_EMU_FAULT_TIMEOUT) {
        /* It happened on the device; the host never hears of it. */
        io->status = 0;
        io->sense_len = 0;
        io->host_status = fault == SF_EMU_FAULT_TIMEOUT ? 0x03 /* DID_TIME_OUT */ : 0x07;
        io->resid = io->data_len;
    }
    sf_emu_state_unlock(&e->map);
    /* Model the link and the processor: latency per command, bandwidth
     * for data-out.  Outside the lock, as a real device overlaps nothing
     * but also blocks no other initiator's bookkeeping. */
    const struct sf_emu_quirks *q = &e->conf.dev[dev].quirks;
    uint64_t us = q->latency_us;
    if (q->bandwidth_kib_s && io->dir == SF_DIR_OUT)
        us += (uint64_t)io->data_len * 1000000u / ((uint64_t)q->bandwidth_kib_s * 1024u);
    if (us) {
        struct timespec ts = { (time_t)(us / 1000000u), (long)(us % 1000000u) * 1000L };
        while (nanosleep(&ts, &ts) != 0)
            ;
    }
    return 0;
}

static void reset_locked(struct sf_emu *e, int dev, enum sf_emu_reset_kind kind)
{
    struct sf_emu_dev_state *ds = &e->map.st->dev[dev];
    if (e->conf.dev[dev].drive.enabled) {
        /* SPC-4: deferred microcode starts on the events chosen when it
         * was stored (0Eh: power on and hard reset); a partial download
         * is gone either way. */
        struct sf_emu_sub_state *ss = &ds->sub[0];
        uint8_t ev = kind == SF_EMU_RESET_POWER ? SF_WB_PO_ACT : SF_WB_HR_ACT;
        if (ss->has_deferred && (ss->wb_events & ev)) {
            run_image(ds, 0, ss->deferred_rev);
            ss->has_deferred = 0;
        }
        abort_download(ss, SF_DL_IDLE, 0);
        device_reset_ua(ds, kind == SF_EMU_RESET_POWER ? 0x01 : 0x00);
        return;
    }
    for (size_t i = 0; i < e->conf.dev[dev].nsub; i++) {
        struct sf_emu_sub_state *ss = &ds->sub[i];
        if (ss->dl_status == SF_DL_COMPLETE_ACTIVE && ss->lying) {
            ss->lying = 0;
        } else if (ss->dl_status == SF_DL_COMPLETE_ACTIVE) {
            run_image(ds, (int)i, ss->committing_rev);
        } else if (ss->pending_kind == SF_DL_COMPLETE_RESET ||
                   (ss->pending_kind == SF_DL_COMPLETE_POWER_ON && kind == SF_EMU_RESET_POWER)) {
            run_image(ds, (int)i, ss->pending_rev);
            ss->pending_kind = 0;
        } else if (ss->has_deferred) {
            run_image(ds, (int)i, ss->deferred_rev);
            ss->has_deferred = 0;
        }
        /* A download in flight does not survive a reset. */
        if (ss->dl_status < 0x10 || ss->dl_status == SF_DL_COMPLETE_ACTIVE)
            abort_download(ss, SF_DL_IDLE, 0);
    }
    device_reset_ua(ds, kind == SF_EMU_RESET_POWER ? 0x01 : 0x00);
}

/* Power lost: a processor in the middle of writing its non-volatile
 * storage (02h/03h) does what the config says real ones do; every other
 * processor simply goes through a power cycle. */
static void power_loss_locked(struct sf_emu *e, int dev)
{
    const struct sf_emu_dev_conf *dc = &e->conf.dev[dev];
    struct sf_emu_dev_state *ds = &e->map.st->dev[dev];
    uint8_t after[SF_EMU_MAX_SUB] = { 0 };
    for (size_t i = 0; i < dc->nsub; i++) {
        struct sf_emu_sub_state *ss = &ds->sub[i];
        if (ss->dl_status != SF_DL_UPDATING_NV && ss->dl_status != SF_DL_UPDATING_NV_DEFERRED)
            continue;
        switch (dc->quirks.power_loss_nv) {
        case 0: after[i] = 0xff; break; /* old image, nothing to report */
        case 1: after[i] = SF_DL_ERR_INTERNAL_NEED_IMAGE; break;
        case 3:
            memcpy(ss->revision, dc->quirks.recovery_revision, 5);
            ss->revision[4] = '\0';
            after[i] = SF_DL_ERR_INTERNAL_NEED_IMAGE;
            break;
        default: after[i] = SF_DL_ERR_INTERNAL_SAFE; break;
        }
        abort_download(ss, SF_DL_IDLE, 0);
        ss->completion = 0;
    }
    reset_locked(e, dev, SF_EMU_RESET_POWER);
    for (size_t i = 0; i < dc->nsub; i++)
        if (after[i] && after[i] != 0xff)
            ds->sub[i].dl_status = after[i];
}

int sf_emu_reset(struct sf_emu *e, int dev, enum sf_emu_reset_kind kind)
{
    if (!e || dev < 0 || (size_t)dev >= e->conf.ndev)
        return SF_EINVAL;
    if (sf_emu_state_lock(&e->map))
        return SF_EIO;
    reset_locked(e, dev, kind);
    /* An operator's reset (a reseated or power-cycled module) also brings
     * back a device that a pathdrop or power fault took away. */
    e->map.st->dev[dev].drop_left = 0;
    sf_emu_state_unlock(&e->map);
    return 0;
}

int sf_emu_revision(struct sf_emu *e, int dev, uint8_t sub_id, char out[5])
{
    if (!e || dev < 0 || (size_t)dev >= e->conf.ndev)
        return SF_EINVAL;
    const struct sf_emu_dev_conf *dc = &e->conf.dev[dev];
    for (size_t i = 0; i < dc->nsub; i++) {
        if (dc->sub[i].id != sub_id)
            continue;
        if (sf_emu_state_lock(&e->map))
            return SF_EIO;
        memcpy(out, e->map.st->dev[dev].sub[i].revision, 5);
        out[4] = '\0';
        sf_emu_state_unlock(&e->map);
        return 0;
    }
    return SF_EINVAL;
}

uint64_t sf_emu_command_count(struct sf_emu *e, int dev)
{
    if (!e || dev < 0 || (size_t)dev >= e->conf.ndev)
        return 0;
    if (sf_emu_state_lock(&e->map))
        return 0;
    uint64_t n = e->map.st->dev[dev].cmd_count;
    sf_emu_state_unlock(&e->map);
    return n;
}

int sf_emu_report(struct sf_emu *e, int dev, struct sf_emu_sub_report *out, size_t max,
                  size_t *n, uint32_t *gen)
{
    if (!e || !out || !n || dev < 0 || (size_t)dev >= e->conf.ndev)
        return SF_EINVAL;
    if (sf_emu_state_lock(&e->map))
        return SF_EIO;
    const struct sf_emu_dev_conf *dc = &e->conf.dev[dev];
    const struct sf_emu_dev_state *ds = &e->map.st->dev[dev];
    size_t k = 0;
    for (; k < dc->nsub && k < max; k++) {
        const struct sf_emu_sub_state *ss = &ds->sub[k];
        memset(&out[k], 0, sizeof(out[k]));
        out[k].id = dc->sub[k].id;
        memcpy(out[k].revision, ss->revision, 4);
        if (ss->has_deferred)
            memcpy(out[k].deferred, ss->deferred_rev, 4);
        if (ss->pending_kind)
            memcpy(out[k].pending, ss->pending_rev, 4);
        out[k].dl_status = ss->dl_status;
        out[k].expected_offset = ss->expected_offset;
        out[k].activations = ss->activations;
        out[k].downloads = ss->downloads;
        /* Every revision the model can run came from an image that passed
         * its check, the config, or the recovery image: a processor is
         * bricked only if its revision is none of those (never, by design;
         * the fault sweep checks it anyway). */
        out[k].valid = ss->revision[0] != '\0';
    }
    if (gen)
        *gen = ds->gen;
    sf_emu_state_unlock(&e->map);
    *n = k;
    return 0;
}

static const char *const fault_names[] = {
    NULL, "eio", "lost", "reset", "busy", "check", "busreset", "pathdrop", "power", "powernv",
    "lie", "timeout", "foreign",
};

const char *sf_emu_fault_name(enum sf_emu_fault k)
{
    return (unsigned)k < sizeof(fault_names) / sizeof(fault_names[0]) && fault_names[k]
               ? fault_names[k] : "?";
}

int sf_emu_fault_parse(const char *text, struct sf_emu_fault_spec *out)
{
    if (!text || !out)
        return SF_EINVAL;
    memset(out, 0, sizeof(*out));
    char name[32];
    const char *eq = strchr(text, '=');
    size_t n = eq ? (size_t)(eq - text) : strlen(text);
    if (n == 0 || n >= sizeof(name))
        return SF_EINVAL;
    memcpy(name, text, n);
    name[n] = '\0';
    for (unsigned k = 1; k < sizeof(fault_names) / sizeof(fault_names[0]); k++) {
        if (strcmp(name, fault_names[k]))
            continue;
        out->kind = (enum sf_emu_fault)k;
        if (!eq)
            return 0;
        if (k == SF_EMU_FAULT_CHECK) {
            unsigned a, b, c;
            if (sscanf(eq + 1, "%x/%x/%x", &a, &b, &c) != 3 || a > 15 || b > 255 || c > 255)
                return SF_EINVAL;
            out->key = (uint8_t)a;
            out->asc = (uint8_t)b;
            out->ascq = (uint8_t)c;
            return 0;
        }
        if (k == SF_EMU_FAULT_FOREIGN) {
            char *end;
            unsigned long id = strtoul(eq + 1, &end, 10);
            if (end == eq + 1 || *end || id > 255)
                return SF_EINVAL;
            out->key = (uint8_t)id;
            out->asc = 1;
            return 0;
        }
        if (k == SF_EMU_FAULT_PATHDROP || k == SF_EMU_FAULT_POWER || k == SF_EMU_FAULT_POWERNV) {
            char *end;
            unsigned long d = strtoul(eq + 1, &end, 10);
            if (*end || d == 0 || d > 1000)
                return SF_EINVAL;
            out->duration = (uint16_t)d;
            return 0;
        }
        return SF_EINVAL;
    }
    return SF_EINVAL;
}

int sf_emu_add_fault(struct sf_emu *e, int dev, uint64_t in_cmds,
                     const struct sf_emu_fault_spec *f)
{
    if (!e || !f || dev < 0 || (size_t)dev >= e->conf.ndev || in_cmds == 0)
        return SF_EINVAL;
    if (sf_emu_state_lock(&e->map))
        return SF_EIO;
    struct sf_emu_dev_state *ds = &e->map.st->dev[dev];
    int rc = SF_ERANGE;
    if (ds->nfaults < SF_EMU_MAX_FAULTS) {
        ds->faults[ds->nfaults].at = ds->cmd_count + in_cmds;
        ds->faults[ds->nfaults].kind = (uint8_t)f->kind;
        ds->faults[ds->nfaults].key = f->key;
        ds->faults[ds->nfaults].asc = f->asc;
        ds->faults[ds->nfaults].ascq = f->ascq;
        ds->faults[ds->nfaults].duration = f->duration;
        ds->nfaults++;
        rc = 0;
    }
    sf_emu_state_unlock(&e->map);
    return rc;
}
