/* sf_nor.c - the file-backed NOR flash model (see sf_nor.h). */
#include "emu/sf_nor.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/sf_slot.h"

struct nor {
    int fd;
    char locks_path[4200];
    uint8_t *locked;          /* per block; NULL without lock bits */
    size_t nblocks;
    struct sf_nor_opts o;
    unsigned n_erase, n_program, n_lock, n_unlock;
    unsigned n_ops;           /* every writing operation, for kill-before/after */
};

void sf_nor_opts_default(struct sf_nor_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->erase_size = 65536;
    o->write_size = 1;
}

int sf_nor_opts_parse(const char *s, struct sf_nor_opts *o, char *why, size_t cap)
{
    static const struct {
        const char *name;
        enum sf_nor_fault_kind k;
    } kinds[] = {
        { "erase", SF_NOR_FAULT_ERASE },     { "erase-torn", SF_NOR_FAULT_ERASE_TORN },
        { "program", SF_NOR_FAULT_PROGRAM }, { "program-torn", SF_NOR_FAULT_PROGRAM_TORN },
        { "unlock", SF_NOR_FAULT_UNLOCK },   { "lock", SF_NOR_FAULT_LOCK },
        { "verify", SF_NOR_FAULT_VERIFY },   { "powercut", SF_NOR_FAULT_POWERCUT },
    };
    char buf[256];
    if (!s)
        return 0;
    if (strlen(s) >= sizeof(buf)) {
        snprintf(why, cap, "NOR options too long");
        return SF_EINVAL;
    }
    snprintf(buf, sizeof(buf), "%s", s);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '=');
        if (!eq) {
            snprintf(why, cap, "NOR option '%s' is not KEY=VALUE", t);
            return SF_EINVAL;
        }
        *eq = '\0';
        const char *v = eq + 1;
        uint64_t n = 0;
        if (!strcmp(t, "erase") || !strcmp(t, "write")) {
            if (sf_size_parse(v, &n) || n == 0 || n > (16u << 20) || (n & (n - 1))) {
                snprintf(why, cap, "NOR %s size '%s' is not a power of two up to 16M", t, v);
                return SF_EINVAL;
            }
            if (!strcmp(t, "erase"))
                o->erase_size = (uint32_t)n;
            else
                o->write_size = (uint32_t)n;
        } else if (!strcmp(t, "overwrite")) {
            if (strcmp(v, "error") && strcmp(v, "and")) {
                snprintf(why, cap, "NOR overwrite is 'error' or 'and', not '%s'", v);
                return SF_EINVAL;
            }
            o->and_semantics = !strcmp(v, "and");
        } else if (!strcmp(t, "kill-before") || !strcmp(t, "kill-after")) {
            if (sf_size_parse(v, &n) || n == 0 || n > 100000000) {
                snprintf(why, cap, "NOR %s takes an operation number from 1, not '%s'", t, v);
                return SF_EINVAL;
            }
            *(!strcmp(t, "kill-before") ? &o->kill_before : &o->kill_after) = (unsigned)n;
        } else if (!strcmp(t, "log")) {
            if (!*v || strlen(v) >= sizeof(o->log)) {
                snprintf(why, cap, "NOR log takes a path of at most %zu characters",
                         sizeof(o->log) - 1);
                return SF_EINVAL;
            }
            snprintf(o->log, sizeof(o->log), "%s", v);
        } else if (!strcmp(t, "locks")) {
            o->locks = strcmp(v, "0") != 0;
        } else if (!strcmp(t, "fault")) {
            const char *at = strchr(v, '@');
            size_t kl = at ? (size_t)(at - v) : 0;
            o->fault = SF_NOR_FAULT_NONE;
            for (size_t i = 0; at && i < sizeof(kinds) / sizeof(kinds[0]); i++)
                if (strlen(kinds[i].name) == kl && !strncmp(kinds[i].name, v, kl))
                    o->fault = kinds[i].k;
            if (!o->fault || sf_size_parse(at + 1, &n) || n == 0 || n > 1000000) {
                snprintf(why, cap, "NOR fault '%s' is not KIND@K (erase, erase-torn, program, "
                         "program-torn, unlock, lock, verify, powercut)", v);
                return SF_EINVAL;
            }
            o->fault_at = (unsigned)n;
        } else {
            snprintf(why, cap, "unknown NOR option '%s'", t);
            return SF_EINVAL;
        }
    }
    if (o->write_size > o->erase_size) {
        snprintf(why, cap, "NOR write size above the erase size");
        return SF_EINVAL;
    }
    return 0;
}

