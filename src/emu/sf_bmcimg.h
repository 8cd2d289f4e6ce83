/*
 * sf_bmcimg.h - the firmware image format of the emulated BMC (sfbmc).
 * Pure codec, no I/O.
 *
 * A real BMC checks what it is given before it stages it (signature,
 * machine type, component); the emulated one checks this header:
 *
 *   offset size
 *     0     8   magic "SFBMCIMG"
 *     8    16   component, ASCII, NUL-padded ("bmc", "bios", "me", ...)
 *    24    32   version, ASCII, NUL-padded
 *    56     4   payload length, little-endian
 *    60    32   SHA-256 of the payload
 *    92     -   payload
 *
 * safeflash itself never looks inside an image it pushes to a BMC: the
 * BMC decides, and the inventory afterwards proves what runs.
 */
#ifndef SF_BMCIMG_H
#define SF_BMCIMG_H

#include <stddef.h>
#include <stdint.h>

#include "safeflash/sf_err.h"

#define SF_BMCIMG_HDR 92

struct sf_bmcimg {
    char component[17];
    char version[33];
    uint32_t payload_len;
    uint8_t sha256[32];
};

/* Decode and check an image: header, length and the payload's SHA-256.
 * SF_ETRUNC / SF_EMALFORMED / SF_EINTEGRITY with why. */
int sf_bmcimg_decode(const uint8_t *buf, size_t len, struct sf_bmcimg *out, char *why, size_t cap);

/* Build an image of payload_len pseudo-random bytes (seeded by the
 * version) into a malloc'd buffer. */
int sf_bmcimg_make(const char *component, const char *version, uint32_t payload_len,
                   uint8_t **out, size_t *len);

#endif
