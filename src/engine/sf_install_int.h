/*
 * sf_install_int.h - what sf_install.c (running) and sf_install_plan.c
 * (planning) share: an open device of a plan, and two small helpers.
 */
#ifndef SF_INSTALL_INT_H
#define SF_INSTALL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/sf_install.h"

struct sf_install_dev {
    struct sf_transport *tr;
    struct sf_scsi s;
    struct sf_encl *e;           /* NULL for a drive */
    int is_drive;
    struct sf_drive drv;
    struct sf_sesdl_dev learned;
    uint64_t probed_ms;          /* when e (and its status page) was read */
    uint64_t ncmds_at_probe;     /* s.ncmds then */
};

/* Milliseconds of the monotonic clock. */
uint64_t sf_inst_mono_ms(void);
/* Copy src into dst (cap bytes) without trailing blanks. */
void sf_inst_copy_trim(char *dst, size_t cap, const char *src);

#endif
