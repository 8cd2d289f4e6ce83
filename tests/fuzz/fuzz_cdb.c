/* fuzz_cdb.c - CDB decoder. */
#include "proto/sf_cdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sf_cdb_info i;
    (void)sf_cdb_decode(data, size, &i);
    return 0;
}
