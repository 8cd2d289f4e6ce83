/*
 * sf_emu_image.h - the emulated processors' firmware image format.
 *
 * Only the emulator knows this format; safeflash never looks inside an
 * image (a real enclosure's image format is its vendor's).  It exists so
 * the emulator can do what real devices do: reject a corrupt or wrong image
 * with status 81h and report the revision a good image carries.
 *
 *   off  size  field
 *   0    8     magic, "SFEMUFW1" unless the config says otherwise
 *   8    4     revision (ASCII)
 *   12   16    product the image is for (ASCII, space padded)
 *   28   4     payload length N (big-endian)
 *   32   N     payload
 *   32+N 4     CRC-32 (zlib) of bytes 0 .. 31+N (big-endian)
 */
#ifndef SF_EMU_IMAGE_H
#define SF_EMU_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define SF_EMU_IMAGE_HDR 32u
#define SF_EMU_IMAGE_MAGIC "SFEMUFW1"

struct sf_emu_image_info {
    char revision[5];
    char product[17];     /* trailing spaces trimmed */
    uint32_t payload_len;
};

enum sf_emu_image_verdict {
    SF_EMU_IMAGE_OK = 0,
    SF_EMU_IMAGE_BAD_MAGIC = 1,
    SF_EMU_IMAGE_BAD_LENGTH = 2,
    SF_EMU_IMAGE_BAD_CRC = 3,
    SF_EMU_IMAGE_WRONG_PRODUCT = 4,
};

/* Check an image; product may be NULL to skip the product match. */
int sf_emu_image_check(const uint8_t *img, size_t len, const char *magic, const char *product,
                       struct sf_emu_image_info *out);

/* Build an image with a deterministic payload of payload_len bytes seeded
 * by seed.  Returns the total length (36 + payload_len) or a negative
 * sf_err when cap is too small. */
long sf_emu_image_build(uint8_t *buf, size_t cap, const char *magic, const char *product,
                        const char *revision, uint32_t payload_len, uint32_t seed);

#endif
