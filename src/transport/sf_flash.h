/*
 * sf_flash.h - NOR flash behind a narrow interface (after MCUboot's
 * flash_area): geometry, read, erase a block range, program, and the lock
 * bits where the chip has them.  Backends: Linux MTD (sf_mtd.c) and the
 * file-backed NOR model the tests use (emu/sf_nor.c).  Backends move bytes
 * and report errors; they never interpret what is stored.
 *
 * The wrappers below check alignment and bounds once, for every backend,
 * and count what was erased and programmed (the benchmark reports it).
 */
#ifndef SF_FLASH_H
#define SF_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include "safeflash/sf_err.h"

struct sf_flash;

struct sf_flash_ops {
    int (*read)(struct sf_flash *f, uint64_t off, void *buf, size_t len, struct sf_errctx *ec);
    /* off and len are multiples of the erase block */
    int (*erase)(struct sf_flash *f, uint64_t off, uint64_t len, struct sf_errctx *ec);
    int (*program)(struct sf_flash *f, uint64_t off, const void *buf, size_t len,
                   struct sf_errctx *ec);
    /* NULL when the flash has no lock bits.  lock: 1 lock, 0 unlock. */
    int (*lock)(struct sf_flash *f, uint64_t off, uint64_t len, int lock, struct sf_errctx *ec);
    /* *locked: 1 when any block of the range is locked. */
    int (*is_locked)(struct sf_flash *f, uint64_t off, uint64_t len, int *locked,
                     struct sf_errctx *ec);
    void (*close)(struct sf_flash *f);
};

struct sf_flash {
    const struct sf_flash_ops *ops;
    char name[256];           /* the target as given: mtd:/dev/mtd0, file:PATH */
    uint64_t size;
    uint32_t erase_size;      /* bytes per erase block */
    uint32_t write_size;      /* smallest program unit */
    void *priv;
    /* counted by the wrappers */
    uint64_t erases, programs;
    uint64_t bytes_erased, bytes_programmed, bytes_read;
};

int sf_flash_read(struct sf_flash *f, uint64_t off, void *buf, size_t len, struct sf_errctx *ec);
int sf_flash_erase(struct sf_flash *f, uint64_t off, uint64_t len, struct sf_errctx *ec);
int sf_flash_program(struct sf_flash *f, uint64_t off, const void *buf, size_t len,
                     struct sf_errctx *ec);
/* SF_ENOTSUP when the flash has no lock bits. */
int sf_flash_lock(struct sf_flash *f, uint64_t off, uint64_t len, int lock, struct sf_errctx *ec);
int sf_flash_is_locked(struct sf_flash *f, uint64_t off, uint64_t len, int *locked,
                       struct sf_errctx *ec);
void sf_flash_close(struct sf_flash *f);

/* /dev/mtdN through its ioctls.  name is what errors and history show. */
int sf_mtd_open(const char *dev, const char *name, struct sf_flash **out, struct sf_errctx *ec);

#endif
