/* fuzz_ses_pages.c - Supported Diagnostic Pages, Download Microcode Status
 * and Download Microcode Control decoders (the first byte picks). */
#include <stdlib.h>
#include <string.h>

#include "proto/sf_ses.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t which = data[0] % 3;
    data++;
    size--;
    static uint8_t buf[70000];
    if (which == 0) {
        struct sf_ses_supported s;
        (void)sf_ses_supported_decode(data, size, &s);
    } else if (which == 1) {
        static struct sf_ses_dl_status s, o;
        if (sf_ses_dl_status_decode(data, size, &s) == 0 && s.n > 0) {
            int n = sf_ses_dl_status_encode(&s, buf, sizeof(buf));
            if (n < 0 || sf_ses_dl_status_decode(buf, (size_t)n, &o) != 0 || o.n != s.n ||
                memcmp(o.d, s.d, s.n * sizeof(s.d[0])))
                abort();
            for (size_t i = 0; i < s.n; i++)
                (void)sf_ses_dl_status_str(s.d[i].status);
        }
    } else {
        struct sf_ses_dl_ctrl c, o;
        if (sf_ses_dl_ctrl_decode(data, size, &c) == 0 && !(c.offset & 3)) {
            int n = sf_ses_dl_ctrl_encode(&c, buf, sizeof(buf));
            if (n >= 0 && (sf_ses_dl_ctrl_decode(buf, (size_t)n, &o) != 0 ||
                           o.data_len != c.data_len || memcmp(o.data, c.data, c.data_len)))
                abort();
        }
    }
    return 0;
}