static struct nor *P(struct sf_flash *f)
{
    return f->priv;
}

static int io_err(struct sf_errctx *ec, struct sf_flash *f, const char *what, uint64_t off)
{
    return sf_err_set(ec, SF_EIO, "%s: %s at 0x%llx failed: %s", f->name, what,
                      (unsigned long long)off, strerror(errno));
}

static int fault_now(struct nor *n, enum sf_nor_fault_kind a, enum sf_nor_fault_kind b,
                     unsigned count)
{
    return (n->o.fault == a || (b && n->o.fault == b)) && n->o.fault_at == count;
}

/* The kill sweep's hooks around every writing operation. */
static void op_before(struct nor *n)
{
    if (++n->n_ops == n->o.kill_before)
        raise(SIGKILL);
}

static void op_after(struct nor *n, const char *kind, uint64_t off, uint64_t len)
{
    if (n->o.log[0]) {
        FILE *fp = fopen(n->o.log, "a");
        if (fp) {
            fprintf(fp, "%s %llu %llu\n", kind, (unsigned long long)off, (unsigned long long)len);
            fclose(fp);
        }
    }
    if (n->n_ops == n->o.kill_after) {
        fsync(n->fd);
        raise(SIGKILL);
    }
}

static int nor_read(struct sf_flash *f, uint64_t off, void *buf, size_t len, struct sf_errctx *ec)
{
    ssize_t r = pread(P(f)->fd, buf, len, (off_t)off);
    if (r != (ssize_t)len)
        return io_err(ec, f, "read", off);
    return 0;
}

static const char *locked_block(struct sf_flash *f, uint64_t off, uint64_t len, uint64_t *blk)
{
    struct nor *n = P(f);
    if (!n->locked)
        return NULL;
    for (uint64_t b = off / f->erase_size; b * f->erase_size < off + len; b++)
        if (b < n->nblocks && n->locked[b]) {
            *blk = b * f->erase_size;
            return "locked";
        }
    return NULL;
}

static int nor_erase(struct sf_flash *f, uint64_t off, uint64_t len, struct sf_errctx *ec)
{
    struct nor *n = P(f);
    unsigned k = ++n->n_erase;
    op_before(n);
    uint64_t lb;
    if (locked_block(f, off, len, &lb))
        return sf_err_set(ec, SF_EIO, "%s: erase at 0x%llx failed: the block is locked", f->name,
                          (unsigned long long)lb);
    if (fault_now(n, SF_NOR_FAULT_ERASE, 0, k))
        return sf_err_set(ec, SF_EIO, "%s: erase at 0x%llx failed: injected erase failure",
                          f->name, (unsigned long long)off);
    uint64_t todo = len;
    int torn = fault_now(n, SF_NOR_FAULT_ERASE_TORN, 0, k);
    if (torn)
        todo = f->erase_size / 2; /* the first half of the first block */
    uint8_t ff[4096];
    memset(ff, 0xff, sizeof(ff));
    for (uint64_t o = 0; o < todo; o += sizeof(ff)) {
        size_t c = todo - o < sizeof(ff) ? (size_t)(todo - o) : sizeof(ff);
        if (pwrite(n->fd, ff, c, (off_t)(off + o)) != (ssize_t)c)
            return io_err(ec, f, "erase", off + o);
    }
    if (torn)
        return sf_err_set(ec, SF_EIO, "%s: erase at 0x%llx interrupted half-way (injected torn "
                          "erase)", f->name, (unsigned long long)off);
    op_after(n, "erase", off, len);
    return 0;
}

