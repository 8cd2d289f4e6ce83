/* fuzz_emu_conf.c - emulator config parser (JSON through json-c, then our
 * field checks). */
#include <stdlib.h>

#include "emu/sf_emu_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sf_emu_conf c;
    struct sf_errctx ec = { 0 };
    (void)sf_emu_conf_parse((const char *)data, size, "/tmp", &c, &ec);
    return 0;
}
