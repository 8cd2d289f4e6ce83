/* fuzz_ses_config.c - Configuration page decoder; a decoded page
 * re-encodes to bytes that decode to the same subenclosures. */
#include <stdlib.h>
#include <string.h>

#include "proto/sf_ses.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sf_ses_config *c = NULL;
    if (sf_ses_config_decode(data, size, &c) != 0) {
        if (c)
            abort(); /* a failed decode hands back nothing */
        return 0;
    }
    static uint8_t buf[70000];
    int n = sf_ses_config_encode(c, buf, sizeof(buf));
    if (n > 0) {
        struct sf_ses_config *o = NULL;
        if (sf_ses_config_decode(buf, (size_t)n, &o) != 0 || o->nsub != c->nsub ||
            o->ntypes != c->ntypes)
            abort();
        for (size_t i = 0; i < c->nsub; i++)
            if (o->sub[i].id != c->sub[i].id || o->sub[i].logical_id != c->sub[i].logical_id ||
                strcmp(o->sub[i].revision, c->sub[i].revision))
                abort();
        sf_ses_config_free(o);
    }
    sf_ses_config_free(c);
    return 0;
}
