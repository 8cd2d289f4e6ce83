/*
 * sf_be.h - big-endian field access for protocol codecs.
 *
 * SCSI is big-endian throughout.  These helpers take explicit pointers; the
 * caller is responsible for bounds, which every decoder checks before use.
 */
#ifndef SF_BE_H
#define SF_BE_H

#include <stdint.h>

static inline uint16_t sf_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t sf_be24(const uint8_t *p)
{
    return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}

static inline uint32_t sf_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | p[3];
}

static inline uint64_t sf_be64(const uint8_t *p)
{
    return ((uint64_t)sf_be32(p) << 32) | sf_be32(p + 4);
}

static inline void sf_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void sf_put_be24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

static inline void sf_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void sf_put_be64(uint8_t *p, uint64_t v)
{
    sf_put_be32(p, (uint32_t)(v >> 32));
    sf_put_be32(p + 4, (uint32_t)v);
}

#endif