static int nor_program(struct sf_flash *f, uint64_t off, const void *buf, size_t len,
                       struct sf_errctx *ec)
{
    struct nor *n = P(f);
    unsigned k = ++n->n_program;
    op_before(n);
    uint64_t lb;
    if (locked_block(f, off, len, &lb))
        return sf_err_set(ec, SF_EIO, "%s: program at 0x%llx failed: the block is locked",
                          f->name, (unsigned long long)lb);
    if (fault_now(n, SF_NOR_FAULT_PROGRAM, 0, k))
        return sf_err_set(ec, SF_EIO, "%s: program at 0x%llx failed: injected program failure",
                          f->name, (unsigned long long)off);
    uint8_t *cur = malloc(len ? len : 1);
    if (!cur)
        return SF_ENOMEM;
    int rc = 0;
    if (pread(n->fd, cur, len, (off_t)off) != (ssize_t)len) {
        rc = io_err(ec, f, "program (read-modify)", off);
        goto out;
    }
    const uint8_t *in = buf;
    /* verify@K: one bit that should have gone to 0 stays 1 - how a worn or
     * marginal cell fails - in the second half of the range if it can. */
    size_t weak = len;
    uint8_t weak_bit = 0;
    for (size_t j = 0; j < len && fault_now(n, SF_NOR_FAULT_VERIFY, 0, k); j++) {
        size_t i = (len / 2 + j) % len;
        uint8_t clears = (uint8_t)(cur[i] & ~in[i]);
        if (clears) {
            weak = i;
            weak_bit = (uint8_t)(clears & -clears);
            break;
        }
    }
    for (size_t i = 0; i < len; i++) {
        /* NOR: a program can only clear bits. */
        if ((in[i] & ~cur[i]) && !n->o.and_semantics) {
            rc = sf_err_set(ec, SF_EIO, "%s: program at 0x%llx failed: byte 0x%llx is not erased "
                            "(%02Xh, asked for %02Xh)", f->name, (unsigned long long)off,
                            (unsigned long long)(off + i), cur[i], in[i]);
            goto out;
        }
        cur[i] &= in[i];
    }
    size_t wlen = len;
    int torn = fault_now(n, SF_NOR_FAULT_PROGRAM_TORN, SF_NOR_FAULT_POWERCUT, k);
    if (torn)
        wlen = len / 2;
    if (weak < len)
        cur[weak] |= weak_bit;
    if (pwrite(n->fd, cur, wlen, (off_t)off) != (ssize_t)wlen) {
        rc = io_err(ec, f, "program", off);
        goto out;
    }
    if (torn && n->o.fault == SF_NOR_FAULT_POWERCUT) {
        /* The power goes: no error path, no cleanup, no lock put back. */
        fsync(n->fd);
        raise(SIGKILL);
    }
    if (torn)
        rc = sf_err_set(ec, SF_EIO, "%s: program at 0x%llx interrupted after %zu of %zu bytes "
                        "(injected torn program)", f->name, (unsigned long long)off, wlen, len);
    else
        op_after(n, "program", off, len);
out:
    free(cur);
    return rc;
}

static int save_locks(struct nor *n, struct sf_errctx *ec)
{
    FILE *fp = fopen(n->locks_path, "w");
    if (!fp)
        return sf_err_set(ec, SF_EIO, "%s: %s", n->locks_path, strerror(errno));
    for (size_t b = 0; b < n->nblocks; b++)
        fputc(n->locked[b] ? '1' : '0', fp);
    fputc('\n', fp);
    return fclose(fp) == 0 ? 0 : sf_err_set(ec, SF_EIO, "%s: write failed", n->locks_path);
}

