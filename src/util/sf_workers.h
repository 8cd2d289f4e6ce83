/*
 * sf_workers.h - the one way safeflash does several things at once:
 * fn(arg, i) for every i in [0, n), on up to nth threads, the calling
 * thread among them, each taking the next i.  Used to identify devices
 * (discovery, a plan's paths, a fleet check's scan) and to run an
 * update's device groups (--jobs).
 *
 * Invariants: every i is handed out exactly once; the call returns only
 * when every fn has returned; nth 0 or 1 runs everything here, in order;
 * a thread that cannot be created leaves its share to the others (at worst
 * this thread does it all).  fn must be safe to call concurrently for
 * different i (it may share arg under its own locks).
 */
#ifndef SF_WORKERS_H
#define SF_WORKERS_H

#include <stddef.h>

/* The most threads one call starts (the caller's included). */
#define SF_WORKERS_MAX 64

void sf_workers_run(size_t n, size_t nth, void (*fn)(void *arg, size_t i), void *arg);

#endif
