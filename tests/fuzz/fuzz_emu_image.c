/* fuzz_emu_image.c - the emulator's firmware image checker: any bytes are
 * judged without reading past them; an image it builds always passes. */
#include <stdlib.h>
#include <string.h>

#include "emu/sf_emu_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sf_emu_image_info info;
    (void)sf_emu_image_check(data, size, NULL, NULL, &info);
    (void)sf_emu_image_check(data, size, "X", "PRODUCT", &info);
    if (size >= 4) {
        uint32_t n = (uint32_t)(data[0] | data[1] << 8) % 4096;
        uint8_t *b = malloc(n + 64);
        if (!b)
            return 0;
        long len = sf_emu_image_build(b, n + 64, NULL, "P", "R1", n, data[2]);
        if (len < 0 || sf_emu_image_check(b, (size_t)len, NULL, "P", &info) != 0 ||
            strcmp(info.revision, "R1  ") != 0)
            abort();
        free(b);
    }
    return 0;
}
