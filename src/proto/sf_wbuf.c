/*
 * sf_wbuf.c - WRITE BUFFER / READ BUFFER rules for drive microcode.
 * See sf_wbuf.h.
 */
#include "sf_wbuf.h"

#include <stdio.h>

#include "safeflash/sf_err.h"
#include "util/sf_be.h"

const char *sf_wb_mode_str(uint8_t mode)
{
    switch (mode) {
    case SF_WB_DESCRIPTOR: return "03h descriptor";
    case SF_WB_DMC_SAVE: return "05h download microcode, save and activate";
    case SF_WB_DMC_OFFS_SAVE: return "07h download microcode with offsets, save and activate";
    case SF_WB_DMC_OFFS_EV_DEFER:
        return "0Dh download microcode with offsets, select activation events, save and defer";
    case SF_WB_DMC_OFFS_DEFER: return "0Eh download microcode with offsets, save and defer";
    case SF_WB_ACTIVATE: return "0Fh activate deferred microcode";
    default: return "unknown mode";
    }
}

int sf_wb_mode_defers(uint8_t mode)
{
    return mode == SF_WB_DMC_OFFS_DEFER || mode == SF_WB_DMC_OFFS_EV_DEFER;
}

int sf_wb_mode_offsets(uint8_t mode)
{
    return mode == SF_WB_DMC_OFFS_SAVE || sf_wb_mode_defers(mode);
}

int sf_rbuf_desc_decode(const uint8_t *buf, size_t len, struct sf_rbuf_desc *out)
{
    if (!buf || !out)
        return SF_EINVAL;
    if (len < SF_RBUF_DESC_LEN)
        return SF_ETRUNC;
    out->offset_boundary = buf[0];
    out->capacity = sf_be24(buf + 1);
    return 0;
}

int sf_rbuf_desc_encode(const struct sf_rbuf_desc *in, uint8_t *buf, size_t cap)
{
    if (!in || !buf)
        return SF_EINVAL;
    if (cap < SF_RBUF_DESC_LEN)
        return SF_ETRUNC;
    buf[0] = in->offset_boundary;
    sf_put_be24(buf + 1, in->capacity & 0xffffffu);
    return SF_RBUF_DESC_LEN;
}

uint32_t sf_wb_chunk(uint8_t mode, uint32_t len, uint32_t want, const struct sf_rbuf_desc *desc,
                     uint32_t dflt, char *why, size_t why_cap)
{
    char dummy[2];
    if (!why) {
        why = dummy;
        why_cap = sizeof(dummy);
    }
    why[0] = 0;
    if (len == 0) {
        snprintf(why, why_cap, "the image is empty");
        return 0;
    }
    if (len > SF_WB_MAX_IMAGE) {
        snprintf(why, why_cap, "the image is %u bytes; WRITE BUFFER addresses at most %u", len,
                 SF_WB_MAX_IMAGE);
        return 0;
    }
    /* A descriptor capacity of 0 says nothing useful (some devices answer
     * the descriptor for a data buffer they do not have): ignore it. */
    uint32_t cap = desc && desc->capacity ? desc->capacity : 0;
    int one_shot = !sf_wb_mode_offsets(mode) || (desc && desc->offset_boundary == 0xff);
    if (one_shot) {
        if (cap && len > cap) {
            snprintf(why, why_cap, "the image is %u bytes; the drive's buffer holds %u and mode "
                     "%02Xh%s sends it in one command", len, cap, mode,
                     sf_wb_mode_offsets(mode) ? " (its offset boundary FFh allows offset 0 only)"
                                              : "");
            return 0;
        }
        return len;
    }
    uint32_t chunk = want ? want : dflt ? dflt : len;
    if (cap && chunk > cap)
        chunk = cap;
    if (chunk > len)
        chunk = len;
    if (desc && desc->offset_boundary && chunk < len) {
        /* Every offset a multiple of 2^boundary: round the chunk down. */
        uint32_t align = desc->offset_boundary >= 24 ? 0x1000000u : 1u << desc->offset_boundary;
        chunk -= chunk % align;
        if (chunk == 0) {
            snprintf(why, why_cap, "the drive needs buffer offsets in multiples of %u bytes, more "
                     "than the %u-byte chunk allowed", align, want ? want : cap);
            return 0;
        }
    }
    return chunk;
}
