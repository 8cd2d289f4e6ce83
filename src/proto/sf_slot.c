/* sf_slot.c - slot header and layout file codecs (see sf_slot.h). */
#include "proto/sf_slot.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "safeflash/sf_err.h"

/*
 * Header, little-endian:
 *   0   8  magic "SFSLOT01"
 *   8   4  header length (128)
 *  12   4  sequence
 *  16   4  image length
 *  20   4  flags (0)
 *  24  17  version, NUL-terminated, NUL-padded
 *  41  32  SHA-256 of the image
 *  73  51  reserved, zero
 * 124   4  CRC-32 (zlib) of bytes 0..123
 */
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int sf_slot_hdr_encode(const struct sf_slot_hdr *h, uint8_t *out, size_t cap)
{
    if (!h || !out)
        return SF_EINVAL;
    if (cap < SF_SLOT_HDR_LEN)
        return SF_ETRUNC;
    size_t vl = strnlen(h->version, sizeof(h->version));
    if (vl >= sizeof(h->version))
        return SF_EINVAL;
    memset(out, 0, SF_SLOT_HDR_LEN);
    memcpy(out, SF_SLOT_MAGIC, 8);
    put32(out + 8, SF_SLOT_HDR_LEN);
    put32(out + 12, h->sequence);
    put32(out + 16, h->image_len);
    put32(out + 20, h->flags);
    memcpy(out + 24, h->version, vl);
    memcpy(out + 41, h->sha256, 32);
    put32(out + 124, (uint32_t)crc32(0L, out, 124));
    return SF_SLOT_HDR_LEN;
}

int sf_slot_hdr_decode(const uint8_t *in, size_t len, struct sf_slot_hdr *h)
{
    if (!in || !h)
        return SF_EINVAL;
    if (len < SF_SLOT_HDR_LEN)
        return SF_ETRUNC;
    if (memcmp(in, SF_SLOT_MAGIC, 8) || get32(in + 8) != SF_SLOT_HDR_LEN)
        return SF_EMALFORMED;
    if (get32(in + 124) != (uint32_t)crc32(0L, in, 124))
        return SF_EMALFORMED;
    if (memchr(in + 24, 0, 17) == NULL)
        return SF_EMALFORMED;
    for (size_t i = 73; i < 124; i++)
        if (in[i])
            return SF_EMALFORMED;
    memset(h, 0, sizeof(*h));
    h->sequence = get32(in + 12);
    h->image_len = get32(in + 16);
    h->flags = get32(in + 20);
    memcpy(h->version, in + 24, 17);
    memcpy(h->sha256, in + 41, 32);
    return 0;
}

const char *sf_layout_kind_str(enum sf_layout_kind k)
{
    return k == SF_LAYOUT_PRIMARY_BACKUP ? "primary-backup" : k == SF_LAYOUT_AB ? "ab" : "?";
}

