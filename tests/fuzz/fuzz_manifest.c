/* fuzz_manifest.c - manifest parser: what parses re-encodes to text that
 * parses to the same manifest. */
#include <stdlib.h>
#include <string.h>

#include "pkg/sf_manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sf_manifest m, o;
    struct sf_errctx ec = { 0 };
    if (sf_manifest_parse((const char *)data, size, &m, &ec) != 0)
        return 0;
    (void)sf_manifest_image_for(&m, "SFEMU", "JBOD-2U24-ESM-A");
    char *t = NULL;
    size_t l = 0;
    if (sf_manifest_encode(&m, &t, &l) != 0)
        abort();
    if (sf_manifest_parse(t, l, &o, &ec) != 0 || strcmp(o.version, m.version) ||
        o.nimages != m.nimages || o.ntargets != m.ntargets ||
        memcmp(o.images, m.images, sizeof(m.images[0]) * m.nimages))
        abort();
    free(t);
    return 0;
}
