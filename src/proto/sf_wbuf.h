/*
 * sf_wbuf.h - WRITE BUFFER / READ BUFFER as used for drive microcode:
 * mode numbers and names, the READ BUFFER descriptor (mode 03h), and the
 * chunk plan a download follows.
 *
 * Pure code: no I/O.  The CDBs themselves are sf_cdb's; this module owns
 * the rules that decide which CDBs a download is made of (SPC-4/SPC-5
 * 6.49 WRITE BUFFER, 6.17 READ BUFFER):
 *   - modes 05h and 0Fh carry the whole image (05h) or nothing (0Fh) in
 *     one command at buffer offset 0;
 *   - modes 07h, 0Eh and 0Dh may split the image: every BUFFER OFFSET must
 *     be a multiple of 2^OFFSET BOUNDARY, and the descriptor's boundary
 *     FFh means "offset 0 only", i.e. one command;
 *   - BUFFER OFFSET and PARAMETER LIST LENGTH are 24-bit fields, so no
 *     image of 16 MiB or more can be sent at all.
 */
#ifndef SF_WBUF_H
#define SF_WBUF_H

#include <stddef.h>
#include <stdint.h>

enum sf_wb_mode {
    SF_WB_DESCRIPTOR = 0x03,        /* READ BUFFER: buffer descriptor */
    SF_WB_DMC_SAVE = 0x05,          /* download microcode, save, activate */
    SF_WB_DMC_OFFS_SAVE = 0x07,     /* ... with offsets, save, activate */
    SF_WB_DMC_OFFS_EV_DEFER = 0x0d, /* ... with offsets, select activation
                                       events, save, defer activation */
    SF_WB_DMC_OFFS_DEFER = 0x0e,    /* ... with offsets, save, defer */
    SF_WB_ACTIVATE = 0x0f,          /* activate deferred microcode */
};

/* Mode-specific bits of mode 0Dh (byte 1 bits 7-5): which events, besides
 * mode 0Fh, start the deferred microcode. */
#define SF_WB_PO_ACT 0x4             /* power on */
#define SF_WB_HR_ACT 0x2             /* hard reset */
#define SF_WB_VSE_ACT 0x1            /* vendor specific event */

/* Largest image the 24-bit offset and length fields can address. */
#define SF_WB_MAX_IMAGE 0xffffffu

/* "05h download microcode, save and activate" etc.; never NULL. */
const char *sf_wb_mode_str(uint8_t mode);

/* 1 if the mode defers activation (0Dh, 0Eh), else 0. */
int sf_wb_mode_defers(uint8_t mode);

/* 1 if the mode may split the image at buffer offsets (07h, 0Dh, 0Eh). */
int sf_wb_mode_offsets(uint8_t mode);

/* The READ BUFFER descriptor (mode 03h): 4 bytes. */
struct sf_rbuf_desc {
    uint8_t offset_boundary;     /* offsets are multiples of 2^n; FFh: 0 only */
    uint32_t capacity;           /* bytes the buffer holds (24 bits) */
};

#define SF_RBUF_DESC_LEN 4

/* Decode; SF_ETRUNC below 4 bytes, SF_EINVAL for NULL arguments. */
int sf_rbuf_desc_decode(const uint8_t *buf, size_t len, struct sf_rbuf_desc *out);
/* Encode (the emulator's side); returns 4 or SF_ETRUNC. */
int sf_rbuf_desc_encode(const struct sf_rbuf_desc *in, uint8_t *buf, size_t cap);

/*
 * The bytes per WRITE BUFFER command for an image of len bytes in mode:
 *   want      the caller's cap (0: none)
 *   desc      the device's descriptor, NULL when it did not answer one
 *   dflt      used when neither the caller nor the device says
 * Offsets must stay multiples of the boundary, so a split chunk is rounded
 * down to one; a mode without offsets, or boundary FFh, sends everything in
 * one command.  Returns the chunk (> 0), or 0 when the image cannot be sent
 * in this mode at all (why says so: too large for the buffer, for the
 * 24-bit fields, or a chunk cap below the boundary).
 */
uint32_t sf_wb_chunk(uint8_t mode, uint32_t len, uint32_t want, const struct sf_rbuf_desc *desc,
                     uint32_t dflt, char *why, size_t why_cap);

#endif