static int nor_lock(struct sf_flash *f, uint64_t off, uint64_t len, int lock, struct sf_errctx *ec)
{
    struct nor *n = P(f);
    if (!n->locked)
        return SF_ENOTSUP;
    unsigned k = lock ? ++n->n_lock : ++n->n_unlock;
    op_before(n);
    if (fault_now(n, lock ? SF_NOR_FAULT_LOCK : SF_NOR_FAULT_UNLOCK, 0, k))
        return sf_err_set(ec, SF_EIO, "%s: %s at 0x%llx failed: injected %s failure", f->name,
                          lock ? "lock" : "unlock", (unsigned long long)off,
                          lock ? "lock" : "unlock");
    for (uint64_t b = off / f->erase_size; b * f->erase_size < off + len && b < n->nblocks; b++)
        n->locked[b] = (uint8_t)lock;
    int rc = save_locks(n, ec);
    if (!rc)
        op_after(n, lock ? "lock" : "unlock", off, len);
    return rc;
}

static int nor_is_locked(struct sf_flash *f, uint64_t off, uint64_t len, int *locked,
                         struct sf_errctx *ec)
{
    (void)ec;
    uint64_t lb;
    if (!P(f)->locked)
        return SF_ENOTSUP;
    *locked = locked_block(f, off, len, &lb) != NULL;
    return 0;
}

static void nor_close(struct sf_flash *f)
{
    struct nor *n = P(f);
    close(n->fd);
    free(n->locked);
    free(n);
    free(f);
}

static const struct sf_flash_ops nor_ops = {
    nor_read, nor_erase, nor_program, nor_lock, nor_is_locked, nor_close,
};

static int load_locks(struct nor *n, int create, struct sf_errctx *ec)
{
    n->locked = calloc(n->nblocks ? n->nblocks : 1, 1);
    if (!n->locked)
        return SF_ENOMEM;
    FILE *fp = fopen(n->locks_path, "r");
    if (!fp)
        return create ? 0 : sf_err_set(ec, SF_ECONFIG, "%s: %s", n->locks_path, strerror(errno));
    for (size_t b = 0; b < n->nblocks; b++) {
        int c = fgetc(fp);
        if (c == EOF)
            break;
        n->locked[b] = c == '1';
    }
    fclose(fp);
    return 0;
}

int sf_nor_open(const char *path, const char *name, const struct sf_nor_opts *o,
                struct sf_flash **out, struct sf_errctx *ec)
{
    *out = NULL;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return sf_err_set(ec, e == EACCES ? SF_EACCES : SF_ENODEV, "%s: %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uint64_t)st.st_size % o->erase_size) {
        close(fd);
        return sf_err_set(ec, SF_ECONFIG, "%s: a file flash must be a regular file of whole "
                          "%u-byte erase blocks", path, o->erase_size);
    }
    struct sf_flash *f = calloc(1, sizeof(*f));
    struct nor *n = calloc(1, sizeof(*n));
    if (!f || !n) {
        free(f);
        free(n);
        close(fd);
        return SF_ENOMEM;
    }
    n->fd = fd;
    n->o = *o;
    n->nblocks = (size_t)((uint64_t)st.st_size / o->erase_size);
    snprintf(n->locks_path, sizeof(n->locks_path), "%s.locks", path);
    f->ops = &nor_ops;
    f->priv = n;
    f->size = (uint64_t)st.st_size;
    f->erase_size = o->erase_size;
    f->write_size = o->write_size;
    snprintf(f->name, sizeof(f->name), "%s", name);
    if (o->locks) {
        int rc = load_locks(n, 1, ec);
        if (rc) {
            nor_close(f);
            return rc;
        }
    }
    *out = f;
    return 0;
}

int sf_nor_set_locks(const char *path, uint32_t erase_size, uint64_t off, uint64_t len, int lock,
                     struct sf_errctx *ec)
{
    struct sf_nor_opts o;
    sf_nor_opts_default(&o);
    o.erase_size = erase_size;
    o.locks = 1;
    struct sf_flash *f = NULL;
    int rc = sf_nor_open(path, path, &o, &f, ec);
    if (rc)
        return rc;
    rc = nor_lock(f, off, len, lock, ec);
    nor_close(f);
    return rc;
}
