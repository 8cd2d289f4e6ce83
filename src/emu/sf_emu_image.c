/*
 * sf_emu_image.c - emulator firmware image format.  See sf_emu_image.h.
 */
#include "sf_emu_image.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "proto/sf_inquiry.h"
#include "safeflash/sf_err.h"
#include "util/sf_be.h"

int sf_emu_image_check(const uint8_t *img, size_t len, const char *magic, const char *product,
                       struct sf_emu_image_info *out)
{
    if (!magic || !*magic)
        magic = SF_EMU_IMAGE_MAGIC;
    size_t ml = strlen(magic);
    if (ml > 8)
        ml = 8;
    if (len < SF_EMU_IMAGE_HDR + 4 || memcmp(img, magic, ml) != 0)
        return SF_EMU_IMAGE_BAD_MAGIC;
    uint32_t n = sf_be32(img + 28);
    if ((size_t)n + SF_EMU_IMAGE_HDR + 4 != len)
        return SF_EMU_IMAGE_BAD_LENGTH;
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, img, (uInt)(SF_EMU_IMAGE_HDR + n));
    if ((uint32_t)crc != sf_be32(img + SF_EMU_IMAGE_HDR + n))
        return SF_EMU_IMAGE_BAD_CRC;
    struct sf_emu_image_info info;
    sf_ascii_field(info.revision, img + 8, 4);
    sf_ascii_field(info.product, img + 12, 16);
    sf_rtrim(info.product);
    info.payload_len = n;
    if (product) {
        char want[17];
        snprintf(want, sizeof(want), "%s", product);
        if (strcmp(sf_rtrim(want), info.product) != 0)
            return SF_EMU_IMAGE_WRONG_PRODUCT;
    }
    if (out)
        *out = info;
    return SF_EMU_IMAGE_OK;
}

long sf_emu_image_build(uint8_t *buf, size_t cap, const char *magic, const char *product,
                        const char *revision, uint32_t payload_len, uint32_t seed)
{
    size_t total = (size_t)payload_len + SF_EMU_IMAGE_HDR + 4;
    if (!buf || cap < total)
        return SF_ERANGE;
    if (!magic || !*magic)
        magic = SF_EMU_IMAGE_MAGIC;
    memset(buf, 0, SF_EMU_IMAGE_HDR);
    memcpy(buf, magic, strlen(magic) > 8 ? 8 : strlen(magic));
    sf_ascii_put(buf + 8, 4, revision);
    sf_ascii_put(buf + 12, 16, product);
    sf_put_be32(buf + 28, payload_len);
    uint32_t x = seed ? seed : 0x9e3779b9u;
    for (uint32_t i = 0; i < payload_len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[SF_EMU_IMAGE_HDR + i] = (uint8_t)x;
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, buf, (uInt)(SF_EMU_IMAGE_HDR + payload_len));
    sf_put_be32(buf + SF_EMU_IMAGE_HDR + payload_len, (uint32_t)crc);
    return (long)total;
}
