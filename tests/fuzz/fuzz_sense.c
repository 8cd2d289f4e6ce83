/* fuzz_sense.c - sense decoder: never reads past its input; what decodes
 * re-encodes to something that decodes to the same key/asc/ascq. */
#include <stdlib.h>
#include <string.h>

#include "proto/sf_sense.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sf_sense s;
    if (sf_sense_decode(data, size, &s) != 0)
        return 0;
    char w[256];
    sf_sense_describe(&s, w, sizeof(w));
    uint8_t buf[32];
    for (int desc = 0; desc <= 1; desc++) {
        int n = sf_sense_encode(&s, desc, buf, sizeof(buf));
        struct sf_sense o;
        if (n <= 0 || sf_sense_decode(buf, (size_t)n, &o) != 0 || o.key != s.key ||
            o.asc != s.asc || o.ascq != s.ascq)
            abort();
    }
    return 0;
}
