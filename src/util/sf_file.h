/*
 * sf_file.h - opening the files safeflash reads: the ones a caller names
 * (images, packages, layouts, private keys) and the state directory's own
 * (staged images).
 *
 * Only a regular file is ever read.  The open never blocks and never
 * takes a controlling terminal (O_RDONLY | O_NONBLOCK | O_CLOEXEC |
 * O_NOCTTY): a FIFO, a device node or a directory named as an image is
 * refused from fstat() of what was opened, not from a stat() of the name
 * that could change in between.  Every refusal is SF_EFILE with one line
 * naming the file; a missing file is SF_EFILE too, never SF_ENODEV (which
 * is "no such device").
 *
 * Used by the package reader, the engine and the key reader, which share
 * no other module.
 */
#ifndef SF_FILE_H
#define SF_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "safeflash/sf_err.h"

/* A file of the state directory: a symbolic link in its place is refused
 * (O_NOFOLLOW), not followed. */
#define SF_FILE_NOFOLLOW 1u

/*
 * Open path for reading.  Returns the descriptor (>= 0; *st is its fstat)
 * or SF_EFILE: missing, unreadable, a symbolic link (with
 * SF_FILE_NOFOLLOW), or not a regular file ("PATH: not a regular file").
 */
int sf_file_open(const char *path, unsigned flags, struct stat *st,
                 struct sf_errctx *ec);

/*
 * Read all of the regular file path (at most max bytes) into *out (the
 * caller's, free(); one byte more is allocated and zeroed, so text can be
 * used as a string) and *len.  Errors: SF_EFILE (as sf_file_open),
 * SF_ERANGE (larger than max), SF_EIO (a read failed, or the file shrank
 * while read), SF_ENOMEM.
 */
int sf_file_read(const char *path, unsigned flags, size_t max, uint8_t **out,
                 size_t *len, struct sf_errctx *ec);

/*
 * What safeflash trusts is only as good as who can write it (OpenSSH's
 * StrictModes): st, the stat of path, must be owned by root or the
 * effective user and writable by neither group nor others.  0, or err
 * with one line: "refusing WHAT: PATH is world-writable (chmod go-w PATH)",
 * "... is owned by uid N, neither root nor you (chown root PATH)".
 */
int sf_file_owner_safe(const char *what, const char *path, const struct stat *st, int err,
                       struct sf_errctx *ec);

#endif
