/* fuzz_inquiry.c - standard INQUIRY and the VPD decoders (the first byte
 * picks which), with re-encode round trips where an encoder exists. */
#include <stdlib.h>
#include <string.h>

#include "proto/sf_inquiry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t which = data[0] % 4;
    data++;
    size--;
    uint8_t buf[2048];
    switch (which) {
    case 0: {
        struct sf_inquiry q, o;
        if (sf_inquiry_decode(data, size, &q) == 0) {
            int n = sf_inquiry_encode(&q, buf, sizeof(buf));
            if (n != 36 || sf_inquiry_decode(buf, 36, &o) != 0 || o.pdt != q.pdt ||
                strcmp(o.vendor, q.vendor) || strcmp(o.revision, q.revision))
                abort();
        }
        break;
    }
    case 1: {
        struct sf_vpd_supported v, o;
        if (sf_vpd_supported_decode(data, size, &v) == 0) {
            int n = sf_vpd_supported_encode(&v, buf, sizeof(buf));
            if (n < 4 || sf_vpd_supported_decode(buf, (size_t)n, &o) != 0 || o.n != v.n)
                abort();
        }
        break;
    }
    case 2: {
        struct sf_vpd_serial v;
        (void)sf_vpd_serial_decode(data, size, &v);
        break;
    }
    default: {
        static struct sf_vpd_devid v, o;
        if (sf_vpd_devid_decode(data, size, &v) == 0 && v.n == v.total) {
            int n = sf_vpd_devid_encode(&v, buf, sizeof(buf));
            if (n >= 0 && (sf_vpd_devid_decode(buf, (size_t)n, &o) != 0 || o.n != v.n))
                abort();
        }
        break;
    }
    }
    return 0;
}
