/* fuzz_wbuf.c - READ BUFFER descriptor decoder and the chunk rules fed
 * with what a drive answered: never reads past the input; a descriptor
 * re-encodes to the same bytes; a chunk plan always covers the image in
 * aligned offsets within the buffer, or says why it cannot. */
#include <stdlib.h>
#include <string.h>

#include "proto/sf_wbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sf_rbuf_desc d;
    if (sf_rbuf_desc_decode(data, size, &d) != 0)
        return 0;
    uint8_t b[SF_RBUF_DESC_LEN];
    if (sf_rbuf_desc_encode(&d, b, sizeof(b)) != SF_RBUF_DESC_LEN || memcmp(b, data, 4))
        abort();
    /* The rest of the input picks an image length, a cap and a mode. */
    uint32_t len = size > 7 ? (uint32_t)data[4] << 16 | (uint32_t)data[5] << 8 | data[6] : 1000;
    uint32_t want = size > 9 ? (uint32_t)data[7] << 8 | data[8] : 0;
    static const uint8_t modes[] = { 0x05, 0x07, 0x0d, 0x0e };
    uint8_t mode = modes[size > 9 ? data[9] & 3 : 1];
    char why[200];
    uint32_t c = sf_wb_chunk(mode, len, want, &d, 65536, why, sizeof(why));
    if (!c) {
        if (!why[0])
            abort();
        return 0;
    }
    if (c > len || (d.capacity && c > d.capacity && sf_wb_mode_offsets(mode) &&
                    d.offset_boundary != 0xff))
        abort();
    if (c < len && (!sf_wb_mode_offsets(mode) || d.offset_boundary == 0xff))
        abort();
    if (c < len && d.offset_boundary && d.offset_boundary < 24 &&
        c % (1u << d.offset_boundary))
        abort();
    return 0;
}
