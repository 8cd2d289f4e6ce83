/* fuzz_bmcimg.c - the emulated BMC's image decoder: no crash; what decodes
 * has terminated component and version strings and a length that fits. */
#include <stdlib.h>
#include <string.h>

#include "emu/sf_bmcimg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sf_bmcimg im;
    char why[200];
    if (sf_bmcimg_decode(data, size, &im, why, sizeof(why)) == 0 &&
        (!im.component[0] || !im.version[0] || (size_t)im.payload_len + SF_BMCIMG_HDR != size))
        abort();
    return 0;
}
