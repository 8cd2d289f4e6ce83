/*
 * sf_lock.h - one safeflash at a time per enclosure (or BMC).
 *
 * An exclusive, non-blocking flock() on STATE_DIR/locks/<logical id>.lock
 * (the state directory is made when missing, and checked: sf_state_mkdir).
 * locks/ is made 0700; neither it nor a lock file is followed when it is a
 * symbolic link (O_NOFOLLOW), and a lock file must be a regular file - the
 * holder's pid is written into it.  A refusal is SF_ESTATE naming the file.
 * Keyed by the enclosure logical identifier, not the path, because two
 * paths can reach one enclosure.  The kernel drops the lock when the holder
 * dies, so a killed safeflash never leaves a stale lock.
 */
#ifndef SF_LOCK_H
#define SF_LOCK_H

#include "safeflash/sf_err.h"

/* Returns an fd holding the lock (>= 0), or SF_ELOCKED naming the holder's
 * pid, or another error. */
int sf_lock_acquire(const char *state_dir, const char *key, struct sf_errctx *ec);
/* The same for other devices: what names it in the message ("this BMC"). */
int sf_lock_acquire_named(const char *state_dir, const char *key, const char *what,
                          struct sf_errctx *ec);
/* As sf_lock_acquire, but wait up to timeout_ms for the holder to finish
 * (the children of one --jobs run take turns on one enclosure this way). */
int sf_lock_acquire_wait(const char *state_dir, const char *key, unsigned timeout_ms,
                         struct sf_errctx *ec);
void sf_lock_release(int fd);

#endif
