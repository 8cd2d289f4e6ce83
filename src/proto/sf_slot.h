/*
 * sf_slot.h - the header safeflash writes in front of a firmware image in a
 * flash region (a "slot"), and the layout file that names those regions.
 * Pure codecs: bytes in, structs out; no I/O.
 *
 * A slot is [header, 128 bytes][image][FFh up to the region's end].  The
 * header is always programmed last, after the image was written and read
 * back, so a header that checks out (magic, CRC-32) over an image whose
 * SHA-256 matches means the whole slot was written completely.  The format
 * is in docs/flash-layout.md, so that any reader - a boot loader, a
 * recovery tool - can apply the same boot rule:
 *
 *   primary-backup: boot the primary if valid, else the backup.
 *   ab:             boot the valid slot with the highest sequence number.
 */
#ifndef SF_SLOT_H
#define SF_SLOT_H

#include <stddef.h>
#include <stdint.h>

#define SF_SLOT_HDR_LEN 128
#define SF_SLOT_MAGIC "SFSLOT01"
#define SF_SLOT_VERSION_MAX 16    /* characters of version a header holds */

struct sf_slot_hdr {
    uint32_t sequence;        /* ab: higher boots; primary-backup: informational */
    uint32_t image_len;       /* bytes of image after the header */
    uint32_t flags;           /* 0; reserved */
    char version[SF_SLOT_VERSION_MAX + 1]; /* the image's version, NUL-terminated */
    uint8_t sha256[32];       /* of the image bytes */
};

/* Encode h into out[SF_SLOT_HDR_LEN].  Returns SF_SLOT_HDR_LEN or SF_EINVAL
 * (version longer than 16 bytes, NULL arguments). */
int sf_slot_hdr_encode(const struct sf_slot_hdr *h, uint8_t *out, size_t cap);

/* Decode a header.  Returns 0, SF_ETRUNC (fewer than 128 bytes), or
 * SF_EMALFORMED (wrong magic or length field, CRC mismatch, version not
 * NUL-terminated, non-zero reserved bytes).  An erased header (all FFh)
 * is SF_EMALFORMED like any other. */
int sf_slot_hdr_decode(const uint8_t *in, size_t len, struct sf_slot_hdr *h);

/* ---- layout files ---- */

enum sf_layout_kind { SF_LAYOUT_PRIMARY_BACKUP = 1, SF_LAYOUT_AB = 2 };

#define SF_LAYOUT_MAX_REGIONS 2

struct sf_region {
    char name[16];            /* primary/backup, or a/b */
    unsigned flash;           /* which target (0: the first named) */
    uint64_t offset, size;
};

struct sf_layout {
    enum sf_layout_kind kind;
    uint64_t flash_size;      /* "flash-size" line, 0 when absent */
    char board_vendor[32];    /* "board" line: what packages are matched */
    char board_product[64];   /* against; "" when absent */
    size_t nregions;          /* always 2 once parsed */
    struct sf_region r[SF_LAYOUT_MAX_REGIONS]; /* [0] primary or a, [1] backup or b */
};

/*
 * Parse a layout file:
 *
 *   # comment
 *   layout primary-backup | ab
 *   flash-size 4M                    (optional: targets must be this size)
 *   board VENDOR PRODUCT...          (optional: the board this flash is on;
 *                                     packages must match it)
 *   region NAME OFFSET SIZE [flash=N]
 *
 * Numbers are decimal or 0x hex with an optional K/M/G suffix (powers of
 * 1024).  primary-backup needs regions "primary" and "backup"; ab needs
 * "a" and "b".  Regions on one flash must not overlap, and each must hold
 * more than a header.  Alignment to erase blocks is checked against the
 * flash itself (sf_layout_check).  Returns 0 or SF_EMALFORMED with the
 * line and reason in why.
 */
int sf_layout_parse(const char *text, size_t len, struct sf_layout *out, char *why, size_t cap);

/* Check a parsed layout against the flash devices' geometry: every region
 * inside its flash and aligned to that flash's erase block.  sizes[i] and
 * erase[i] describe flash i of nflash.  Returns 0 or SF_ERANGE with why. */
int sf_layout_check(const struct sf_layout *l, const uint64_t *sizes, const uint32_t *erase,
                    size_t nflash, char *why, size_t cap);

const char *sf_layout_kind_str(enum sf_layout_kind k);

/* A size as layouts write it: decimal or 0x hex, optional K/M/G suffix
 * (powers of 1024).  Returns 0, or -1 for anything else or an overflow. */
int sf_size_parse(const char *s, uint64_t *out);

#endif
