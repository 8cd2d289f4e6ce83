/*
 * sf_nor.h - a NOR flash modelled on a file, for tests and the demo
 * (targets written file:PATH).  It keeps the rules a real chip keeps:
 *
 *   - erase works on whole blocks and sets them to FFh;
 *   - program can only clear bits: programming a byte that is not erased
 *     is an error ("strict", the default) or ANDs the bits ("and");
 *   - optional lock bits per block, kept in PATH.locks (one byte per block,
 *     '1' locked): erase and program of a locked block fail;
 *
 * and it fails on purpose (SAFEFLASH_NOR_FAULT, or sf_nor_opts.fault):
 *
 *   erase@K / program@K     the K-th erase (program) fails, nothing done
 *   erase-torn@K            the K-th erase sets only the first half of the
 *                           block to FFh, then fails
 *   program-torn@K          the K-th program writes only its first half
 *   unlock@K / lock@K       the K-th unlock (lock) fails
 *   verify@K                the K-th program flips a bit in the middle of
 *                           what it writes and reports success
 *   powercut@K              the K-th program writes its first half, then
 *                           the process is killed (SIGKILL): the host
 *                           losing power mid-update, for journal tests
 *
 * Counting starts when the flash is opened: K is per kind, from 1.
 *
 * And for the kill sweep, counting every writing operation (erase,
 * program, lock, unlock) together, from 1:
 *
 *   kill-before=K           SIGKILL as the K-th operation is about to start
 *   kill-after=K            SIGKILL right after the K-th operation took effect
 *   log=PATH                append "KIND OFFSET LENGTH" per operation to PATH
 */
#ifndef SF_NOR_H
#define SF_NOR_H

#include "transport/sf_flash.h"

enum sf_nor_fault_kind {
    SF_NOR_FAULT_NONE = 0,
    SF_NOR_FAULT_ERASE,
    SF_NOR_FAULT_ERASE_TORN,
    SF_NOR_FAULT_PROGRAM,
    SF_NOR_FAULT_PROGRAM_TORN,
    SF_NOR_FAULT_UNLOCK,
    SF_NOR_FAULT_LOCK,
    SF_NOR_FAULT_VERIFY,
    SF_NOR_FAULT_POWERCUT,
};

struct sf_nor_opts {
    uint32_t erase_size;      /* default 65536 */
    uint32_t write_size;      /* default 1 */
    int and_semantics;        /* 1: programming set bits ANDs instead of failing */
    int locks;                /* 1: the chip has lock bits (PATH.locks) */
    enum sf_nor_fault_kind fault;
    unsigned fault_at;        /* K, from 1 */
    unsigned kill_before;     /* K: killed before the K-th writing operation (0: never) */
    unsigned kill_after;      /* K: killed after it */
    char log[200];            /* "" or the operation log's path */
};

/* Parse "erase=64K,write=1,overwrite=and,locks=1,fault=program-torn@7"
 * (any subset, comma-separated) into o, which the caller pre-filled with
 * defaults.  Returns 0 or SF_EINVAL with why. */
int sf_nor_opts_parse(const char *s, struct sf_nor_opts *o, char *why, size_t cap);

void sf_nor_opts_default(struct sf_nor_opts *o);

/* Open PATH as a NOR flash.  Its size is the file's; it must be a whole
 * number of erase blocks.  name is what errors show. */
int sf_nor_open(const char *path, const char *name, const struct sf_nor_opts *o,
                struct sf_flash **out, struct sf_errctx *ec);

/* Lock or unlock blocks of a file flash from outside (tests, the demo):
 * writes PATH.locks. */
int sf_nor_set_locks(const char *path, uint32_t erase_size, uint64_t off, uint64_t len, int lock,
                     struct sf_errctx *ec);

#endif
