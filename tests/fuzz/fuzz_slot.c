/* fuzz_slot.c - the slot header and layout file decoders fed anything:
 * never read past the input; a header that decodes re-encodes to the same
 * 128 bytes; a layout that parses has two non-overlapping regions that
 * can hold a header, and board strings that are terminated. */
#include <stdlib.h>
#include <string.h>

#include "proto/sf_slot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sf_slot_hdr h;
    if (sf_slot_hdr_decode(data, size, &h) == 0) {
        uint8_t b[SF_SLOT_HDR_LEN];
        if (sf_slot_hdr_encode(&h, b, sizeof(b)) != SF_SLOT_HDR_LEN ||
            memcmp(b, data, SF_SLOT_HDR_LEN))
            abort();
    }
    struct sf_layout l;
    char why[200];
    if (sf_layout_parse((const char *)data, size, &l, why, sizeof(why)) == 0) {
        if (l.nregions != 2)
            abort();
        for (int i = 0; i < 2; i++)
            if (l.r[i].size <= SF_SLOT_HDR_LEN || l.r[i].offset + l.r[i].size < l.r[i].offset)
                abort();
        if (l.r[0].flash == l.r[1].flash && l.r[0].offset < l.r[1].offset + l.r[1].size &&
            l.r[1].offset < l.r[0].offset + l.r[0].size)
            abort();
        /* The board strings are terminated inside their fields, and a
         * product comes with a vendor. */
        if (!memchr(l.board_vendor, '\0', sizeof(l.board_vendor)) ||
            !memchr(l.board_product, '\0', sizeof(l.board_product)) ||
            (l.board_product[0] && !l.board_vendor[0]))
            abort();
    } else if (!why[0]) {
        abort();
    }
    return 0;
}