static int bad(char *why, size_t cap, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int bad(char *why, size_t cap, unsigned line, const char *fmt, ...)
{
    if (why && cap) {
        int n = line ? snprintf(why, cap, "line %u: ", line) : 0;
        if (n < 0 || (size_t)n >= cap)
            n = 0;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why + n, cap - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return SF_EMALFORMED;
}

int sf_size_parse(const char *s, uint64_t *out)
{
    if (!*s || *s == '-' || *s == '+')
        return -1;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 0);
    if (end == s)
        return -1;
    uint64_t mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        mul = 1024 * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mul = 1024ull * 1024 * 1024, end++;
    if (*end)
        return -1;
    if (v > UINT64_MAX / mul)
        return -1;
    *out = (uint64_t)v * mul;
    return 0;
}

int sf_layout_parse(const char *text, size_t len, struct sf_layout *out, char *why, size_t cap)
{
    if (!text || !out)
        return SF_EINVAL;
    if (why && cap)
        why[0] = '\0';
    memset(out, 0, sizeof(*out));
    struct sf_region r[8];
    size_t nr = 0;
    unsigned line = 0;
    size_t pos = 0;
    while (pos < len) {
        size_t e = pos;
        while (e < len && text[e] != '\n')
            e++;
        line++;
        char buf[256];
        size_t l = e - pos;
        if (l >= sizeof(buf))
            return bad(why, cap, line, "line too long");
        memcpy(buf, text + pos, l);
        buf[l] = '\0';
        pos = e + 1;
        if (memchr(buf, '\0', l))
            return bad(why, cap, line, "NUL byte");
        char *hash = strchr(buf, '#');
        if (hash)
            *hash = '\0';
        char *tok[16];
        size_t nt = 0;
        for (char *save = NULL, *t = strtok_r(buf, " \t\r", &save); t;
             t = strtok_r(NULL, " \t\r", &save)) {
            if (nt == 16)
                return bad(why, cap, line, "too many words");
            tok[nt++] = t;
        }
        if (nt == 0)
            continue;
        if (!strcmp(tok[0], "layout")) {
            if (nt != 2)
                return bad(why, cap, line, "'layout' takes one word");
            if (out->kind)
                return bad(why, cap, line, "'layout' given twice");
            if (!strcmp(tok[1], "primary-backup"))
                out->kind = SF_LAYOUT_PRIMARY_BACKUP;
            else if (!strcmp(tok[1], "ab"))
                out->kind = SF_LAYOUT_AB;
            else
                return bad(why, cap, line, "unknown layout '%.32s' (primary-backup or ab)", tok[1]);
        } else if (!strcmp(tok[0], "flash-size")) {
            if (nt != 2 || sf_size_parse(tok[1], &out->flash_size) || !out->flash_size)
                return bad(why, cap, line, "'flash-size' takes one size");
        } else if (!strcmp(tok[0], "board")) {
            /* The product may hold spaces ("S5520UR Server Board"): the
             * rest of the line, single-spaced. */
            if (nt < 3)
                return bad(why, cap, line, "'board VENDOR PRODUCT' expected");
            if (out->board_vendor[0])
                return bad(why, cap, line, "'board' given twice");
            if (strlen(tok[1]) >= sizeof(out->board_vendor))
                return bad(why, cap, line, "board vendor longer than %zu characters",
                           sizeof(out->board_vendor) - 1);
            snprintf(out->board_vendor, sizeof(out->board_vendor), "%s", tok[1]);
            size_t pl = 0;
            for (size_t k = 2; k < nt; k++) {
                size_t tl = strlen(tok[k]);
                if (pl + tl + 1 >= sizeof(out->board_product))
                    return bad(why, cap, line, "board product longer than %zu characters",
                               sizeof(out->board_product) - 1);
                if (pl)
                    out->board_product[pl++] = ' ';
                memcpy(out->board_product + pl, tok[k], tl + 1);
                pl += tl;
            }
        } else if (!strcmp(tok[0], "region")) {
            if (nt < 4 || nt > 5)
                return bad(why, cap, line, "'region NAME OFFSET SIZE [flash=N]'");
            if (nr == 8)
                return bad(why, cap, line, "too many regions");
            struct sf_region *g = &r[nr];
            memset(g, 0, sizeof(*g));
            if (strlen(tok[1]) >= sizeof(g->name))
                return bad(why, cap, line, "region name too long");
            snprintf(g->name, sizeof(g->name), "%s", tok[1]);
            if (sf_size_parse(tok[2], &g->offset) || sf_size_parse(tok[3], &g->size) || !g->size)
                return bad(why, cap, line, "region %s: bad offset or size", g->name);
            if (g->offset > UINT64_MAX - g->size)
                return bad(why, cap, line, "region %s: offset + size overflows", g->name);
            if (g->size <= SF_SLOT_HDR_LEN)
                return bad(why, cap, line, "region %s: %llu bytes cannot hold a header and an image",
                           g->name, (unsigned long long)g->size);
            if (nt == 5) {
                uint64_t f;
                if (strncmp(tok[4], "flash=", 6) || sf_size_parse(tok[4] + 6, &f) || f > 7)
                    return bad(why, cap, line, "region %s: 'flash=N' (0-7) expected", g->name);
                g->flash = (unsigned)f;
            }
            for (size_t k = 0; k < nr; k++) {
                if (!strcmp(r[k].name, g->name))
                    return bad(why, cap, line, "region %s given twice", g->name);
                if (r[k].flash == g->flash && g->offset < r[k].offset + r[k].size &&
                    r[k].offset < g->offset + g->size)
                    return bad(why, cap, line, "region %s overlaps region %s", g->name, r[k].name);
            }
            nr++;
        } else {
            return bad(why, cap, line, "unknown keyword '%.32s'", tok[0]);
        }
    }
    if (!out->kind)
        return bad(why, cap, 0, "no 'layout' line");
    const char *want0 = out->kind == SF_LAYOUT_AB ? "a" : "primary";
    const char *want1 = out->kind == SF_LAYOUT_AB ? "b" : "backup";
    int i0 = -1, i1 = -1;
    for (size_t k = 0; k < nr; k++) {
        if (!strcmp(r[k].name, want0))
            i0 = (int)k;
        else if (!strcmp(r[k].name, want1))
            i1 = (int)k;
        else
            return bad(why, cap, 0, "layout %s has regions %s and %s, not '%s'",
                       sf_layout_kind_str(out->kind), want0, want1, r[k].name);
    }
    if (i0 < 0 || i1 < 0)
        return bad(why, cap, 0, "layout %s needs regions %s and %s",
                   sf_layout_kind_str(out->kind), want0, want1);
    if (out->kind == SF_LAYOUT_PRIMARY_BACKUP && r[i0].size != r[i1].size)
        return bad(why, cap, 0, "the backup must be the primary's size (%llu, not %llu)",
                   (unsigned long long)r[i0].size, (unsigned long long)r[i1].size);
    out->r[0] = r[i0];
    out->r[1] = r[i1];
    out->nregions = 2;
    return 0;
}

int sf_layout_check(const struct sf_layout *l, const uint64_t *sizes, const uint32_t *erase,
                    size_t nflash, char *why, size_t cap)
{
    for (size_t i = 0; i < l->nregions; i++) {
        const struct sf_region *g = &l->r[i];
        if (g->flash >= nflash) {
            snprintf(why, cap, "region %s is on flash %u, but only %zu flash target(s) given",
                     g->name, g->flash, nflash);
            return SF_ERANGE;
        }
        uint64_t sz = sizes[g->flash];
        uint32_t eb = erase[g->flash];
        if (l->flash_size && sz != l->flash_size) {
            snprintf(why, cap, "the layout is for a %llu-byte flash; this one has %llu bytes",
                     (unsigned long long)l->flash_size, (unsigned long long)sz);
            return SF_ERANGE;
        }
        if (g->offset + g->size > sz) {
            snprintf(why, cap, "region %s (0x%llx + 0x%llx) ends beyond the flash's %llu bytes",
                     g->name, (unsigned long long)g->offset, (unsigned long long)g->size,
                     (unsigned long long)sz);
            return SF_ERANGE;
        }
        if (!eb || g->offset % eb || g->size % eb) {
            snprintf(why, cap, "region %s (0x%llx + 0x%llx) is not aligned to the flash's "
                     "%u-byte erase blocks", g->name, (unsigned long long)g->offset,
                     (unsigned long long)g->size, eb);
            return SF_ERANGE;
        }
    }
    return 0;
}
