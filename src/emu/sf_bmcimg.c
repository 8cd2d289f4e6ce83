/* sf_bmcimg.c - see sf_bmcimg.h. */
#include "emu/sf_bmcimg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/sf_crypto.h"

static const char MAGIC[8] = { 'S', 'F', 'B', 'M', 'C', 'I', 'M', 'G' };

static int text_field(const uint8_t *p, size_t n, char *out)
{
    /* NUL-padded printable ASCII: bytes after the first NUL must be NUL. */
    size_t l = 0;
    while (l < n && p[l])
        l++;
    if (l == 0)
        return -1;
    for (size_t i = 0; i < l; i++)
        if (p[i] < 0x21 || p[i] > 0x7e)
            return -1;
    for (size_t i = l; i < n; i++)
        if (p[i])
            return -1;
    memcpy(out, p, l);
    out[l] = '\0';
    return 0;
}

int sf_bmcimg_decode(const uint8_t *buf, size_t len, struct sf_bmcimg *out, char *why, size_t cap)
{
    memset(out, 0, sizeof(*out));
    if (len < SF_BMCIMG_HDR) {
        snprintf(why, cap, "%zu bytes: shorter than the %d-byte image header", len, SF_BMCIMG_HDR);
        return SF_ETRUNC;
    }
    if (memcmp(buf, MAGIC, sizeof(MAGIC))) {
        snprintf(why, cap, "not a firmware image for this BMC (no SFBMCIMG header)");
        return SF_EMALFORMED;
    }
    if (text_field(buf + 8, 16, out->component) || text_field(buf + 24, 32, out->version)) {
        snprintf(why, cap, "image header: component or version is not NUL-padded ASCII");
        return SF_EMALFORMED;
    }
    out->payload_len = (uint32_t)buf[56] | (uint32_t)buf[57] << 8 | (uint32_t)buf[58] << 16 |
                       (uint32_t)buf[59] << 24;
    memcpy(out->sha256, buf + 60, 32);
    if (len - SF_BMCIMG_HDR != out->payload_len) {
        snprintf(why, cap, "image is %zu bytes; its header says %u + %d", len, out->payload_len,
                 SF_BMCIMG_HDR);
        return len - SF_BMCIMG_HDR < out->payload_len ? SF_ETRUNC : SF_EMALFORMED;
    }
    uint8_t d[32];
    sf_sha256(buf + SF_BMCIMG_HDR, out->payload_len, d);
    if (memcmp(d, out->sha256, 32)) {
        snprintf(why, cap, "image payload does not match its SHA-256");
        return SF_EINTEGRITY;
    }
    return 0;
}

int sf_bmcimg_make(const char *component, const char *version, uint32_t payload_len,
                   uint8_t **out, size_t *len)
{
    *out = NULL;
    if (!component || !version || !*component || !*version || strlen(component) > 16 ||
        strlen(version) > 32)
        return SF_EINVAL;
    uint8_t *b = calloc(1, SF_BMCIMG_HDR + (size_t)payload_len);
    if (!b)
        return SF_ENOMEM;
    memcpy(b, MAGIC, sizeof(MAGIC));
    memcpy(b + 8, component, strlen(component));
    memcpy(b + 24, version, strlen(version));
    b[56] = (uint8_t)payload_len;
    b[57] = (uint8_t)(payload_len >> 8);
    b[58] = (uint8_t)(payload_len >> 16);
    b[59] = (uint8_t)(payload_len >> 24);
    /* Deterministic filler: the same component and version give the same
     * image, so tests can compare hashes. */
    uint32_t x = 2166136261u;
    for (const char *p = version; *p; p++)
        x = (x ^ (uint8_t)*p) * 16777619u;
    for (const char *p = component; *p; p++)
        x = (x ^ (uint8_t)*p) * 16777619u;
    for (uint32_t i = 0; i < payload_len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[SF_BMCIMG_HDR + i] = (uint8_t)x;
    }
    sf_sha256(b + SF_BMCIMG_HDR, payload_len, b + 60);
    *out = b;
    *len = SF_BMCIMG_HDR + (size_t)payload_len;
    return 0;
}
