/*
 * sf_install_int.h - what sf_install.c (running), sf_install_pair.c (the
 * modules of an enclosure seen together) and sf_install_plan.c (planning)
 * share: an open device of a plan, a target's event relay, and helpers.
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

/* One target's events and journal gate (the engine's hooks). */
struct sf_inst_relay {
    sf_iev_cb cb;
    void *arg;
    const struct sf_target *t;
    const struct sf_install_hooks *h;
};

/* Journal (read-only) and announce the step `name` of r's target. */
void sf_inst_phase(struct sf_inst_relay *r, const char *name);
/* Sleep ms through d's transport clock. */
void sf_inst_sleep(struct sf_install_dev *d, unsigned ms);
/* The pause between polls of a device: --poll-interval, 1 ms to 1 s. */
unsigned sf_inst_poll_gap(const struct sf_install_opts *o);
/* Re-read the configuration page into t->rev_after. */
int sf_inst_reread_revision(struct sf_install_dev *d, struct sf_target *t, struct sf_errctx *ec);
/* The revision subenclosure sub runs, waiting out a restarting device
 * (up to the ready timeout); r, when given, hears "restarting". */
int sf_inst_read_revision_patiently(struct sf_install_dev *d, const char *path, uint8_t sub,
                                    char *rev, size_t cap, const struct sf_install_opts *o,
                                    struct sf_inst_relay *r, struct sf_errctx *ec);

/* sf_install_pair.c: watch the plan's other modules of p->t[ti]'s
 * enclosure for a partner sync loop (0, or SF_ECHECK with the evidence and
 * the way out in why); after p->t[fi] failed, read whether its enclosure's
 * modules answer (fills redundancy and degraded; 1 when there was a
 * partner to check). */
int sf_inst_watch_partners(struct sf_plan *p, size_t ti, const struct sf_install_opts *o,
                           struct sf_inst_relay *r, char *why, size_t cap);
int sf_inst_check_redundancy(struct sf_plan *p, size_t fi, const struct sf_install_opts *o,
                             struct sf_inst_relay *r);

#endif
